"""Service mode against the real NATS server (JetStream at 127.0.0.1:4222; CI starts it):
stateless gateways publish, alarm processors on a durable consumer store and acknowledge.
Every test uses its own fresh stream, subject and consumer names, and deletes its stream."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import nats
import pytest
from sqlalchemy import func, select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gateway import Gateway
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import Pending, incoming_frame, store_events
from lanyan.monitoring.jetstream import (
    AlarmProcessor,
    BlockingPublisher,
    JetStreamSink,
    Names,
    decode_pending,
    encode_pending,
)
from lanyan.monitoring.models import MonitoringAlarm, MonitoringEvent, OutboxEvent
from lanyan.monitoring.mqtt import MqttIngest
from lanyan.monitoring.simulator import simulate

from support import assert_confirmed_frames_stored_once

NATS_URL = os.environ.get("LANYAN_TEST_NATS_URL", "nats://127.0.0.1:4222")
IN_CI = os.environ.get("CI", "").lower() == "true"
WHEN = datetime(2026, 3, 9, 8, 30, 15, tzinfo=CHINA_TZ)


async def _probe() -> None:
    nc = await nats.connect(NATS_URL, connect_timeout=3, allow_reconnect=False)
    try:
        await nc.jetstream().account_info()
    finally:
        await nc.close()


async def _delete_stream(name: str) -> None:
    nc = await nats.connect(NATS_URL, connect_timeout=3, allow_reconnect=False)
    try:
        await nc.jetstream().delete_stream(name)
    except Exception:  # never created: nothing to clean
        pass
    finally:
        await nc.close()


@pytest.fixture
def names() -> Iterator[Names]:
    try:
        asyncio.run(_probe())
    except Exception as exc:
        message = f"NATS JetStream at {NATS_URL} is unreachable: {exc!r}"
        if IN_CI:
            pytest.fail(message + " (CI=true: the NATS tests must run)")
        pytest.skip(message)
    tag = uuid.uuid4().hex[:10]
    fresh = Names(
        url=NATS_URL,
        stream=f"LANYAN_TEST_{tag}",
        subject=f"lanyan.test.{tag}",
        durable=f"processor-{tag}",
    )
    yield fresh
    asyncio.run(_delete_stream(fresh.stream))


def fire(serial: int, source: int = 0xA1B2C3, address: int = 5) -> bytes:
    adu = encode_appdata(
        2,
        [
            {
                "system_type": 1,
                "system_address": 1,
                "component_type": 42,
                "component_address": address,
                "state": 0b10,  # test bit clear: raised all the same
                "description": "二层烟感",
                "time": WHEN,
            }
        ],
    )
    return encode(
        serial=serial, command=2, source=source, destination=1, payload=adu, timestamp=WHEN
    )


def pending(serial: int, **kw: Any) -> Pending:
    raw = fire(serial, **kw)
    return Pending(incoming_frame(decode(raw), raw), WHEN, "test")


def count(sessions: Any, model: Any) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


async def drain(processors: list[AlarmProcessor], done: Any, seconds: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not done():
        assert loop.time() < deadline, "the processors did not catch up"
        await asyncio.gather(*(p.run_once(timeout=0.5) for p in processors))


def test_message_round_trips() -> None:
    p = pending(7)
    back = decode_pending(encode_pending(p))
    assert back == p


def test_gateways_publish_and_processors_store_each_frame_once(sessions: Any, names: Names) -> None:
    result: list[Any] = []
    processors = [AlarmProcessor(sessions, names, batch=50) for _ in range(2)]

    async def main() -> None:
        # Two stateless gateways, one stream; devices split between them.
        gateways = [Gateway(sink=JetStreamSink(names)) for _ in range(2)]
        ports = [(await g.start("127.0.0.1", 0))[1] for g in gateways]
        try:
            runs = [
                simulate("127.0.0.1", port, count=3, rate=200, frames=5, seed=i, first_address=a)
                for i, (port, a) in enumerate(zip(ports, (0x10000, 0x20000), strict=True))
            ]
            result.extend(await asyncio.gather(*runs))
            for p in processors:
                await p.start()
            await drain(processors, lambda: count(sessions, MonitoringEvent) >= 30)
        finally:
            for g in gateways:
                await g.close()
            for p in processors:
                await p.close()

    asyncio.run(main())
    assert [(r.confirmed, r.failed) for r in result] == [(15, 0), (15, 0)]
    with sessions() as s:
        rows = s.execute(select(MonitoringEvent.source, MonitoringEvent.serial)).all()
    confirmed = {
        (address.to_bytes(6, "little").hex(), serial)
        for r in result
        for address, serials in r.confirmed_serials.items()
        for serial in serials
    }
    assert len(rows) == 30 and set(rows) == confirmed
    # The durable consumer shared the work; every message was acknowledged.
    assert sum(p.stats.stored for p in processors) == 30
    assert sum(p.stats.failed + p.stats.malformed for p in processors) == 0


def test_retransmission_is_dropped_by_the_stream(names: Names) -> None:
    sink = JetStreamSink(names)

    async def main() -> None:
        try:
            for _ in range(2):
                await sink.submit(pending(3))
            await sink.submit(pending(3, address=6))  # same serial, another event: kept
        finally:
            await sink.close()

    asyncio.run(main())
    assert (sink.published, sink.duplicates) == (3, 1)


def test_failed_store_is_redelivered_and_stored_once(sessions: Any, names: Names) -> None:
    calls: list[int] = []

    def flaky(factory: Any, batch: Any) -> Any:
        calls.append(len(batch))
        if len(calls) <= 2:  # the batch, then the message alone: both fail once
            raise OSError("database restarting")
        return store_events(factory, batch)

    processor = AlarmProcessor(sessions, names, store=flaky)

    async def main() -> None:
        sink = JetStreamSink(names)
        try:
            # Published twice under different message ids (say, by two gateways after a
            # reconnect): the stream keeps both, the event table stores one.
            await sink.submit(pending(9))
            again = pending(9)
            await sink._js.publish(
                f"{names.subject}.gb26875",
                encode_pending(again),
                headers={"Nats-Msg-Id": "another-id"},
            )
            await processor.start()
            await drain(
                [processor], lambda: processor.stats.stored + processor.stats.duplicates >= 2
            )
        finally:
            await sink.close()
            await processor.close()

    asyncio.run(main())
    assert processor.stats.failed >= 1  # nak'd, then delivered again
    assert (processor.stats.stored, processor.stats.duplicates) == (1, 1)
    assert count(sessions, MonitoringEvent) == 1
    assert count(sessions, MonitoringAlarm) == 1
    with sessions() as s:
        (topic,) = s.scalars(select(OutboxEvent.topic))
    assert topic == "fire_alarm_raised"


def test_unreadable_message_is_terminated_not_retried(sessions: Any, names: Names) -> None:
    processor = AlarmProcessor(sessions, names)

    async def main() -> None:
        sink = JetStreamSink(names)
        try:
            await sink.start()
            await sink._js.publish(f"{names.subject}.gb26875", b"{not json")
            await sink.submit(pending(1))
            await processor.start()
            await drain([processor], lambda: processor.stats.stored >= 1)
            assert await processor.run_once(timeout=0.5) == 0  # nothing comes back
        finally:
            await sink.close()
            await processor.close()

    asyncio.run(main())
    assert (processor.stats.malformed, processor.stats.stored) == (1, 1)


def test_mqtt_ingest_publishes_into_the_same_pipeline(sessions: Any, names: Names) -> None:
    publisher = BlockingPublisher(names)
    try:
        ingest = MqttIngest(sessions, store=publisher.store)
        payload = {"ts": "2026-03-09T08:30:15+08:00", "seq": 4, "event": "alarm", "test": True}
        assert ingest.handle("lanyan/v1/SD-0001/smoke", json.dumps(payload).encode())
        assert ingest.stats.stored == 1
    finally:
        publisher.close()
    assert count(sessions, MonitoringEvent) == 0  # in the stream, not yet stored
    processor = AlarmProcessor(sessions, names)

    async def main() -> None:
        try:
            await processor.start()
            await drain([processor], lambda: processor.stats.stored >= 1)
        finally:
            await processor.close()

    asyncio.run(main())
    with sessions() as s:
        (event,) = s.scalars(select(MonitoringEvent))
        (alarm,) = s.scalars(select(MonitoringAlarm))
    assert (event.protocol, event.source, event.serial) == ("mqtt", "sd-0001", 4)
    assert (alarm.kind, alarm.test_mode) == ("fire", True)


def test_service_mode_from_the_command_line(
    db_url: str, sessions: Any, names: Names, tmp_path: Any
) -> None:
    """``lanyan gateway serve --mode nats`` and ``lanyan monitor process``, as deployed."""
    port = _free_port()
    env = _service_env(db_url, tmp_path, names)
    cli = [sys.executable, "-m", "lanyan.cli.main"]
    logs = [open(tmp_path / f"{n}.log", "wb") for n in ("gateway", "processor")]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [*cli, "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [*cli, "monitor", "process", "--no-housekeeping"],
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    result: list[Any] = []

    async def main() -> None:
        await _until_listening(port)
        result.append(await simulate("127.0.0.1", port, count=4, rate=100, frames=5, seed=3))

    try:
        asyncio.run(main())
        for _ in range(600):
            if count(sessions, MonitoringEvent) >= 20:
                break
            time.sleep(0.1)
    finally:
        for p in procs:
            p.terminate()
            p.wait(30)
        for log in logs:
            log.close()
    (stats,) = result
    assert (stats.confirmed, stats.failed) == (20, 0)
    assert count(sessions, MonitoringEvent) == 20, (tmp_path / "processor.log").read_text()


def test_kill_9_in_service_mode_loses_no_confirmed_frame(
    db_url: str, sessions: Any, names: Names, tmp_path: Any
) -> None:
    """Kill -9 a NATS-mode gateway and then an alarm processor mid-run, restart both: every
    frame a device had confirmed (JetStream held it) is stored, exactly once (the stream keeps
    what no processor acknowledged; the event key stores a redelivery once)."""
    port = _free_port()
    env = _service_env(db_url, tmp_path, names)
    cli = [sys.executable, "-m", "lanyan.cli.main"]
    commands = {
        "gateway": [*cli, "gateway", "serve", "--host", "127.0.0.1", "--port", str(port)],
        # A short ack wait: what the killed processor held comes back within seconds.
        "processor": [*cli, "monitor", "process", "--no-housekeeping", "--ack-wait", "2"],
    }
    procs: dict[str, subprocess.Popen[bytes]] = {}
    spawned: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> None:
        with open(tmp_path / f"{name}-{len(spawned)}.log", "wb") as log:
            procs[name] = subprocess.Popen(
                commands[name], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        spawned.append(procs[name])

    def kill(name: str) -> None:
        procs[name].send_signal(signal.SIGKILL)
        procs[name].wait()

    result: list[Any] = []

    async def until_stored(n: int, run: asyncio.Task[Any]) -> None:
        while count(sessions, MonitoringEvent) < n:
            assert not run.done(), "the run ended before the kill: make it longer"
            await asyncio.sleep(0.05)

    async def main() -> None:
        await _until_listening(port)
        run = asyncio.create_task(
            simulate("127.0.0.1", port, count=8, rate=200, frames=60, seed=11)
        )
        await until_stored(80, run)
        kill("gateway")  # devices mid-exchange: unconfirmed frames are sent again
        start("gateway")
        await until_stored(200, run)
        kill("processor")  # fetched, maybe stored, not acknowledged: redelivered
        start("processor")
        result.append(await run)

    start("gateway")
    start("processor")
    try:
        asyncio.run(main())
        deadline = time.monotonic() + 60
        while count(sessions, MonitoringEvent) < 8 * 60 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2.5)  # past the ack wait: a redelivery, if any, would have landed
    finally:
        for p in spawned:
            p.kill()
            p.wait(30)
    (stats,) = result
    assert_confirmed_frames_stored_once(sessions, stats, 8 * 60)


def _service_env(db_url: str, tmp_path: Any, names: Names) -> dict[str, str]:
    """The environment of service-mode commands on this test's database and stream."""
    return os.environ | {
        "LANYAN_DATABASE_URL": db_url,
        "LANYAN_DATA_DIR": str(tmp_path),
        "LANYAN_MONITORING_MODE": "nats",
        "LANYAN_NATS_URL": names.url,
        "LANYAN_NATS_STREAM": names.stream,
        "LANYAN_NATS_SUBJECT": names.subject,
        "LANYAN_NATS_DURABLE": names.durable,
    }


async def _until_listening(port: int) -> None:
    for _ in range(600):
        try:
            _r, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError(f"nothing listens on port {port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
