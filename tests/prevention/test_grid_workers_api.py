"""Grid workers over the API, SQLite and PostgreSQL: the task picker's list searched as you
type, a task of one place, a grid patrol finding with location and the 九小场所 checklist
(bad items refused naming the field, nothing written), and 我上报的隐患 with its state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.core.timeutil import local_today
from lanyan.prevention.models.patrols import PatrolScan
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, add_user, login, sample, seed_region


def test_grid_worker_task_finding_and_my_hazards(
    uow: Any, client: TestClient, sessions: Any
) -> None:
    seed_region(uow)
    grid = sample("grids", DAFENG, 1)
    shop = sample("units", DAFENG, 2) | {"category": "nine_small", "grid_code": grid["code"]}
    with uow() as s:
        service.create(s, get_type("grids"), SYSTEM, EVERYWHERE, grid)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, shop)
    for name, role in (
        ("officer", "prevention_officer"),
        ("wangge", "grid_worker"),
        ("wangfang", "grid_worker"),
    ):
        add_user(uow, name, role, DAFENG)
    h = {n: login(client, n) for n in ("officer", "wangge")}
    r = client.post(
        "/api/patrols/duties",
        json={"username": "wangge", "grid_code": grid["code"]},
        headers=h["officer"],
    )
    assert r.status_code == 201, r.text

    # The picker lists grid workers on duty only (wangfang has no grid), searched by name.
    r = client.get("/api/patrols/grid-workers?q=wang&size=5", headers=h["officer"])
    assert r.status_code == 200, r.text
    assert r.json()["total"] == 1 and r.json()["items"] == [{"code": "wangge", "name": "wangge"}]
    assert client.get("/api/patrols/grid-workers?q=zzz", headers=h["officer"]).json()["total"] == 0

    due = (local_today() + timedelta(days=2)).isoformat()
    r = client.post(
        "/api/patrols/tasks",
        json={
            "grid_code": grid["code"],
            "assignee": "wangge",
            "due_on": due,
            "title": "检查小餐饮",
            "unit_code": shop["code"],
        },
        headers=h["officer"],
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/patrols/checkpoints",
        json={
            "code": "CP-G1",
            "name": "店门",
            "grid_code": grid["code"],
            "unit_code": shop["code"],
        },
        headers=h["officer"],
    )
    assert r.status_code == 201, r.text
    token = r.json()["url"].rsplit("/", 1)[1]
    r = client.post(
        "/api/patrols",
        json={"kind": "grid_patrol", "grid_code": grid["code"]},
        headers=h["wangge"],
    )
    assert r.status_code == 201, r.text
    pid = r.json()["id"]

    for body, field in (
        ({"place_kind": "eatery", "checklist": ["H01"]}, "checklist"),  # an inn's item
        ({"checklist": ["C01"]}, "place_kind"),
        ({"place_kind": "casino"}, "place_kind"),
        ({"lon": 120.4}, "lat"),
    ):
        r = client.post(
            f"/api/patrols/{pid}/scans",
            json={"token": token, "ok": True, **body},
            headers=h["wangge"],
        )
        assert r.status_code == 422, r.text
        assert field in [p["field"] for p in r.json()["errors"]], r.text
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PatrolScan)) == 0  # nothing half-written

    r = client.post(
        f"/api/patrols/{pid}/scans",
        json={
            "token": token,
            "ok": True,
            "place_kind": "eatery",
            "checklist": ["E01", "C02"],
            "lon": 120.47,
            "lat": 33.2,
        },
        headers=h["wangge"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["ok"] is False and r.json()["hazard_id"]  # a failed item is a finding

    r = client.get("/api/patrols/hazards/mine", headers=h["wangge"])
    assert r.status_code == 200, r.text
    (mine,) = r.json()["items"]
    assert mine["state"] == "found" and mine["place_kind"] == "eatery"
    assert "检查表不合格" in mine["description"] and mine["lon"] == 120.47
    assert client.get("/api/patrols/hazards/mine", headers=h["officer"]).json()["total"] == 0
