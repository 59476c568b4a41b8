"""Where an incident is: a picked point and a typed building code must agree.

The bug (issue 17): the board kept the previous map click and sent it with the next call's
typed building code; the service took the point over the building, and a second fire was placed
3.2 km from its building, with routes and hydrants for the wrong place."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.core.errors import ValidationFailed
from lanyan.core.geo import metres_between
from lanyan.registry.scope import EVERYWHERE
from lanyan.response import incidents
from lanyan.response.schemas import IncidentCreate
from lanyan.store.audit import SYSTEM

from response_world import build, node
from support import DAFENG, add_user, login

CALL = {"incident_type": "fire", "caller_phone": "13800000000", "jurisdiction_code": DAFENG}


def test_a_stale_map_click_does_not_beat_the_typed_building(uow: Any) -> None:
    build(uow)
    far = node(5, 5)  # the first call's map click, ≈ 2 km from B-TOWER at node (2, 2)
    assert metres_between(*far, *node(2, 2)) > 200
    with uow() as s:
        first = incidents.create_incident(
            s, SYSTEM, EVERYWHERE, IncidentCreate(**CALL, lon=far[0], lat=far[1])
        )
        assert (first.lon, first.lat) == far
    with uow() as s, pytest.raises(ValidationFailed) as err:
        # the second call names B-TOWER, and the stale click rides along
        incidents.create_incident(
            s,
            SYSTEM,
            EVERYWHERE,
            IncidentCreate(**CALL, building_code="B-TOWER", lon=far[0], lat=far[1]),
        )
    fields = [p.field for p in err.value.problems]
    assert fields == ["building_code", "lon"]
    assert "B-TOWER" in err.value.message and f"{far[0]:.6f},{far[1]:.6f}" in err.value.message
    with uow() as s:
        # nothing half-written: still one incident; a point near the building is its point
        near = (node(2, 2)[0] + 0.001, node(2, 2)[1])  # ≈ 93 m east
        second = incidents.create_incident(
            s,
            SYSTEM,
            EVERYWHERE,
            IncidentCreate(**CALL, building_code="B-TOWER", lon=near[0], lat=near[1]),
        )
        assert (second.lon, second.lat) == near and second.id == first.id + 1
        third = incidents.create_incident(
            s, SYSTEM, EVERYWHERE, IncidentCreate(**CALL, building_code="B-TOWER")
        )
        assert (third.lon, third.lat) == node(2, 2)  # the building's own point


def test_api_names_both_the_building_and_the_point(uow: Any, client: TestClient) -> None:
    build(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    headers = login(client, "df_dispatch")
    lon, lat = node(5, 5)
    body = {**CALL, "building_code": "B-TOWER", "lon": lon, "lat": lat}
    r = client.post("/api/incidents", json=body, headers=headers)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert [e["field"] for e in problem["errors"]] == ["building_code", "lon"]
    assert (
        "大丰大厦" in problem["errors"][0]["rule"]
        and "at most 200 m" in problem["errors"][0]["rule"]
    )
    assert client.get("/api/incidents", headers=headers).json()["total"] == 0
