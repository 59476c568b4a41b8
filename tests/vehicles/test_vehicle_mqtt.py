"""Vehicle positions over MQTT JSON: the same rules as the gateway, stored before the PUBACK;
one round trip through the real Mosquitto broker at 127.0.0.1:1883."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as paho
import pytest
from sqlalchemy import select

from lanyan.registry.models import Vehicle
from lanyan.registry.scope import EVERYWHERE
from lanyan.vehicles import service
from lanyan.vehicles.models import QuarantinedTerminal, VehicleLive, VehiclePosition
from lanyan.vehicles.mqtt import PositionIngest

from support import create_sample, seed_region

HOST, PORT = "127.0.0.1", 1883
PHONE = "13800138000"


@pytest.fixture
def vehicle(uow: Any) -> int:
    seed_region(uow)
    vid = create_sample(uow, "vehicles", "320904")
    with uow() as s:
        code = s.scalars(select(Vehicle.code).where(Vehicle.id == vid)).one()
        service.bind_terminal(s, EVERYWHERE, PHONE, code)
    return vid


def payload(ts: datetime, **kw: Any) -> bytes:
    return json.dumps(
        {"ts": ts.isoformat(), "lat": 33.2, "lon": 120.46, "speed_kmh": 30.5, "heading": 45} | kw
    ).encode()


def rows(sessions: Any) -> list[VehiclePosition]:
    with sessions() as s:
        return list(s.scalars(select(VehiclePosition).order_by(VehiclePosition.id)))


def test_rules_and_storage_without_a_broker(sessions: Any, vehicle: int) -> None:
    ingest = PositionIngest(sessions, prefix="p")
    now = datetime.now(UTC).replace(microsecond=0)
    topic = f"p/vehicles/{PHONE}/position"
    assert ingest.handle(topic, payload(now - timedelta(seconds=5)), now)
    assert ingest.handle(topic, payload(now - timedelta(seconds=5)), now)  # redelivery: once
    refused = [
        (topic, payload(now, lat=0, lon=0)),
        (topic, payload(now, lat=-33.9, lon=151.2)),
        (topic, payload(now + timedelta(hours=1))),
        (topic, b"{not json"),
        (topic, json.dumps({"ts": now.isoformat(), "lat": 33.2}).encode()),
        (topic, payload(now, heading=400)),
        (topic, json.dumps({"ts": "2026-03-09T08:30:15", "lat": 33.2, "lon": 120.4}).encode()),
        ("p/vehicles/12ab/position", payload(now)),
    ]
    for t, body in refused:
        assert ingest.handle(t, body, now)  # acknowledged: it would be refused forever
    assert ingest.handle("p/vehicles/13900000000/position", payload(now), now)
    assert ingest.stats.reasons == {
        "zero_coordinates": 1,
        "outside_china": 1,
        "future_time": 1,
        "bad_payload": 4,
        "bad_topic": 1,
    }
    stored = rows(sessions)
    assert [(r.phone, r.vehicle_id, r.source) for r in stored] == [
        (PHONE, vehicle, "mqtt"),
        ("13900000000", None, "mqtt"),
    ]
    with sessions() as s:
        live = s.get(VehicleLive, vehicle)
        assert live is not None and (live.speed_kmh, live.heading) == (30.5, 45)
        assert s.get(QuarantinedTerminal, "13900000000") is not None


def test_no_acknowledgement_when_storing_fails(vehicle: int) -> None:
    def broken() -> Any:
        raise RuntimeError("database down")

    ingest = PositionIngest(broken, prefix="p")  # type: ignore[arg-type]
    now = datetime.now(UTC)
    assert not ingest.handle(f"p/vehicles/{PHONE}/position", payload(now), now)
    assert ingest.stats.store_failures == 1


def test_round_trip_through_the_broker(sessions: Any, vehicle: int) -> None:
    try:
        socket.create_connection((HOST, PORT), timeout=3).close()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"no MQTT broker at {HOST}:{PORT} ({exc})")
        pytest.skip(f"no MQTT broker ({exc})")
    prefix = f"lanyan-test/{uuid.uuid4().hex}"
    client_id = f"lanyan-test-positions-{uuid.uuid4().hex[:12]}"
    ingest = PositionIngest(sessions, prefix=prefix, client_id=client_id)
    ingest.connect(HOST, PORT)
    ingest.start(timeout=20)
    device = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"dev-{uuid.uuid4().hex[:12]}")
    device.connect(HOST, PORT)
    device.loop_start()
    try:
        info = device.publish(
            f"{prefix}/vehicles/{PHONE}/position",
            payload(datetime.now(UTC) - timedelta(seconds=1)),
            qos=1,
        )
        info.wait_for_publish(20)
        deadline = time.monotonic() + 20
        while ingest.stats.stored < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ingest.stats.stored == 1
        assert [r.vehicle_id for r in rows(sessions)] == [vehicle]
    finally:
        device.disconnect()
        device.loop_stop()
        ingest.stop()
        forget = paho.Client(
            paho.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True
        )
        forget.connect(HOST, PORT)
        forget.disconnect()
