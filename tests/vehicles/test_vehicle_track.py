"""A vehicle's track over the API: the last minutes' stored positions, oldest first, paged in
SQL, inside the reader's jurisdiction; and the simulator's dispatch reading (response's public
``dispatch_orders``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.registry.models import Station, Vehicle
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.models import Dispatch, Incident
from lanyan.response.public import dispatch_orders
from lanyan.vehicles import service
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region


def _store(sessions: Any, phone: str, times: list[datetime]) -> None:
    received = datetime.now(UTC)
    fixes = [
        Fix(phone, t, min(t, received), 33.2 + i / 1000, 120.4, speed_kmh=30.0, heading=i)
        for i, t in enumerate(times)
    ]
    with sessions() as s:
        store_jobs(s, [Job(POSITIONS, phone, "test", received, fixes)], Bindings())
        s.commit()


def test_track_is_the_last_hour_oldest_first_paged_and_scoped(
    client: TestClient, uow: Any, sessions: Any
) -> None:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    mine = create_sample(uow, "vehicles", DAFENG, 1)
    other = create_sample(uow, "vehicles", TINGHU, 2)
    with uow() as s:
        code, other_code = (
            s.scalars(select(Vehicle.code).where(Vehicle.id == i)).one() for i in (mine, other)
        )
        service.bind_terminal(s, EVERYWHERE, "13800000001", code)
        service.bind_terminal(s, EVERYWHERE, "13800000002", other_code)
    now = datetime.now(UTC).replace(microsecond=0)
    old = now - timedelta(minutes=90)  # before the last hour: not on the track
    times = [now - timedelta(minutes=50 - 5 * k) for k in range(5)]
    _store(sessions, "13800000001", [old, *times])
    _store(sessions, "13800000002", times)
    h = login(client, "dispatcher")

    r = client.get(f"/api/vehicles/{code}/track?size=3", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["page"], body["size"], len(body["items"])) == (5, 1, 3, 3)
    second = client.get(f"/api/vehicles/{code}/track?size=3&page=2", headers=h).json()
    points = body["items"] + second["items"]
    stamps = [datetime.fromisoformat(p["reported_at"]) for p in points]
    assert stamps == times  # oldest first, none twice, the 90-minute-old one left out
    assert points[0]["speed_kmh"] == 30.0 and points[-1]["lat"] > points[0]["lat"]
    wider = client.get(f"/api/vehicles/{code}/track?minutes=120", headers=h).json()
    assert wider["total"] == 6
    assert client.get(f"/api/vehicles/{other_code}/track", headers=h).status_code == 404
    assert client.get(f"/api/vehicles/{code}/track?minutes=0", headers=h).status_code == 422
    assert client.get(f"/api/vehicles/{code}/track").status_code == 401


def test_dispatch_orders_name_the_incident_of_unreleased_dispatches(uow: Any) -> None:
    seed_region(uow)
    ids = [create_sample(uow, "vehicles", DAFENG, n) for n in (1, 2)]
    now = datetime.now(UTC)
    with uow() as s:
        station = s.scalars(select(Station.id)).first()
        county = s.scalars(select(Vehicle.jurisdiction_id).where(Vehicle.id == ids[0])).one()
        incident = Incident(
            code="JQ-T1",
            incident_type="fire",
            status="dispatched",
            alarm_level=1,
            received_at=now,
            address="大丰区测试路1号",
            lon=120.47,
            lat=33.2,
            jurisdiction_id=county,
            source="phone",
        )
        s.add(incident)
        s.flush()
        for vid, released in ((ids[0], None), (ids[1], now)):
            s.add(
                Dispatch(
                    incident_id=incident.id,
                    vehicle_id=vid,
                    station_id=station,
                    dispatched_at=now,
                    released_at=released,
                    dispatched_by="test",
                )
            )
    with uow() as s:
        orders = dispatch_orders(s, ids)
        assert dispatch_orders(s, []) == []
    assert [(o.vehicle_id, o.incident_code, o.lon, o.lat) for o in orders] == [
        (ids[0], "JQ-T1", 120.47, 33.2)
    ]
