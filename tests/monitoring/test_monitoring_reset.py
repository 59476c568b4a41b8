"""A panel reset (复位) is a fact recorded on the alarms, never an operator's decision: it
never closes a fire alarm nobody has handled (issue #14 item 2). Faults, supervisory and
feedback signals are cleared by it (the device says they are over)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.choices import AlarmStatus
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.handling import confirm_alarm, mark_false_alarm
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.ingest import store_event, store_frame
from lanyan.monitoring.models import MonitoringAlarm
from lanyan.monitoring.mqtt import MQTT, Thresholds, to_incoming
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=CHINA_TZ)
UITD = bytes.fromhex("0a0b0c0d0e0f")
SMOKE = "smk-reset-01"
COUNTY = "320904"
PREFIX = "lanyan/v1"


def fire_frame(serial: int, address: int) -> bytes:
    """A fire alarm (state bits 0 and 1) from one detector of the UITD's panel."""
    obj = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": 0b11,
        "description": f"{address}号烟感",
        "time": T0,
    }
    return _frame(serial, 2, [obj])


def fault_frame(serial: int) -> bytes:
    obj = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": 99,
        "state": 0b101,
        "description": "故障点",
        "time": T0,
    }
    return _frame(serial, 2, [obj])


def reset_frame(serial: int) -> bytes:
    """The panel's own state with the reset bit (bit 13), as a panel sends after 复位."""
    return _frame(
        serial, 1, [{"system_type": 1, "system_address": 1, "state": 1 | 1 << 13, "time": T0}]
    )


def _frame(serial: int, type_flag: int, objects: list[dict[str, Any]]) -> bytes:
    return encode(
        serial=serial,
        command=2,
        source=UITD,
        destination=0,
        payload=encode_appdata(type_flag, objects),
        timestamp=T0,
    )


@pytest.fixture
def devices(uow: Any) -> dict[str, Any]:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY))
        make = get_type("devices")
        uitd = service.create(
            s,
            make,
            SYSTEM,
            EVERYWHERE,
            sample("devices", COUNTY) | {"code": UITD.hex(), "unit_code": unit.code},
        )
        smoke = service.create(
            s,
            make,
            SYSTEM,
            EVERYWHERE,
            sample("devices", COUNTY, 2)
            | {"code": SMOKE, "unit_code": unit.code, "protocol": MQTT, "kind": "smoke_detector"},
        )
        return {"uitd": uitd.id, "smoke": smoke.id}


def ingest(sessions: Any, raw: bytes, at: datetime) -> None:
    store_frame(sessions, decode(raw), raw, at, "test")


def publish(sessions: Any, seq: int, event: str, at: datetime) -> None:
    payload = json.dumps({"ts": at.isoformat(), "seq": seq, "event": event, "location": "502"})
    item = to_incoming(f"{PREFIX}/{SMOKE}/smoke", payload.encode(), PREFIX, Thresholds())
    store_event(sessions, item, at, "test")


def alarms_of(sessions: Any, device_id: int) -> list[MonitoringAlarm]:
    with sessions() as s:
        return list(
            s.scalars(
                select(MonitoringAlarm)
                .where(MonitoringAlarm.device_id == device_id)
                .order_by(MonitoringAlarm.id)
            )
        )


def test_a_panel_reset_keeps_unhandled_fire_alarms_open_and_shows_the_reset(
    sessions: Any, uow: Any, devices: dict[str, Any]
) -> None:
    for serial, address in enumerate((5, 6, 7), start=1):
        ingest(sessions, fire_frame(serial, address), T0 + timedelta(seconds=serial))
    ingest(sessions, fault_frame(4), T0 + timedelta(seconds=4))
    reset_at = T0 + timedelta(minutes=2)
    ingest(sessions, reset_frame(5), reset_at)
    fires = [a for a in alarms_of(sessions, devices["uitd"]) if a.kind == "fire"]
    (fault,) = [a for a in alarms_of(sessions, devices["uitd"]) if a.kind == "fault"]
    assert [a.status for a in fires] == ["active"] * 3
    assert all(a.reset_at == reset_at and a.cleared_at is None for a in fires)
    # A fault is the device's own state: its reset says it is over.
    assert (fault.status, fault.cleared_at) == ("cleared", reset_at)
    # An operator still decides each fire.
    with uow() as s:
        confirm_alarm(s, SYSTEM, EVERYWHERE, fires[0].id, reset_at, "video shows smoke")
        mark_false_alarm(s, SYSTEM, EVERYWHERE, fires[1].id, reset_at, "cooking fumes")
    statuses = [a.status for a in alarms_of(sessions, devices["uitd"]) if a.kind == "fire"]
    assert statuses == ["confirmed", "false_alarm", "active"]


def test_a_reset_after_an_operator_confirmed_closes_the_fire_record(
    sessions: Any, uow: Any, devices: dict[str, Any]
) -> None:
    ingest(sessions, fire_frame(1, 5), T0)
    (fire,) = alarms_of(sessions, devices["uitd"])
    with uow() as s:
        confirm_alarm(s, SYSTEM, EVERYWHERE, fire.id, T0 + timedelta(minutes=1))
    ingest(sessions, reset_frame(2), T0 + timedelta(minutes=5))
    (fire,) = alarms_of(sessions, devices["uitd"])
    assert (fire.status, fire.handled_by) == (AlarmStatus.CLEARED.value, SYSTEM.username)
    assert fire.reset_at == T0 + timedelta(minutes=5)


def test_a_reset_in_the_same_batch_as_the_fire_keeps_it_open(
    sessions: Any, devices: dict[str, Any]
) -> None:
    from lanyan.monitoring.ingest import Pending, incoming_frame, store_events

    batch = [
        Pending(incoming_frame(decode(raw), raw), T0 + timedelta(seconds=i), "test")
        for i, raw in enumerate((fire_frame(1, 5), reset_frame(2)))
    ]
    store_events(sessions, batch)
    (fire,) = alarms_of(sessions, devices["uitd"])
    assert fire.status == "active" and fire.reset_at == T0 + timedelta(seconds=1)


def test_an_mqtt_reset_keeps_the_smoke_alarms_fire_open(
    sessions: Any, devices: dict[str, Any]
) -> None:
    publish(sessions, 1, "alarm", T0)
    publish(sessions, 2, "reset", T0 + timedelta(minutes=1))
    (fire,) = alarms_of(sessions, devices["smoke"])
    assert (fire.kind, fire.status) == ("fire", "active")
    assert fire.reset_at == T0 + timedelta(minutes=1)


def test_housekeeping_never_closes_a_fire_alarm(sessions: Any, devices: dict[str, Any]) -> None:
    ingest(sessions, fire_frame(1, 5), T0)
    chores = Housekeeping(heartbeat=timedelta(minutes=1), escalate_after=timedelta(minutes=1))
    for minutes in (5, 60, 24 * 60):
        chores.round(sessions, T0 + timedelta(minutes=minutes))
    fires = [a for a in alarms_of(sessions, devices["uitd"]) if a.kind == "fire"]
    assert [(a.status, a.escalated_at is not None) for a in fires] == [("active", True)]


def test_the_desk_api_shows_the_reset_beside_an_open_fire(
    client: Any, sessions: Any, devices: dict[str, Any]
) -> None:
    from support import add_user, login

    ingest(sessions, fire_frame(1, 5), T0)
    ingest(sessions, reset_frame(2), T0 + timedelta(minutes=2))
    from lanyan.store.db import unit_of_work

    add_user(lambda: unit_of_work(sessions), "desk", "dispatcher", COUNTY)
    headers = login(client, "desk")
    body = client.get("/api/monitoring/alarms?kind=fire", headers=headers).json()
    (item,) = body["items"]
    assert item["status"] == "active"
    assert datetime.fromisoformat(item["reset_at"]) == T0 + timedelta(minutes=2)
    history = client.get(f"/api/monitoring/devices/{UITD.hex()}/history", headers=headers).json()
    assert history["alarms"][0]["reset_at"] == item["reset_at"]


def test_the_device_page_shows_the_reset_beside_the_open_fire(
    client: Any, sessions: Any, devices: dict[str, Any]
) -> None:
    from lanyan.store.db import unit_of_work

    from support import add_user, login

    ingest(sessions, fire_frame(1, 5), T0)
    ingest(sessions, reset_frame(2), T0 + timedelta(minutes=2))
    add_user(lambda: unit_of_work(sessions), "desk", "dispatcher", COUNTY)
    headers = login(client, "desk")
    page = client.get(f"/monitoring/devices/{UITD.hex()}", headers=headers)
    assert page.status_code == 200
    assert "未处理" in page.text and "已复位 2026-03-09 08:02" in page.text
