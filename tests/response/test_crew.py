"""The crew terminal (移动作战终端) over the API, on both databases: each vehicle's moves 出动 …
归队 in order (bad moves 409/422 naming the field), the incident's steps following the first
vehicle's (归队: the last one's), the route from the vehicle's live position, the browser's
geolocation as a position, and the per-vehicle times in the fire record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.registry.models import Vehicle
from lanyan.response.models import Dispatch

from response_world import build, node
from support import DAFENG, TINGHU, add_user, login

WALK = ["turned_out", "en_route", "arrived", "water_on", "controlled", "returning", "back"]


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


def _dispatch(client: TestClient, headers: dict[str, str], at: datetime) -> dict[str, Any]:
    body = {
        "incident_type": "fire",
        "building_code": "B-TOWER",
        "received_at": (at - timedelta(minutes=1)).isoformat(),
    }
    r = client.post("/api/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text
    inc = r.json()
    commit = {
        "vehicles": [{"vehicle_code": "V-DF1-1"}, {"vehicle_code": "V-DF1-2"}],
        "at": at.isoformat(),
    }
    r = client.post(f"/api/incidents/{inc['id']}/dispatch", json=commit, headers=headers)
    assert r.status_code == 200, r.text
    return dict(inc)


def _dispatch_id(client: TestClient, headers: dict[str, str], vehicle: str) -> int:
    r = client.get(f"/api/crew/{vehicle}", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["dispatch"]["id"])


def _move(client: TestClient, headers: dict[str, str], did: int, status: str, at: datetime) -> Any:
    return client.post(
        f"/api/dispatches/{did}/status", json={"status": status, "at": at.isoformat()},
        headers=headers,
    )  # fmt: skip


def _steps(client: TestClient, headers: dict[str, str], incident_id: int) -> list[str]:
    inc = client.get(f"/api/incidents/{incident_id}", headers=headers).json()
    return [e["step"] for e in inc["timeline"]]


def test_two_vehicles_walk_and_the_incident_follows(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    df = world["df"]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    inc = _dispatch(client, df, t0)
    one, two = _dispatch_id(client, df, "V-DF1-1"), _dispatch_id(client, df, "V-DF1-2")
    view = client.get("/api/crew/V-DF1-1", headers=df).json()["dispatch"]
    assert view["status"] == "assigned" and view["next"] == ["turned_out"]
    assert view["incident_code"] == inc["code"] and view["water"][0]["code"] == "H-1"
    assert view["route"]["start"] == "station" and view["route"]["seconds"] > 0

    at = {s: t0 + timedelta(minutes=i + 1) for i, s in enumerate(WALK)}
    for status in ["turned_out", "en_route", "arrived"]:
        r = _move(client, df, one, status, at[status])
        assert r.status_code == 200, r.text
        assert r.json()["dispatch"]["status"] == status
    assert _steps(client, df, inc["id"]).count("arrived") == 1  # the first vehicle's 到场
    # The second vehicle: out two minutes later, on scene, no 出水 of its own.
    for status in ["turned_out", "en_route", "arrived"]:
        r = _move(client, df, two, status, at[status] + timedelta(minutes=2))
        assert r.status_code == 200, r.text
    assert _steps(client, df, inc["id"]).count("arrived") == 1  # not the second's
    for status in ["water_on", "controlled"]:
        assert _move(client, df, one, status, at[status] + timedelta(minutes=2)).status_code == 200
    # 控制 → 返回 → 归队 of the first: 返回 frees it, 归队 does not close the incident.
    assert (
        _move(client, df, one, "returning", at["returning"] + timedelta(minutes=2)).status_code
        == 200
    )
    with sessions() as s:
        assert s.query(Vehicle.status).filter(Vehicle.code == "V-DF1-1").scalar() == "available"
    r = _move(client, df, one, "back", at["back"] + timedelta(minutes=2))
    assert r.status_code == 200, r.text
    done = r.json()["dispatch"]
    assert done["status"] == "back" and done["next"] == []
    assert done["response_s"] == 120.0  # 出动 → 到场 of this vehicle
    steps = _steps(client, df, inc["id"])
    assert steps.count("water_on") == 1 and steps.count("controlled") == 1
    assert "returned" not in steps  # V-DF1-2 is still out
    # The second skips 出水 (did not pump) and 控制: 到场 → 返回 → 归队 closes the incident.
    later = at["back"] + timedelta(minutes=5)
    assert _move(client, df, two, "returning", later).status_code == 200
    assert _move(client, df, two, "back", later + timedelta(minutes=1)).status_code == 200
    steps = _steps(client, df, inc["id"])
    assert steps[-1] == "returned"
    assert client.get(f"/api/incidents/{inc['id']}", headers=df).json()["status"] == "closed"
    with sessions() as s:
        rows = {d.id: d for d in s.query(Dispatch).all()}
        assert rows[one].arrived_at is not None and rows[one].water_on_at is not None
        assert rows[two].water_on_at is None and rows[two].controlled_at is None
        assert all(d.released_at is not None for d in rows.values())
    # Nothing is open once back: the crew terminal shows no assignment.
    assert client.get("/api/crew/V-DF1-1", headers=df).json()["dispatch"] is None

    # The fire record made from the incident keeps each vehicle's times.
    r = client.post(
        "/api/stats/records",
        json={"incident": inc["code"], "place": "residential", "cause": "electrical"},
        headers=df,
    )
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["first_response_s"] == 120.0
    times = {t["vehicle"]: t for t in record["vehicle_times"]}
    assert times["V-DF1-1"]["response_s"] == 120.0 and times["V-DF1-2"]["response_s"] == 120.0
    assert times["V-DF1-2"]["water_on_at"] is None and times["V-DF1-1"]["back_at"]


def test_bad_moves_are_refused_naming_the_field(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    df = world["df"]
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    _dispatch(client, df, t0)
    did = _dispatch_id(client, df, "V-DF1-1")

    def refused(status: str, at: Any, code: int, field: str, who: str = "df") -> None:
        body = {"status": status, "at": at} if at is not None else {"status": status}
        r = client.post(f"/api/dispatches/{did}/status", json=body, headers=world[who])
        assert r.status_code == code, r.text
        if field:
            assert [e["field"] for e in r.json()["errors"]] == [field], r.text

    ok = (t0 + timedelta(minutes=1)).isoformat()
    refused("arrived", ok, 409, "status")  # skips 出动 and 途中
    refused("back", ok, 409, "status")
    refused("assigned", ok, 422, "status")
    refused("flying", ok, 422, "status")
    refused("turned_out", (t0 - timedelta(minutes=1)).isoformat(), 422, "at")  # before dispatch
    refused("turned_out", "2026-12-07T08:00:00", 422, "at")  # no time zone
    refused("turned_out", ok, 403, "", who="th")  # another station's jurisdiction
    refused("turned_out", ok, 403, "", who="viewer")  # may not write
    with sessions() as s:
        assert s.get(Dispatch, did).crew_status == "assigned"  # nothing half-written
    assert _move(client, df, did, "turned_out", t0 + timedelta(minutes=1)).status_code == 200
    refused("turned_out", (t0 + timedelta(minutes=2)).isoformat(), 409, "status")  # repeated
    refused("arrived", (t0 + timedelta(minutes=2)).isoformat(), 409, "status")  # skips 途中
    refused("en_route", t0.isoformat(), 422, "at")  # earlier than 出动
    r = client.post("/api/dispatches/999999/status", json={"status": "en_route"}, headers=df)
    assert r.status_code == 404
    assert client.get("/api/crew/V-TH1-1", headers=df).status_code == 403
    assert client.get("/api/crew/NOPE", headers=df).status_code == 404


def test_route_starts_from_the_browser_position(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df = world["df"]
    _dispatch(client, df, datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    lon, lat = node(4, 4)  # away from its station (0, 0) and from the tower (2, 2)
    r = client.post("/api/vehicles/V-DF1-1/position", json={"lat": lat, "lon": lon}, headers=df)
    assert r.status_code == 201, r.text
    route = client.get("/api/crew/V-DF1-1", headers=df).json()["dispatch"]["route"]
    assert route["start"] == "position" and (route["from_lon"], route["from_lat"]) == (lon, lat)
    assert route["path"][0] == pytest.approx([lon, lat], abs=1e-6) and route["seconds"] > 0
    pos = client.get("/api/vehicles/positions", headers=df).json()["items"]
    assert [p["lon"] for p in pos if p["vehicle_code"] == "V-DF1-1"] == [lon]

    def bad(body: dict[str, Any], field: str) -> None:
        r = client.post("/api/vehicles/V-DF1-1/position", json=body, headers=df)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == [field], r.text

    bad({"lat": 0, "lon": 0}, "lat")  # no fix
    bad({"lat": 48.85, "lon": 2.35}, "lat")  # outside China
    bad({"lat": 95, "lon": 120}, "lat")
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    bad({"lat": lat, "lon": lon, "at": future}, "at")
    r = client.post("/api/vehicles/V-TH1-1/position", json={"lat": lat, "lon": lon}, headers=df)
    assert r.status_code == 404
    r = client.post(
        "/api/vehicles/V-DF1-1/position", json={"lat": lat, "lon": lon}, headers=world["viewer"]
    )
    assert r.status_code == 403


def test_crew_page_and_links(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    client.cookies.clear()
    r = client.get("/crew/V-DF1-1", headers=world["df"])
    assert r.status_code == 200 and "移动作战终端" in r.text
    assert client.get("/crew/V-TH1-1", headers=world["df"]).status_code == 403
    with sessions() as s:
        vid = s.query(Vehicle.id).filter(Vehicle.code == "V-DF1-1").scalar()
    page = client.get(f"/registry/vehicles/{vid}", headers=world["df"]).text
    assert 'href="/crew/V-DF1-1"' in page and 'href="/stations/S-DF1/terminal"' in page
