"""Load generator: simulated user information transmission devices (用户信息传输装置) that
speak GB/T 26875.3 over TCP, with the standard's send/confirm dialogue (§6.3) and
retransmission (§6.5: timeout ≤ 10 s, 3 retries).

Each device sends mostly running-state heartbeats (type 21) and, now and then, a component
fault, a fire alarm (sometimes with the test bit clear, as real panels do) or a reset. Seeded,
so a run is reproducible.

A device answers a remote duty check (查岗命令, type 91, a control command): it confirms the
command (3) and, after ``answer_delay`` seconds (the duty person walking to the panel), sends a
UITD operation record (type 24) with bit 5 查岗应答 set. A device made with
``answer_duty_checks=False`` confirms and never answers (an empty control room).
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import encode, encode_appdata
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import Frame, decode
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner

# Reconnections one report may need before the device gives it up.
MAX_LOST_LINKS = 20
# (kind, weight) of what a simulated device sends next.
MIX = (("heartbeat", 90), ("fault", 5), ("fire", 3), ("reset", 2))
MIX_KINDS = tuple(kind for kind, _ in MIX)
MIX_WEIGHTS = tuple(weight for _, weight in MIX)


@dataclass
class SimulationStats:
    devices: int = 0
    sent: int = 0
    confirmed: int = 0
    denied: int = 0
    retransmitted: int = 0
    failed: int = 0
    fires: int = 0
    # device address -> serials the gateway confirmed, for checks that every one was stored
    confirmed_serials: dict[int, list[int]] = field(default_factory=dict)


def _component(state: int, address: int, when: datetime) -> dict[str, object]:
    return {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
        "description": f"模拟探测器{address}",
        "time": when,
    }


def build_payload(kind: str, rng: random.Random, when: datetime) -> bytes:
    """The application data of one simulated report of ``kind``."""
    address = rng.randrange(1, 500)
    if kind == "fire":
        # Real panels often leave bit 0 (normal) clear on a real fire (reference §13 D5).
        state = 0b10 if rng.random() < 0.5 else 0b11
        return encode_appdata(2, [_component(state, address, when)])
    if kind == "fault":
        return encode_appdata(2, [_component(0b101, address, when)])
    if kind == "reset":
        return encode_appdata(
            1, [{"system_type": 1, "system_address": 1, "state": 1 | 1 << 13, "time": when}]
        )
    return encode_appdata(21, [{"state": 1, "time": when}])


class SimulatedDevice:
    """One device on one TCP connection; it reconnects when the gateway goes away and resends
    the report that was not confirmed, as a UITD does."""

    def __init__(
        self,
        address: int,
        stats: SimulationStats,
        rng: random.Random,
        reply_timeout: float = 10.0,
        retries: int = 3,
        reconnect_for: float = 30.0,
        answer_duty_checks: bool = True,
        answer_delay: float = 0.0,
    ) -> None:
        self.address = address
        self.answer_duty_checks = answer_duty_checks
        self.answer_delay = answer_delay
        self.duty_checks: list[int] = []  # answer minutes of each 查岗 received
        self._duty_due = 0
        self.stats = stats
        self.rng = rng
        self.reply_timeout = reply_timeout
        self.retries = retries
        self.reconnect_for = reconnect_for
        self.serial = 0
        self.confirmed: list[int] = []
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._scanner = FrameScanner()
        self._replies: list[Frame] = []

    async def _connect(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.reconnect_for
        delay = 0.05
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection(host, port)
            except OSError:
                if loop.time() > give_up:
                    raise
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            self._scanner, self._replies = FrameScanner(), []
            return

    def _drop(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None

    def _feed(self, chunk: bytes) -> None:
        """Frames from the centre: a 查岗 command is confirmed at once and noted; the rest are
        answers to this device's own exchanges."""
        for item in self._scanner.feed(chunk):
            if not isinstance(item, Candidate):
                continue
            frame = decode(item.raw)
            if frame.command == t.CONTROL and frame.data is not None and frame.data.type == 91:
                minutes = frame.data.objects[0]["timeout_minutes"] if frame.data.objects else 0
                self.duty_checks.append(minutes)
                self._duty_due += self.answer_duty_checks
                if self._writer is not None:
                    self._writer.write(
                        encode(
                            serial=frame.serial,
                            command=t.CONFIRM,
                            source=self.address,
                            destination=frame.source,
                            timestamp=utcnow(),
                        )
                    )
                continue
            self._replies.append(frame)

    async def _reply(self) -> Frame:
        assert self._reader is not None
        while not self._replies:
            chunk = await self._reader.read(4096)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            self._feed(chunk)
        return self._replies.pop(0)

    async def _idle(self, seconds: float) -> None:
        """Wait ``seconds`` between reports, reading what the centre sends meanwhile; return
        early when a duty check is to be answered."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while not self._duty_due and (left := until - loop.time()) > 0:
            if self._reader is None:
                await asyncio.sleep(left)
                return
            try:
                chunk = await asyncio.wait_for(self._reader.read(4096), left)
            except TimeoutError:
                return
            except (ConnectionError, OSError):
                self._drop()
                return
            if not chunk:
                self._drop()
                return
            self._feed(chunk)

    async def _answer_duty_checks(self, host: str, port: int) -> None:
        while self._duty_due:
            self._duty_due -= 1
            if self.answer_delay:
                await asyncio.sleep(self.answer_delay)
            now = utcnow()
            raw = encode(
                serial=self.serial,
                command=t.SEND,
                source=self.address,
                destination=0,
                payload=encode_appdata(
                    24, [{"operation_flags": ["duty_check_answer"], "operator": 1, "time": now}]
                ),
                timestamp=now,
            )
            await self._exchange(host, port, raw)
            self.serial = (self.serial + 1) & 0xFFFF

    async def _attempt(self, host: str, port: int, raw: bytes) -> int | None:
        """Send once and return the answer's command, or None on time-out or a lost link."""
        if self._writer is None:
            await self._connect(host, port)
        assert self._writer is not None
        try:
            self._writer.write(raw)
            await self._writer.drain()
            self.stats.sent += 1
            while True:
                answer = await asyncio.wait_for(self._reply(), self.reply_timeout)
                if answer.serial == self.serial:
                    return answer.command
        except TimeoutError:
            return None
        except (ConnectionError, OSError):
            self._drop()
            return None

    async def _exchange(self, host: str, port: int, raw: bytes) -> None:
        attempts = lost = 0
        while attempts <= self.retries and lost <= MAX_LOST_LINKS:
            if attempts:
                self.stats.retransmitted += 1
            command = await self._attempt(host, port, raw)
            if command == t.CONFIRM:
                self.stats.confirmed += 1
                self.confirmed.append(self.serial)
                self.stats.confirmed_serials.setdefault(self.address, []).append(self.serial)
                return
            if command == t.DENY:
                self.stats.denied += 1
            # A lost link is not the gateway's answer: reconnecting does not use up a retry.
            if self._writer is None:
                lost += 1
            else:
                attempts += 1
        self.stats.failed += 1

    async def run(self, host: str, port: int, frames: int, interval: float) -> None:
        await self._connect(host, port)
        self.stats.devices += 1
        try:
            await self._report(host, port, frames, interval)
        except OSError:
            self.stats.failed += 1  # the gateway stayed unreachable for ``reconnect_for``
        finally:
            self._drop()

    async def _report(self, host: str, port: int, frames: int, interval: float) -> None:
        kinds, weights = MIX_KINDS, MIX_WEIGHTS
        # Spread the devices' first reports over one interval instead of all at once.
        await asyncio.sleep(self.rng.uniform(0, interval))
        for _ in range(frames):
            kind = self.rng.choices(kinds, weights)[0]
            self.stats.fires += kind == "fire"
            now = utcnow()
            raw = encode(
                serial=self.serial,
                command=t.SEND,
                source=self.address,
                destination=0,
                payload=build_payload(kind, self.rng, now),
                timestamp=now,
            )
            await self._exchange(host, port, raw)
            self.serial = (self.serial + 1) & 0xFFFF
            await self._idle(interval)
            await self._answer_duty_checks(host, port)


async def simulate(
    host: str,
    port: int,
    *,
    count: int,
    rate: float,
    frames: int,
    seed: int = 26875,
    first_address: int = 0x10000,
) -> SimulationStats:
    """Run ``count`` devices sending ``frames`` reports each, ``rate`` frames/s in total."""
    stats = SimulationStats()
    interval = count / rate
    devices = [
        SimulatedDevice(first_address + i, stats, random.Random(f"{seed}-{i}"))
        for i in range(count)
    ]
    await asyncio.gather(*(d.run(host, port, frames, interval) for d in devices))
    return stats


# --- a lean fleet for load runs -------------------------------------------------------------


@dataclass
class FleetStats:
    """What one fleet saw. Latencies are seconds from a frame's send to its confirm, which the
    gateway sends only once the frame (and any alarm and outbox event it raised) is stored."""

    devices: int = 0
    connected: int = 0
    sent: int = 0
    confirmed: int = 0
    denied: int = 0
    fires: int = 0
    fire_latencies: list[float] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


class _FleetDevice(asyncio.Protocol):
    """A device on a raw asyncio protocol: cheap enough that one client process can drive
    thousands of them. It sends a report, waits for the confirm, and sends the next one at its
    next tick (``interval``) or, with ``interval`` 0, at once (closed loop)."""

    def __init__(self, fleet: Fleet, address: int, rng: random.Random) -> None:
        self.fleet = fleet
        self.address = address
        self.rng = rng
        self.serial = 0
        self.transport: Any = None  # an asyncio or uvloop transport
        self.scanner = FrameScanner()
        self.sent_at = 0.0
        self.kind = ""
        self.waiting = False
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True

    def send(self) -> None:
        fleet = self.fleet
        if self.lost or self.waiting or not fleet.running:
            return
        kinds, weights = fleet.kinds
        self.kind = self.rng.choices(kinds, weights)[0]
        payload = self.rng.choice(fleet.payloads[self.kind])
        raw = encode(
            serial=self.serial,
            command=t.SEND,
            source=self.address,
            destination=0,
            payload=payload,
            timestamp=fleet.stamp,
        )
        self.waiting = True
        self.sent_at = time.perf_counter()
        self.transport.write(raw)
        fleet.stats.sent += 1
        fleet.stats.fires += self.kind == "fire"

    def data_received(self, data: bytes) -> None:
        fleet = self.fleet
        for item in self.scanner.feed(data):
            if not isinstance(item, Candidate) or not self.waiting:
                continue
            raw = item.raw
            if raw[26] == t.CONTROL:
                continue  # a centre's command (查岗): the load fleet does not answer it
            if int.from_bytes(raw[2:4], "little") != self.serial:
                continue
            command = raw[26]
            self.waiting = False
            self.serial = (self.serial + 1) & 0xFFFF
            if command == t.CONFIRM:
                waited = time.perf_counter() - self.sent_at
                if fleet.measuring:
                    fleet.stats.confirmed += 1
                    fleet.stats.latencies.append(waited)
                    if self.kind == "fire":
                        fleet.stats.fire_latencies.append(waited)
            else:
                fleet.stats.denied += 1
            if fleet.interval == 0:
                self.send()


class Fleet:
    """``count`` lean devices against one gateway (see ``_FleetDevice``). ``rate`` is frames/s
    for the whole fleet; 0 runs closed loop (each device sends again as soon as confirmed)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        count: int,
        rate: float = 0.0,
        seed: int = 26875,
        first_address: int = 0x10000,
    ) -> None:
        self.host, self.port = host, port
        self.count = count
        self.interval = count / rate if rate else 0.0
        self.seed = seed
        self.first_address = first_address
        self.stats = FleetStats(devices=count)
        self.kinds = (MIX_KINDS, MIX_WEIGHTS)
        self.running = False
        self.measuring = False
        self.devices: list[_FleetDevice] = []
        self.loop = asyncio.get_running_loop()
        self.stamp = utcnow()
        rng = random.Random(seed)
        # A pool of report bodies per kind, built once: the load generator stays cheap.
        self.payloads = {
            kind: [build_payload(kind, rng, self.stamp) for _ in range(32)] for kind, _w in MIX
        }

    async def connect(self, parallel: int = 200) -> None:
        """Open every device's connection, ``parallel`` at a time (a listen backlog is finite)."""
        gate = asyncio.Semaphore(parallel)

        async def one(i: int) -> None:
            device = _FleetDevice(self, self.first_address + i, random.Random(f"{self.seed}-{i}"))
            async with gate:
                await self.loop.create_connection(lambda: device, self.host, self.port)
            self.devices.append(device)
            self.stats.connected += 1

        await asyncio.gather(*(one(i) for i in range(self.count)))

    async def run(self, seconds: float, warmup: float = 0.0) -> FleetStats:
        """Send for ``warmup`` + ``seconds``; only the last ``seconds`` are counted."""
        self.running = True
        if self.interval == 0:
            for device in self.devices:
                device.send()
        else:
            ticker = asyncio.create_task(self._tick())
        await asyncio.sleep(warmup)
        self.measuring = True
        await asyncio.sleep(seconds)
        self.measuring = False
        self.running = False
        if self.interval:
            ticker.cancel()
        return self.stats

    async def _tick(self) -> None:
        # Every device reports once per interval, spread evenly over it; one still waiting
        # for its confirm skips the tick, as a device waits for its confirm before the next.
        # Sends that fell due are made every few milliseconds rather than one timer each.
        per_second = len(self.devices) / self.interval
        start = self.loop.time()
        n = 0
        while True:
            due = int((self.loop.time() - start) * per_second)
            while n < due:
                self.devices[n % len(self.devices)].send()
                n += 1
            await asyncio.sleep(0.005)

    def close(self) -> None:
        for device in self.devices:
            if device.transport is not None:
                device.transport.close()
