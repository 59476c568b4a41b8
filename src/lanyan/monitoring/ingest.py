"""Durable intake of device frames: store first, so a confirm is only ever sent for a stored
event; stores each retransmission once; puts unknown senders in quarantine (隔离区). The event,
its alarms and the device's health are written in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import LanyanError
from lanyan.monitoring.alarms import apply_signals, place_of
from lanyan.monitoring.choices import QuarantineStatus
from lanyan.monitoring.gb26875 import Frame, frame_to_json
from lanyan.monitoring.models import (
    DeviceAddress,
    MonitoringAlarm,
    MonitoringEvent,
    QuarantinedSender,
)
from lanyan.monitoring.signals import Signal, signals_from
from lanyan.registry.models import Device
from lanyan.registry.scope import row_path
from lanyan.store import audit
from lanyan.store.audit import Actor

GB26875 = "gb26875"


@dataclass(frozen=True)
class Stored:
    """Outcome of storing one frame: the event row, and whether it was already there."""

    event_id: int
    duplicate: bool
    quarantined: bool


def resolve_device(session: Session, protocol: str, address: str) -> Device | None:
    """The registry device behind a protocol address: an operator's binding, else a device of
    that protocol whose ``code`` is the address (hex, case-insensitive)."""
    bound = session.scalar(
        select(Device)
        .join(DeviceAddress, DeviceAddress.device_id == Device.id)
        .where(DeviceAddress.protocol == protocol, DeviceAddress.address == address)
    )
    if bound is not None:
        return bound
    return session.scalar(
        select(Device).where(Device.protocol == protocol, func.lower(Device.code) == address)
    )


def _note_unknown_sender(
    session: Session, protocol: str, address: str, at: datetime, peer: str
) -> bool:
    """Count a message from an unbound address; True while it is still not accepted."""
    row = session.scalar(
        select(QuarantinedSender).where(
            QuarantinedSender.protocol == protocol, QuarantinedSender.address == address
        )
    )
    if row is None:
        row = QuarantinedSender(
            protocol=protocol,
            address=address,
            status=QuarantineStatus.PENDING.value,
            first_seen=at,
            last_seen=at,
            frames=0,
        )
        session.add(row)
    row.frames += 1
    row.last_seen = at
    row.last_peer = peer
    return row.status != QuarantineStatus.ACCEPTED.value


@dataclass(frozen=True)
class Incoming:
    """One device message of any protocol, ready to store. ``(protocol, source, serial,
    digest)`` identifies it: a retransmission repeats all four and is stored once."""

    protocol: str
    source: str
    serial: int
    digest: str
    command: int
    type_flag: int | None
    device_time: datetime | None
    device_time_raw: str
    raw: str  # the message as received: a frame in hex, or a JSON payload
    decoded: dict[str, Any]
    signals: list[Signal]


def _existing(session: Session, item: Incoming) -> MonitoringEvent | None:
    return session.scalar(
        select(MonitoringEvent).where(
            MonitoringEvent.protocol == item.protocol,
            MonitoringEvent.source == item.source,
            MonitoringEvent.serial == item.serial,
            MonitoringEvent.digest == item.digest,
        )
    )


def store_event(
    factory: sessionmaker[Session], item: Incoming, received_at: datetime, peer: str
) -> Stored:
    """Store one device message with its alarms and commit; returns only once it is durable.

    Concurrent writers may race on the unique keys (same retransmission on two connections, or
    the first messages of a new sender); the loser rolls back and reads what the winner wrote.
    """
    for _attempt in range(3):
        with factory() as session:
            found = _existing(session, item)
            if found is not None:
                return Stored(found.id, duplicate=True, quarantined=found.quarantined)
            device = resolve_device(session, item.protocol, item.source)
            quarantined = device is None and _note_unknown_sender(
                session, item.protocol, item.source, received_at, peer
            )
            event = MonitoringEvent(
                protocol=item.protocol,
                source=item.source,
                serial=item.serial,
                digest=item.digest,
                command=item.command,
                type_flag=item.type_flag,
                received_at=received_at,
                device_time=item.device_time,
                device_time_raw=item.device_time_raw,
                peer=peer,
                frame=item.raw,
                decoded=item.decoded,
                device_id=device.id if device else None,
                jurisdiction_id=device.jurisdiction_id if device else None,
                quarantined=quarantined,
            )
            session.add(event)
            try:
                session.flush()
                apply_signals(session, event, device, item.signals)
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return Stored(event.id, duplicate=False, quarantined=quarantined)
    raise LanyanError(f"could not store the message from {item.source} serial {item.serial}")


def store_frame(
    factory: sessionmaker[Session], frame: Frame, raw: bytes, received_at: datetime, peer: str
) -> Stored:
    """Store one decoded GB/T 26875.3 frame and commit; returns only once the row is durable."""
    item = Incoming(
        protocol=GB26875,
        source=frame.source.hex(),
        serial=frame.serial,
        digest=hashlib.blake2b(frame.payload, digest_size=16).hexdigest(),
        command=frame.command,
        type_flag=frame.data.type if frame.data else None,
        device_time=frame.timestamp.value,
        device_time_raw=frame.timestamp.raw.hex(),
        raw=raw.hex(),
        decoded=frame_to_json(frame),
        signals=signals_from(frame),
    )
    return store_event(factory, item, received_at, peer)


def pending_senders(session: Session) -> list[QuarantinedSender]:
    """Unknown senders waiting for an operator, most recently heard first."""
    return list(
        session.scalars(
            select(QuarantinedSender)
            .where(QuarantinedSender.status == QuarantineStatus.PENDING.value)
            .order_by(QuarantinedSender.last_seen.desc())
        )
    )


def _quarantined(session: Session, protocol: str, address: str) -> QuarantinedSender:
    row = session.scalar(
        select(QuarantinedSender).where(
            QuarantinedSender.protocol == protocol, QuarantinedSender.address == address.lower()
        )
    )
    if row is None:
        raise LanyanError(
            f"no quarantined sender {protocol}:{address}", status=404, title="Not found"
        )
    return row


def _as_dict(row: QuarantinedSender) -> dict[str, Any]:
    return {"address": row.address, "status": row.status, "device_id": row.device_id}


def accept_sender(
    session: Session, actor: Actor, protocol: str, address: str, device_code: str
) -> QuarantinedSender:
    """Bind a quarantined address to a registry device; its stored events join that device."""
    audit.begin_write(session)
    row = _quarantined(session, protocol, address)
    device = session.scalar(select(Device).where(Device.code == device_code))
    if device is None:
        raise LanyanError(f"no device with code {device_code}", status=404, title="Not found")
    before = _as_dict(row)
    session.add(DeviceAddress(protocol=protocol, address=row.address, device_id=device.id))
    row.status = QuarantineStatus.ACCEPTED.value
    row.device_id = device.id
    row.decided_by = actor.username
    session.execute(
        update(MonitoringEvent)
        .where(MonitoringEvent.protocol == protocol, MonitoringEvent.source == row.address)
        .values(device_id=device.id, jurisdiction_id=device.jurisdiction_id, quarantined=False)
    )
    for alarm in session.scalars(
        select(MonitoringAlarm).where(
            MonitoringAlarm.source == row.address, MonitoringAlarm.unverified.is_(True)
        )
    ):
        for key, value in place_of(session, device).items():
            setattr(alarm, key, value)
        alarm.unverified = False
    session.flush()
    audit.record(
        session,
        actor,
        "accept",
        "monitoring_quarantine",
        row.id,
        before,
        _as_dict(row),
        scope_path=row_path(session, device),
    )
    return row


def reject_sender(session: Session, actor: Actor, protocol: str, address: str) -> QuarantinedSender:
    """Mark a quarantined address as not ours; its events stay stored and quarantined."""
    audit.begin_write(session)
    row = _quarantined(session, protocol, address)
    before = _as_dict(row)
    row.status = QuarantineStatus.REJECTED.value
    row.decided_by = actor.username
    session.flush()
    audit.record(session, actor, "reject", "monitoring_quarantine", row.id, before, _as_dict(row))
    return row


__all__ = [
    "GB26875",
    "Incoming",
    "Stored",
    "accept_sender",
    "pending_senders",
    "reject_sender",
    "resolve_device",
    "store_event",
    "store_frame",
]
