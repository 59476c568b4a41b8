"""GB/T 26875.3 gateway (监控中心 side): an asyncio TCP server for user information
transmission devices (用户信息传输装置), which connect as clients (reference §1).

Per frame (§6.3, §6.5.3): send data (2) is stored and committed, then confirmed (3); a frame
with a bad checksum, unreadable application data or an unknown command byte is denied (6); a
response (5) to a query is stored without reply; confirm and deny from the device end an
exchange and need no reply. When storing fails nothing is sent, so the device retransmits.

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
from lanyan.monitoring.batching import MAX_BATCH, BatchWriter, Done, StoreBatch
from lanyan.monitoring.gb26875 import FrameError, encode
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import header_fields
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner
from lanyan.monitoring.hotpath import Head, Replies, read_frame
from lanyan.monitoring.ingest import Pending

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
    reasons: dict[str, int] = field(default_factory=dict)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop (libuv) where it is installed: the same asyncio API with less
    overhead per socket read and write; None means asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


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
    ) -> None:
        if sink is None:
            if factory is None:
                raise ValueError("a gateway needs a session factory or a sink")
            sink = BatchWriter(factory, store=store, max_batch=max_batch, max_delay=max_delay)
        super().__init__(idle_timeout)
        self.sink: Sink = sink
        self.clock = clock
        self.stats = GatewayStats()
        self._replies = Replies()

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
