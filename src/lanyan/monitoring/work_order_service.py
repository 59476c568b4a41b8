"""Repair work orders (维修工单): open one from a fault alarm, start the repair, mark it done
(which closes the fault alarm, recorded as handled by who marked it done), list a unit's
orders. Loads a row, calls one ``work_orders`` method, stores the state; every step audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound
from lanyan.monitoring import alarm_machine, handling
from lanyan.monitoring.choices import AlarmStatus, SignalKind, WorkOrderStatus
from lanyan.monitoring.models import MonitoringAlarm, RepairWorkOrder
from lanyan.monitoring.work_orders import WorkOrder
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "work-orders"


def to_domain(row: RepairWorkOrder) -> WorkOrder:
    return WorkOrder(
        id=row.id,
        alarm_id=row.alarm_id,
        opened_at=row.opened_at,
        status=WorkOrderStatus(row.status),
        repairer=row.repairer,
        work_done=row.work_done,
        done_by=row.done_by,
        done_at=row.done_at,
        closed_by=row.closed_by,
        closed_at=row.closed_at,
    )


def _audit(session: Session, actor: Actor, action: str, row: RepairWorkOrder, before: Any) -> None:
    audit.record(
        session,
        actor,
        action,
        handling.ORDER_SLUG,
        row.id,
        before,
        handling.order_snapshot(row),
        scope_path=row_path(session, row),
    )


def open_order(
    session: Session, actor: Actor, scope: Scope, alarm_id: int, at: datetime
) -> RepairWorkOrder:
    """报修: open the repair work order of an open fault alarm in ``scope``; one per alarm.
    Refused (naming the field) for a fire or other alarm, a closed one, or a second order."""
    audit.begin_write(session)
    alarm = handling._reachable(session, scope, alarm_id)
    if alarm.kind != SignalKind.FAULT.value:
        kind = SignalKind(alarm.kind)
        raise Conflict(
            f"alarm {alarm_id} is a {kind.value} ({kind.zh}) alarm: only a fault (故障) opens a "
            "repair work order",
            [FieldProblem("kind", "must be fault")],
        )
    if AlarmStatus(alarm.status) not in alarm_machine.OPEN:
        status = AlarmStatus(alarm.status)
        raise Conflict(
            f"alarm {alarm_id} is already {status.value} ({status.zh}): nothing to repair",
            [FieldProblem("status", "must be active or confirmed")],
        )
    existing = session.scalars(
        select(RepairWorkOrder.id).where(RepairWorkOrder.alarm_id == alarm_id)
    ).first()
    if existing is not None:
        raise Conflict(
            f"alarm {alarm_id} already has work order {existing}",
            [FieldProblem("alarm_id", "an alarm has one work order")],
        )
    row = RepairWorkOrder(
        alarm_id=alarm_id,
        unit_id=alarm.unit_id,
        jurisdiction_id=alarm.jurisdiction_id,
        device_id=alarm.device_id,
        status=WorkOrderStatus.OPEN.value,
        opened_by=actor.username,
        opened_at=at,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "open", row, None)
    return row


def open_for_maintenance(
    session: Session, actor: Actor, unit: Unit, title: str, at: datetime
) -> RepairWorkOrder:
    """报修 from a monthly maintenance record's 异常 item (``maintenance_service``): an order
    with no alarm, saying what to repair; the caller checked the unit is the actor's."""
    row = RepairWorkOrder(
        alarm_id=None,
        title=title[:300],
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        status=WorkOrderStatus.OPEN.value,
        opened_by=actor.username,
        opened_at=at,
    )
    session.add(row)
    session.flush()
    _audit(session, actor, "open", row, None)
    return row


def _reachable(session: Session, scope: Scope, order_id: int) -> RepairWorkOrder:
    row = session.get(RepairWorkOrder, order_id)
    if (
        row is None
        or not scope.contains(session, row.jurisdiction_id)
        or not scope.units.contains(row.unit_id)
    ):
        raise NotFound(f"no work order {order_id} in your jurisdiction")
    return row


def _step(
    session: Session,
    actor: Actor,
    scope: Scope,
    order_id: int,
    step: Callable[[WorkOrder], None],
) -> RepairWorkOrder:
    audit.begin_write(session)
    row = _reachable(session, scope, order_id)
    before = handling.order_snapshot(row)
    order = to_domain(row)
    step(order)
    row.status, row.repairer, row.work_done = order.status.value, order.repairer, order.work_done
    row.done_by, row.done_at = order.done_by, order.done_at
    session.flush()
    for event in order.events:
        _audit(session, actor, event.name, row, before)
    return row


def start_repair(
    session: Session, actor: Actor, scope: Scope, order_id: int, at: datetime, repairer: str
) -> RepairWorkOrder:
    """开始维修: who repairs it."""
    return _step(session, actor, scope, order_id, lambda o: o.start(at, actor.username, repairer))


def complete_repair(
    session: Session, actor: Actor, scope: Scope, order_id: int, at: datetime, work_done: str
) -> RepairWorkOrder:
    """维修完成 with what was done: the fault alarm, if still open, closes with it (已复位),
    recorded as handled by this person with the order's number and what was done."""
    row = _step(
        session, actor, scope, order_id, lambda o: o.complete(at, actor.username, work_done)
    )
    alarm_row = session.get(MonitoringAlarm, row.alarm_id) if row.alarm_id else None
    if alarm_row is not None and AlarmStatus(alarm_row.status) in alarm_machine.OPEN:
        alarm = handling.to_domain(alarm_row)
        note = f"维修工单 {row.id}: {row.work_done}"[: alarm_machine.NOTE_MAX]
        alarm.repaired(at, actor.username, note)
        handling.save(session, actor, alarm_row, alarm)
    return row


def order_item(
    row: RepairWorkOrder, alarm: MonitoringAlarm | None, unit: Unit | None
) -> dict[str, Any]:
    """An order as the API and the page show it; an order from a maintenance record has no
    alarm (its ``title`` says what to repair, in ``detail`` too)."""
    status = WorkOrderStatus(row.status)
    alarm_status = AlarmStatus(alarm.status) if alarm else None
    return {
        "id": row.id,
        "alarm_id": row.alarm_id,
        "title": row.title,
        "unit_code": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "point": alarm.point if alarm else "",
        "location": alarm.location if alarm else "",
        "detail": alarm.detail if alarm else row.title,
        "status": status.value,
        "status_label": status.zh,
        "alarm_status": alarm_status.value if alarm_status else None,
        "alarm_status_label": alarm_status.zh if alarm_status else "",
        "alarm_handled_by": alarm.handled_by if alarm else None,
        "opened_by": row.opened_by,
        "opened_at": row.opened_at,
        "repairer": row.repairer,
        "work_done": row.work_done,
        "done_by": row.done_by,
        "done_at": row.done_at,
        "closed_by": row.closed_by,
        "closed_at": row.closed_at,
        "actions": [a.value for a in to_domain(row).allowed_actions()],
    }


def _listing(scope: Scope) -> Any:
    stmt = (
        select(RepairWorkOrder, MonitoringAlarm, Unit)
        .outerjoin(MonitoringAlarm, MonitoringAlarm.id == RepairWorkOrder.alarm_id)
        .outerjoin(Unit, Unit.id == RepairWorkOrder.unit_id)
        .where(scope.within(RepairWorkOrder.jurisdiction_id))
    )
    if not scope.units.unrestricted:
        stmt = stmt.where(scope.units.within(RepairWorkOrder.unit_id))
    return stmt


def list_orders(
    session: Session, scope: Scope, status: WorkOrderStatus | None, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The orders in ``scope`` (a unit-bound user: their units'), newest first; one page in
    SQL."""
    stmt = _listing(scope)
    if status is not None:
        stmt = stmt.where(RepairWorkOrder.status == status.value)
    stmt = stmt.order_by(RepairWorkOrder.id.desc())
    rows, total = paginate(session, stmt, page, size)
    return [order_item(*r) for r in rows], total


def order_detail(session: Session, scope: Scope, order_id: int) -> dict[str, Any]:
    row = _reachable(session, scope, order_id)
    found = session.execute(_listing(scope).where(RepairWorkOrder.id == row.id)).one()
    return order_item(*found)


def faults_without_order(
    session: Session, scope: Scope, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The open fault alarms in ``scope`` that have no work order yet (报修 candidates), newest
    first; one page in SQL."""
    has_order = select(RepairWorkOrder.id).where(RepairWorkOrder.alarm_id == MonitoringAlarm.id)
    stmt = (
        select(MonitoringAlarm, Unit)
        .outerjoin(Unit, Unit.id == MonitoringAlarm.unit_id)
        .where(
            MonitoringAlarm.kind == SignalKind.FAULT.value,
            MonitoringAlarm.status.in_([s.value for s in alarm_machine.OPEN]),
            ~has_order.exists(),
            scope.within(MonitoringAlarm.jurisdiction_id),
        )
        .order_by(MonitoringAlarm.id.desc())
    )
    if not scope.units.unrestricted:
        stmt = stmt.where(scope.units.within(MonitoringAlarm.unit_id))
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "alarm_id": alarm.id,
            "unit_name": unit.name if unit else None,
            "unit_code": unit.code if unit else None,
            "point": alarm.point,
            "location": alarm.location,
            "detail": alarm.detail,
            "raised_at": alarm.raised_at,
            "status": alarm.status,
        }
        for alarm, unit in rows
    ], total
