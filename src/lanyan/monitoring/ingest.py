"""Durable intake of device frames: store first, so a confirm is only ever sent for a stored
event; stores each retransmission once; puts unknown senders in quarantine (隔离区). The event,
its alarms and the device's health are written in one transaction.

``store_events`` stores a whole batch (the gateway's group commit, a processor's fetch) in one
transaction with a handful of statements for all of it; ``store_event`` is a batch of one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import LanyanError
from lanyan.monitoring.alarms import OpenAlarms, announce, apply_signals, heartbeats, place_of
from lanyan.monitoring.choices import QuarantineStatus, SignalKind
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


@dataclass(frozen=True, slots=True)
class DeviceRef:
    """What the intake needs of a registry device: ids to tie events and alarms to."""

    id: int
    code: str
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int | None


_REF = (Device.id, Device.code, Device.unit_id, Device.building_id, Device.jurisdiction_id)


def resolve_devices(
    session: Session, protocol: str, addresses: Iterable[str]
) -> dict[str, DeviceRef]:
    """The registry devices behind protocol addresses, in two or three queries: an operator's
    binding, else a device of that protocol whose ``code`` is the address (case-insensitive)."""
    wanted = set(addresses)
    if not wanted:
        return {}
    found: dict[str, DeviceRef] = {
        row[0]: DeviceRef(*row[1:])
        for row in session.execute(
            select(DeviceAddress.address, *_REF)
            .join(Device, DeviceAddress.device_id == Device.id)
            .where(DeviceAddress.protocol == protocol, DeviceAddress.address.in_(wanted))
        ).all()
    }
    rest = wanted - found.keys()
    if rest:
        # Codes as sent or upper-case use the code index; other spellings need lower().
        for row in session.execute(
            select(*_REF).where(
                Device.protocol == protocol, Device.code.in_(rest | {a.upper() for a in rest})
            )
        ).all():
            if row.code.lower() in rest:
                found.setdefault(row.code.lower(), DeviceRef(*row))
        rest -= found.keys()
    if rest:
        for row in session.execute(
            select(*_REF).where(Device.protocol == protocol, func.lower(Device.code).in_(rest))
        ).all():
            found.setdefault(row.code.lower(), DeviceRef(*row))
    return found


def resolve_device(session: Session, protocol: str, address: str) -> DeviceRef | None:
    """The registry device behind one protocol address (see ``resolve_devices``)."""
    return resolve_devices(session, protocol, [address]).get(address)


def _note_unknown_senders(
    session: Session, protocol: str, heard: dict[str, list[tuple[datetime, str]]]
) -> set[str]:
    """Count messages from unbound addresses (address → [(received_at, peer)], in order);
    returns the addresses still not accepted, whose events are quarantined."""
    if not heard:
        return set()
    rows = {
        row.address: row
        for row in session.scalars(
            select(QuarantinedSender).where(
                QuarantinedSender.protocol == protocol, QuarantinedSender.address.in_(heard)
            )
        )
    }
    for address, seen in heard.items():
        row = rows.get(address)
        if row is None:
            row = QuarantinedSender(
                protocol=protocol,
                address=address,
                status=QuarantineStatus.PENDING.value,
                first_seen=seen[0][0],
                last_seen=seen[0][0],
                frames=0,
            )
            session.add(row)
            rows[address] = row
        row.frames += len(seen)
        row.last_seen = max(row.last_seen, *(at for at, _peer in seen))
        row.last_peer = seen[-1][1]
    return {a for a, row in rows.items() if row.status != QuarantineStatus.ACCEPTED.value}


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


@dataclass(frozen=True)
class Pending:
    """A message waiting to be stored: what came, when, and from which peer."""

    item: Incoming
    received_at: datetime
    peer: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.item.protocol, self.item.source, self.item.serial, self.item.digest)


def _stored_keys(session: Session, keys: list[tuple[str, str, int, str]]) -> list[Any]:
    """Events already stored under any of ``keys``, written as driver SQL because SQLAlchemy
    renders hundreds of expanding tuple parameters slowly (a quarter of the gateway's time).
    Standard SQL for SQLite and PostgreSQL."""
    conn = session.connection()
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    rows: list[Any] = []
    for at in range(0, len(keys), 200):
        chunk = keys[at : at + 200]
        values = ",".join([f"({mark},{mark},{mark},{mark})"] * len(chunk))
        # A join with the keys as a VALUES table: both databases then look each key up in
        # the unique index (a row-value IN scans the whole index on SQLite).
        sql = (
            f"WITH k(p, s, n, d) AS (VALUES {values}) "
            "SELECT e.id, e.protocol, e.source, e.serial, e.digest, e.quarantined "
            "FROM k JOIN monitoring_events e "
            "ON e.protocol = k.p AND e.source = k.s AND e.serial = k.n AND e.digest = k.d"
        )
        rows += conn.exec_driver_sql(sql, tuple(v for key in chunk for v in key)).all()
    return rows


def _store_batch(session: Session, batch: Sequence[Pending]) -> list[Stored]:
    keys = list(dict.fromkeys(p.key for p in batch))
    # Retransmissions already stored (by an earlier batch or another process) are not stored
    # again; they are confirmed like the first copy.
    done: dict[tuple[str, str, int, str], Stored] = {
        (protocol, source, serial, digest): Stored(event_id, True, bool(quarantined))
        for event_id, protocol, source, serial, digest, quarantined in _stored_keys(session, keys)
    }
    fresh: dict[tuple[str, str, int, str], Pending] = {}
    for p in batch:
        if p.key not in done:
            fresh.setdefault(p.key, p)
    if not fresh:
        return [done[p.key] for p in batch]
    by_protocol: dict[str, set[str]] = {}
    for p in fresh.values():
        by_protocol.setdefault(p.item.protocol, set()).add(p.item.source)
    devices: dict[tuple[str, str], DeviceRef] = {}
    quarantined: set[tuple[str, str]] = set()
    for protocol, sources in by_protocol.items():
        found = resolve_devices(session, protocol, sources)
        devices.update({(protocol, a): d for a, d in found.items()})
        heard: dict[str, list[tuple[datetime, str]]] = {}
        for p in fresh.values():
            if p.item.protocol == protocol and p.item.source not in found:
                heard.setdefault(p.item.source, []).append((p.received_at, p.peer))
        quarantined |= {(protocol, a) for a in _note_unknown_senders(session, protocol, heard)}
    rows = []
    for p in fresh.values():
        item = p.item
        device = devices.get((item.protocol, item.source))
        rows.append(
            {
                "protocol": item.protocol,
                "source": item.source,
                "serial": item.serial,
                "digest": item.digest,
                "command": item.command,
                "type_flag": item.type_flag,
                "received_at": p.received_at,
                "device_time": item.device_time,
                "device_time_raw": item.device_time_raw,
                "peer": p.peer,
                "frame": item.raw,
                "decoded": item.decoded,
                "device_id": device.id if device else None,
                "jurisdiction_id": device.jurisdiction_id if device else None,
                "quarantined": (item.protocol, item.source) in quarantined,
            }
        )
    # One executemany, then the new ids by key: an INSERT … RETURNING in parameter order runs
    # row by row on SQLite (no sentinel for an autoincrement key), ten times slower.
    session.execute(insert(MonitoringEvent.__table__), rows)
    for event_id, protocol, source, serial, digest, quarantined in _stored_keys(
        session, list(fresh)
    ):
        done[(protocol, source, serial, digest)] = Stored(
            event_id, duplicate=False, quarantined=bool(quarantined)
        )
    _signals(session, fresh, done, devices)
    # A later copy of a message in the same batch is a duplicate of the first.
    first = {p.key: id(p) for p in fresh.values()}
    return [
        done[p.key] if first.get(p.key) == id(p) else replace(done[p.key], duplicate=True)
        for p in batch
    ]


def _signals(
    session: Session,
    fresh: dict[tuple[str, str, int, str], Pending],
    done: dict[tuple[str, str, int, str], Stored],
    devices: dict[tuple[str, str], DeviceRef],
) -> None:
    """Health and alarms for the newly stored messages, in arrival order, with a handful of
    queries for the whole batch."""
    seen: dict[int, datetime] = {}
    alarming: list[Pending] = []
    for p in fresh.values():
        device = devices.get((p.item.protocol, p.item.source))
        kinds = {signal.kind for signal in p.item.signals}
        if device is not None and SignalKind.HEARTBEAT in kinds:
            seen[device.id] = max(seen.get(device.id, p.received_at), p.received_at)
        if kinds - {SignalKind.HEARTBEAT}:
            alarming.append(p)
    if not alarming and not seen:
        return
    book = OpenAlarms(session)
    book.include(
        (p.item.source, signal.kind.value, signal.point[:200])
        for p in alarming
        for signal in p.item.signals
        if signal.kind not in (SignalKind.HEARTBEAT, SignalKind.RESET)
    )
    heartbeats(session, seen, book)
    places: dict[int, dict[str, int | None]] = {}
    opened = []
    for p in alarming:
        device = devices.get((p.item.protocol, p.item.source))
        place = None
        if device is not None:
            place = places.get(device.id) or places.setdefault(device.id, place_of(session, device))
        opened += apply_signals(
            session,
            event_id=done[p.key].event_id,
            source=p.item.source,
            at=p.received_at,
            device=device,
            signals=p.item.signals,
            book=book,
            place=place,
        )
    session.flush()
    announce(session, opened)


def store_events(factory: sessionmaker[Session], batch: Sequence[Pending]) -> list[Stored]:
    """Store a batch of device messages with their alarms in one transaction and commit;
    returns (in order) only once all are durable. One result per message; a retransmission,
    already stored or earlier in the batch, comes back as a duplicate of the stored event.

    Concurrent writers may race on the unique keys (the same retransmission through two
    processes, or the first messages of a new sender); the loser rolls back and tries again,
    then reads what the winner wrote.
    """
    for _attempt in range(3):
        with factory() as session:
            try:
                out = _store_batch(session, batch)
                session.commit()
            except IntegrityError:
                session.rollback()
                continue
            return out
    raise LanyanError(f"could not store a batch of {len(batch)} device message(s)")


def store_event(
    factory: sessionmaker[Session], item: Incoming, received_at: datetime, peer: str
) -> Stored:
    """Store one device message with its alarms and commit; returns only once it is durable."""
    return store_events(factory, [Pending(item, received_at, peer)])[0]


def incoming_frame(frame: Frame, raw: bytes) -> Incoming:
    """A decoded GB/T 26875.3 frame in the storable form every protocol shares."""
    return Incoming(
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


def store_frame(
    factory: sessionmaker[Session], frame: Frame, raw: bytes, received_at: datetime, peer: str
) -> Stored:
    """Store one decoded GB/T 26875.3 frame and commit; returns only once the row is durable."""
    return store_event(factory, incoming_frame(frame, raw), received_at, peer)


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
    session: Session,
    actor: Actor,
    protocol: str,
    address: str,
    device_code: str,
    algorithm: audit.HashName = "sha256",
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
        algorithm,
        scope_path=row_path(session, device),
    )
    return row


def reject_sender(
    session: Session,
    actor: Actor,
    protocol: str,
    address: str,
    algorithm: audit.HashName = "sha256",
) -> QuarantinedSender:
    """Mark a quarantined address as not ours; its events stay stored and quarantined."""
    audit.begin_write(session)
    row = _quarantined(session, protocol, address)
    before = _as_dict(row)
    row.status = QuarantineStatus.REJECTED.value
    row.decided_by = actor.username
    session.flush()
    audit.record(
        session, actor, "reject", "monitoring_quarantine", row.id, before, _as_dict(row), algorithm
    )
    return row


__all__ = [
    "GB26875",
    "DeviceRef",
    "Incoming",
    "Pending",
    "Stored",
    "accept_sender",
    "incoming_frame",
    "pending_senders",
    "reject_sender",
    "resolve_device",
    "resolve_devices",
    "store_event",
    "store_events",
    "store_frame",
]
