"""Control-room duty (消控室值班): the unit's duty roster with certificates, shifts of two
certified operators, the two-hourly duty log, shift handovers (refused while ``duty``'s rule
finds open alarms) and the monthly duty compliance per unit, counted in SQL. Every write is
audited in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, distinct, exists, func, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import AccountUnit, User
from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring import alarm_machine, duty
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.models import (
    DutyHandover,
    DutyLogEntry,
    DutyOperator,
    DutyShift,
    MonitoringAlarm,
)
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


def unit_in_scope(session: Session, scope: Scope, unit_code: str) -> Unit:
    """The unit, or 404 when it is outside the caller's jurisdiction or bound units."""
    return _unit(session, scope, unit_code)


def _check_operator(session: Session, unit: Unit, username: str, field: str) -> None:
    """Refuse a user who is not a control-room operator bound to the unit, naming ``field``."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    bound = (
        user is not None
        and session.execute(
            select(AccountUnit.unit_id).where(
                AccountUnit.user_id == user.id, AccountUnit.unit_id == unit.id
            )
        ).first()
    )
    if user is None or user.role != OPERATOR_ROLE or not bound:
        raise ValidationFailed(
            f"{username} is not a control-room operator (消控室值班员) of unit {unit.code}",
            [FieldProblem(field, "must be a control-room operator bound to the unit")],
        )


def blocking_alarms(session: Session, unit_id: int) -> list[duty.OpenAlarm]:
    """The unit's open alarms that refuse a handover (``duty.blocks_handover``)."""
    return [a for a in open_alarms(session, unit_id) if duty.blocks_handover(a)]


def my_units(session: Session, scope: Scope, most: int = 50) -> list[dict[str, str]]:
    """The units a unit-bound caller (a control room) is bound to, by code (at most ``most``:
    a control room watches a handful); none for a caller not bound to units."""
    if scope.units.unrestricted:
        return []
    rows = session.execute(
        select(Unit.code, Unit.name)
        .where(scope.within(Unit.jurisdiction_id), scope.units.within(Unit.id))
        .order_by(Unit.code)
        .limit(most)
    )
    return [{"code": c, "name": n} for c, n in rows]


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
    _check_operator(session, unit, accepted_by, "accepted_by")
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


# --- roster, shifts and the duty log ---------------------------------------------------------


def _record(session: Session, actor: Actor, action: str, row: Any, after: dict[str, Any]) -> None:
    audit.record(
        session, actor, action, SLUG, row.id, None, after, scope_path=row_path(session, row)
    )


def operator_public(row: DutyOperator, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "username": row.username,
        "certificate_no": row.certificate_no,
        "certificate_expires": row.certificate_expires,
    }


def save_operator(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_code: str,
    username: str,
    certificate_no: str,
    certificate_expires: date,
) -> DutyOperator:
    """Put an operator on the unit's roster with their certificate, or renew the certificate
    of one already on it. The operator must be a control-room operator bound to the unit."""
    audit.begin_write(session)
    unit = _unit(session, scope, unit_code)
    _check_operator(session, unit, username, "username")
    if not certificate_no.strip():
        raise ValidationFailed(
            "the certificate number is missing",
            [FieldProblem("certificate_no", "must not be blank")],
        )
    row = session.execute(
        select(DutyOperator)
        .where(DutyOperator.unit_id == unit.id, DutyOperator.username == username)
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        row = DutyOperator(unit_id=unit.id, jurisdiction_id=unit.jurisdiction_id, username=username)
        session.add(row)
    row.certificate_no = certificate_no.strip()
    row.certificate_expires = certificate_expires
    session.flush()
    _record(session, actor, "roster", row, operator_public(row, unit.code))
    return row


def _roster(session: Session, unit_id: int) -> list[duty.RosterOperator]:
    rows = session.execute(select(DutyOperator).where(DutyOperator.unit_id == unit_id)).scalars()
    return [duty.RosterOperator(r.username, r.certificate_no, r.certificate_expires) for r in rows]


def roster(
    session: Session, scope: Scope, unit_code: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The unit's duty roster by username, paged in SQL."""
    unit = _unit(session, scope, unit_code)
    rows, total = paginate(
        session,
        select(DutyOperator).where(DutyOperator.unit_id == unit.id).order_by(DutyOperator.username),
        page,
        size,
    )
    return [operator_public(r, unit.code) for r in rows], total


def shift_public(row: DutyShift, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "operators": [row.operator_1, row.operator_2],
        "slots": row.slots,
        "created_by": row.created_by,
    }


def add_shift(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_code: str,
    starts_at: datetime,
    ends_at: datetime,
    operators: list[str],
) -> DutyShift:
    """值班排班: refused unless two different operators of the roster, certified to the
    shift's end, staff it (``duty.check_shift``, naming the rule)."""
    audit.begin_write(session)
    unit = _unit(session, scope, unit_code)
    first, second = duty.check_shift(starts_at, ends_at, operators, _roster(session, unit.id))
    row = DutyShift(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        starts_at=starts_at,
        ends_at=ends_at,
        operator_1=first.username,
        operator_2=second.username,
        slots=duty.shift_slots(starts_at, ends_at),
        created_by=actor.username,
    )
    session.add(row)
    session.flush()
    _record(session, actor, "shift", row, shift_public(row, unit.code))
    return row


def shifts(
    session: Session, scope: Scope, unit_code: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The unit's shifts, latest first, paged in SQL."""
    unit = _unit(session, scope, unit_code)
    rows, total = paginate(
        session,
        select(DutyShift)
        .where(DutyShift.unit_id == unit.id)
        .order_by(DutyShift.starts_at.desc(), DutyShift.id.desc()),
        page,
        size,
    )
    return [shift_public(r, unit.code) for r in rows], total


def log_public(row: DutyLogEntry, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "at": row.at,
        "panel_state": row.panel_state,
        "note": row.note,
        "recorded_by": row.recorded_by,
        "recorded_at": row.recorded_at,
    }


def add_log_entry(
    session: Session,
    actor: Actor,
    scope: Scope,
    unit_code: str,
    at: datetime,
    panel_state: str,
    note: str,
    now: datetime,
) -> DutyLogEntry:
    """值班记录: the panel's state at ``at``; refused for a future time (naming ``at``)."""
    state, clean = duty.check_log_entry(at, now, panel_state, note)
    audit.begin_write(session)
    unit = _unit(session, scope, unit_code)
    row = DutyLogEntry(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        at=at,
        slot=duty.log_slot(at),
        panel_state=state.value,
        note=clean,
        recorded_by=actor.username,
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    _record(session, actor, "duty_log", row, log_public(row, unit.code))
    return row


def log_entries(
    session: Session, scope: Scope, unit_code: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The unit's duty-log entries, latest first, paged in SQL."""
    unit = _unit(session, scope, unit_code)
    rows, total = paginate(
        session,
        select(DutyLogEntry)
        .where(DutyLogEntry.unit_id == unit.id)
        .order_by(DutyLogEntry.at.desc(), DutyLogEntry.id.desc()),
        page,
        size,
    )
    return [log_public(r, unit.code) for r in rows], total


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first instant of ``month`` and of the next, in Asia/Shanghai (aware)."""
    first = month.replace(day=1)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return (
        datetime.combine(first, time(), tzinfo=CHINA_TZ),
        datetime.combine(nxt, time(), tzinfo=CHINA_TZ),
    )


def compliance(
    session: Session, scope: Scope, month: date, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Monthly duty compliance (值班合规) of every unit with a duty roster in scope, by code:
    shifts staffed, the two-hour log slots those shifts span (due) and how many of them hold
    an entry written during the shift (on time), and handovers — all counted in SQL."""
    start, end = month_bounds(month)
    in_month = and_(DutyShift.starts_at >= start, DutyShift.starts_at < end)
    shift_count = (
        select(func.count())
        .where(DutyShift.unit_id == Unit.id, in_month)
        .correlate(Unit)
        .scalar_subquery()
    )
    slots_due = (
        select(func.coalesce(func.sum(DutyShift.slots), 0))
        .where(DutyShift.unit_id == Unit.id, in_month)
        .correlate(Unit)
        .scalar_subquery()
    )
    logged = (
        select(func.count(distinct(DutyLogEntry.slot)))
        .where(
            DutyLogEntry.unit_id == Unit.id,
            exists().where(
                DutyShift.unit_id == DutyLogEntry.unit_id,
                in_month,
                DutyLogEntry.at >= DutyShift.starts_at,
                DutyLogEntry.at < DutyShift.ends_at,
            ),
        )
        .correlate(Unit)
        .scalar_subquery()
    )
    handover_count = (
        select(func.count())
        .where(DutyHandover.unit_id == Unit.id, DutyHandover.at >= start, DutyHandover.at < end)
        .correlate(Unit)
        .scalar_subquery()
    )
    stmt = (
        select(
            Unit.code,
            Unit.name,
            shift_count.label("shifts"),
            slots_due.label("slots_due"),
            logged.label("slots_logged"),
            handover_count.label("handovers"),
        )
        .where(
            scope.within(Unit.jurisdiction_id),
            scope.units.within(Unit.id),
            exists().where(DutyOperator.unit_id == Unit.id),
        )
        .order_by(Unit.code)
    )
    rows, total = paginate(session, stmt, page, size)
    items = []
    for code, name, n_shifts, due, on_time, n_handovers in rows:
        due, on_time = int(due), int(on_time)
        items.append(
            {
                "unit_code": code,
                "unit_name": name,
                "month": month.strftime("%Y-%m"),
                "shifts": int(n_shifts),
                "log_slots_due": due,
                "log_slots_on_time": on_time,
                "log_rate": round(on_time / due, 4) if due else None,
                "handovers": int(n_handovers),
            }
        )
    return items, total
