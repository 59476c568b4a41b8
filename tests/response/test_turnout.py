"""Turnout orders (出动指令): the station's 出车单, its 签收 (first time kept), the board's list
of orders left unacknowledged, and the station's stream."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.registry.scope import EVERYWHERE
from lanyan.response import turnout
from lanyan.response.models import Dispatch

from response_world import build
from support import DAFENG, PASSWORD, TINGHU, add_user, login


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    build(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "th_duty", "dispatcher", TINGHU)
    add_user(uow, "df_viewer", "government_viewer", DAFENG)
    return {
        "df": login(client, "df_dispatch"),
        "th": login(client, "th_duty"),
        "viewer": login(client, "df_viewer"),
    }


def _dispatch(client: TestClient, headers: dict[str, str], at: datetime | None = None) -> int:
    body: dict[str, Any] = {"incident_type": "fire", "building_code": "B-TOWER", "alarm_level": 2}
    if at is not None:
        body["received_at"] = (at - timedelta(minutes=1)).isoformat()
    r = client.post("/api/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    inc = r.json()
    commit: dict[str, Any] = {
        "vehicles": [{"vehicle_code": "V-DF1-1"}, {"vehicle_code": "V-DF1-2"}]
    }
    if at is not None:
        commit["at"] = at.isoformat()
    r = client.post(f"/api/incidents/{inc['id']}/dispatch", json=commit, headers=headers)
    assert r.status_code == 200, r.text
    return int(inc["id"])


def test_order_acknowledge_is_kept_and_scoped(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    incident_id = _dispatch(client, world["df"])
    r = client.get("/api/stations/S-DF1/orders", headers=world["df"])
    assert r.status_code == 200, r.text
    orders = r.json()
    assert len(orders) == 1 and orders[0]["incident_id"] == incident_id  # one 出车单 per commit
    first = orders[0]
    assert [v["code"] for v in first["vehicles"]] == ["V-DF1-1", "V-DF1-2"]
    assert first["alarm_level"] == 2 and first["incident_type"] == "fire"
    assert first["distance_m"] > 0
    # Committed without a stored ETA: the road router's, with its road distance.
    assert first["eta_source"] == "road" and first["eta_s"] > 0
    assert first["road_m"] >= first["distance_m"]
    # Water: the intact hydrant at the tower (H-1), never the damaged H-2.
    assert [w["code"] for w in first["water"]][:1] == ["H-1"]
    assert "H-2" not in [w["code"] for w in first["water"]]
    assert first["acknowledged_at"] is None

    # Another station's duty officer (Tinghu) may neither read nor acknowledge it.
    assert client.get("/api/stations/S-DF1/orders", headers=world["th"]).status_code == 403
    r = client.post(f"/api/dispatches/{first['id']}/acknowledge", headers=world["th"])
    assert r.status_code == 403, r.text
    # A read-only role may not acknowledge.
    r = client.post(f"/api/dispatches/{first['id']}/acknowledge", headers=world["viewer"])
    assert r.status_code == 403, r.text
    with sessions() as s:
        assert s.get(Dispatch, first["id"]).acknowledged_at is None  # nothing half-written

    r = client.post(f"/api/dispatches/{first['id']}/acknowledge", headers=world["df"])
    assert r.status_code == 200, r.text
    acked = r.json()
    assert acked["acknowledged_by"] == "df_dispatch" and acked["acknowledged_at"]
    again = client.post(f"/api/dispatches/{first['id']}/acknowledge", headers=world["df"]).json()
    assert again["acknowledged_at"] == acked["acknowledged_at"]  # the first time is kept
    with sessions() as s:
        rows = s.query(Dispatch.acknowledged_at, Dispatch.acknowledged_by).all()
    assert len(rows) == 2 and len(set(rows)) == 1  # both vehicles of the order, once
    assert client.post("/api/dispatches/999999/acknowledge", headers=world["df"]).status_code == 404


def test_board_lists_orders_left_unacknowledged(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    old = datetime.now(UTC) - timedelta(minutes=3)
    _dispatch(client, world["df"], at=old)
    r = client.get("/api/dispatches/unacknowledged", headers=world["df"])
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 2
    assert {i["vehicle_code"] for i in page["items"]} == {"V-DF1-1", "V-DF1-2"}
    # Tinghu's board does not see Dafeng's stations.
    assert client.get("/api/dispatches/unacknowledged", headers=world["th"]).json()["total"] == 0
    # Paged in SQL.
    one = client.get("/api/dispatches/unacknowledged?size=1&page=2", headers=world["df"]).json()
    assert one["total"] == 2 and len(one["items"]) == 1
    # 签收 of the order acknowledges both of its vehicles.
    client.post(f"/api/dispatches/{page['items'][1]['id']}/acknowledge", headers=world["df"])
    assert client.get("/api/dispatches/unacknowledged", headers=world["df"]).json()["total"] == 0


def test_recent_orders_are_not_yet_late(uow: Any, client: TestClient, world: Any) -> None:
    _dispatch(client, world["df"])
    with uow() as s:
        assert turnout.unacknowledged(s, EVERYWHERE, 60, 1, 50)[1] == 0
        later = datetime.now(UTC) + timedelta(seconds=61)
        assert turnout.unacknowledged(s, EVERYWHERE, 60, 1, 50, now=later)[1] == 2


def test_feed_returns_each_order_once(uow: Any, client: TestClient, world: Any) -> None:
    _dispatch(client, world["df"])
    with uow() as s:
        station = turnout.station_in_scope(s, EVERYWHERE, "S-DF1")
        feed = turnout.TurnoutFeed(station.id)
        assert len(feed.poll(s)) == 1
        assert feed.poll(s) == []


def test_terminal_page_is_scoped_to_the_station(client: TestClient, world: Any) -> None:
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": "th_duty", "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/stations/S-DF1/terminal")
    assert page.status_code == 403 and 'class="sidenav"' in page.text  # a page, not a bare error
    assert client.get("/stations/S-TH1/terminal").status_code == 200
    client.cookies.set("lanyan_lang", "en")
    page = client.get("/stations/S-TH1/terminal")
    assert page.status_code == 200 and "Turnout orders" in page.text
    assert client.get("/stations/NOPE/terminal").status_code == 404
