"""MQTT device ingest through the real Mosquitto broker at 127.0.0.1:1883, on SQLite and
PostgreSQL. Each test uses its own topic prefix and client ids, so tests never see each
other's messages."""

from __future__ import annotations

import json
import os
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import paho.mqtt.client as paho
import pytest
from sqlalchemy import select

from lanyan.monitoring.ingest import accept_sender, store_event
from lanyan.monitoring.models import MonitoringAlarm, MonitoringEvent, QuarantinedSender
from lanyan.monitoring.mqtt import MQTT, MqttIngest, PayloadRejected, parse_payload
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region

HOST, PORT = "127.0.0.1", 1883
COUNTY = "320904"
WAIT = 20.0  # generous upper bound for the broker round trip; tests never assert on speed


def _broker_or_skip() -> None:
    try:
        socket.create_connection((HOST, PORT), timeout=3).close()
    except OSError as exc:
        reason = f"no MQTT broker at {HOST}:{PORT} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)  # CI starts Mosquitto (.ci/run): an absent broker is a failure
        pytest.skip(reason)


@pytest.fixture
def prefix() -> str:
    _broker_or_skip()
    return f"lanyan-test/{uuid.uuid4().hex}"


@pytest.fixture
def world(uow: Any) -> dict[str, int]:
    """A unit with a smoke alarm and a hydrant sensor registered as MQTT devices."""
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY))
        ids = {"unit": unit.id}
        for code, kind in (("SD-0001", "smoke_detector"), ("HP-0001", "water_pressure")):
            payload = sample("devices", COUNTY) | {
                "code": code,
                "kind": kind,
                "protocol": MQTT,
                "unit_code": unit.code,
            }
            ids[code] = service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload).id
        return ids


def _forget_session(client_id: str) -> None:
    """Drop the broker's persistent session for ``client_id`` so tests leave nothing behind."""
    client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    client.connect(HOST, PORT)
    client.disconnect()


class Running:
    def __init__(self, sessions: Any, prefix: str, client_id: str, **kw: Any) -> None:
        self.ingest = MqttIngest(sessions, prefix=prefix, client_id=client_id, **kw)
        self.ingest.connect(HOST, PORT)
        self.ingest.start(timeout=WAIT)

    def wait_handled(self, n: int) -> None:
        assert self.ingest.wait_for(lambda s: s.handled >= n, WAIT), self.ingest.stats


@pytest.fixture
def subscriber(sessions: Any, prefix: str) -> Iterator[Any]:
    client_id = f"lanyan-test-ingest-{uuid.uuid4().hex[:12]}"
    started: list[Running] = []

    def start(**kw: Any) -> Running:
        run = Running(sessions, prefix, client_id, **kw)
        started.append(run)
        return run

    yield start
    for run in started:
        run.ingest.stop()
    _forget_session(client_id)


@pytest.fixture
def publish(prefix: str) -> Iterator[Any]:
    client = paho.Client(
        paho.CallbackAPIVersion.VERSION2, client_id=f"lanyan-test-device-{uuid.uuid4().hex[:12]}"
    )
    client.connect(HOST, PORT)
    client.loop_start()

    def send(code: str, kind: str, payload: dict[str, Any] | bytes) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = client.publish(f"{prefix}/{code}/{kind}", body, qos=1)
        info.wait_for_publish(WAIT)
        assert info.is_published()

    yield send
    client.disconnect()
    client.loop_stop()


def alarms(sessions: Any) -> list[MonitoringAlarm]:
    with sessions() as s:
        return list(s.scalars(select(MonitoringAlarm).order_by(MonitoringAlarm.id)))


def events(sessions: Any) -> list[MonitoringEvent]:
    with sessions() as s:
        return list(s.scalars(select(MonitoringEvent).order_by(MonitoringEvent.id)))


TS = "2026-03-09T08:30:15+08:00"


def test_smoke_alarm_becomes_fire_alarm_of_the_unit(
    sessions: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    run = subscriber()
    publish("SD-0001", "smoke", {"ts": TS, "seq": 7, "event": "alarm", "location": "502 客厅"})
    run.wait_handled(1)
    (alarm,) = alarms(sessions)
    assert (alarm.kind, alarm.status) == ("fire", "active")
    assert alarm.device_id == world["SD-0001"] and alarm.unit_id == world["unit"]
    assert alarm.location == "502 客厅" and not alarm.unverified and not alarm.test_mode
    (event,) = events(sessions)
    assert (event.protocol, event.source, event.serial) == (MQTT, "sd-0001", 7)
    assert event.decoded["payload"]["event"] == "alarm" and not event.quarantined


def test_test_button_alarm_is_raised_and_marked(
    sessions: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    run = subscriber()
    publish("SD-0001", "smoke", {"ts": TS, "seq": 1, "event": "alarm", "test": True})
    run.wait_handled(1)
    (alarm,) = alarms(sessions)
    assert alarm.kind == "fire" and alarm.test_mode


def test_low_pressure_and_tamper_are_supervisory(
    sessions: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    run = subscriber()
    publish("HP-0001", "hydrant", {"ts": TS, "seq": 1, "pressure_mpa": 0.35})
    publish("HP-0001", "hydrant", {"ts": TS, "seq": 2, "pressure_mpa": 0.08})
    publish("HP-0001", "hydrant", {"ts": TS, "seq": 3, "pressure_mpa": 0.30, "tamper": True})
    run.wait_handled(3)
    got = {(a.kind, a.point): a for a in alarms(sessions)}
    assert set(got) == {("supervisory", "水压 pressure"), ("supervisory", "防拆 tamper")}
    assert "0.08 MPa < 0.14 MPa" in got["supervisory", "水压 pressure"].detail
    assert all(a.unit_id == world["unit"] for a in got.values())
    assert len(events(sessions)) == 3


def test_malformed_payloads_are_counted_and_the_subscriber_keeps_working(
    sessions: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    run = subscriber()
    publish("SD-0001", "smoke", b"{not json")
    publish("SD-0001", "smoke", {"ts": TS, "seq": 1, "event": "explode"})
    publish("SD-0001", "smoke", b"\xff\xfe")
    publish("SD-0001", "toaster", {"ts": TS, "seq": 1})
    publish("X" * 33, "smoke", {"ts": TS, "seq": 1, "event": "alarm"})
    publish("SD-0001", "smoke", {"ts": TS, "seq": 2, "event": "fault"})
    run.wait_handled(6)
    stats = run.ingest.stats
    assert (stats.rejected, stats.stored, stats.store_failures) == (5, 1, 0)
    assert stats.reasons == {
        "invalid_payload": 2,
        "unknown_kind": 1,
        "not_utf8": 1,
        "bad_topic": 1,
    }
    (alarm,) = alarms(sessions)
    assert alarm.kind == "fault"


def test_unknown_device_is_quarantined(
    sessions: Any, uow: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    run = subscriber()
    publish("STRANGER-9", "smoke", {"ts": TS, "seq": 1, "event": "alarm"})
    publish("STRANGER-9", "smoke", {"ts": TS, "seq": 2, "event": "heartbeat"})
    run.wait_handled(2)
    with sessions() as s:
        (row,) = s.scalars(select(QuarantinedSender)).all()
        assert (row.protocol, row.address, row.status, row.frames) == (
            MQTT,
            "stranger-9",
            "pending",
            2,
        )
    (alarm,) = alarms(sessions)
    assert alarm.kind == "fire" and alarm.unverified and alarm.unit_id is None
    assert all(e.quarantined for e in events(sessions))
    # An operator binds it to the registered smoke alarm: the alarm joins the unit.
    with uow() as s:
        accept_sender(s, SYSTEM, MQTT, "STRANGER-9", "SD-0001")
    (alarm,) = alarms(sessions)
    assert (alarm.unit_id, alarm.unverified) == (world["unit"], False)
    assert not any(e.quarantined for e in events(sessions))


def test_unstored_message_is_not_acknowledged_and_comes_back(
    sessions: Any, world: dict[str, int], subscriber: Any, publish: Any
) -> None:
    def failing(*_args: Any) -> Any:
        raise OSError("disk full")

    first = subscriber(store=failing)
    publish("SD-0001", "smoke", {"ts": TS, "seq": 5, "event": "alarm"})
    first.wait_handled(1)
    assert first.ingest.stats.store_failures == 1 and events(sessions) == []
    first.ingest.stop()
    # Same client id, persistent session: the broker redelivers what was never acknowledged.
    second = subscriber(store=store_event)
    second.wait_handled(1)
    assert second.ingest.stats.stored == 1
    (alarm,) = alarms(sessions)
    assert alarm.kind == "fire" and alarm.device_id == world["SD-0001"]


def test_redelivered_message_is_stored_once(sessions: Any, world: dict[str, int]) -> None:
    ingest = MqttIngest(sessions, prefix="p")
    body = json.dumps({"ts": TS, "seq": 3, "event": "alarm"}).encode()
    assert ingest.handle("p/SD-0001/smoke", body) and ingest.handle("p/SD-0001/smoke", body)
    assert (ingest.stats.stored, ingest.stats.duplicates) == (1, 1)
    (alarm,) = alarms(sessions)
    assert alarm.repeats == 1


def test_electrical_thresholds_and_field_errors() -> None:
    from lanyan.monitoring.mqtt import Thresholds, signals_of

    msg = parse_payload(
        "electrical", b'{"ts":"2026-03-09T08:30:15+08:00","seq":1,"residual_current_ma":420}'
    )
    (_hb, warn) = signals_of("electrical", msg, Thresholds())
    assert warn.kind.value == "supervisory" and "420 mA >= 300 mA" in warn.detail
    with pytest.raises(PayloadRejected, match="residual_current_ma or cable_temp_c"):
        parse_payload("electrical", b'{"ts":"2026-03-09T08:30:15+08:00","seq":1}')
    with pytest.raises(PayloadRejected, match=r"pressure_mpa: .*greater than or equal to 0"):
        parse_payload("hydrant", b'{"ts":"2026-03-09T08:30:15+08:00","seq":1,"pressure_mpa":-1}')
