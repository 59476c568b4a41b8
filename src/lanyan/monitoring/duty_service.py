"""Control-room shift handovers (消控室交接班): check the unit's open alarms with ``duty``'s rule
and record who handed over to whom, audited, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.accounts.models import AccountUnit, User
from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.monitoring import alarm_machine, duty
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.models import DutyHandover, MonitoringAlarm
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "duty"
OPERATOR_ROLE = "control_room_operator"


def _unit(session: Session, scope: Scope, unit_code: str) -> Unit:
    unit = session.execute(
        select(Unit).where(
            Unit.code == unit_code, scope.within(Unit.jurisdiction_id), scope.units.within(Unit.id)
        )
    ).scalar_one_or_none()
    if unit is None:
        raise NotFound(f"unit {unit_code} does not exist or is not one of your units")
    return unit


def open_alarms(session: Session, unit_id: int) -> list[duty.OpenAlarm]:
    """The unit's fire and fault alarms still open, oldest first."""
    rows = session.execute(
        select(MonitoringAlarm)
        .where(
            MonitoringAlarm.unit_id == unit_id,
            MonitoringAlarm.kind.in_([SignalKind.FIRE.value, SignalKind.FAULT.value]),
            MonitoringAlarm.status.in_([s.value for s in alarm_machine.OPEN]),
        )
        .order_by(MonitoringAlarm.raised_at, MonitoringAlarm.id)
    ).scalars()
    return [
        duty.OpenAlarm(a.id, SignalKind(a.kind), AlarmStatus(a.status), a.point, a.raised_at)
        for a in rows
    ]


def hand_over(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_code: str,
    accepted_by: str,
    note: str,
    at: datetime,
) -> DutyHandover:
    """交接班: refused (naming the alarms) while a fire alarm is open or a fault unhandled; the
    incoming operator must be a control-room operator bound to the unit."""
    audit.begin_write(session)
    unit = _unit(session, scope, unit_code)
    taker = session.execute(select(User).where(User.username == accepted_by)).scalar_one_or_none()
    bound = (
        taker is not None
        and session.execute(
            select(AccountUnit.unit_id).where(
                AccountUnit.user_id == taker.id, AccountUnit.unit_id == unit.id
            )
        ).first()
    )
    if taker is None or taker.role != OPERATOR_ROLE or not bound:
        raise ValidationFailed(
            f"{accepted_by} is not a control-room operator (消控室值班员) of unit {unit_code}",
            [FieldProblem("accepted_by", "must be a control-room operator bound to the unit")],
        )
    clean = duty.check_handover(
        actor.username, accepted_by, note, open_alarms(session, unit.id), at
    )
    row = DutyHandover(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        handed_by=actor.username,
        accepted_by=accepted_by,
        at=at,
        note=clean,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "handover",
        SLUG,
        row.id,
        None,
        public(row, unit_code),
        scope_path=row_path(session, row),
    )
    return row


def public(row: DutyHandover, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "handed_by": row.handed_by,
        "accepted_by": row.accepted_by,
        "at": row.at,
        "note": row.note,
    }


def handovers(
    session: Session, scope: Scope, unit_code: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The unit's handovers, latest first, paged in SQL."""
    unit = _unit(session, scope, unit_code)
    rows, total = paginate(
        session,
        select(DutyHandover)
        .where(DutyHandover.unit_id == unit.id)
        .order_by(DutyHandover.at.desc(), DutyHandover.id.desc()),
        page,
        size,
    )
    return [public(r, unit.code) for r in rows], total
