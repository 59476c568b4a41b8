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
from dataclasses import dataclass
from datetime import datetime

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import encode, encode_appdata
from lanyan.monitoring.gb26875 import tables as t
from lanyan.monitoring.gb26875.frame import Frame, decode
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner

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
    def __init__(
        self,
        address: int,
        stats: SimulationStats,
        rng: random.Random,
        reply_timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        self.address = address
        self.stats = stats
        self.rng = rng
        self.reply_timeout = reply_timeout
        self.retries = retries
        self.serial = 0
        self.scanner = FrameScanner()
        self.replies: list[Frame] = []

    async def _reply(self, reader: asyncio.StreamReader) -> Frame:
        while not self.replies:
            chunk = await reader.read(4096)
            if not chunk:
                raise ConnectionError("gateway closed the connection")
            self.replies += [
                decode(i.raw) for i in self.scanner.feed(chunk) if isinstance(i, Candidate)
            ]
        return self.replies.pop(0)

    async def _exchange(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
    ) -> None:
        serial = self.serial
        for attempt in range(self.retries + 1):
            if attempt:
                self.stats.retransmitted += 1
            writer.write(raw)
            await writer.drain()
            self.stats.sent += 1
            try:
                while True:
                    answer = await asyncio.wait_for(self._reply(reader), self.reply_timeout)
                    if answer.serial == serial:
                        break
            except TimeoutError:
                continue
            if answer.command == t.CONFIRM:
                self.stats.confirmed += 1
                return
            self.stats.denied += 1
        self.stats.failed += 1

    async def run(self, host: str, port: int, frames: int, interval: float) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        self.stats.devices += 1
        kinds, weights = zip(*MIX, strict=True)
        try:
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
                await self._exchange(reader, writer, raw)
                self.serial = (self.serial + 1) & 0xFFFF
                await asyncio.sleep(interval)
        finally:
            writer.close()


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
