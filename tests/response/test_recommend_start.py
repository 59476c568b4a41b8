"""Where a recommended vehicle starts: an available vehicle with a fresh position away from its
station is ranked by the road ETA from that position; a stale one counts from its station."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Vehicle
from lanyan.response.choices import BuildingClass, IncidentType
from lanyan.response.recommend import (
    LivePoint,
    ResponseNetwork,
    StationSite,
    VehicleInfo,
    _fill,
    recommend,
    vehicle_starts,
)
from lanyan.response.routing import RoadGraph, RoadSegments, Router
from lanyan.response.runcards import RunCards
from lanyan.vehicles.models import VehicleLive

from response_world import build, node
from support import DAFENG, add_user, login

STEP = 0.004  # ≈ 380 m east-west, 440 m north-south at 30° N


def _grid(n: int = 10) -> Router:
    lines = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    a = (120.0 + i * STEP, 30.0 + j * STEP)
                    b = (120.0 + (i + di) * STEP, 30.0 + (j + dj) * STEP)
                    lines.append(np.array([a, b]))
    k = len(lines)
    segs = RoadSegments.from_lines(
        lines, ["local"] * k, [30.0] * k, [0] * k, [str(i) for i in range(k)]
    )
    return Router(RoadGraph.compile(segs))


def _at(i: int, j: int) -> tuple[float, float]:
    return (120.0 + i * STEP, 30.0 + j * STEP)


def test_fresh_position_near_the_incident_outranks_station_mates_and_stale_counts_from_station() -> (
    None
):
    router = _grid()
    far = StationSite(1, "S-FAR", "远站", "national", "/a/", *_at(0, 0))
    mid = StationSite(2, "S-MID", "中站", "national", "/a/", *_at(5, 5))
    net = ResponseNetwork(router, [far, mid], [])
    incident = _at(9, 9)
    near = LivePoint(*_at(9, 8), age_s=150.0, stale=False)  # one block from the incident
    vehicles = [
        VehicleInfo(11, "F-1", "water_tender", "available", 1),
        VehicleInfo(12, "F-2", "water_tender", "available", 1, live=near),
        VehicleInfo(
            13, "F-3", "water_tender", "available", 1, live=LivePoint(*_at(9, 8), 900.0, True)
        ),
        VehicleInfo(14, "F-4", "water_tender", "dispatched", 1, live=near),  # committed
        VehicleInfo(
            15, "F-5", "water_tender", "available", 1, live=LivePoint(*_at(0, 0), 30.0, False)
        ),
        VehicleInfo(21, "M-1", "water_tender", "available", 2),
    ]
    card = RunCards.load().card_for(IncidentType.FIRE, BuildingClass.HIGH_RISE, 1)
    out = recommend(net, *incident, card, vehicles, "/a/")
    pumper = next(g for g in out["requirements"] if g["capability"] == "pumper")
    codes = [v["code"] for v in pumper["vehicles"]]
    assert codes[:2] == ["F-2", "M-1"]  # F-2 is one block away; M-1's station is 4+4 blocks
    first = pumper["vehicles"][0]
    assert first["start"] == "position" and first["reported_min_ago"] == 2
    assert first["station_km"] == pytest.approx(float(np.hypot(9 * 0.3855, 8 * 0.4448)), abs=0.2)
    seconds, _ = net.station_etas(net.snap(*incident))
    assert first["eta_s"] < seconds[1] / 4
    # The stale F-3 and F-5 (fresh but at its station) count from S-FAR like F-1.
    rest = {v["code"]: v for v in pumper["vehicles"][2:]}
    assert set(rest) == {"F-1"} and rest["F-1"]["start"] == "station"
    assert rest["F-1"]["eta_s"] == pytest.approx(seconds[0], abs=0.1)
    assert "F-4" not in codes  # committed: not recommended even with a fresh position
    bigger = [v for v in vehicles if v.code in ("F-3", "F-5")]
    again = recommend(net, *incident, card, bigger, "/a/")
    group = next(g for g in again["requirements"] if g["capability"] == "pumper")
    assert [(v["code"], v["start"]) for v in group["vehicles"]] == [
        ("F-3", "station"),
        ("F-5", "station"),
    ]
    assert group["vehicles"][0]["eta_s"] == pytest.approx(seconds[0], abs=0.1)


# --- through the recommendation endpoint (both databases) ---------------------------------------


def _live(uow: Any, code: str, lon_lat: tuple[float, float], received_ago: timedelta) -> None:
    now = utcnow()
    with uow() as s:
        vid = s.execute(select(Vehicle.id).where(Vehicle.code == code)).scalar_one()
        s.add(
            VehicleLive(
                vehicle_id=vid,
                phone=f"1380000{vid:04d}",
                reported_at=now - received_ago,
                received_at=now - received_ago,
                lon=lon_lat[0],
                lat=lon_lat[1],
            )
        )


def test_recommendation_endpoint_ranks_a_vehicle_from_where_it_is(
    uow: Any, client: TestClient
) -> None:
    build(uow)
    add_user(uow, "df_near", "dispatcher", DAFENG)
    headers = login(client, "df_near")
    _live(uow, "V-DF1-2", node(2, 3), timedelta(minutes=3))  # returning, one block away
    _live(uow, "V-DF1-1", node(2, 3), timedelta(minutes=30))  # stale: counts from S-DF1
    r = client.post(
        "/api/incidents",
        json={"incident_type": "fire", "building_code": "B-TOWER"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    r = client.get(f"/api/incidents/{r.json()['id']}/recommendation", headers=headers)
    assert r.status_code == 200, r.text
    pumpers = next(g for g in r.json()["requirements"] if g["capability"] == "pumper")["vehicles"]
    assert [v["code"] for v in pumpers] == ["V-DF1-2", "V-DF1-1", "V-TH1-1"]
    moving, home = pumpers[0], pumpers[1]
    assert moving["start"] == "position" and moving["reported_min_ago"] == 3
    assert moving["station_km"] == pytest.approx(np.hypot(2 * 0.466, 3 * 0.5546), abs=0.05)
    assert moving["meters"] == pytest.approx(554.6, abs=3)  # one block north to the tower
    assert home["start"] == "station" and home["meters"] == pytest.approx(
        2 * 466 + 2 * 554.6, abs=3
    )


def test_bounded_search_for_away_vehicles_gives_the_unbounded_card() -> None:
    rng = np.random.default_rng(3)
    router = _grid()
    sites = [
        StationSite(i, f"S{i}", "", "national", "/a/", *_at(*rng.integers(0, 10, 2)))
        for i in range(4)
    ]
    net = ResponseNetwork(router, sites, [])
    card = RunCards.load().card_for(IncidentType.FIRE, BuildingClass.HIGH_RISE, 1)
    types = ["water_tender", "water_tender", "aerial_platform", "rescue"]
    for trial in range(15):
        vehicles = []
        for i in range(4):
            for k, t in enumerate(types):
                live = None
                if rng.random() < 0.4:
                    live = LivePoint(*rng.uniform([120, 30], [120.036, 30.036]), 60.0, False)
                vehicles.append(VehicleInfo(i * 10 + k, f"V{i}{k}", t, "available", i, 50.0, live))
        point = tuple(rng.uniform([120, 30], [120.036, 30.036]))
        out = recommend(net, *point, card, vehicles, None)
        snap = net.snap(*point)
        seconds, meters = net.station_etas(snap)
        index = {st.id: i for i, st in enumerate(sites)}
        exact = vehicle_starts(net, snap, vehicles, index, seconds, meters)
        order = sorted(vehicles, key=lambda v: (exact[v.id].seconds, v.code))
        taken: set[int] = set()
        local = np.ones(len(sites), dtype=bool)
        want = [_fill(r, order, index, exact, local, net, taken, None) for r in card.requirements]
        assert out["requirements"] == want, trial


def test_route_of_an_away_vehicle_starts_where_it_is(uow: Any, client: TestClient) -> None:
    """The board's route line of a vehicle ranked from its position starts at that position,
    not at its station; its station mates' route still starts at the station."""
    build(uow)
    add_user(uow, "df_route", "dispatcher", DAFENG)
    headers = login(client, "df_route")
    _live(uow, "V-DF1-2", node(2, 3), timedelta(minutes=3))
    r = client.post(
        "/api/incidents",
        json={"incident_type": "fire", "building_code": "B-TOWER"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    card = client.get(f"/api/incidents/{r.json()['id']}/recommendation", headers=headers).json()
    routes = {(rt["start"], rt["vehicle"] or rt["station"]): rt for rt in card["routes"]}
    away = routes[("position", "V-DF1-2")]
    assert away["station"] == "S-DF1" and away["reachable"]
    assert away["path"][0] == pytest.approx(list(node(2, 3)), abs=1e-6)
    assert away["meters"] == pytest.approx(554.6, abs=3)
    home = routes[("station", "S-DF1")]  # V-DF1-1 leaves from the station
    assert home["vehicle"] is None and home["path"][0] == pytest.approx(list(node(0, 0)), abs=1e-6)
