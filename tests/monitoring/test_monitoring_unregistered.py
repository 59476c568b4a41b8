"""A fire alarm from a sender not in the registry (未登记设备, quarantined) reaches a desk at
once (issue #14 item 3): the configured gateway jurisdiction's, else the deployment's admins
and the users of a top jurisdiction; it is marked unregistered, and one step binds the sender
to a registry device. The quarantine page says which senders raised a fire."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.live import Subscriber
from lanyan.monitoring.models import MonitoringEvent, QuarantinedSender
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import add_user, login, sample, seed_region

T0 = datetime(2026, 3, 9, 8, 0, tzinfo=CHINA_TZ)
STRANGER = bytes.fromhex("5a5b5c5d5e5f")
COUNTY, OTHER_COUNTY, PROVINCE = "320904", "320902", "320000"


def fire_frame(serial: int) -> bytes:
    obj = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": 3,
        "state": 0b11,
        "description": "三层走廊烟感",
        "time": T0,
    }
    return encode(
        serial=serial,
        command=2,
        source=STRANGER,
        destination=0,
        payload=encode_appdata(2, [obj]),
        timestamp=T0,
    )


@pytest.fixture
def world(uow: Any, sessions: Any) -> dict[str, Any]:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY))
        device = service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", COUNTY) | {"code": "UITD-BIND-1", "unit_code": unit.code},
        )
        out = {"unit": unit.code, "unit_id": unit.id, "device": device.code}
    add_user(uow, "top", "dispatcher", PROVINCE)  # a user of the top jurisdiction
    add_user(uow, "county_admin", "admin", COUNTY)  # an administrator anywhere
    add_user(uow, "county", "dispatcher", COUNTY)
    add_user(uow, "other", "dispatcher", OTHER_COUNTY)
    raw = fire_frame(1)
    store_frame(sessions, decode(raw), raw, T0, "10.0.0.9:5000")
    return out


def fires(client: Any, username: str) -> list[dict[str, Any]]:
    r = client.get("/api/monitoring/alarms?kind=fire", headers=login(client, username))
    assert r.status_code == 200, r.text
    return r.json()["items"]


def test_an_unregistered_senders_fire_reaches_the_top_desk_and_admins(
    client: Any, world: dict[str, Any]
) -> None:
    (seen,) = fires(client, "top")
    assert (seen["status"], seen["unverified"], seen["source"]) == ("active", True, STRANGER.hex())
    assert [a["id"] for a in fires(client, "county_admin")] == [seen["id"]]
    # Not the desk of a county: nobody there configured the gateway for it.
    assert fires(client, "county") == [] and fires(client, "other") == []
    # An operator of the top desk decides it like any fire alarm.
    r = client.post(
        f"/api/monitoring/alarms/{seen['id']}/confirm",
        json={"note": "video shows smoke"},
        headers=login(client, "top"),
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed", r.text


def test_a_configured_gateway_jurisdiction_gets_the_unregistered_fire(
    client: Any, world: dict[str, Any]
) -> None:
    state = client.app.state
    settings = state.settings
    # Set and restored by hand: monkeypatch would delete Starlette's State attribute on undo.
    state.settings = settings.model_copy(update={"monitor_unregistered_jurisdiction": COUNTY})
    try:
        assert len(fires(client, "county")) == 1
        assert fires(client, "other") == []
    finally:
        state.settings = settings


def test_the_live_feed_offers_unregistered_alarms_to_those_desks_only() -> None:
    import asyncio

    item = {"scope_path": "", "id": 1}
    assert Subscriber("/1/", asyncio.Queue(), unplaced=True).wants(item)
    assert not Subscriber("/1/5/", asyncio.Queue()).wants(item)


def test_one_step_binds_the_sender_and_its_alarms_to_a_device(
    client: Any, sessions: Any, world: dict[str, Any]
) -> None:
    (alarm,) = fires(client, "top")
    headers = login(client, "county_admin")
    r = client.post(
        f"/api/monitoring/alarms/{alarm['id']}/bind", json={"device_code": "nope"}, headers=headers
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "device_code", r.text
    r = client.post(
        f"/api/monitoring/alarms/{alarm['id']}/bind",
        json={"device_code": world["device"]},
        headers=headers,
    )
    assert r.status_code == 200, r.text
    bound = r.json()
    assert not bound["unverified"] and bound["unit"]["code"] == world["unit"]
    assert bound["device_code"] == world["device"] and bound["status"] == "active"
    # Now an ordinary alarm of that county's desk.
    assert [a["id"] for a in fires(client, "county")] == [alarm["id"]]
    with sessions() as s:
        sender = s.scalar(select(QuarantinedSender))
        assert sender.status == "accepted"
        event = s.scalar(select(MonitoringEvent))
        assert not event.quarantined and event.device_id is not None
    # A second bind is refused, saying why.
    again = client.post(
        f"/api/monitoring/alarms/{alarm['id']}/bind",
        json={"device_code": world["device"]},
        headers=headers,
    )
    assert again.status_code == 409, again.text


def test_the_quarantine_list_says_which_senders_raised_a_fire(
    client: Any, sessions: Any, world: dict[str, Any]
) -> None:
    quiet = bytes.fromhex("0102030405aa")
    heartbeat = encode(
        serial=1,
        command=2,
        source=quiet,
        destination=0,
        payload=encode_appdata(21, [{"state": 1, "time": T0}]),
        timestamp=T0,
    )
    store_frame(sessions, decode(heartbeat), heartbeat, T0 + timedelta(minutes=1), "p")
    rows = client.get("/api/monitoring/quarantine", headers=login(client, "top")).json()
    by_address = {q["address"]: q for q in rows}
    assert (
        by_address[STRANGER.hex()]["fire_alarms"],
        by_address[STRANGER.hex()]["open_fires"],
    ) == (1, 1)
    assert by_address[quiet.hex()]["fire_alarms"] == 0
    # The sender with an open fire is listed first, though heard from earlier.
    assert rows[0]["address"] == STRANGER.hex()
