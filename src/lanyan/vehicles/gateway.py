"""JT/T 808 gateway (平台 side): an asyncio TCP server for vehicle terminals.

Per message:

* location report 0x0200 and batch upload 0x0704: each position is checked
  (``rules.position_problem``); believable ones are stored and the platform general response
  0x8001 (result 0) is written only after their transaction committed; a message with no
  believable position is answered result 2 (消息有误) and its reasons logged;
* registration 0x0100: a terminal bound to a vehicle gets 0x8100 result 0 and an
  authentication code, an unbound one result 4 (no such terminal) and is quarantined —
  both after the commit;
* authentication 0x0102: 0x8001 result 0 when the code matches, else 1 (after the commit);
* heartbeat 0x0002: 0x8001 at once (nothing to store); terminal general response 0x0001: none;
* a frame with a bad escape, check code or length, or an undecodable body: 0x8001 result 2
  when its header could be read, else nothing; an unknown message id: result 3 (不支持).

Never a crash: every refusal is counted by reason and logged, and the connection keeps
serving. Sub-packets are joined per connection; every part's serial is answered once the
whole message is stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.tcpserver import TcpServer
from lanyan.core.timeutil import utcnow
from lanyan.vehicles import rules
from lanyan.vehicles.ingest import AUTHENTICATE, POSITIONS, REGISTER, Fix, Job, Outcome
from lanyan.vehicles.jt808 import frame as fr
from lanyan.vehicles.jt808 import messages as m
from lanyan.vehicles.writer import MAX_BATCH, Done, JobWriter

log = logging.getLogger(__name__)

MAX_IN_FLIGHT = 64


class Sink(Protocol):
    def enqueue(self, job: Job, done: Done) -> None: ...

    async def close(self) -> None: ...


@dataclass
class GatewayStats:
    connections: int = 0
    messages: int = 0
    positions: int = 0  # believable positions handed to the store
    stored: int = 0  # positions durably held after a commit (a retransmission counts again)
    acknowledged: int = 0
    refused: int = 0
    garbage_bytes: int = 0
    store_failures: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def location_fix(loc: m.Location, phone: str, received_at: datetime) -> Fix:
    signal = loc.extra(m.EXTRA_SIGNAL)
    satellites = loc.extra(m.EXTRA_SATELLITES)
    return Fix(
        phone=phone,
        reported_at=loc.time.astimezone(UTC),
        received_at=received_at,
        lat=loc.lat,
        lon=loc.lon,
        altitude_m=loc.altitude,
        speed_kmh=loc.speed / 10,
        heading=loc.heading,
        alarm=loc.alarm,
        status=loc.status,
        mileage_km=loc.extra(m.EXTRA_MILEAGE),
        fuel_l=loc.extra(m.EXTRA_FUEL),
        signal=None if signal is None else int(signal),
        satellites=None if satellites is None else int(satellites),
        extras="".join(f"{k:02x}{len(v):02x}{v.hex()}" for k, v in loc.extras),
    )


class Gateway(TcpServer):
    """Serve terminals on ``host:port``; store through a ``JobWriter`` on ``factory`` unless a
    ``sink`` is given."""

    protocol_name = "jt808"

    def __init__(
        self,
        factory: sessionmaker[Session] | None = None,
        *,
        sink: Sink | None = None,
        idle_timeout: float = 600.0,
        clock: Callable[[], datetime] = utcnow,
        max_batch: int = MAX_BATCH,
        max_delay: float = 0.002,
    ) -> None:
        if sink is None:
            if factory is None:
                raise ValueError("a gateway needs a session factory or a sink")
            sink = JobWriter(factory, max_batch=max_batch, max_delay=max_delay)
        super().__init__(idle_timeout)
        self.sink: Sink = sink
        self.clock = clock
        self.stats = GatewayStats()

    def _connection(self) -> _Connection:
        return _Connection(self)

    def refuse(self, connection: _Connection, reason: str, detail: str) -> None:
        self.stats.refused += 1
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        log.info("jt808 %s refused (%s): %s", connection.peer, reason, detail)

    # -- per frame ---------------------------------------------------------------------------

    def frame(self, raw: bytes, connection: _Connection) -> None:
        self.stats.messages += 1
        try:
            packet = fr.parse(raw)
        except fr.Jt808Error as exc:
            self.refuse(connection, exc.code, exc.reason)
            head = _readable_header(raw)
            if head is not None:
                connection.respond(head, m.BAD_MESSAGE)
            return
        whole = connection.joiner.add(packet, connection.loop.time())
        if whole is None:
            return
        head = whole.header
        parts = packet.header.total or 1
        try:
            msg = m.decode_body(head.msg_id, whole.body, head.revision)
        except fr.Jt808Error as exc:
            self.refuse(connection, exc.code, exc.reason)
            result = m.UNSUPPORTED if exc.code == "unknown_message" else m.BAD_MESSAGE
            connection.respond(head, result, parts)
            return
        connection.phone = head.phone
        now = self.clock()
        if isinstance(msg, m.Location | m.BatchLocation):
            items = (msg,) if isinstance(msg, m.Location) else msg.items
            fixes = []
            for loc in items:
                problem = rules.position_problem(loc.lat, loc.lon, loc.time, now)
                if problem is None:
                    fixes.append(location_fix(loc, head.phone, now))
                else:
                    self.refuse(
                        connection,
                        problem,
                        f"{loc.lat},{loc.lon} at {loc.time.isoformat()}: {rules.REASONS[problem]}",
                    )
            if not fixes:
                connection.respond(head, m.BAD_MESSAGE, parts)
                return
            self.stats.positions += len(fixes)
            self._submit(
                connection, Job(POSITIONS, head.phone, connection.peer, now, fixes), head, parts
            )
        elif isinstance(msg, m.Heartbeat):
            connection.respond(head, m.OK)
        elif isinstance(msg, m.Registration):
            job = Job(REGISTER, head.phone, connection.peer, now, revision=head.revision)
            self._submit(connection, job, head, parts)
        elif isinstance(msg, m.Authentication):
            job = Job(AUTHENTICATE, head.phone, connection.peer, now, auth_code=msg.auth_code)
            self._submit(connection, job, head, parts)
        elif isinstance(msg, m.TerminalResponse):
            return
        else:  # platform → terminal messages have no business arriving here
            self.refuse(
                connection, "unexpected_message", f"0x{head.msg_id:04x} is sent by the platform"
            )
            connection.respond(head, m.UNSUPPORTED, parts)

    def _submit(self, connection: _Connection, job: Job, head: fr.Header, parts: int) -> None:
        connection.hold()
        self.sink.enqueue(job, partial(self._done, connection, job, head, parts))

    def _done(
        self,
        connection: _Connection,
        job: Job,
        head: fr.Header,
        parts: int,
        outcome: Outcome | None,
        error: BaseException | None,
    ) -> None:
        connection.release()
        if error is not None or outcome is None:
            self.stats.store_failures += 1
            log.error("jt808 %s: storing serial %s failed: %r", connection.peer, head.serial, error)
            return  # no answer: the terminal retransmits
        if job.kind == REGISTER:
            result = m.REG_OK if outcome.ok else m.REG_NO_TERMINAL
            if not outcome.ok:
                self.refuse(
                    connection,
                    "unbound_terminal",
                    f"{head.phone} registered but is bound to no vehicle",
                )
            connection.send(m.RegistrationResponse(head.serial, result, outcome.auth_code), head)
            return
        if job.kind == AUTHENTICATE:
            if not outcome.ok:
                self.refuse(connection, "bad_auth_code", f"{head.phone} authentication refused")
            connection.respond(head, m.OK if outcome.ok else m.FAILED, parts)
            return
        self.stats.stored += outcome.stored
        self.stats.acknowledged += 1
        connection.respond(head, m.OK, parts)


def _readable_header(raw: bytes) -> fr.Header | None:
    """The header of a refused frame, when enough of it survives to answer it."""
    try:
        data = fr.unescape(raw[1:-1] if raw[:1] == b"\x7e" else raw)
    except fr.Jt808Error:
        return None
    try:
        return fr.read_header(data)[0]
    except fr.Jt808Error:
        return None


class _Connection(asyncio.Protocol):
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.scanner = fr.Scanner()
        self.joiner = fr.Reassembler()
        self.transport: Any = None
        self.peer = "?"
        self.phone = ""
        self.serial = 0
        self.in_flight = 0
        self.paused = False
        self.loop = asyncio.get_running_loop()
        self.last_heard = self.loop.time()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        info = transport.get_extra_info("peername")
        self.peer = f"{info[0]}:{info[1]}" if info else "?"
        self.gateway.stats.connections += 1
        self.gateway._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.gateway._connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.last_heard = self.loop.time()
        gateway = self.gateway
        scanner = self.scanner
        before = scanner.garbage
        for raw in scanner.feed(data):
            try:
                gateway.frame(raw, self)
            except Exception:  # a bug must not end the connection
                log.exception("jt808 %s: handling a frame failed", self.peer)
                gateway.refuse(self, "internal_error", "see the log")
        gateway.stats.garbage_bytes += scanner.garbage - before

    def send(self, msg: m.Message, head: fr.Header) -> None:
        if self.transport.is_closing():
            return
        body = m.encode_body(msg, head.revision)
        serial = self.serial
        self.serial = (serial + 1) & 0xFFFF
        out = fr.Header(msg.msg_id, head.phone, serial, head.revision, head.protocol_version)
        for frame in fr.build_split(out, body):
            self.transport.write(frame)

    def respond(self, head: fr.Header, result: int, parts: int = 1) -> None:
        """0x8001 to the message ``head`` (to each of its sub-packets' serials)."""
        for n in range(parts):
            self.send(m.PlatformResponse((head.serial + n) & 0xFFFF, head.msg_id, result), head)

    def hold(self) -> None:
        self.in_flight += 1
        if self.in_flight >= MAX_IN_FLIGHT and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def release(self) -> None:
        self.in_flight -= 1
        if self.paused and self.in_flight < MAX_IN_FLIGHT // 2 and not self.transport.is_closing():
            self.paused = False
            self.transport.resume_reading()
