"""Load generator: simulated user information transmission devices (用户信息传输装置) that
speak GB/T 26875.3 over TCP, with the standard's send/confirm dialogue (§6.3) and
retransmission (§6.5: timeout ≤ 10 s, 3 retries).

Each device sends mostly running-state heartbeats (type 21) and, now and then, a component
fault, a fire alarm (sometimes with the test bit clear, as real panels do) or a reset. Seeded,
so a run is reproducible.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import datetime

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import encode, encode_appdata
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import Frame, decode
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner

# Reconnections one report may need before the device gives it up.
MAX_LOST_LINKS = 20
# (kind, weight) of what a simulated device sends next.
MIX = (("heartbeat", 90), ("fault", 5), ("fire", 3), ("reset", 2))


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
    ) -> None:
        self.address = address
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

    async def _reply(self) -> Frame:
        assert self._reader is not None
        while not self._replies:
            chunk = await self._reader.read(4096)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            self._replies += [
                decode(i.raw) for i in self._scanner.feed(chunk) if isinstance(i, Candidate)
            ]
        return self._replies.pop(0)

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
        kinds, weights = zip(*MIX, strict=True)
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
            await asyncio.sleep(interval)


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
