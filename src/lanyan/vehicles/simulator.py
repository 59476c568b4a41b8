"""A fleet of simulated JT/T 808 terminals (车载终端) for the demo, tests and benches.

Each terminal opens its own TCP connection to the gateway, registers (0x0100), authenticates
(0x0102) with the code it was given, and then sends one location report (0x0200) every
``interval`` seconds, waiting for the platform's 0x8001 before the next. Between reports it
moves along its path at its speed; when the path is used up it asks the ``Navigator`` for the
next one (a drive along the road network). With ``follow`` a terminal whose vehicle was
dispatched drives to its incident and stops there.

No database and no HTTP: paths and dispatches come from the callables the caller passes
(``lanyan simulate vehicles`` builds them from the road network and the response service).
"""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from lanyan.core.timeutil import CHINA_TZ
from lanyan.vehicles.jt808 import (
    Authentication,
    Location,
    Message,
    PlatformResponse,
    Registration,
    RegistrationResponse,
    Scanner,
    decode,
    encode,
)

Point = tuple[float, float]  # (lon, lat) in degrees, WGS-84
EARTH_M = 6_371_000.0
STATUS_ACC_FIXED = 0b11  # ACC on, positioned


def metres(a: Point, b: Point) -> float:
    """Distance from ``a`` to ``b`` in metres (equirectangular: exact enough within a city)."""
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    dx = math.radians(b[0] - a[0]) * k
    dy = math.radians(b[1] - a[1])
    return EARTH_M * math.hypot(dx, dy)


def bearing(a: Point, b: Point) -> int:
    """Heading from ``a`` to ``b`` in whole degrees, 0 = north, clockwise (JT/T 808's 方向)."""
    k = math.cos(math.radians((a[1] + b[1]) / 2))
    angle = math.degrees(math.atan2((b[0] - a[0]) * k, b[1] - a[1]))
    return round(angle) % 360


class Navigator:
    """Where a terminal drives next. ``route`` is the road path between two points (the
    straight line when there is none); ``wander`` a path from a point to somewhere nearby."""

    def route(self, start: Point, end: Point) -> list[Point]:
        return [start, end]

    def wander(self, start: Point, rng: random.Random) -> list[Point]:
        # About 1–2 km in a random direction.
        angle = rng.uniform(0, 2 * math.pi)
        d = rng.uniform(1000, 2000) / EARTH_M
        end = (
            start[0] + math.degrees(d * math.sin(angle)) / math.cos(math.radians(start[1])),
            start[1] + math.degrees(d * math.cos(angle)),
        )
        return self.route(start, end)


@dataclass(frozen=True)
class Orders:
    """A dispatch a terminal follows: drive to (lon, lat) of incident ``incident``."""

    incident: str
    lon: float
    lat: float


@dataclass
class SimVehicle:
    """One simulated terminal: its phone (终端手机号), the vehicle it is on, where it is."""

    phone: str
    vehicle_id: int
    code: str
    plate: str
    position: Point
    cruise_kmh: float = 40.0
    path: list[Point] = field(default_factory=list)
    speed_kmh: float = 0.0
    heading: int = 0
    orders: Orders | None = None
    arrived: bool = False

    def advance(self, seconds: float) -> None:
        """Move along the path for ``seconds`` at the cruise speed (stop at its end)."""
        budget = self.cruise_kmh / 3.6 * seconds
        moved = 0.0
        while self.path and budget > 0:
            nxt = self.path[0]
            d = metres(self.position, nxt)
            if d > 0.5:
                self.heading = bearing(self.position, nxt)
            if d <= budget:
                self.position = nxt
                self.path.pop(0)
                budget -= d
                moved += d
            else:
                f = budget / d
                self.position = (
                    self.position[0] + (nxt[0] - self.position[0]) * f,
                    self.position[1] + (nxt[1] - self.position[1]) * f,
                )
                moved += budget
                budget = 0
        self.speed_kmh = moved / seconds * 3.6 if seconds > 0 else 0.0

    def location(self, when: datetime) -> Location:
        return Location(
            alarm=0,
            status=STATUS_ACC_FIXED,
            latitude=round(self.position[1] * 1e6),
            longitude=round(self.position[0] * 1e6),
            altitude=5,
            speed=min(round(self.speed_kmh * 10), 0xFFFF),
            heading=self.heading,
            time=when.astimezone(CHINA_TZ).replace(microsecond=0),
        )


@dataclass
class SimStats:
    terminals: int = 0
    registered: int = 0
    sent: int = 0
    acknowledged: int = 0
    refused: int = 0
    followed: int = 0  # dispatches a terminal started to drive to
    failed: int = 0  # connections lost (a terminal running until stopped dials again)


class _Link:
    """One TCP connection speaking JT/T 808 as a terminal."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.scanner = Scanner()
        self.pending: list[Message] = []
        self.serial = 0

    async def send(self, msg: Message, phone: str) -> None:
        frames = encode(msg, phone=phone, serial=self.serial & 0xFFFF)
        self.serial += len(frames)
        self.writer.write(b"".join(frames))
        await self.writer.drain()

    async def reply(self, timeout: float) -> Message:
        while not self.pending:
            chunk = await asyncio.wait_for(self.reader.read(4096), timeout)
            if not chunk:
                raise ConnectionError("the gateway closed the connection")
            self.pending += [decode(b"\x7e" + f + b"\x7e")[1] for f in self.scanner.feed(chunk)]
        return self.pending.pop(0)


RECONNECT_S = 3.0  # a terminal that runs until stopped dials again this long after a loss


async def _drive(
    vehicle: SimVehicle,
    host: str,
    port: int,
    navigator: Navigator,
    interval: float,
    reports: int | None,
    orders: Callable[[int], Orders | None] | None,
    clock: Callable[[], datetime],
    rng: random.Random,
    stats: SimStats,
    timeout: float,
) -> None:
    """Report ``reports`` times (None: until cancelled, dialling again after a lost
    connection, as a real terminal does)."""
    sent = [0]
    while True:
        try:
            await _session(
                vehicle,
                host,
                port,
                navigator,
                interval,
                reports,
                orders,
                clock,
                rng,
                stats,
                timeout,
                sent,
            )
            return
        except (OSError, ConnectionError, TimeoutError):
            stats.failed += 1
            if reports is not None:
                return
        await asyncio.sleep(RECONNECT_S)


async def _session(
    vehicle: SimVehicle,
    host: str,
    port: int,
    navigator: Navigator,
    interval: float,
    reports: int | None,
    orders: Callable[[int], Orders | None] | None,
    clock: Callable[[], datetime],
    rng: random.Random,
    stats: SimStats,
    timeout: float,
    sent: list[int],
) -> None:
    link = _Link(*await asyncio.open_connection(host, port))
    try:
        await link.send(
            Registration(32, 0, "LYSIM", "SIM-808", vehicle.phone[-7:], 1, vehicle.plate),
            vehicle.phone,
        )
        reg = await link.reply(timeout)
        if not isinstance(reg, RegistrationResponse) or reg.result != 0:
            stats.refused += 1
            return
        await link.send(Authentication(reg.auth_code), vehicle.phone)
        ack = await link.reply(timeout)
        if not isinstance(ack, PlatformResponse) or ack.result != 0:
            stats.refused += 1
            return
        stats.registered += 1
        last = clock()
        first = True
        while reports is None or sent[0] < reports:
            if orders is not None:
                _follow(vehicle, orders(vehicle.vehicle_id), navigator, stats)
            if not vehicle.path and vehicle.orders is None:
                vehicle.path = navigator.wander(vehicle.position, rng)[1:]
            now = clock()
            vehicle.advance(0.0 if first else max((now - last).total_seconds(), 0.0))
            last, first = now, False
            await link.send(vehicle.location(now), vehicle.phone)
            sent[0] += 1
            stats.sent += 1
            ack = await link.reply(timeout)
            if isinstance(ack, PlatformResponse) and ack.result == 0:
                stats.acknowledged += 1
            else:
                stats.refused += 1
            if reports is None or sent[0] < reports:
                await asyncio.sleep(interval)
    finally:
        link.writer.close()


def _follow(
    vehicle: SimVehicle, order: Orders | None, navigator: Navigator, stats: SimStats
) -> None:
    """Take up a new dispatch (drive to the incident) or, once released, go back to roaming."""
    if order == vehicle.orders:
        return
    vehicle.orders = order
    vehicle.arrived = False
    if order is None:
        vehicle.path = []
        return
    stats.followed += 1
    vehicle.path = navigator.route(vehicle.position, (order.lon, order.lat))[1:]


async def simulate(
    host: str,
    port: int,
    vehicles: list[SimVehicle],
    navigator: Navigator,
    *,
    interval: float = 5.0,
    reports: int | None = None,
    orders: Callable[[int], Orders | None] | None = None,
    clock: Callable[[], datetime],
    seed: int = 808,
    timeout: float = 30.0,
) -> SimStats:
    """Drive ``vehicles`` against the gateway at ``host:port``: each sends ``reports`` reports
    (None: until cancelled), one every ``interval`` seconds. ``orders(vehicle_id)`` is the
    dispatch to follow, if any (asked before each report)."""
    stats = SimStats(terminals=len(vehicles))
    rng = random.Random(seed)
    await asyncio.gather(
        *(
            _drive(
                v,
                host,
                port,
                navigator,
                interval,
                reports,
                orders,
                clock,
                random.Random(rng.random()),
                stats,
                timeout,
            )
            for v in vehicles
        )
    )
    return stats
