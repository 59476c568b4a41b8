"""Alarm pipeline basics: signals become alarm records and device health, inside the same
transaction that stores the event, so an event is never stored without its alarm."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lanyan.core.timeutil import to_local
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm, MonitoringEvent
from lanyan.monitoring.signals import Signal
from lanyan.registry.models import Building, Device

# Signals that open an alarm record; reset closes them, heartbeat only refreshes health.
ALARMING = (SignalKind.FIRE, SignalKind.FAULT, SignalKind.SUPERVISORY, SignalKind.FEEDBACK)


def _heartbeat(session: Session, device_id: int, at: datetime) -> None:
    health = session.get(DeviceHealth, device_id)
    if health is None:
        session.add(DeviceHealth(device_id=device_id, last_seen=at, online=True))
        return
    if at > health.last_seen:
        health.last_seen = at
    if not health.online:
        health.online = True
        _clear(session, device_id, None, at, kinds=(SignalKind.OFFLINE,))


def _active(session: Session, source: str, kind: SignalKind, point: str) -> MonitoringAlarm | None:
    return session.scalar(
        select(MonitoringAlarm).where(
            MonitoringAlarm.source == source,
            MonitoringAlarm.kind == kind.value,
            MonitoringAlarm.point == point,
            MonitoringAlarm.status.in_((AlarmStatus.ACTIVE.value, AlarmStatus.CONFIRMED.value)),
        )
    )


def _clear(
    session: Session,
    device_id: int | None,
    source: str | None,
    at: datetime,
    kinds: tuple[SignalKind, ...] = ALARMING,
) -> None:
    query = select(MonitoringAlarm).where(
        MonitoringAlarm.kind.in_([k.value for k in kinds]),
        MonitoringAlarm.status.in_((AlarmStatus.ACTIVE.value, AlarmStatus.CONFIRMED.value)),
    )
    query = (
        query.where(MonitoringAlarm.device_id == device_id)
        if device_id is not None
        else query.where(MonitoringAlarm.source == source)
    )
    for alarm in session.scalars(query):
        alarm.status = AlarmStatus.CLEARED.value
        alarm.cleared_at = at


def place_of(session: Session, device: Device | None) -> dict[str, int | None]:
    """Device, unit, building and jurisdiction ids an alarm from ``device`` is tied to."""
    if device is None:
        return {"device_id": None, "unit_id": None, "building_id": None, "jurisdiction_id": None}
    unit_id = device.unit_id
    if unit_id is None and device.building_id is not None:
        building = session.get(Building, device.building_id)
        unit_id = building.unit_id if building else None
    return {
        "device_id": device.id,
        "unit_id": unit_id,
        "building_id": device.building_id,
        "jurisdiction_id": device.jurisdiction_id,
    }


def apply_signals(
    session: Session, event: MonitoringEvent, device: Device | None, signals: list[Signal]
) -> list[MonitoringAlarm]:
    """Record what ``signals`` mean for alarms and health; returns the alarms opened now.

    Uses the receive time as the event time: device clocks cannot be trusted (reference D4).
    """
    at = event.received_at
    opened = []
    for signal in signals:
        if signal.kind is SignalKind.HEARTBEAT:
            if device is not None:
                _heartbeat(session, device.id, at)
        elif signal.kind is SignalKind.RESET:
            _clear(session, device.id if device else None, event.source, at)
        else:
            alarm = _active(session, event.source, signal.kind, signal.point)
            if alarm is not None:
                alarm.repeats += 1
                alarm.last_seen = at
                alarm.test_mode = alarm.test_mode or signal.test_mode
                continue
            alarm = MonitoringAlarm(
                kind=signal.kind.value,
                status=AlarmStatus.ACTIVE.value,
                event_id=event.id,
                source=event.source,
                point=signal.point[:200],
                location=signal.location[:100],
                detail=signal.detail[:200],
                test_mode=signal.test_mode,
                unverified=device is None,
                raised_at=at,
                last_seen=at,
                repeats=1,
                **place_of(session, device),
            )
            session.add(alarm)
            opened.append(alarm)
    session.flush()
    return opened


def sweep_offline(
    session: Session, now: datetime, heartbeat: timedelta, missed: int = 3
) -> list[MonitoringAlarm]:
    """Mark devices offline (离线) after ``missed`` heartbeat periods of silence; one offline
    alarm per device until it is heard again."""
    cutoff = now - heartbeat * missed
    opened = []
    stale = session.scalars(
        select(DeviceHealth).where(DeviceHealth.online.is_(True), DeviceHealth.last_seen < cutoff)
    )
    for health in list(stale):
        # A conditional UPDATE claims the device: when several server workers sweep at once,
        # only one of them raises its offline alarm.
        claimed = session.execute(
            update(DeviceHealth)
            .where(DeviceHealth.device_id == health.device_id, DeviceHealth.online.is_(True))
            .values(online=False)
            .execution_options(synchronize_session="fetch")
        )
        if claimed.rowcount != 1:
            continue
        device = session.get(Device, health.device_id)
        alarm = MonitoringAlarm(
            kind=SignalKind.OFFLINE.value,
            status=AlarmStatus.ACTIVE.value,
            source="",
            detail=f"最后心跳 last heartbeat {to_local(health.last_seen):%Y-%m-%d %H:%M:%S}",
            raised_at=now,
            last_seen=now,
            repeats=1,
            **place_of(session, device),
        )
        session.add(alarm)
        opened.append(alarm)
    session.flush()
    return opened
