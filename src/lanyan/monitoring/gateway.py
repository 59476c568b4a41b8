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
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.batching import BatchWriter, StoreBatch
from lanyan.monitoring.gb26875 import FrameError, decode, encode
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import Frame, header_fields
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner
from lanyan.monitoring.ingest import Pending, Stored, incoming_frame, store_events

log = logging.getLogger(__name__)

READ_CHUNK = 4096


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
    """Where decoded messages go. ``submit`` returns once the message is durable: the stored
    event, or None when the sink cannot tell whether it was a duplicate."""

    async def submit(self, pending: Pending) -> Stored | None: ...

    async def close(self) -> None: ...


class Gateway:
    """Serve devices on ``host:port``. ``idle_timeout`` (seconds) closes a silent connection;
    a UITD sends its running state (type 21) periodically, so a live one is never idle long.

    Without a ``sink`` the gateway stores into ``factory``'s database through a
    ``BatchWriter`` (``store``, ``max_batch`` and ``max_delay`` are its settings)."""

    def __init__(
        self,
        factory: sessionmaker[Session] | None = None,
        *,
        idle_timeout: float = 300.0,
        clock: Callable[[], datetime] = utcnow,
        sink: Sink | None = None,
        store: StoreBatch = store_events,
        max_batch: int = 500,
        max_delay: float = 0.002,
    ) -> None:
        if sink is None:
            if factory is None:
                raise ValueError("a gateway needs a session factory or a sink")
            sink = BatchWriter(factory, store=store, max_batch=max_batch, max_delay=max_delay)
        self.sink = sink
        self.idle_timeout = idle_timeout
        self.clock = clock
        self.stats = GatewayStats()
        self._server: asyncio.Server | None = None

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, backlog: int = 4096
    ) -> tuple[str, int]:
        """Listen; returns the bound address (port 0 picks a free one). A large ``backlog``
        lets thousands of devices reconnect at once, e.g. after a restart."""
        self._server = await asyncio.start_server(
            self._connection, host, port, limit=READ_CHUNK, backlog=backlog
        )
        sock = self._server.sockets[0].getsockname()
        return sock[0], sock[1]

    async def serve_forever(self) -> None:
        assert self._server is not None, "call start() first"
        async with self._server:
            await self._server.serve_forever()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.sink.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer_info = writer.get_extra_info("peername")
        peer = f"{peer_info[0]}:{peer_info[1]}" if peer_info else "?"
        self.stats.connections += 1
        scanner = FrameScanner()
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(READ_CHUNK), self.idle_timeout)
                except TimeoutError:
                    self.stats.idle_closed += 1
                    log.info("gb26875 %s idle for %ss, closing", peer, self.idle_timeout)
                    break
                if not chunk:
                    break
                for item in scanner.feed(chunk):
                    if isinstance(item, Candidate):
                        await self._frame(item.raw, writer, peer)
                    else:
                        self.stats.garbage_bytes += item.size
        except (ConnectionError, OSError) as exc:
            log.info("gb26875 %s connection lost: %s", peer, exc)
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    def _count(self, reason: str) -> None:
        self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1

    async def _send(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        writer.write(data)
        await writer.drain()

    async def _deny_raw(self, raw: bytes, writer: asyncio.StreamWriter, reason: str) -> None:
        head = header_fields(raw)
        self.stats.denied += 1
        self._count(reason)
        await self._send(
            writer,
            encode(
                serial=head["serial"],
                command=t.DENY,
                source=head["destination"],
                destination=head["source"],
                timestamp=self.clock(),
                version=head["version"],
            ),
        )

    def _reply(self, frame: Frame, command: int) -> bytes:
        return encode(
            # Echo the serial exactly; the device matches its exchange on it (reference D6).
            serial=frame.serial,
            command=command,
            source=frame.destination,
            destination=frame.source,
            timestamp=self.clock(),
            version=frame.version,
        )

    async def _frame(self, raw: bytes, writer: asyncio.StreamWriter, peer: str) -> None:
        self.stats.frames += 1
        received_at = self.clock()
        try:
            frame = decode(raw)
        except FrameError as exc:
            log.info("gb26875 %s denied: %s", peer, exc.reason)
            await self._deny_raw(raw, writer, exc.code)
            return
        if frame.command in (t.CONFIRM, t.DENY):
            return
        if frame.command not in (t.SEND, t.RESPONSE):
            # Control and request travel centre → device; anything else is unknown (§6.5.3).
            self.stats.denied += 1
            self._count("unexpected_command")
            await self._send(writer, self._reply(frame, t.DENY))
            return
        try:
            stored = await self.sink.submit(Pending(incoming_frame(frame, raw), received_at, peer))
        except Exception:
            # No confirm: the device keeps the event and retransmits (§6.5).
            self.stats.store_failures += 1
            log.exception("gb26875 %s: storing serial %s failed", peer, frame.serial)
            return
        if stored is not None and stored.duplicate:
            self.stats.duplicates += 1
        else:
            self.stats.stored += 1
        if frame.command == t.SEND:
            self.stats.confirmed += 1
            await self._send(writer, self._reply(frame, t.CONFIRM))
