"""Operator handling of alarms (报警处置): load the domain ``Alarm`` (``alarm_machine``), apply
one action (confirm or mark false, acknowledge, escalate an unhandled fire), store its state
and events; plus the per-unit and per-jurisdiction figures the plans ask for. Every operator
action is audited; domain events go to the outbox in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, Select, and_, case, func, or_, select, update
from sqlalchemy.orm import Session

from lanyan.core.errors import NotFound
from lanyan.core.timeutil import utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.monitoring import alarm_machine, work_orders
from lanyan.monitoring.alarm_machine import (
    Alarm,
    AlarmConfirmed,
    AlarmEscalated,
    AlarmEvent,
    AlarmHandled,
    AlarmRepaired,
    SiteConfirmed,
)
from lanyan.monitoring.alarms import refresh_status
from lanyan.monitoring.choices import AlarmAction, AlarmStatus, SignalKind, SiteVerdict
from lanyan.monitoring.events import DomainEvent, FireConfirmed, FireEscalated
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm, OutboxEvent, RepairWorkOrder
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Device, Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import rowcount

SLUG = "monitoring_alarms"
ORDER_SLUG = "monitoring_work_orders"
# Statuses that wait for a person (未处理); the figures count a fault as open only in these.
UNHANDLED = tuple(s.value for s in AlarmStatus if s in alarm_machine.AWAITING_OPERATOR)


def publish(session: Session, event: DomainEvent, at: datetime) -> None:
    session.add(OutboxEvent(topic=event.topic, payload=event.payload(), created_at=at))


def _snapshot(alarm: MonitoringAlarm) -> dict[str, Any]:
    return {
        "kind": alarm.kind,
        "status": alarm.status,
        "handled_by": alarm.handled_by,
        "note": alarm.note,
        "site_verdict": alarm.site_verdict,
        "site_by": alarm.site_by,
        "site_note": alarm.site_note,
    }


def to_domain(row: MonitoringAlarm, under_repair: bool = False) -> Alarm:
    return Alarm(
        id=row.id,
        kind=SignalKind(row.kind),
        raised_at=row.raised_at,
        status=AlarmStatus(row.status),
        handled_by=row.handled_by,
        handled_at=row.handled_at,
        note=row.note or "",
        escalated_at=row.escalated_at,
        reset_at=row.reset_at,
        cleared_at=row.cleared_at,
        site_verdict=SiteVerdict(row.site_verdict) if row.site_verdict else None,
        site_by=row.site_by,
        site_at=row.site_at,
        site_note=row.site_note or "",
        under_repair=under_repair,
    )


def _outbox(row: MonitoringAlarm, event: AlarmEvent) -> DomainEvent | None:
    """What other domains hear of ``event``: a confirmed fire (the 119 side opens an incident)
    and an escalation."""
    if isinstance(event, AlarmConfirmed):
        return FireConfirmed(
            alarm_id=row.id,
            unit_id=row.unit_id,
            building_id=row.building_id,
            jurisdiction_id=row.jurisdiction_id,
            point=row.point,
            location=row.location,
            raised_at=row.raised_at,
            confirmed_at=event.at,
            confirmed_by=event.by,
        )
    if isinstance(event, AlarmEscalated):
        return FireEscalated(
            alarm_id=row.id,
            unit_id=row.unit_id,
            jurisdiction_id=row.jurisdiction_id,
            raised_at=row.raised_at,
            escalated_at=event.at,
            waited_s=event.waited_s,
        )
    return None


def save(
    session: Session,
    actor: Actor,
    row: MonitoringAlarm,
    alarm: Alarm,
) -> None:
    """Copy the domain state onto the row and write each recorded event: the outbox for other
    domains, the audit trail for a person's decision; the device's registry status follows a
    fault's handling."""
    before = _snapshot(row)
    for event in alarm.events:
        if (message := _outbox(row, event)) is not None:
            publish(session, message, event.at)
            if isinstance(message, FireConfirmed):  # and to other departments' webhooks
                exchange.emit(session, EventType.FIRE_ALARM_CONFIRMED, message.payload(), event.at)
    row.status = alarm.status.value
    row.handled_by, row.handled_at, row.note = alarm.handled_by, alarm.handled_at, alarm.note
    row.escalated_at, row.reset_at, row.cleared_at = (
        alarm.escalated_at,
        alarm.reset_at,
        alarm.cleared_at,
    )
    row.site_verdict = alarm.site_verdict.value if alarm.site_verdict else None
    row.site_by, row.site_at, row.site_note = alarm.site_by, alarm.site_at, alarm.site_note
    session.flush()
    closing = [e for e in alarm.events if e.to_state not in alarm_machine.OPEN]
    if closing and not any(isinstance(e, AlarmRepaired) for e in closing):
        _close_order_with(session, actor, row, closing[-1])
    if row.device_id is not None and alarm.kind is SignalKind.FAULT:
        refresh_status(session, [row.device_id])  # a fault marked false is closed
    for event in alarm.events:
        if isinstance(event, AlarmHandled | SiteConfirmed):
            audit.record(
                session,
                actor,
                event.name,
                SLUG,
                row.id,
                before,
                _snapshot(row),
                scope_path=row_path(session, row),
            )
    alarm.events.clear()


def order_snapshot(order: RepairWorkOrder) -> dict[str, Any]:
    return {
        "status": order.status,
        "repairer": order.repairer,
        "work_done": order.work_done,
        "done_by": order.done_by,
        "closed_by": order.closed_by,
    }


def _close_order_with(
    session: Session, actor: Actor, row: MonitoringAlarm, event: AlarmEvent
) -> None:
    """随报警关闭: the alarm was closed otherwise than by its order (误报 by a person): its open
    repair work order ends with it, recorded with who."""
    order = session.scalars(
        select(RepairWorkOrder).where(
            RepairWorkOrder.alarm_id == row.id,
            RepairWorkOrder.status.in_([s.value for s in work_orders.OPEN_STATES]),
        )
    ).one_or_none()
    if order is None:
        return
    before = order_snapshot(order)
    machine = work_orders.WorkOrder(
        id=order.id,
        alarm_id=row.id,
        opened_at=order.opened_at,
        status=work_orders.WorkOrderStatus(order.status),
    )
    machine.close_with_alarm(max(event.at, order.opened_at), event.by, event.to_state.value)
    order.status, order.closed_by, order.closed_at = (
        machine.status.value,
        machine.closed_by,
        machine.closed_at,
    )
    session.flush()
    audit.record(
        session,
        actor,
        work_orders.CLOSE_WITH_ALARM.value,
        ORDER_SLUG,
        order.id,
        before,
        order_snapshot(order),
        scope_path=row_path(session, order),
    )


def _reachable(
    session: Session, scope: Scope, alarm_id: int, unplaced: bool = False
) -> MonitoringAlarm:
    alarm = session.get(MonitoringAlarm, alarm_id)
    # An unregistered sender's alarm (no jurisdiction yet) is handled at the desks that see
    # it (``unplaced``, see ``views.sees_unplaced``).
    reachable = alarm is not None and (
        (unplaced and alarm.jurisdiction_id is None)
        or (
            scope.contains(session, alarm.jurisdiction_id)
            and scope.units.contains(alarm.unit_id)  # a control room: its own units' alarms
        )
    )
    if alarm is None or not reachable:
        raise NotFound(f"no alarm {alarm_id} in your jurisdiction")
    return alarm


def _decide(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    unplaced: bool,
    decision: Callable[[Alarm], None],
) -> MonitoringAlarm:
    """Load the alarm inside ``scope``, apply a person's ``decision``, store it; a refused
    decision writes nothing."""
    audit.begin_write(session)
    row = _reachable(session, scope, alarm_id, unplaced)
    alarm = to_domain(row)
    decision(alarm)
    save(session, actor, row, alarm)
    return row


def confirm_alarm(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    at: datetime,
    note: str = "",
    unplaced: bool = False,
) -> MonitoringAlarm:
    """Confirm a fire alarm as real (火警确认); publishes ``FireConfirmed`` for the 119 side.
    Faults and other signals are acknowledged instead (``acknowledge_alarm``)."""
    return _decide(
        session,
        actor,
        scope,
        alarm_id,
        unplaced,
        lambda alarm: alarm.confirm(at, actor.username, note),
    )


def acknowledge_alarm(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    at: datetime,
    note: str = "",
    unplaced: bool = False,
) -> MonitoringAlarm:
    """Acknowledge a fault, supervisory, feedback or offline alarm (故障确认): someone is on it.
    It stays counted as an open fault until the device reports the reset."""
    return _decide(
        session,
        actor,
        scope,
        alarm_id,
        unplaced,
        lambda alarm: alarm.acknowledge(at, actor.username, note),
    )


def mark_false_alarm(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    at: datetime,
    note: str = "",
    unplaced: bool = False,
) -> MonitoringAlarm:
    """Mark an alarm as false (误报); it counts in the unit's false-alarm rate."""
    return _decide(
        session,
        actor,
        scope,
        alarm_id,
        unplaced,
        lambda alarm: alarm.mark_false(at, actor.username, note),
    )


def site_confirm_alarm(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    verdict: SiteVerdict,
    at: datetime,
    note: str,
    within: timedelta,
) -> MonitoringAlarm:
    """现场确认 by the unit's control room: recorded and shown to the centre, never a close; a
    real fire escalates at once (``FireEscalated``), a false or test verdict in ``within``
    stops the escalation."""
    return _decide(
        session,
        actor,
        scope,
        alarm_id,
        False,
        lambda alarm: alarm.site_confirm(verdict, at, actor.username, note, within),
    )


def escalate_unhandled(
    session: Session, now: datetime, after: timedelta, most: int | None = None
) -> list[MonitoringAlarm]:
    """Escalate each alarm still unhandled ``after`` its raising, once (the machine's table says
    which: fire alarms nobody handled); at most ``most`` of them in this call."""
    escalating = AlarmAction.ESCALATE
    query = (
        select(MonitoringAlarm)
        .where(
            MonitoringAlarm.kind.in_([k.value for k in alarm_machine.kinds_for(escalating)]),
            MonitoringAlarm.status.in_([s.value for s in alarm_machine.states_for(escalating)]),
            MonitoringAlarm.escalated_at.is_(None),
            MonitoringAlarm.site_verdict.is_(None),  # not confirmed on site
            MonitoringAlarm.raised_at <= now - after,
        )
        .order_by(MonitoringAlarm.id)
    )
    due = list(session.scalars(query if most is None else query.limit(most)))
    escalated = []
    for row in due:
        alarm = to_domain(row)
        if not alarm.is_due_for_escalation(now, after):
            continue
        alarm.escalate(now, after)
        # Claim it with a conditional UPDATE: with several server workers sweeping at once,
        # only one of them escalates a given alarm.
        claimed = session.execute(
            update(MonitoringAlarm)
            .where(MonitoringAlarm.id == row.id, MonitoringAlarm.escalated_at.is_(None))
            .values(escalated_at=alarm.escalated_at, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        if rowcount(claimed) != 1:
            continue
        escalated.append(row)
        for event in alarm.events:
            if (message := _outbox(row, event)) is not None:
                publish(session, message, event.at)
    session.flush()
    return escalated


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFigures:
    """Per unit: devices, online share (0–1), open faults, fire alarms, false-alarm share (0–1)."""

    unit_id: int
    devices: int
    online: int
    open_faults: int
    fire_alarms: int
    false_alarms: int

    @property
    def online_rate(self) -> float | None:
        return self.online / self.devices if self.devices else None

    @property
    def false_alarm_rate(self) -> float | None:
        """False alarms over fire alarms that an operator handled or that are still open."""
        return self.false_alarms / self.fire_alarms if self.fire_alarms else None


def unit_figures(session: Session, scope: Scope) -> list[UnitFigures]:
    in_scope = Unit.jurisdiction_id.in_(
        select(Jurisdiction.id).where(scope.jurisdictions())
    ) & scope.units.within(Unit.id)
    devices = dict(
        session.execute(
            select(Device.unit_id, func.count())
            .where(Device.unit_id.is_not(None))
            .group_by(Device.unit_id)
        ).all()
    )
    online = dict(
        session.execute(
            select(Device.unit_id, func.count())
            .join(DeviceHealth, DeviceHealth.device_id == Device.id)
            .where(DeviceHealth.online.is_(True))
            .group_by(Device.unit_id)
        ).all()
    )
    is_fire = MonitoringAlarm.kind == SignalKind.FIRE.value
    alarms = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                MonitoringAlarm.unit_id,
                func.sum(
                    case(
                        (
                            and_(
                                MonitoringAlarm.kind == SignalKind.FAULT.value,
                                MonitoringAlarm.status.in_(UNHANDLED),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ).cast(Integer),
                func.sum(case((is_fire, 1), else_=0)).cast(Integer),
                func.sum(
                    case(
                        (and_(is_fire, MonitoringAlarm.status == AlarmStatus.FALSE_ALARM.value), 1),
                        else_=0,
                    )
                ).cast(Integer),
            )
            .where(MonitoringAlarm.unit_id.is_not(None))
            .group_by(MonitoringAlarm.unit_id)
        ).all()
    }
    out = []
    for unit_id in session.scalars(select(Unit.id).where(in_scope).order_by(Unit.id)):
        faults, fires, false = alarms.get(unit_id, (0, 0, 0))
        out.append(
            UnitFigures(
                unit_id, devices.get(unit_id, 0), online.get(unit_id, 0), faults, fires, false
            )
        )
    return out


def unit_figures_query(scope: Scope) -> Select[*tuple[Any, ...]]:
    """Units in ``scope`` with devices or fire alarms, least healthy first, as rows of (id,
    code, name, category, devices, online, open faults, fire alarms, false alarms): one
    statement for ``paginate`` (the monitoring centre's unit table, 50 at a time)."""
    in_scope = Unit.jurisdiction_id.in_(
        select(Jurisdiction.id).where(scope.jurisdictions())
    ) & scope.units.within(Unit.id)
    dev = (
        select(Device.unit_id.label("uid"), func.count().label("n"))
        .where(Device.unit_id.is_not(None))
        .group_by(Device.unit_id)
        .subquery()
    )
    onl = (
        select(Device.unit_id.label("uid"), func.count().label("n"))
        .join(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(DeviceHealth.online.is_(True))
        .group_by(Device.unit_id)
        .subquery()
    )
    is_fire = MonitoringAlarm.kind == SignalKind.FIRE.value
    open_fault = and_(
        MonitoringAlarm.kind == SignalKind.FAULT.value, MonitoringAlarm.status.in_(UNHANDLED)
    )
    false = and_(is_fire, MonitoringAlarm.status == AlarmStatus.FALSE_ALARM.value)
    al = (
        select(
            MonitoringAlarm.unit_id.label("uid"),
            func.sum(case((open_fault, 1), else_=0)).label("faults"),
            func.sum(case((is_fire, 1), else_=0)).label("fires"),
            func.sum(case((false, 1), else_=0)).label("false_alarms"),
        )
        .where(MonitoringAlarm.unit_id.is_not(None))
        .group_by(MonitoringAlarm.unit_id)
        .subquery()
    )
    devices = func.coalesce(dev.c.n, 0).cast(Integer)
    online = func.coalesce(onl.c.n, 0).cast(Integer)
    faults = func.coalesce(al.c.faults, 0).cast(Integer)
    fires = func.coalesce(al.c.fires, 0).cast(Integer)
    rate = case((devices > 0, online.cast(Float) / devices), else_=2.0)
    return (
        select(
            Unit.id,
            Unit.code,
            Unit.name,
            Unit.category,
            devices,
            online,
            faults,
            fires,
            func.coalesce(al.c.false_alarms, 0).cast(Integer),
        )
        .outerjoin(dev, dev.c.uid == Unit.id)
        .outerjoin(onl, onl.c.uid == Unit.id)
        .outerjoin(al, al.c.uid == Unit.id)
        .where(in_scope, or_(devices > 0, fires > 0))
        .order_by(rate, faults.desc(), Unit.id)
    )


def key_unit_connection_rate(session: Session, scope: Scope) -> tuple[int, int]:
    """联网接入率 as (connected, all): key units with at least one device that has reported to
    the platform (has a heartbeat record), over all key units in scope."""
    key_units = select(Unit.id).where(
        Unit.category == UnitCategory.KEY.value,
        Unit.jurisdiction_id.in_(select(Jurisdiction.id).where(scope.jurisdictions())),
    )
    total = session.scalar(select(func.count()).select_from(key_units.subquery())) or 0
    connected = (
        session.scalar(
            select(func.count(func.distinct(Device.unit_id)))
            .join(DeviceHealth, DeviceHealth.device_id == Device.id)
            .where(Device.unit_id.in_(key_units))
        )
        or 0
    )
    return connected, total
