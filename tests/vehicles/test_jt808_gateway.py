"""The JT/T 808 gateway over real TCP on loopback, on SQLite and PostgreSQL: registration,
authentication, positions acknowledged only after their commit, unbound terminals
quarantined, and bad input refused with the connection still serving."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from lanyan.app import create_app
from lanyan.core.timeutil import CHINA_TZ
from lanyan.registry.models import Vehicle
from lanyan.registry.scope import EVERYWHERE
from lanyan.vehicles import service
from lanyan.vehicles.gateway import Gateway
from lanyan.vehicles.ingest import Bindings, store_jobs
from lanyan.vehicles.jt808 import (
    REV_2013,
    REV_2019,
    Authentication,
    BatchLocation,
    Heartbeat,
    Location,
    Message,
    PlatformResponse,
    Registration,
    RegistrationResponse,
    Scanner,
    checksum,
    decode,
    encode,
    escape,
    unescape,
)
from lanyan.vehicles.jt808.messages import EXTRA_MILEAGE, EXTRA_SATELLITES, extras_from
from lanyan.vehicles.models import (
    QuarantinedTerminal,
    VehicleLive,
    VehiclePosition,
    VehicleTerminal,
)
from lanyan.vehicles.writer import JobWriter

from support import create_sample, free_port, seed_region

BOUND = "13800138000"
STRANGER = "13900000001"


def now_local() -> datetime:
    return datetime.now(CHINA_TZ).replace(microsecond=0)


def loc(when: datetime, lat: int = 33_590_000, lon: int = 119_020_000, **kw: Any) -> Location:
    base: dict[str, Any] = dict(alarm=0, status=3, altitude=10, speed=456, heading=270, extras=())
    return Location(latitude=lat, longitude=lon, time=when, **(base | kw))


@pytest.fixture
def vehicle(uow: Any) -> int:
    seed_region(uow)
    vehicle_id = create_sample(uow, "vehicles", "320904")
    with uow() as s:
        code = s.scalars(select(Vehicle.code).where(Vehicle.id == vehicle_id)).one()
        service.bind_terminal(s, EVERYWHERE, "0" + BOUND, code)  # leading zeros do not count
    return vehicle_id


class Client:
    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, revision: int
    ) -> None:
        self.reader, self.writer, self.revision = reader, writer, revision
        self.scanner = Scanner()
        self.pending: list[tuple[Any, Message]] = []
        self.serial = 0

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send(self, msg: Message, phone: str = BOUND, max_body: int = 1023) -> int:
        serial = self.serial
        frames = encode(msg, phone=phone, serial=serial, revision=self.revision, max_body=max_body)
        self.serial += len(frames)
        await self.send_raw(b"".join(frames))
        return serial

    async def reply(self, timeout: float = 30) -> tuple[Any, Message]:
        while not self.pending:
            chunk = await asyncio.wait_for(self.reader.read(4096), timeout)
            assert chunk, "gateway closed the connection"
            self.pending += [decode(b"\x7e" + f + b"\x7e") for f in self.scanner.feed(chunk)]
        return self.pending.pop(0)

    async def ack(self) -> PlatformResponse:
        _head, msg = await self.reply()
        assert isinstance(msg, PlatformResponse), msg
        return msg


def run(
    gateway: Gateway, scenario: Callable[[Callable[[int], Awaitable[Client]]], Awaitable[None]]
) -> None:
    async def main() -> None:
        host, port = await gateway.start("127.0.0.1", 0)
        clients: list[Client] = []

        async def connect(revision: int = REV_2013) -> Client:
            client = Client(*await asyncio.open_connection(host, port), revision)
            clients.append(client)
            return client

        try:
            await scenario(connect)
        finally:
            for c in clients:
                c.writer.close()
            await gateway.close()

    asyncio.run(main())


def positions(sessions: Any) -> list[VehiclePosition]:
    with sessions() as s:
        return list(s.scalars(select(VehiclePosition).order_by(VehiclePosition.reported_at)))


@pytest.mark.parametrize("revision", [REV_2013, REV_2019])
def test_bound_terminal_registers_authenticates_and_reports(
    sessions: Any, vehicle: int, revision: int
) -> None:
    rows_at_ack: list[int] = []
    t0 = now_local() - timedelta(minutes=5)

    async def scenario(connect: Any) -> None:
        c = await connect(revision)
        serial = await c.send(Registration(32, 904, "LY", "M1", "T1", 1, "苏J12345"))
        head, reg = await c.reply()
        assert isinstance(reg, RegistrationResponse) and (reg.reply_serial, reg.result) == (
            serial,
            0,
        )
        assert head.revision == revision and head.phone == BOUND
        assert reg.auth_code
        serial = await c.send(Authentication("wrong"))
        assert (await c.ack()).result == 1
        serial = await c.send(Authentication(reg.auth_code, "860000000000001", "1.0"))
        ack = await c.ack()
        assert (ack.reply_serial, ack.reply_id, ack.result) == (serial, 0x0102, 0)
        serial = await c.send(Heartbeat())
        assert (await c.ack()).reply_id == 0x0002
        extras = extras_from({EXTRA_MILEAGE: 1234.5, EXTRA_SATELLITES: 9})
        serial = await c.send(loc(t0, extras=extras))
        ack = await c.ack()
        rows_at_ack.append(len(positions(sessions)))
        assert (ack.reply_serial, ack.reply_id, ack.result) == (serial, 0x0200, 0)
        # A batch too long for one packet: sub-packets, every part answered after the commit.
        batch = BatchLocation(
            1, tuple(loc(t0 + timedelta(seconds=10 * i), heading=i) for i in range(1, 41))
        )
        serial = await c.send(batch, max_body=400)
        parts = c.serial - serial
        assert parts > 1
        acks = [await c.ack() for _ in range(parts)]
        rows_at_ack.append(len(positions(sessions)))
        assert [(a.reply_serial, a.reply_id, a.result) for a in acks] == [
            (serial + n, 0x0704, 0) for n in range(parts)
        ]
        # The same report again (a retransmission): acknowledged, stored once.
        await c.send(loc(t0, extras=extras))
        assert (await c.ack()).result == 0

    counted = REGISTRY.get_sample_value("lanyan_vehicle_positions_total") or 0.0
    run(Gateway(sessions), scenario)
    assert rows_at_ack == [1, 41]
    rows = positions(sessions)
    assert len(rows) == 41 and {r.vehicle_id for r in rows} == {vehicle}
    # /metrics counts every position acknowledged: 41 rows and the retransmission of one.
    assert REGISTRY.get_sample_value("lanyan_vehicle_positions_total") == counted + 42
    first = rows[0]
    assert (first.lat, first.lon, first.speed_kmh, first.heading) == (33.59, 119.02, 45.6, 270)
    assert (first.mileage_km, first.satellites) == (1234.5, 9)
    with sessions() as s:
        live = s.get(VehicleLive, vehicle)
        terminal = s.execute(select(VehicleTerminal)).scalar_one()
    assert live is not None and live.heading == 40  # the latest by terminal time
    assert terminal.revision == revision and terminal.registered_at is not None


def test_unbound_terminal_is_quarantined(sessions: Any, vehicle: int) -> None:
    async def scenario(connect: Any) -> None:
        c = await connect()
        await c.send(Registration(32, 904, "LY", "M1", "T1", 1, "苏J0"), phone=STRANGER)
        _h, reg = await c.reply()
        assert isinstance(reg, RegistrationResponse) and (reg.result, reg.auth_code) == (4, "")
        await c.send(Authentication("x"), phone=STRANGER)
        assert (await c.ack()).result == 1
        await c.send(loc(now_local()), phone=STRANGER)
        assert (await c.ack()).result == 0

    run(Gateway(sessions), scenario)
    (row,) = positions(sessions)
    assert row.phone == STRANGER and row.vehicle_id is None  # held as unbound
    with sessions() as s:
        q = s.get(QuarantinedTerminal, STRANGER)
        assert q is not None and q.messages == 3
        assert s.scalar(select(func.count()).select_from(VehicleLive)) == 0


def test_bad_input_is_refused_and_the_connection_keeps_serving(sessions: Any, vehicle: int) -> None:
    gateway = Gateway(sessions)
    now = now_local()

    async def scenario(connect: Any) -> None:
        c = await connect()
        good = encode(loc(now), phone=BOUND, serial=100)[0]
        data = unescape(good[1:-1])
        bad_check = b"\x7e" + escape(data[:-1] + bytes([data[-1] ^ 0xFF])) + b"\x7e"
        await c.send_raw(b"garbage" + bad_check)
        ack = await c.ack()
        assert (ack.reply_serial, ack.reply_id, ack.result) == (100, 0x0200, 2)
        await c.send_raw(b"\x7e\x02\x00\x7d\x03\x7e")  # bad escape, header unreadable: no answer
        unknown = data[:-1]
        unknown = b"\x12\x34" + unknown[2:]
        await c.send_raw(b"\x7e" + escape(unknown + bytes([checksum(unknown)])) + b"\x7e")
        ack = await c.ack()
        assert (ack.reply_id, ack.result) == (0x1234, 3)
        for bad in (
            loc(now, lat=0, lon=0),
            loc(now, lat=-33_000_000, lon=151_000_000),  # Sydney
            loc(now + timedelta(days=2)),
        ):
            await c.send(bad)
            assert (await c.ack()).result == 2
        truncated = encode(loc(now), phone=BOUND, serial=7)[0]
        short = unescape(truncated[1:-1])[:20]
        await c.send_raw(b"\x7e" + escape(short + bytes([checksum(short)])) + b"\x7e")
        assert (await c.ack()).result == 2  # length mismatch: header readable, answered
        # Seeded random bytes, flags and escapes included: answered or ignored, never a crash.
        rng = random.Random(808)
        noise = bytes(rng.choice(b"\x7e\x7d\x01\x02\x00\x02\x01\xff") for _ in range(3000))
        await c.send_raw(noise + b"\x7e")
        # A batch with one bad and one good position: the good one is stored and acknowledged.
        serial = await c.send(BatchLocation(0, (loc(now, lat=0, lon=0), loc(now))))
        while True:  # answers to frames cut out of the noise come first
            ack = await c.ack()
            if (ack.reply_id, ack.reply_serial) == (0x0704, serial):
                break
        assert ack.result == 0

    run(gateway, scenario)
    assert len(positions(sessions)) == 1
    reasons = gateway.stats.reasons
    assert reasons["bad_checksum"] >= 1 and reasons["bad_escape"] >= 1
    assert reasons["unknown_message"] == 1 and reasons["length_mismatch"] >= 1
    assert reasons["zero_coordinates"] == 2 and reasons["outside_china"] == 1
    assert reasons["future_time"] == 1
    assert "internal_error" not in reasons


def test_no_acknowledgement_when_storing_fails(sessions: Any, vehicle: int) -> None:
    calls: list[int] = []
    bindings = Bindings()

    def flaky(session: Any, jobs: Any) -> Any:
        calls.append(len(jobs))
        if len(calls) == 1:
            raise RuntimeError("disk full")
        return store_jobs(session, jobs, bindings)

    gateway = Gateway(sink=JobWriter(sessions, store=flaky))
    now = now_local()

    async def scenario(connect: Any) -> None:
        c = await connect()
        await c.send(loc(now - timedelta(seconds=20)))
        with pytest.raises(TimeoutError):
            await c.reply(timeout=0.5)  # not stored: nothing said, the terminal will resend
        serial = await c.send(loc(now))
        ack = await c.ack()
        assert (ack.reply_serial, ack.result) == (serial, 0)

    run(gateway, scenario)
    assert len(positions(sessions)) == 1
    assert gateway.stats.store_failures == 1


def test_lanyan_serve_runs_the_gateway_when_a_port_is_configured(
    settings: Any, sessions: Any, vehicle: int
) -> None:
    port = free_port()
    app = create_app(settings.model_copy(update={"jt808_port": port, "jt808_host": "127.0.0.1"}))
    with TestClient(app), socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(encode(loc(now_local()), phone=BOUND, serial=9)[0])
        scanner = Scanner()
        frames: list[bytes] = []
        while not frames:
            chunk = sock.recv(4096)
            assert chunk
            frames += list(scanner.feed(chunk))
        _head, ack = decode(b"\x7e" + frames[0] + b"\x7e")
        assert isinstance(ack, PlatformResponse) and (ack.reply_serial, ack.result) == (9, 0)
    assert [r.vehicle_id for r in positions(sessions)] == [vehicle]
