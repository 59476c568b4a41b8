"""The GB/T 26875.3 gateway over real TCP on loopback, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gateway import Gateway
from lanyan.monitoring.gb26875 import Frame, decode, encode, encode_appdata
from lanyan.monitoring.gb26875.framing import Candidate, FrameScanner
from lanyan.monitoring.ingest import GB26875, accept_sender, decoded_view, store_events
from lanyan.monitoring.models import MonitoringAlarm, MonitoringEvent, QuarantinedSender
from lanyan.monitoring.simulator import simulate
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region

WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)
KNOWN = bytes.fromhex("a1b2c3d4e5f6")
STRANGER = bytes.fromhex("0000000000ff")


def fire(serial: int, source: bytes = KNOWN, address: int = 5) -> bytes:
    adu = encode_appdata(
        2,
        [
            {
                "system_type": 1,
                "system_address": 1,
                "component_type": 42,
                "component_address": address,
                "state": 0b10,
                "description": "二层烟感",
                "time": WHEN,
            }
        ],
    )
    return encode(
        serial=serial, command=2, source=source, destination=1, payload=adu, timestamp=WHEN
    )


@pytest.fixture
def known_device(uow: Any) -> int:
    seed_region(uow)
    county = "320904"
    with uow() as s:
        payload = sample("devices", county) | {"code": KNOWN.hex().upper()}
        return service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload).id


class Client:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer, self.scanner = reader, writer, FrameScanner()
        self.pending: list[Frame] = []

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self) -> Frame:
        while not self.pending:
            chunk = await asyncio.wait_for(self.reader.read(4096), 30)
            assert chunk, "gateway closed the connection"
            self.pending += [
                decode(i.raw) for i in self.scanner.feed(chunk) if isinstance(i, Candidate)
            ]
        return self.pending.pop(0)


def run(
    gateway: Gateway, scenario: Callable[[Callable[[], Awaitable[Client]]], Awaitable[None]]
) -> None:
    async def main() -> None:
        host, port = await gateway.start("127.0.0.1", 0)
        clients: list[Client] = []

        async def connect() -> Client:
            client = Client(*await asyncio.open_connection(host, port))
            clients.append(client)
            return client

        try:
            await scenario(connect)
        finally:
            for c in clients:
                c.writer.close()
            await gateway.close()

    asyncio.run(main())


def events(sessions: Any) -> list[MonitoringEvent]:
    with sessions() as s:
        return list(s.scalars(select(MonitoringEvent).order_by(MonitoringEvent.id)))


def test_good_frame_is_confirmed_after_it_is_stored(sessions: Any, known_device: int) -> None:
    seen_at_confirm: list[int] = []

    async def scenario(connect: Any) -> None:
        client = await connect()
        await client.send(fire(41))
        answer = await client.reply()
        seen_at_confirm.append(len(events(sessions)))
        assert (answer.command, answer.serial, answer.destination) == (3, 41, KNOWN)

    run(Gateway(sessions), scenario)
    assert seen_at_confirm == [1]
    (event,) = events(sessions)
    assert event.device_id == known_device and not event.quarantined
    assert decoded_view(event)["data"]["objects"][0]["fire_alarm"] is True


def test_no_confirm_when_storing_fails(sessions: Any, known_device: int) -> None:
    batches: list[list[int]] = []

    def flaky(factory: Any, batch: Any) -> Any:
        # Serial 1 cannot be stored (say, a poison frame): every batch holding it fails.
        batches.append([p.item.serial for p in batch])
        if any(p.item.serial == 1 for p in batch):
            raise OSError("disk full")
        return store_events(factory, batch)

    async def scenario(connect: Any) -> None:
        client, other = await connect(), await connect()
        await client.send(fire(1))
        await other.send(fire(2))
        answer = await other.reply()
        assert (answer.command, answer.serial) == (3, 2)  # serial 1 was never confirmed
        await client.send(fire(3))
        answer = await client.reply()
        assert (answer.command, answer.serial) == (3, 3)

    # A long linger puts serials 1 and 2 into one batch: 2 is stored alone after it fails.
    gateway = Gateway(sessions, store=flaky, max_delay=0.3)
    run(gateway, scenario)
    assert batches[0] == [1, 2] and [1] in batches and [2] in batches
    assert [e.serial for e in events(sessions)] == [2, 3]
    assert gateway.stats.store_failures == 1


def test_garbage_between_frames_is_skipped(sessions: Any, known_device: int) -> None:
    gateway = Gateway(sessions)

    async def scenario(connect: Any) -> None:
        client = await connect()
        await client.send(b"\xff\x00noise@" + fire(7) + b"@@@@####" + fire(8) + b"tail")
        assert [(await client.reply()).serial for _ in range(2)] == [7, 8]

    run(gateway, scenario)
    assert [e.serial for e in events(sessions)] == [7, 8]
    assert gateway.stats.garbage_bytes > 0


def test_bad_checksum_is_denied_and_not_stored(sessions: Any, known_device: int) -> None:
    good = fire(9)
    bad = good[:-3] + bytes(((good[-3] + 1) % 256,)) + good[-2:]

    async def scenario(connect: Any) -> None:
        client = await connect()
        await client.send(bad)
        answer = await client.reply()
        assert (answer.command, answer.serial, answer.destination) == (6, 9, KNOWN)

    run(Gateway(sessions), scenario)
    assert events(sessions) == []


def test_duplicate_is_confirmed_but_stored_once(sessions: Any, known_device: int) -> None:
    async def scenario(connect: Any) -> None:
        first, second = await connect(), await connect()
        await first.send(fire(12))
        assert (await first.reply()).command == 3
        await second.send(fire(12))  # a retransmission, e.g. after a lost confirm
        assert (await second.reply()).command == 3
        # Same serial after a reconnect but a different event: kept (serials restart at 0).
        await second.send(fire(12, address=6))
        assert (await second.reply()).command == 3

    run(Gateway(sessions), scenario)
    assert len(events(sessions)) == 2


def test_garbage_connection_does_not_disturb_another(sessions: Any, known_device: int) -> None:
    async def scenario(connect: Any) -> None:
        noisy, quiet = await connect(), await connect()
        # A false start that claims a long frame, then endless noise, on one connection ...
        await noisy.send(b"@@" + bytes(22) + (1000).to_bytes(2, "little") + b"\x02" + bytes(500))
        await noisy.send(bytes(range(256)) * 20)
        # ... while the other is served as usual.
        await quiet.send(fire(21))
        assert (await quiet.reply()).serial == 21
        await noisy.send(fire(22))
        assert (await noisy.reply()).serial == 22

    run(Gateway(sessions), scenario)
    assert sorted(e.serial for e in events(sessions)) == [21, 22]


def test_idle_connection_is_closed(sessions: Any) -> None:
    gateway = Gateway(sessions, idle_timeout=0.2)

    async def scenario(connect: Any) -> None:
        client = await connect()
        assert await asyncio.wait_for(client.reader.read(), 30) == b""

    run(gateway, scenario)
    assert gateway.stats.idle_closed == 1


def test_unknown_sender_is_quarantined_until_accepted(
    sessions: Any, uow: Any, known_device: int
) -> None:
    async def scenario(connect: Any) -> None:
        client = await connect()
        await client.send(fire(3, source=STRANGER))
        assert (await client.reply()).command == 3  # stored, so confirmed, but not trusted

    run(Gateway(sessions), scenario)
    (event,) = events(sessions)
    assert event.quarantined and event.device_id is None
    with sessions() as s:
        row = s.scalar(select(QuarantinedSender))
        assert (row.address, row.status, row.frames) == (STRANGER.hex(), "pending", 1)
    with uow() as s:
        accept_sender(s, SYSTEM, GB26875, STRANGER.hex(), KNOWN.hex().upper())
    (event,) = events(sessions)
    assert not event.quarantined and event.device_id == known_device
    with sessions() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(QuarantinedSender)
                .where(QuarantinedSender.status == "pending")
            )
            == 0
        )


def test_simulated_devices_are_all_confirmed_and_stored(sessions: Any) -> None:
    result: list[Any] = []

    async def main() -> None:
        gateway = Gateway(sessions)
        host, port = await gateway.start("127.0.0.1", 0)
        try:
            result.append(await simulate(host, port, count=6, rate=200, frames=5, seed=7))
        finally:
            await gateway.close()

    asyncio.run(main())
    (stats,) = result
    assert (stats.devices, stats.confirmed, stats.failed, stats.denied) == (6, 30, 0, 0)
    assert len(events(sessions)) == 30
    with sessions() as s:
        fires = s.scalar(
            select(func.count()).select_from(MonitoringAlarm).where(MonitoringAlarm.kind == "fire")
        )
    assert 0 < fires <= stats.fires  # repeats at one point fold into one record
