"""Durable intake of device frames: store first, so a confirm is only ever sent for a stored
event; stores each retransmission once; puts unknown senders in quarantine (隔离区). The event,
its alarms and the device's health are written in one transaction.

``store_events`` stores a whole batch (the gateway's group commit, a processor's fetch) in one
transaction with a handful of statements for all of it; ``store_event`` is a batch of one."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import Connection, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import LanyanError
from lanyan.monitoring import duty_check_service, meters
from lanyan.monitoring.alarms import (
    OpenAlarms,
    announce,
    apply_signals,
    heartbeats,
    insert_opened,
    place_of,
    refresh_status,
)
from lanyan.monitoring.choices import QuarantineStatus, SignalKind
from lanyan.monitoring.gb26875 import Frame, FrameError, decode, frame_to_json
from lanyan.monitoring.models import (
    DeviceAddress,
    MonitoringAlarm,
    MonitoringEvent,
    QuarantinedSender,
    sqlite_time,
)
from lanyan.monitoring.signals import NOT_ALARMS, Signal, signals_from
from lanyan.registry.choices import DeviceStatus
from lanyan.registry.models import Device
from lanyan.registry.scope import row_path
from lanyan.store import audit
from lanyan.store.audit import Actor

GB26875 = "gb26875"


class Stored(NamedTuple):
    """Outcome of storing one frame: the event row, and whether it was already there (a named
    tuple: one is made per frame)."""

    event_id: int
    duplicate: bool
    quarantined: bool


class DeviceRef(NamedTuple):
    """What the intake needs of a registry device: ids to tie events and alarms to (a named
    tuple: hundreds are made per batch, straight from result rows)."""

    id: int
    code: str
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int | None
    # The registry's status when resolved (at most ``DeviceCache.ttl`` old): a device heard
    # while its status is not online or fault gets its status refreshed (``alarms.heartbeats``).
    status: str = ""


_REF = (
    Device.id,
    Device.code,
    Device.unit_id,
    Device.building_id,
    Device.jurisdiction_id,
    Device.status,
)


_REF_SQL = "d.id, d.code, d.unit_id, d.building_id, d.jurisdiction_id, d.status"


def _in_chunks(conn: Connection, sql: str, head: tuple[Any, ...], values: list[str]) -> list[Any]:
    """Run ``sql`` (with ``{marks}`` for an IN list) over ``values`` in chunks, as driver SQL:
    SQLAlchemy's expanding IN costs more per value than the lookup itself."""
    mark = _mark(conn)
    rows: list[Any] = []
    for at in range(0, len(values), 500):
        chunk = values[at : at + 500]
        marks = ",".join([mark] * len(chunk))
        rows += conn.exec_driver_sql(sql.format(mark=mark, marks=marks), (*head, *chunk)).all()
    return rows


def resolve_devices(
    session: Session, protocol: str, addresses: Iterable[str]
) -> dict[str, DeviceRef]:
    """The registry devices behind protocol addresses, in two or three queries: an operator's
    binding, else a device of that protocol whose ``code`` is the address (case-insensitive)."""
    wanted = set(addresses)
    if not wanted:
        return {}
    conn = session.connection()
    found: dict[str, DeviceRef] = {
        row[0]: DeviceRef(*row[1:])
        for row in _in_chunks(
            conn,
            f"SELECT a.address, {_REF_SQL} FROM monitoring_device_addresses a "
            "JOIN devices d ON a.device_id = d.id "
            "WHERE a.protocol = {mark} AND a.address IN ({marks})",
            (protocol,),
            sorted(wanted),
        )
    }
    rest = wanted - found.keys()
    if rest:
        # Codes as sent or upper-case use the code index; other spellings need lower().
        for row in _in_chunks(
            conn,
            f"SELECT {_REF_SQL} FROM devices d WHERE d.protocol = {{mark}} AND d.code IN ({{marks}})",
            (protocol,),
            sorted(rest | {a.upper() for a in rest}),
        ):
            if row[1].lower() in rest:
                found.setdefault(row[1].lower(), DeviceRef(*row))
        rest -= found.keys()
    if rest:
        for row in session.execute(
            select(*_REF).where(Device.protocol == protocol, func.lower(Device.code).in_(rest))
        ).all():
            found.setdefault(row.code.lower(), DeviceRef(*row))
    return found


def addresses_of_units(
    session: Session, protocol: str, unit_ids: Iterable[int]
) -> dict[int, set[str]]:
    """The protocol addresses (lower-case, as ``resolve_devices`` reads them) of the registry
    devices of some units: each device's code, and every address an operator bound to it."""
    units = sorted(set(unit_ids))
    out: dict[int, set[str]] = {}
    for at in range(0, len(units), 500):
        chunk = units[at : at + 500]
        for unit_id, code in session.execute(
            select(Device.unit_id, Device.code).where(
                Device.protocol == protocol, Device.unit_id.in_(chunk)
            )
        ):
            if unit_id is not None:
                out.setdefault(unit_id, set()).add(code.lower())
        for unit_id, address in session.execute(
            select(Device.unit_id, DeviceAddress.address)
            .join(Device, Device.id == DeviceAddress.device_id)
            .where(DeviceAddress.protocol == protocol, Device.unit_id.in_(chunk))
        ):
            if unit_id is not None:
                out.setdefault(unit_id, set()).add(address.lower())
    return out


class DeviceCache:
    """Registry devices a long-running writer (the gateway's batch writer, an alarm processor)
    resolved recently, by protocol address. A UITD reporting a fire sends a burst (every
    detector that goes off is a frame), and each batch would otherwise look its device up
    again.

    - An entry is used for ``ttl`` seconds, then looked up again: a registry edit (a device
      moved to another unit or building) reaches new alarms within ``ttl``.
    - Only hits are kept: an unknown sender is looked up on every message, so an address an
      operator has just accepted is recognised at once.
    - ``store_events`` clears it when a batch fails on a constraint (a device deleted
      meanwhile), so a stale entry cannot wedge the writer.
    """

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._refs: dict[tuple[str, str], tuple[float, DeviceRef]] = {}

    def resolve(self, session: Session, protocol: str, addresses: set[str]) -> dict[str, DeviceRef]:
        """``resolve_devices``, answering from the cache where it can."""
        now = self.clock()
        found: dict[str, DeviceRef] = {}
        missing: set[str] = set()
        refs = self._refs
        for address in addresses:
            entry = refs.get((protocol, address))
            if entry is not None and now - entry[0] < self.ttl:
                found[address] = entry[1]
            else:
                missing.add(address)
        if missing:
            fetched = resolve_devices(session, protocol, missing)
            found.update(fetched)
            for address, ref in fetched.items():
                refs[(protocol, address)] = (now, ref)
            if len(refs) > 4 * max(len(addresses), 10_000):
                self._refs = {k: v for k, v in refs.items() if now - v[0] < self.ttl}
        return found

    def clear(self) -> None:
        self._refs.clear()


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


@dataclass(slots=True)
class Incoming:
    """One device message of any protocol, ready to store. ``(protocol, source, serial,
    digest)`` identifies it: a retransmission repeats all four and is stored once. Treat it
    as read-only (not frozen only because a frozen dataclass costs more to make, and the
    gateway makes one per frame)."""

    protocol: str
    source: str
    serial: int
    digest: str
    command: int
    type_flag: int | None
    device_time: datetime | None
    device_time_raw: str
    raw: str  # the message as received: a frame in hex, or a JSON payload
    # What it says, as a dict or its JSON text; None where ``raw`` is a GB/T 26875.3 frame,
    # whose view ``decoded_view`` rebuilds from the bytes when someone reads it.
    decoded: dict[str, Any] | str | None
    signals: list[Signal]


@dataclass(slots=True)
class Pending:
    """A message waiting to be stored: what came, when, and from which peer (read-only, see
    ``Incoming``)."""

    item: Incoming
    received_at: datetime
    peer: str

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.item.protocol, self.item.source, self.item.serial, self.item.digest)


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _stored_keys(session: Session, keys: list[tuple[str, str, int, str]]) -> list[Any]:
    """Events already stored under any of ``keys``, written as driver SQL because SQLAlchemy
    renders hundreds of expanding tuple parameters slowly. Standard SQL for SQLite and
    PostgreSQL."""
    conn = session.connection()
    mark = _mark(conn)
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


_EVENT_COLUMNS = (
    "protocol, source, serial, digest, command, type_flag, received_at, device_time, "
    "device_time_raw, peer, frame, decoded, device_id, jurisdiction_id, quarantined"
)
# Rows per INSERT statement: 15 parameters each stays far below both databases' limits.
_INSERT_ROWS = 400


@lru_cache(maxsize=64)
def _insert_sql(dialect: str, rows: int) -> str:
    """A multi-row INSERT that skips keys already stored (a retransmission, or a concurrent
    writer's copy); on PostgreSQL it returns the key of every row it did insert with its new
    id (on SQLite see ``_insert_events``)."""
    sql = f"INSERT INTO monitoring_events ({_EVENT_COLUMNS}) VALUES "
    if dialect == "sqlite":
        one = "(" + ",".join("?" * 15) + ")"
        return sql + ",".join([one] * rows) + " ON CONFLICT DO NOTHING"
    one = "(" + ",".join(["%s"] * 11 + ["CAST(%s AS JSON)"] + ["%s"] * 3) + ")"
    return (
        sql + ",".join([one] * rows) + " ON CONFLICT (protocol, source, serial, digest) "
        "DO NOTHING RETURNING id, protocol, source, serial, digest"
    )


# Device clocks repeat from frame to frame (the same few seconds), receive times do not.
_sqlite_device_time = lru_cache(maxsize=4096)(sqlite_time)


def _json_text(decoded: dict[str, Any] | str | None) -> str | None:
    if decoded is None or isinstance(decoded, str):
        return decoded
    return json.dumps(decoded, ensure_ascii=False, separators=(",", ":"))


def _insert_events(
    session: Session,
    fresh: dict[tuple[str, str, int, str], Pending],
    devices: dict[tuple[str, str], DeviceRef],
    quarantined: set[tuple[str, str]],
) -> dict[tuple[str, str, int, str], int]:
    """Insert the new messages with one statement per few hundred, no ORM and no SQLAlchemy
    parameter processing; returns the ids of those inserted by key (a key missing from the
    answer was already stored)."""
    conn = session.connection()
    dialect = conn.dialect.name
    sqlite = dialect == "sqlite"
    stamp = sqlite_time if sqlite else _identity
    device_stamp = _sqlite_device_time if sqlite else _identity
    params: list[Any] = []
    for p in fresh.values():
        item = p.item
        device = devices.get((item.protocol, item.source))
        params += (
            item.protocol,
            item.source,
            item.serial,
            item.digest,
            item.command,
            item.type_flag,
            stamp(p.received_at),
            device_stamp(item.device_time),
            item.device_time_raw,
            p.peer,
            item.raw,
            _json_text(item.decoded),
            device.id if device else None,
            device.jurisdiction_id if device else None,
            (item.protocol, item.source) in quarantined,
        )
    ids: dict[tuple[str, str, int, str], int] = {}
    keys = list(fresh)
    step = _INSERT_ROWS * 15
    # The DBAPI cursor of the session's connection (same transaction): SQLAlchemy's result
    # rows cost more to make than the insert of a heartbeat row costs to run.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        for at in range(0, len(params), step):
            chunk = params[at : at + step]
            rows = len(chunk) // 15
            if not sqlite:
                cursor.execute(_insert_sql(dialect, rows), tuple(chunk))
                for event_id, protocol, source, serial, digest in cursor.fetchall():
                    ids[(protocol, source, serial, digest)] = event_id
                continue
            # SQLite: no RETURNING. Each returned row is a step of its own, and the sqlite3
            # module lets go of the GIL around every step: with the event loop thread waiting
            # for it, hundreds of hand-overs per batch. One INSERT statement holds the write
            # lock throughout, so the rows it inserts get consecutive rowids (one past the
            # largest, https://sqlite.org/autoinc.html), ending at lastrowid.
            cursor.execute(_insert_sql("sqlite", rows), tuple(chunk))
            inserted, last = cursor.rowcount, cursor.lastrowid
            chunk_keys = keys[at // 15 : at // 15 + rows]
            if not inserted:
                continue
            # Not the ids SQLite documents: the batch fails, and the writer stores its
            # messages one by one, where lastrowid alone answers.
            unexpected = LanyanError("monitoring_events: rowids not as expected; retrying")
            if inserted == rows:
                new = dict(zip(chunk_keys, range(last - rows + 1, last + 1), strict=True))
                # Checked, not assumed: ``rows`` increasing ids from the first one's to
                # ``last`` can only be consecutive.
                cursor.execute(
                    "SELECT protocol, source, serial, digest FROM monitoring_events WHERE id = ?",
                    (last - rows + 1,),
                )
                if cursor.fetchone() != chunk_keys[0]:
                    raise unexpected
            else:
                # Some were stored before: those inserted now are the ones in the new range.
                new = {
                    (protocol, source, serial, digest): event_id
                    for event_id, protocol, source, serial, digest, _q in _stored_keys(
                        session, chunk_keys
                    )
                    if last - inserted < event_id <= last
                }
                if len(new) != inserted:
                    raise unexpected
            ids.update(new)
    finally:
        cursor.close()
    return ids


def _identity(value: Any) -> Any:
    return value


def _store_batch(
    session: Session, batch: Sequence[Pending], cache: DeviceCache | None
) -> list[Stored]:
    # A later copy of a message in the same batch is a duplicate of the first.
    fresh: dict[tuple[str, str, int, str], Pending] = {}
    for p in batch:
        fresh.setdefault(p.key, p)
    by_protocol: dict[str, set[str]] = {}
    for p in fresh.values():
        by_protocol.setdefault(p.item.protocol, set()).add(p.item.source)
    devices: dict[tuple[str, str], DeviceRef] = {}
    quarantined: set[tuple[str, str]] = set()
    done: dict[tuple[str, str, int, str], Stored] = {}
    for protocol, sources in by_protocol.items():
        if cache is None:
            found = resolve_devices(session, protocol, sources)
        else:
            found = cache.resolve(session, protocol, sources)
        devices.update({(protocol, a): d for a, d in found.items()})
        strangers = [
            p for p in fresh.values() if p.item.protocol == protocol and p.item.source not in found
        ]
        if not strangers:
            continue
        # Count only what is new from an unknown sender: a retransmission was counted.
        for event_id, protocol_, source, serial, digest, held in _stored_keys(
            session, [p.key for p in strangers]
        ):
            done[(protocol_, source, serial, digest)] = Stored(event_id, True, bool(held))
        heard: dict[str, list[tuple[datetime, str]]] = {}
        for p in strangers:
            if p.key not in done:
                heard.setdefault(p.item.source, []).append((p.received_at, p.peer))
        quarantined |= {(protocol, a) for a in _note_unknown_senders(session, protocol, heard)}
    for key in done:
        del fresh[key]
    inserted = _insert_events(session, fresh, devices, quarantined) if fresh else {}
    for key, p in fresh.items():
        if key in inserted:
            held = (p.item.protocol, p.item.source) in quarantined
            done[key] = Stored(inserted[key], duplicate=False, quarantined=held)
    missing = [key for key in fresh if key not in inserted]
    if missing:
        # Retransmissions of messages stored by an earlier batch or another process.
        for event_id, protocol, source, serial, digest, held in _stored_keys(session, missing):
            done[(protocol, source, serial, digest)] = Stored(event_id, True, bool(held))
            del fresh[(protocol, source, serial, digest)]
    _signals(session, fresh, done, devices)
    first = {key: id(p) for key, p in fresh.items()}
    return [
        done[p.key]
        if first.get(p.key) == id(p) or done[p.key].duplicate
        else done[p.key]._replace(duplicate=True)
        for p in batch
    ]


_HEARD = frozenset({DeviceStatus.ONLINE.value, DeviceStatus.FAULT.value})


def _signals(
    session: Session,
    fresh: dict[tuple[str, str, int, str], Pending],
    done: dict[tuple[str, str, int, str], Stored],
    devices: dict[tuple[str, str], DeviceRef],
) -> None:
    """Health and alarms for the newly stored messages, in arrival order, with a handful of
    queries for the whole batch. Health is one row per device: its latest heartbeat in the
    batch, written with one upsert statement (see ``alarms.heartbeats``)."""
    seen: dict[int, datetime] = {}
    unsettled: set[int] = set()  # heard, while the registry does not say online (or fault)
    alarming: list[Pending] = []
    answers: list[tuple[int, str, datetime]] = []  # 查岗应答: (unit, source, received)
    heartbeat = SignalKind.HEARTBEAT
    for p in fresh.values():
        signals = p.item.signals
        if len(signals) == 1 and signals[0].kind is heartbeat:
            beats, alarms = True, False
        else:
            beats = any(s.kind is heartbeat for s in signals)
            alarms = any(s.kind is not heartbeat for s in signals)
            if any(s.kind is SignalKind.DUTY_ANSWER for s in signals):
                device = devices.get((p.item.protocol, p.item.source))
                if device is not None and device.unit_id is not None:
                    answers.append((device.unit_id, p.item.source, p.received_at))
        if beats:
            device = devices.get((p.item.protocol, p.item.source))
            if device is not None:
                if device.status not in _HEARD:
                    unsettled.add(device.id)
                last = seen.get(device.id)
                if last is None or p.received_at > last:
                    seen[device.id] = p.received_at
        if alarms:
            alarming.append(p)
    if answers:
        duty_check_service.answer_from_devices(session, answers)
    if not alarming and not seen:
        return
    book = OpenAlarms(session)
    if alarming:
        book.include(
            (p.item.source, signal.kind.value, signal.point[:200])
            for p in alarming
            for signal in p.item.signals
            if signal.kind not in NOT_ALARMS
        )
    heartbeats(session, seen, book, unsettled)
    if not alarming:
        return
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
    session.flush()  # repeats and clears of alarms stored before this batch
    insert_opened(session, opened)
    announce(session, opened)
    # A fault opened or a reset: the registry's status follows (rare next to heartbeats).
    changed = {SignalKind.FAULT, SignalKind.RESET}
    refresh_status(
        session,
        {
            device.id
            for p in alarming
            if (device := devices.get((p.item.protocol, p.item.source))) is not None
            and any(s.kind in changed for s in p.item.signals)
        },
    )


def store_events(
    factory: sessionmaker[Session],
    batch: Sequence[Pending],
    *,
    devices: DeviceCache | None = None,
) -> list[Stored]:
    """Store a batch of device messages with their alarms in one transaction and commit;
    returns (in order) only once all are durable. One result per message; a retransmission,
    already stored or earlier in the batch, comes back as a duplicate of the stored event.

    Concurrent writers may race on the unique keys (the same retransmission through two
    processes, or the first messages of a new sender); the loser rolls back and tries again,
    then reads what the winner wrote.

    ``devices``: a long-running writer's ``DeviceCache``.
    """
    for _attempt in range(3):
        with factory() as session:
            try:
                out = _store_batch(session, batch, devices)
                session.commit()
            except IntegrityError:
                session.rollback()
                if devices is not None:
                    devices.clear()
                continue
            meters.count_stored(batch, out)
            return out
    raise LanyanError(f"could not store a batch of {len(batch)} device message(s)")


def store_event(
    factory: sessionmaker[Session], item: Incoming, received_at: datetime, peer: str
) -> Stored:
    """Store one device message with its alarms and commit; returns only once it is durable."""
    return store_events(factory, [Pending(item, received_at, peer)])[0]


def decoded_view(event: MonitoringEvent) -> dict[str, Any] | None:
    """What a stored message says: its stored view, or for a GB/T 26875.3 frame (stored as
    bytes only) the codec's JSON view of those bytes, as ``lanyan gb26875 decode`` prints it.
    None if the stored bytes no longer decode (a frame is only stored once they did)."""
    if event.decoded is not None:
        return event.decoded
    if event.protocol != GB26875:
        return None
    try:
        return frame_to_json(decode(bytes.fromhex(event.frame)))
    except (ValueError, FrameError):
        return None


def incoming_frame(frame: Frame, raw: bytes) -> Incoming:
    """A decoded GB/T 26875.3 frame in the storable form every protocol shares; like the
    gateway's hot path it stores the frame's bytes, not its decoded view."""
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
        decoded=None,
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


def reject_sender(
    session: Session,
    actor: Actor,
    protocol: str,
    address: str,
) -> QuarantinedSender:
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
    "DeviceCache",
    "DeviceRef",
    "Incoming",
    "Pending",
    "Stored",
    "accept_sender",
    "decoded_view",
    "incoming_frame",
    "pending_senders",
    "reject_sender",
    "resolve_device",
    "resolve_devices",
    "store_event",
    "store_events",
    "store_frame",
]
