"""GB/T 26875.3 gateway (监控中心 side): an asyncio TCP server for user information
transmission devices (用户信息传输装置), which connect as clients (reference §1).

Per frame (§6.3, §6.5.3): send data (2) is stored and committed, then confirmed (3); a frame
with a bad checksum, unreadable application data or an unknown command byte is denied (6); a
response (5) to a query is stored without reply; confirm and deny from the device end an
exchange and need no reply. When storing fails nothing is sent, so the device retransmits.

Remote duty checks (查岗, GB/T 26875.3 type 91, a control command 1 from the centre): a device
is known by the source address of its frames. Every ``duty_poll`` seconds (default 1) the
gateway asks the database for pending checks not yet sent to any device whose unit has a
device connected to *this* process, claims them (``device_sent_at``, set only where it is
still empty, so with several gateway processes exactly one sends each check) and writes a
type-91 frame with the answer time in minutes down each such link. The device confirms (3)
and its duty person answers with a UITD operation record (type 24) with bit 5 查岗应答, which
is stored like any frame and answers the check (``duty_check_service.answer_from_devices``).
A check no device answers is still open to the control room's page, and housekeeping marks
it missed. The command is sent once (no §6.5 retransmission: the page is the fallback).

Where a frame goes is the gateway's ``sink``: in embedded mode a ``BatchWriter`` that stores
frames from all connections in group commits; in service mode a JetStream publisher
(``monitoring.nats``), where "durable" means the stream acknowledged it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.tcpserver import TcpServer
from lanyan.core.timeutil import utcnow
from lanyan.monitoring import duty_check_service
from lanyan.monitoring.batching import MAX_BATCH, BatchWriter, Done, StoreBatch
from lanyan.monitoring.gb26875 import FrameError, encode, encode_appdata
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import header_fields
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner
from lanyan.monitoring.hotpath import Head, Replies, read_frame
from lanyan.monitoring.ingest import GB26875, Pending, addresses_of_units

log = logging.getLogger(__name__)

READ_CHUNK = 4096
# Frames of one connection waiting for their commit before the gateway stops reading it: a
# device waits for each confirm, so only a misbehaving peer gets near this.
MAX_IN_FLIGHT = 64


@dataclass
class GatewayStats:
    """Counters since start, for logs and tests."""

    connections: int = 0
    frames: int = 0
    stored: int = 0
    duplicates: int = 0
    confirmed: int = 0
    denied: int = 0
    garbage_bytes: int = 0
    idle_closed: int = 0
    store_failures: int = 0
    duty_checks_sent: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop (libuv) where it is installed: the same asyncio API with less
    overhead per socket read and write; None means asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


DUTY_CHECK = 91  # 查岗命令 (Table 3; 图46: one object, the answer time in minutes)


def duty_commands(
    factory: sessionmaker[Session], connected: set[str], now: datetime
) -> list[tuple[str, int, int]]:
    """Claim the pending checks to send to the devices at ``connected`` (addresses, lower-case
    hex) and commit the claim; (address, check id, minutes) for each frame to write."""
    with factory() as session:
        rows = duty_check_service.unsent_to_devices(session, now)
        if not rows:
            return []
        by_unit = addresses_of_units(session, GB26875, {r.unit_id for r in rows})
        wanted = [
            (r, a) for r in rows for a in sorted(by_unit.get(r.unit_id, ())) if a in connected
        ]
        if not wanted:
            return []
        claimed = set(
            duty_check_service.mark_sent_to_devices(session, sorted({r.id for r, _ in wanted}), now)
        )
        out = [
            (a, r.id, duty_check_service.answer_minutes(r)) for r, a in wanted if r.id in claimed
        ]
        session.commit()
        return out


class Sink(Protocol):
    """Where decoded messages go. ``enqueue`` calls ``done(result, None)`` on the event loop
    once the message is durable (``result``: the stored event, or None when the sink cannot
    tell whether it was a duplicate), or ``done(None, error)`` when it could not be stored. A
    plain callback rather than a future: a future per frame costs a scheduled callback more."""

    def enqueue(self, pending: Pending, done: Done) -> None: ...

    async def close(self) -> None: ...


class Gateway(TcpServer):
    """Serve devices on ``host:port``. ``idle_timeout`` (seconds) closes a silent connection;
    a UITD sends its running state (type 21) periodically, so a live one is never idle long.

    Without a ``sink`` the gateway stores into ``factory``'s database through a
    ``BatchWriter`` (``store``, ``max_batch`` and ``max_delay`` are its settings).

    Connections are asyncio protocols rather than streams: a frame costs a callback, not a
    task, and a confirm is written from the commit's callback.
    """

    protocol_name = "gb26875"

    def __init__(
        self,
        factory: sessionmaker[Session] | None = None,
        *,
        idle_timeout: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
        sink: Sink | None = None,
        store: StoreBatch | None = None,
        max_batch: int = MAX_BATCH,
        max_delay: float = 0.002,
        duty_sessions: sessionmaker[Session] | None = None,
        duty_poll: float | None = 1.0,
    ) -> None:
        """``duty_sessions``: the database the 查岗 poll reads (default ``factory``; in service
        mode the CLI passes one); ``duty_poll`` None turns the poll off."""
        if sink is None:
            if factory is None:
                raise ValueError("a gateway needs a session factory or a sink")
            sink = BatchWriter(factory, store=store, max_batch=max_batch, max_delay=max_delay)
        super().__init__(idle_timeout)
        self.sink: Sink = sink
        self.clock = clock
        self.stats = GatewayStats()
        self._replies = Replies()
        self.duty_sessions = duty_sessions if duty_sessions is not None else factory
        self.duty_poll = duty_poll
        self._by_address: dict[str, _Connection] = {}
        self._duty_task: asyncio.Task[None] | None = None

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096
    ) -> tuple[str, int]:
        bound = await super().start(host, port, backlog)
        if self.duty_sessions is not None and self.duty_poll:
            self._duty_task = asyncio.create_task(self._poll_duty_checks())
        return bound

    async def close(self) -> None:
        if self._duty_task is not None:
            self._duty_task.cancel()
        await super().close()

    async def _poll_duty_checks(self) -> None:
        assert self.duty_sessions is not None and self.duty_poll
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.duty_poll)
            if not self._by_address:
                continue
            try:
                commands = await loop.run_in_executor(
                    None, duty_commands, self.duty_sessions, set(self._by_address), self.clock()
                )
            except Exception:  # a database hiccup: try again next round
                log.exception("gb26875: polling duty checks failed")
                continue
            for address, check_id, minutes in commands:
                self.send_duty_check(address, minutes, check_id)

    def send_duty_check(self, address: str, minutes: int, check_id: int | None = None) -> bool:
        """Write a type-91 查岗命令 down the link of the device at ``address``; whether it is
        connected here."""
        connection = self._by_address.get(address)
        if connection is None or connection.transport is None:
            return False
        serial = connection.next_serial()
        connection.write(
            encode(
                serial=serial,
                command=t.CONTROL,
                source=connection.centre,
                destination=bytes.fromhex(address),
                payload=encode_appdata(DUTY_CHECK, [{"timeout_minutes": minutes}]),
                timestamp=self.clock(),
                version=connection.version,
            )
        )
        self.stats.duty_checks_sent += 1
        log.info("gb26875 %s: duty check %s sent (serial %s)", connection.peer, check_id, serial)
        return True

    def _learn(self, connection: _Connection, address: str, head: Head) -> None:
        """The device behind a connection, from its frames' source address."""
        if (
            connection.address is not None
            and self._by_address.get(connection.address) is connection
        ):
            del self._by_address[connection.address]
        connection.address = address
        connection.centre = head.destination
        connection.version = head.version
        self._by_address[address] = connection

    def _connection(self) -> _Connection:
        return _Connection(self)

    def _idle_closed(self, connection: Any) -> None:
        self.stats.idle_closed += 1

    def _count(self, reason: str) -> None:
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1

    def _reply(self, head: Head, command: int) -> bytes:
        # Echo the serial exactly; the device matches its exchange on it (reference D6).
        return self._replies.reply(head, command, self.clock())

    def _deny_raw(self, raw: bytes, reason: str) -> bytes:
        head = header_fields(raw)
        self.stats.denied += 1
        self._count(reason)
        return encode(
            serial=head["serial"],
            command=t.DENY,
            source=head["destination"],
            destination=head["source"],
            timestamp=self.clock(),
            version=head["version"],
        )

    def _frame(self, raw: bytes, connection: _Connection) -> None:
        self.stats.frames += 1
        received_at = self.clock()
        try:
            head, item = read_frame(raw)
        except FrameError as exc:
            log.info("gb26875 %s denied: %s", connection.peer, exc.reason)
            connection.write(self._deny_raw(raw, exc.code))
            return
        if connection.address != item.source:
            self._learn(connection, item.source, head)
        command = head.command
        if command == t.CONFIRM or command == t.DENY:
            return
        if command != t.SEND and command != t.RESPONSE:
            # Control and request travel centre → device; anything else is unknown (§6.5.3).
            self.stats.denied += 1
            self._count("unexpected_command")
            connection.write(self._reply(head, t.DENY))
            return
        connection.hold()
        self.sink.enqueue(
            Pending(item, received_at, connection.peer), partial(self._stored, head, connection)
        )

    def _stored(
        self, head: Head, connection: _Connection, stored: Any, error: BaseException | None
    ) -> None:
        connection.release()
        if error is not None:
            # No confirm: the device keeps the event and retransmits (§6.5).
            self.stats.store_failures += 1
            log.error(
                "gb26875 %s: storing serial %s failed: %r", connection.peer, head.serial, error
            )
            return
        if stored is not None and stored.duplicate:
            self.stats.duplicates += 1
        else:
            self.stats.stored += 1
        if head.command == t.SEND:
            self.stats.confirmed += 1
            connection.write(self._reply(head, t.CONFIRM))


class _Connection(asyncio.Protocol):
    """One device's TCP connection: cut frames out of the byte stream, hand them to the
    gateway, write its answers; stop reading while too many frames wait for their commit."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.scanner = FrameScanner()
        self.transport: Any = None
        self.peer = "?"
        self.last_heard = 0.0
        self.in_flight = 0
        self.paused = False
        self.address: str | None = None  # the device's source address (hex), once heard
        self.centre = b"\0" * 6  # the centre's address as the device writes it
        self.version = (1, 1)
        self.serial = 0  # the centre's serial for commands it starts (§6.5, Table 1)
        # Kept: on Python 3.11 every asyncio.get_running_loop() is a getpid() system call.
        self.loop = asyncio.get_running_loop()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        peer_info = transport.get_extra_info("peername")
        self.peer = f"{peer_info[0]}:{peer_info[1]}" if peer_info else "?"
        self.last_heard = self.loop.time()
        self.gateway.stats.connections += 1
        self.gateway._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.info("gb26875 %s connection lost: %s", self.peer, exc)
        self.gateway._connections.discard(self)
        if self.address is not None and self.gateway._by_address.get(self.address) is self:
            del self.gateway._by_address[self.address]

    def next_serial(self) -> int:
        serial = self.serial
        self.serial = (serial + 1) & 0xFFFF
        return serial

    def data_received(self, data: bytes) -> None:
        self.last_heard = self.loop.time()
        gateway = self.gateway
        for item in self.scanner.feed(data):
            if isinstance(item, Candidate):
                gateway._frame(item.raw, self)
            else:
                gateway.stats.garbage_bytes += item.size

    def write(self, data: bytes) -> None:
        if not self.transport.is_closing():
            self.transport.write(data)

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
