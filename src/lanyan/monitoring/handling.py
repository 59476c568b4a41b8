"""Operator handling of alarms (报警处置): confirm or mark false, escalate unhandled fires,
and the per-unit and per-jurisdiction figures the plans ask for. Every operator action is
audited; domain events go to the outbox in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, func, select, update
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.alarms import refresh_status
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.events import DomainEvent, FireConfirmed, FireEscalated
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm, OutboxEvent
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Device, Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor

OPEN = (AlarmStatus.ACTIVE.value,)


def publish(session: Session, event: DomainEvent, at: datetime) -> None:
    session.add(OutboxEvent(topic=event.topic, payload=event.payload(), created_at=at))


def _snapshot(alarm: MonitoringAlarm) -> dict[str, Any]:
    return {
        "kind": alarm.kind,
        "status": alarm.status,
        "handled_by": alarm.handled_by,
        "note": alarm.note,
    }


NOTE_MAX = 500


def _open_alarm(
    session: Session, scope: Scope, alarm_id: int, unplaced: bool = False
) -> MonitoringAlarm:
    alarm = session.get(MonitoringAlarm, alarm_id)
    # An unregistered sender's alarm (no jurisdiction yet) is handled at the desks that see
    # it (``unplaced``, see ``views.sees_unplaced``).
    reachable = alarm is not None and (
        (unplaced and alarm.jurisdiction_id is None)
        or scope.contains(session, alarm.jurisdiction_id)
    )
    if alarm is None or not reachable:
        raise NotFound(f"no alarm {alarm_id} in your jurisdiction")
    if alarm.status not in OPEN:
        state = AlarmStatus(alarm.status)
        raise Conflict(
            f"alarm {alarm_id} is already {state.value} ({state.zh}); only an active alarm "
            "can be handled",
            [FieldProblem("status", f"must be active, is {state.value}")],
        )
    return alarm


def _check_note(note: str, required: bool = False) -> str:
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            "the note is too long", [FieldProblem("note", f"at most {NOTE_MAX} characters")]
        )
    if required and not note:
        raise ValidationFailed(
            "say why the alarm is false", [FieldProblem("note", "must not be empty")]
        )
    return note


def _handle(
    session: Session,
    actor: Actor,
    alarm: MonitoringAlarm,
    status: AlarmStatus,
    action: str,
    note: str,
    at: datetime,
) -> None:
    before = _snapshot(alarm)
    alarm.status = status.value
    alarm.handled_by, alarm.handled_at = actor.username, at
    alarm.note = note
    session.flush()
    if alarm.device_id is not None and alarm.kind == SignalKind.FAULT.value:
        refresh_status(session, [alarm.device_id])  # a fault marked false is closed
    audit.record(
        session,
        actor,
        action,
        "monitoring_alarms",
        alarm.id,
        before,
        _snapshot(alarm),
        scope_path=row_path(session, alarm),
    )


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
    audit.begin_write(session)
    note = _check_note(note)
    alarm = _open_alarm(session, scope, alarm_id, unplaced)
    if alarm.kind != SignalKind.FIRE.value:
        kind = SignalKind(alarm.kind)
        raise Conflict(
            f"alarm {alarm_id} is a {kind.value} ({kind.zh}), not a fire alarm: acknowledge it",
            [FieldProblem("kind", "must be fire to confirm")],
        )
    publish(
        session,
        FireConfirmed(
            alarm_id=alarm.id,
            unit_id=alarm.unit_id,
            building_id=alarm.building_id,
            jurisdiction_id=alarm.jurisdiction_id,
            point=alarm.point,
            location=alarm.location,
            raised_at=alarm.raised_at,
            confirmed_at=at,
            confirmed_by=actor.username,
        ),
        at,
    )
    _handle(session, actor, alarm, AlarmStatus.CONFIRMED, "confirm", note, at)
    return alarm


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
    audit.begin_write(session)
    note = _check_note(note)
    alarm = _open_alarm(session, scope, alarm_id, unplaced)
    if alarm.kind == SignalKind.FIRE.value:
        raise Conflict(
            f"alarm {alarm_id} is a fire alarm (火警): confirm it or mark it false",
            [FieldProblem("kind", "must not be fire to acknowledge")],
        )
    _handle(session, actor, alarm, AlarmStatus.CONFIRMED, "acknowledge", note, at)
    return alarm


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
    audit.begin_write(session)
    note = _check_note(note)
    alarm = _open_alarm(session, scope, alarm_id, unplaced)
    _handle(session, actor, alarm, AlarmStatus.FALSE_ALARM, "false_alarm", note, at)
    return alarm


def escalate_unhandled(session: Session, now: datetime, after: timedelta) -> list[MonitoringAlarm]:
    """Escalate each fire alarm still unhandled ``after`` its raising, once."""
    due = list(
        session.scalars(
            select(MonitoringAlarm).where(
                MonitoringAlarm.kind == SignalKind.FIRE.value,
                MonitoringAlarm.status.in_(OPEN),
                MonitoringAlarm.escalated_at.is_(None),
                MonitoringAlarm.raised_at <= now - after,
            )
        )
    )
    escalated = []
    for alarm in due:
        # Claim it with a conditional UPDATE: with several server workers sweeping at once,
        # only one of them escalates a given alarm.
        claimed = session.execute(
            update(MonitoringAlarm)
            .where(MonitoringAlarm.id == alarm.id, MonitoringAlarm.escalated_at.is_(None))
            .values(escalated_at=now, updated_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )
        if claimed.rowcount != 1:
            continue
        escalated.append(alarm)
        publish(
            session,
            FireEscalated(
                alarm_id=alarm.id,
                unit_id=alarm.unit_id,
                jurisdiction_id=alarm.jurisdiction_id,
                raised_at=alarm.raised_at,
                escalated_at=now,
                waited_s=(now - alarm.raised_at).total_seconds(),
            ),
            now,
        )
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
                                MonitoringAlarm.status.in_(OPEN),
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
