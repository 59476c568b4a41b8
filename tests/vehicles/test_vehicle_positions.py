"""Vehicles' current positions over the API (paged, bbox, stale, scope), binding a terminal,
and the track's retention (recent full, older thinned, oldest deleted)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.registry.models import Jurisdiction, Vehicle
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.vehicles import service
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs
from lanyan.vehicles.models import VehiclePosition

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region


def _store(
    sessions: Any, phone: str, times: list[datetime], lat: float = 33.2, lon: float = 120.4
) -> None:
    received = datetime.now(UTC)
    fixes = [Fix(phone, t, min(t, received), lat, lon, speed_kmh=40.0, heading=90) for t in times]
    with sessions() as s:
        store_jobs(s, [Job(POSITIONS, phone, "test", received, fixes)], Bindings())
        s.commit()


def test_positions_api_pages_boxes_flags_stale_and_keeps_scope(
    client: TestClient, uow: Any, sessions: Any
) -> None:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    ids = [create_sample(uow, "vehicles", DAFENG, n) for n in (1, 2)]
    other = create_sample(uow, "vehicles", TINGHU, 3)
    h = login(client, "dispatcher")
    with sessions() as s:
        codes = {
            i: s.scalars(select(Vehicle.code).where(Vehicle.id == i)).one() for i in [*ids, other]
        }
    for n, vid in enumerate(ids):
        r = client.post(
            "/api/vehicles/terminals",
            json={"phone": f"1380000000{n}", "vehicle_code": codes[vid]},
            headers=h,
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/api/vehicles/terminals",
        json={"phone": "13800000009", "vehicle_code": codes[other]},
        headers=h,
    )
    assert r.status_code == 404  # outside the dispatcher's jurisdiction
    r = client.post(
        "/api/vehicles/terminals", json={"phone": "12ab", "vehicle_code": codes[ids[0]]}, headers=h
    )
    assert r.status_code == 422 and "phone" in r.text
    with uow() as s:
        service.bind_terminal(s, EVERYWHERE, "13800000009", codes[other])

    now = datetime.now(UTC).replace(microsecond=0)
    _store(
        sessions, "13800000000", [now - timedelta(minutes=1), now - timedelta(seconds=30)], lat=33.2
    )
    _store(sessions, "13800000001", [now - timedelta(minutes=20)], lat=32.0)  # stale
    _store(sessions, "13800000009", [now], lat=33.0)  # another county's

    r = client.get("/api/vehicles/positions", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and [i["vehicle_code"] for i in body["items"]] == sorted(
        codes[i] for i in ids
    )
    by_code = {i["vehicle_code"]: i for i in body["items"]}
    fresh, stale = by_code[codes[ids[0]]], by_code[codes[ids[1]]]
    assert (fresh["stale"], stale["stale"]) == (False, True)
    assert fresh["lat"] == 33.2 and fresh["speed_kmh"] == 40.0 and fresh["heading"] == 90
    assert datetime.fromisoformat(fresh["reported_at"]) == now - timedelta(seconds=30)

    r = client.get("/api/vehicles/positions", params={"bbox": "120,33,121,34"}, headers=h)
    assert [i["vehicle_code"] for i in r.json()["items"]] == [codes[ids[0]]]
    r = client.get("/api/vehicles/positions", params={"size": 1, "page": 2}, headers=h)
    assert r.json()["total"] == 2 and len(r.json()["items"]) == 1
    r = client.get("/api/vehicles/positions", params={"stale_minutes": 60}, headers=h)
    assert not any(i["stale"] for i in r.json()["items"])
    r = client.get("/api/vehicles/positions", params={"bbox": "121,33,120,34"}, headers=h)
    assert r.status_code == 422 and "bbox" in r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_housekeeping_thins_old_track_and_deletes_the_oldest(sessions: Any) -> None:
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    recent = [now - timedelta(hours=1, seconds=10 * i) for i in range(30)]  # all kept
    # Three days ago: one report every 10 s for 20 minutes (10:00:00 … 10:19:50), four
    # five-minute slots: the first report of each is kept.
    base = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    old = [base + timedelta(seconds=10 * i) for i in range(120)]
    ancient = [now - timedelta(days=400, seconds=i) for i in range(5)]
    _store(sessions, "1", recent + old + ancient)
    _store(sessions, "2", old[:3])

    done = service.housekeeping(sessions, now, chunk=17)  # small chunks: crosses boundaries
    assert done.expired == 5
    assert done.thinned == (120 - 4) + (3 - 1)
    with sessions() as s:
        rows = s.execute(select(VehiclePosition.phone, VehiclePosition.reported_at)).all()
    kept_old = sorted(t for p, t in rows if p == "1" and t < now - timedelta(days=1))
    assert kept_old == [base + timedelta(minutes=m) for m in (0, 5, 10, 15)]
    assert sum(1 for p, t in rows if p == "1" and t > now - timedelta(days=1)) == 30
    assert [t for p, t in rows if p == "2"] == [base]
    again = service.housekeeping(sessions, now)
    assert (again.thinned, again.expired) == (0, 0)


def test_position_feed_sends_each_change_once_and_catches_late_commits(
    uow: Any, sessions: Any
) -> None:
    seed_region(uow)
    vid = create_sample(uow, "vehicles", DAFENG)
    other = create_sample(uow, "vehicles", TINGHU, 2)
    with uow() as s:
        for phone, v in (("1", vid), ("2", other)):
            code = s.scalars(select(Vehicle.code).where(Vehicle.id == v)).one()
            service.bind_terminal(s, EVERYWHERE, phone, code)
        dafeng = s.scalars(select(Jurisdiction.path).where(Jurisdiction.code == DAFENG)).one()
    start = datetime.now(UTC).replace(microsecond=0)
    feed = service.PositionFeed(Scope(dafeng), start)
    with sessions() as s:
        assert feed.poll(s, start) == []
    _store(sessions, "1", [start - timedelta(seconds=5)])
    _store(sessions, "2", [start - timedelta(seconds=5)])  # outside the scope
    with sessions() as s:
        (first,) = feed.poll(s, datetime.now(UTC))
        assert first["phone"] == "1" and not first["stale"]
        assert feed.poll(s, datetime.now(UTC)) == []  # nothing new: nothing sent again
    # A position received before the previous poll but committed after it (group commit).
    late = datetime.now(UTC) - timedelta(seconds=3)
    with sessions() as s:
        job = Job(
            POSITIONS,
            "1",
            "test",
            late,
            [Fix("1", start - timedelta(seconds=1), late, 33.3, 120.5)],
        )
        store_jobs(s, [job], Bindings())
        s.commit()
    with sessions() as s:
        (second,) = feed.poll(s, datetime.now(UTC))
    assert second["lat"] == 33.3


def test_position_stream_over_http(client: TestClient, uow: Any, sessions: Any) -> None:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    vid = create_sample(uow, "vehicles", DAFENG)
    with uow() as s:
        code = s.scalars(select(Vehicle.code).where(Vehicle.id == vid)).one()
        service.bind_terminal(s, EVERYWHERE, "7", code)
    h = login(client, "dispatcher")
    with client.stream("GET", "/api/vehicles/positions/stream", headers=h) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = r.iter_lines()
        assert next(lines) == "retry: 3000"
        assert next(lines) == "event: ready"
        _store(
            sessions,
            "7",
            [datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=2)],
            lat=33.25,
        )
        for line in lines:
            if line.startswith("data: {") and "vehicle_code" in line:
                item = json.loads(line.removeprefix("data: "))
                assert item["vehicle_code"] == code and item["lat"] == 33.25
                break
