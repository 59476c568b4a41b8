"""Service mode (服务模式): stateless gateways publish decoded device messages to a NATS
JetStream stream; alarm processors consume them on a durable consumer and store them.

Topology::

    devices ─TCP─▶ lanyan gateway serve --mode nats ─┐
    devices ─TCP─▶ lanyan gateway serve --mode nats ─┤  publish, wait for the stream's ack
    MQTT broker ─▶ lanyan mqtt ingest --mode nats ───┘
                                  │
                   JetStream stream LANYAN_MONITORING, subjects lanyan.monitoring.<protocol>
                                  │  durable pull consumer "lanyan-alarm-processor"
               ┌──────────────────┴──────────────────┐
     lanyan monitor process              lanyan monitor process   (store in batches, then ack)

Durability: a gateway confirms a frame (command 3) once JetStream acknowledged the publish,
i.e. the message is in the stream's file storage; a processor acknowledges a message only after
the transaction holding its event committed, so a crash anywhere means redelivery, never loss.
Duplicates are stopped twice: the publish carries ``Nats-Msg-Id`` = protocol:source:serial:digest,
so the stream drops a device's retransmission inside its duplicate window; and a redelivered
message meets the event table's unique key (``ingest.store_events`` stores it once).

Messages are JSON (``encode_pending`` / ``decode_pending``): the storable form every protocol
shares, signals included, so processors need no protocol code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Sequence
from concurrent.futures import Future as ThreadFuture
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig
from sqlalchemy.orm import Session, sessionmaker

from lanyan.monitoring.batching import Done, StoreBatch
from lanyan.monitoring.choices import SignalKind
from lanyan.monitoring.ingest import DeviceCache, Incoming, Pending, Stored, store_events
from lanyan.monitoring.signals import Signal

log = logging.getLogger(__name__)

DEFAULT_URL = "nats://127.0.0.1:4222"
DEFAULT_STREAM = "LANYAN_MONITORING"
DEFAULT_SUBJECT = "lanyan.monitoring"
DEFAULT_DURABLE = "lanyan-alarm-processor"


@dataclass(frozen=True)
class Names:
    """Where the pipeline lives in NATS: the stream, its subject prefix (one subject per
    protocol below it) and the processors' durable consumer."""

    url: str = DEFAULT_URL
    stream: str = DEFAULT_STREAM
    subject: str = DEFAULT_SUBJECT
    durable: str = DEFAULT_DURABLE


# --- the message -----------------------------------------------------------------------------


def encode_pending(p: Pending) -> bytes:
    item = p.item
    doc = {
        "protocol": item.protocol,
        "source": item.source,
        "serial": item.serial,
        "digest": item.digest,
        "command": item.command,
        "type_flag": item.type_flag,
        "device_time": item.device_time.isoformat() if item.device_time else None,
        "device_time_raw": item.device_time_raw,
        "raw": item.raw,
        # None for a GB/T 26875.3 frame (its view is rebuilt from ``raw`` when read); JSON
        # text travels as the object.
        "decoded": json.loads(item.decoded) if isinstance(item.decoded, str) else item.decoded,
        "signals": [asdict(s) | {"kind": s.kind.value} for s in item.signals],
        "received_at": p.received_at.isoformat(),
        "peer": p.peer,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def decode_pending(data: bytes) -> Pending:
    """The message back; raises ``ValueError`` (or ``KeyError``) on anything malformed."""
    doc = json.loads(data)
    item = Incoming(
        protocol=str(doc["protocol"]),
        source=str(doc["source"]),
        serial=int(doc["serial"]),
        digest=str(doc["digest"]),
        command=int(doc["command"]),
        type_flag=doc["type_flag"],
        device_time=datetime.fromisoformat(doc["device_time"]) if doc["device_time"] else None,
        device_time_raw=str(doc["device_time_raw"]),
        raw=str(doc["raw"]),
        decoded=None if doc["decoded"] is None else dict(doc["decoded"]),
        signals=[Signal(**(s | {"kind": SignalKind(s["kind"])})) for s in doc["signals"]],
    )
    return Pending(item, datetime.fromisoformat(doc["received_at"]), str(doc["peer"]))


def message_id(p: Pending) -> str:
    protocol, source, serial, digest = p.key
    return f"{protocol}:{source}:{serial}:{digest}"


async def connect(names: Names, timeout: float = 5.0) -> Any:
    """A NATS connection; raises ``OSError``-like errors when the server is unreachable."""
    return await nats.connect(
        names.url, connect_timeout=timeout, max_reconnect_attempts=-1, allow_reconnect=True
    )


async def ensure_stream(js: Any, names: Names) -> None:
    """Create the stream if it is missing: file storage, two minutes of duplicate window."""
    try:
        await js.stream_info(names.stream)
    except nats.js.errors.NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=names.stream,
                subjects=[f"{names.subject}.>"],
                storage=StorageType.FILE,
                duplicate_window=120.0,
            )
        )


# --- publishing side (gateways, MQTT ingest) -------------------------------------------------


class JetStreamSink:
    """A gateway ``Sink`` that publishes to JetStream and returns once the stream acknowledged
    the message (durable in the stream). The stored event is the processors' business, so
    ``submit`` returns None."""

    def __init__(self, names: Names, timeout: float = 5.0) -> None:
        self.names = names
        self.timeout = timeout
        self.published = 0
        self.duplicates = 0
        self._nc: Any = None
        self._js: Any = None

    async def start(self) -> None:
        self._nc = await connect(self.names)
        self._js = self._nc.jetstream(timeout=self.timeout)
        await ensure_stream(self._js, self.names)

    async def submit(self, pending: Pending) -> Stored | None:
        if self._js is None:
            await self.start()
        ack = await self._js.publish(
            f"{self.names.subject}.{pending.item.protocol}",
            encode_pending(pending),
            stream=self.names.stream,
            headers={"Nats-Msg-Id": message_id(pending)},
        )
        self.published += 1
        self.duplicates += bool(ack.duplicate)
        return None

    def enqueue(self, pending: Pending, done: Done) -> None:
        """Publish in a task; ``done`` hears how it went (see ``gateway.Sink``)."""
        task = asyncio.ensure_future(self.submit(pending))
        task.add_done_callback(partial(_tell, done))

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.drain()
            self._nc = self._js = None


def _tell(done: Done, task: asyncio.Future[Stored | None]) -> None:
    if task.cancelled():
        done(None, asyncio.CancelledError())
    elif (error := task.exception()) is not None:
        done(None, error)
    else:
        done(task.result(), None)


class BlockingPublisher:
    """``JetStreamSink`` for threaded callers (paho-mqtt's network thread): its own event loop
    in a background thread. ``store`` has ``ingest.store_event``'s signature, so ``MqttIngest``
    publishes into the service-mode pipeline by taking it as its ``store``."""

    def __init__(self, names: Names, timeout: float = 10.0) -> None:
        self.sink = JetStreamSink(names)
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._call(self.sink.start())

    def _call(self, coro: Any) -> Any:
        future: ThreadFuture[Any] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(self.timeout)

    def store(self, _factory: Any, item: Incoming, received_at: datetime, peer: str) -> Stored:
        self._call(self.sink.submit(Pending(item, received_at, peer)))
        # Durable in the stream; the processors decide duplicate or not.
        return Stored(event_id=0, duplicate=False, quarantined=False)

    def close(self) -> None:
        self._call(self.sink.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


# --- consuming side (alarm processors) -------------------------------------------------------


@dataclass
class ProcessorStats:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    malformed: int = 0
    batches: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


class AlarmProcessor:
    """Consume the stream on the durable pull consumer ``names.durable`` (shared by every
    processor: each message goes to one of them), store each fetched batch in one transaction,
    then acknowledge. A message that fails to store is negatively acknowledged and comes back;
    one that cannot be read at all is terminated (logged, never retried)."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        names: Names,
        *,
        batch: int = 500,
        store: StoreBatch | None = None,
        ack_wait: float = 30.0,
    ) -> None:
        self.factory = factory
        self.names = names
        self.batch = batch
        # By default ``store_events`` with a device cache of this processor's own.
        self.store = store or partial(store_events, devices=DeviceCache())
        self.ack_wait = ack_wait
        self.stats = ProcessorStats()
        self._nc: Any = None
        self._sub: Any = None

    async def start(self) -> None:
        self._nc = await connect(self.names)
        js = self._nc.jetstream()
        await ensure_stream(js, self.names)
        self._sub = await js.pull_subscribe(
            f"{self.names.subject}.>",
            durable=self.names.durable,
            stream=self.names.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=self.ack_wait),
        )

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
            self._nc = self._sub = None

    async def run_once(self, timeout: float = 1.0) -> int:
        """Fetch and handle one batch; returns how many messages came (0 on a quiet stream)."""
        if self._sub is None:
            await self.start()
        try:
            msgs = await self._sub.fetch(self.batch, timeout=timeout)
        except (nats.errors.TimeoutError, TimeoutError):
            # nats-py raises either, depending on where the deadline ran out: a quiet stream.
            return 0
        self.stats.fetched += len(msgs)
        readable: list[tuple[Any, Pending]] = []
        for msg in msgs:
            try:
                readable.append((msg, decode_pending(msg.data)))
            except (ValueError, KeyError, TypeError) as exc:
                self.stats.malformed += 1
                log.error("monitoring message %s is unreadable, dropped: %s", msg.subject, exc)
                await msg.term()
        if readable:
            await self._store(readable)
        return len(msgs)

    async def _store(self, readable: Sequence[tuple[Any, Pending]]) -> None:
        pendings = [p for _m, p in readable]
        try:
            results: list[Stored | None] = list(
                await asyncio.to_thread(self.store, self.factory, pendings)
            )
        except Exception as exc:
            log.warning("a batch of %d failed (%s); storing one by one", len(pendings), exc)
            results = []
            for p in pendings:
                try:
                    results += await asyncio.to_thread(self.store, self.factory, [p])
                except Exception:
                    log.exception("storing %s serial %s failed", p.item.source, p.item.serial)
                    results.append(None)
        self.stats.batches += 1
        for (msg, _p), result in zip(readable, results, strict=True):
            if result is None:
                self.stats.failed += 1
                await msg.nak(delay=1.0)  # redelivered; storing it again is idempotent
                continue
            if result.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.stored += 1
            await msg.ack()

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Consume until ``stop`` is set (forever without one)."""
        while stop is None or not stop.is_set():
            try:
                await self.run_once()
            except (nats.errors.Error, OSError) as exc:
                log.warning("alarm processor: %s; retrying", exc)
                await asyncio.sleep(1.0)


__all__ = [
    "DEFAULT_DURABLE",
    "DEFAULT_STREAM",
    "DEFAULT_SUBJECT",
    "DEFAULT_URL",
    "AlarmProcessor",
    "BlockingPublisher",
    "JetStreamSink",
    "Names",
    "ProcessorStats",
    "connect",
    "decode_pending",
    "encode_pending",
    "ensure_stream",
    "message_id",
]
