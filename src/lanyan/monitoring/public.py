"""What the monitoring domain (监测预警) tells other domains: its public read and outbox functions.

* :func:`alarm_facts`: one alarm as plain values (the 119 side opens an incident from it);
* :func:`unit_devices`: a unit's devices, online state and open alarms (the dispatch card);
* the transactional outbox (``monitoring_outbox``) seen by a consumer: :func:`next_event`,
  :func:`claim_event`, :func:`mark_delivered` and :func:`pending_events`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import utcnow
from lanyan.monitoring import alarm_machine
from lanyan.monitoring.choices import AlarmStatus, SignalKind
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm, OutboxEvent
from lanyan.registry.models import Device

# Open alarms (未处理, 已确认): the alarm machine's rule, as stored strings.
OPEN = tuple(s.value for s in AlarmStatus if s in alarm_machine.OPEN)


@dataclass(frozen=True)
class AlarmFacts:
    """An alarm record (报警记录) as another domain needs it; times are aware UTC."""

    id: int
    kind: str  # monitoring.choices.SignalKind value
    status: str  # monitoring.choices.AlarmStatus value
    source: str  # the sender's address as sent
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int | None
    point: str
    location: str
    unverified: bool
    handled_at: datetime | None
    raised_at: datetime | None = None  # when the alarm was raised (报警时间)


def alarm_facts(session: Session, alarm_id: int) -> AlarmFacts | None:
    """The alarm ``alarm_id`` (None when there is none); no scope check: the caller's."""
    row = session.get(MonitoringAlarm, alarm_id)
    if row is None:
        return None
    return AlarmFacts(
        row.id,
        row.kind,
        row.status,
        row.source,
        row.unit_id,
        row.building_id,
        row.jurisdiction_id,
        row.point,
        row.location,
        row.unverified,
        row.handled_at,
        row.raised_at,
    )


def unit_devices(session: Session, unit_id: int, limit: int = 50) -> dict[str, Any]:
    """The unit's devices as monitoring sees them: online (在线) from the last heartbeat, and
    the kinds of alarms still open on each. Empty lists when nothing is monitored; ``online``
    is None for a device that never reported."""
    rows = session.execute(
        select(Device.id, Device.code, Device.kind, Device.status, DeviceHealth.online,
               DeviceHealth.last_seen)
        .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
        .where(Device.unit_id == unit_id)
        .order_by(Device.code)
        .limit(limit)
    ).all()  # fmt: skip
    open_alarms: dict[int, list[str]] = {}
    for device_id, kind in session.execute(
        select(MonitoringAlarm.device_id, MonitoringAlarm.kind).where(
            MonitoringAlarm.unit_id == unit_id,
            MonitoringAlarm.status.in_(OPEN),
        )
    ):
        if device_id is not None:
            open_alarms.setdefault(device_id, []).append(kind)
    devices: list[dict[str, Any]] = [
        {
            "code": code,
            "kind": kind,
            "status": status,
            "online": online,
            "last_seen": last_seen,
            "open_alarms": sorted(set(open_alarms.get(did, []))),
        }
        for did, code, kind, status, online, last_seen in rows
    ]
    return {
        "devices": devices,
        "online": sum(1 for d in devices if d["online"]),
        "offline": sum(1 for d in devices if d["online"] is False),
        "never_reported": sum(1 for d in devices if d["online"] is None),
        "fire_alarms_open": sum(1 for d in devices if "fire" in d["open_alarms"]),
        "faults_open": sum(1 for d in devices if "fault" in d["open_alarms"]),
    }


def unit_health_counts(session: Session, unit_id: int) -> dict[str, int]:
    """A unit's device health over all its devices, counted in SQL: devices, online, offline,
    never reported, and its open fire alarms and faults."""
    online: dict[bool | None, int] = dict(
        session.execute(
            select(DeviceHealth.online, func.count())
            .select_from(Device)
            .outerjoin(DeviceHealth, DeviceHealth.device_id == Device.id)
            .where(Device.unit_id == unit_id)
            .group_by(DeviceHealth.online)
        ).all()
    )
    alarms = dict(
        session.execute(
            select(MonitoringAlarm.kind, func.count())
            .where(MonitoringAlarm.unit_id == unit_id, MonitoringAlarm.status.in_(OPEN))
            .group_by(MonitoringAlarm.kind)
        ).all()
    )
    return {
        "devices": sum(online.values()),
        "online": online.get(True, 0),
        "offline": online.get(False, 0),
        "never_reported": online.get(None, 0),
        "fire_alarms_open": alarms.get("fire", 0),
        "faults_open": alarms.get("fault", 0),
    }


# ---- the outbox, for its consumers ---------------------------------------------------------


@dataclass(frozen=True)
class OutboxMessage:
    """An undelivered domain event of the outbox, locked for its consumer."""

    id: int
    topic: str
    payload: dict[str, Any]


def next_event(session: Session, topic: str) -> int | None:
    """The id of the oldest undelivered event of ``topic`` (None: nothing pending)."""
    return session.execute(
        select(OutboxEvent.id)
        .where(OutboxEvent.topic == topic, OutboxEvent.delivered_at.is_(None))
        .order_by(OutboxEvent.id)
        .limit(1)
    ).scalar()


def claim_event(session: Session, event_id: int) -> OutboxMessage | None:
    """Row-lock the event (SELECT ... FOR UPDATE) and return it while it is undelivered; None
    when it does not exist or another consumer delivered it first."""
    event = session.execute(
        select(OutboxEvent).where(OutboxEvent.id == event_id).with_for_update()
    ).scalar_one_or_none()
    if event is None or event.delivered_at is not None:
        return None
    return OutboxMessage(event.id, event.topic, event.payload)


def mark_delivered(session: Session, event_id: int) -> None:
    """Mark a claimed event delivered now, in the caller's transaction."""
    event = session.get(OutboxEvent, event_id)
    if event is not None:
        event.delivered_at = utcnow()


def pending_events(session: Session, topic: str) -> int:
    """How many events of ``topic`` are undelivered."""
    return int(
        session.execute(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == topic, OutboxEvent.delivered_at.is_(None))
        ).scalar_one()
    )


@dataclass(frozen=True)
class OpsFigures:
    """What operations watch of monitoring, each one cheap indexed query (``/metrics``)."""

    open_fire_alarms: int  # fire alarms (火警) not yet closed by a person
    devices_online: int  # devices whose last heartbeat is recent (在线)
    oldest_pending_event_at: datetime | None  # the oldest outbox event not yet consumed


def ops_figures(session: Session) -> OpsFigures:
    """Open fire alarms, devices online and the oldest unconsumed outbox event, read now."""
    fire = select(func.count()).where(
        MonitoringAlarm.kind == SignalKind.FIRE.value, MonitoringAlarm.status.in_(OPEN)
    )
    online = select(func.count()).where(DeviceHealth.online.is_(True))
    oldest = select(func.min(OutboxEvent.created_at)).where(OutboxEvent.delivered_at.is_(None))
    return OpsFigures(
        open_fire_alarms=session.execute(fire).scalar_one(),
        devices_online=session.execute(online).scalar_one(),
        oldest_pending_event_at=session.execute(oldest).scalar_one(),
    )
