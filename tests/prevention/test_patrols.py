"""Patrols (巡查): QR checkpoints, duties, units' daily patrols and monthly checks, grid workers'
patrols and tasks, findings becoming hazards, 九小 coverage, and the plan indicator they feed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.core.timeutil import local_today
from lanyan.prevention import patrols
from lanyan.prevention.models.inspections import Hazard
from lanyan.prevention.models.patrols import PatrolRound
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import DAFENG, TINGHU, add_user, login, sample, seed_region


def _unit(uow: Any, n: int, category: str, grid: str | None = None) -> str:
    body = sample("units", DAFENG, n) | {"category": category}
    if grid:
        body["grid_code"] = grid
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, body)
    return body["code"]


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    with uow() as s:
        service.create(s, get_type("grids"), SYSTEM, EVERYWHERE, sample("grids", DAFENG, 1))
        service.create(s, get_type("grids"), SYSTEM, EVERYWHERE, sample("grids", TINGHU, 1))
    grid = f"G-{DAFENG}-1"
    key = _unit(uow, 1, "key")
    shops = [_unit(uow, n, "nine_small", grid) for n in (2, 3, 4)]
    for name, role, county in (
        ("officer", "prevention_officer", DAFENG),
        ("manager", "unit_manager", DAFENG),
        ("other_manager", "unit_manager", DAFENG),
        ("gridder", "grid_worker", DAFENG),
    ):
        add_user(uow, name, role, county)
    h = {n: login(client, n) for n in ("officer", "manager", "other_manager", "gridder")}
    for body in (
        {"username": "manager", "unit_code": key},
        {"username": "gridder", "grid_code": grid},
    ):
        r = client.post("/api/patrols/duties", json=body, headers=h["officer"])
        assert r.status_code == 201, r.text
    return {"h": h, "key": key, "shops": shops, "grid": grid}


def _token(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_unit_patrol_walks_checkpoints_and_reports_a_hazard(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    h, key = world["h"], world["key"]
    urls = {}
    for code, name in (
        ("CP-CTRL", "消防控制室"),
        ("CP-STAIR", "疏散楼梯3F"),
        ("CP-PUMP", "消防泵房"),
    ):
        r = client.post(
            "/api/patrols/checkpoints",
            json={"code": code, "name": name, "unit_code": key},
            headers=h["manager"],
        )
        assert r.status_code == 201, r.text
        urls[code] = r.json()["url"]
    assert len({_token(u) for u in urls.values()}) == 3
    # another unit's manager may neither add points to nor patrol this unit
    r = client.post(
        "/api/patrols/checkpoints",
        headers=h["other_manager"],
        json={"code": "CP-X", "name": "x", "unit_code": key},
    )
    assert r.status_code == 403
    r = client.post(
        "/api/patrols", json={"kind": "daily_patrol", "unit_code": key}, headers=h["other_manager"]
    )
    assert r.status_code == 403

    r = client.post(
        "/api/patrols", json={"kind": "daily_patrol", "unit_code": key}, headers=h["manager"]
    )
    assert r.status_code == 201, r.text
    patrol = r.json()
    assert patrol["expected"] == 3 and patrol["kind_name"] == "防火巡查"
    pid = patrol["id"]
    ok = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["manager"],
        json={"token": _token(urls["CP-CTRL"]), "ok": True},
    )
    assert ok.status_code == 201 and ok.json()["hazard_id"] is None
    again = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["manager"],
        json={"token": _token(urls["CP-CTRL"]), "ok": True},
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "token"
    vague = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["manager"],
        json={"token": _token(urls["CP-STAIR"]), "ok": False},
    )
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "note"
    bad = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["manager"],
        json={"token": _token(urls["CP-STAIR"]), "ok": False, "note": "疏散通道堆放杂物"},
    )
    assert bad.status_code == 201 and bad.json()["hazard_id"]
    # somebody else cannot write into this patrol
    r = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["officer"],
        json={"token": _token(urls["CP-PUMP"]), "ok": True},
    )
    assert r.status_code == 403
    done = client.post(f"/api/patrols/{pid}/finish", headers=h["manager"]).json()
    assert (done["scanned"], done["problems"], done["missed"]) == (2, 1, ["CP-PUMP"])
    late = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["manager"],
        json={"token": _token(urls["CP-PUMP"]), "ok": True},
    )
    assert late.status_code == 409
    with sessions() as s:
        hazard = s.get(Hazard, bad.json()["hazard_id"])
        assert hazard.state == "found" and "疏散通道堆放杂物" in hazard.description
        assert "防火巡查" in hazard.description
        kinds = s.execute(
            select(AuditEntry.object_type, func.count()).group_by(AuditEntry.object_type)
        ).all()
        assert dict(kinds)["patrols"] == 4  # start, two scans, finish
        assert verify(s).ok


def test_grid_patrol_task_coverage_and_findings(client: TestClient, world: dict[str, Any]) -> None:
    h, grid, shops = world["h"], world["grid"], world["shops"]
    urls = []
    for i, shop in enumerate(shops[:2]):
        r = client.post(
            "/api/patrols/checkpoints",
            headers=h["officer"],
            json={"code": f"GCP-{i}", "name": f"九小门店{i}", "unit_code": shop, "grid_code": grid},
        )
        assert r.status_code == 201, r.text
        urls.append(r.json()["url"])
    lane = client.post(
        "/api/patrols/checkpoints",
        headers=h["officer"],
        json={"code": "GCP-LANE", "name": "背街小巷", "grid_code": grid},
    ).json()["url"]
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    r = client.post(
        "/api/patrols/tasks",
        headers=h["officer"],
        json={"grid_code": grid, "assignee": "manager", "due_on": tomorrow, "title": "x"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "assignee"
    r = client.post(
        "/api/patrols/tasks",
        headers=h["officer"],
        json={"grid_code": grid, "assignee": "gridder", "due_on": "2020-01-01", "title": "x"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_on"
    task = client.post(
        "/api/patrols/tasks",
        headers=h["officer"],
        json={
            "grid_code": grid,
            "assignee": "gridder",
            "due_on": tomorrow,
            "title": "月度九小巡查",
        },
    )
    assert task.status_code == 201
    r = client.post(
        "/api/patrols",
        headers=h["gridder"],
        json={"kind": "grid_patrol", "grid_code": grid, "task_id": task.json()["id"]},
    )
    assert r.status_code == 201 and r.json()["expected"] == 3
    pid = r.json()["id"]
    assert (
        client.post(
            f"/api/patrols/{pid}/scans",
            headers=h["gridder"],
            json={"token": _token(urls[0]), "ok": True},
        ).status_code
        == 201
    )
    # a grid point with no unit: the hazard needs the unit named
    r = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["gridder"],
        json={"token": _token(lane), "ok": False, "note": "电动车楼道充电"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "hazard_unit_code"
    r = client.post(
        f"/api/patrols/{pid}/scans",
        headers=h["gridder"],
        json={
            "token": _token(lane),
            "ok": False,
            "note": "电动车楼道充电",
            "hazard_unit_code": shops[2],
        },
    )
    assert r.status_code == 201 and r.json()["hazard_id"]
    # a unit's own point is not on a grid route
    own = client.post(
        "/api/patrols/checkpoints",
        headers=h["officer"],
        json={"code": "U-CP", "name": "控制室", "unit_code": world["key"]},
    ).json()["url"]
    r = client.post(
        f"/api/patrols/{pid}/scans", headers=h["gridder"], json={"token": _token(own), "ok": True}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "token"
    client.post(f"/api/patrols/{pid}/finish", headers=h["gridder"])
    today = local_today().isoformat()
    cov = client.get(
        f"/api/patrols/reports/nine-small-coverage?start_on={today}&end_on={today}",
        headers=h["officer"],
    ).json()
    mine = next(g for g in cov if g["grid_code"] == grid)
    assert (mine["nine_small"], mine["visited"]) == (3, 1)
    r = client.get(
        f"/api/patrols/reports/nine-small-coverage?start_on={today}&end_on=2000-01-01",
        headers=h["officer"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "end_on"
    overdue = client.get(
        f"/api/patrols/tasks/overdue?today={(local_today() + timedelta(days=5)).isoformat()}",
        headers=h["officer"],
    ).json()
    assert overdue == []  # the patrol closed the task


def test_compliance_and_the_plan_indicator_read_patrols(
    client: TestClient, world: dict[str, Any], uow: Any, sessions: Any
) -> None:
    key = world["key"]
    with uow() as s:
        from lanyan.accounts.service import User
        from lanyan.registry.models import Unit
        from lanyan.registry.scope import Scope
        from lanyan.store.audit import Actor

        user = s.execute(select(User).where(User.username == "manager")).scalar_one()
        actor = Actor(user.username, user.id)
        scope = Scope("/")
        for day in (1, 2, 2, 5):  # two patrols on the 2nd count as one day
            at = datetime(2025, 3, day, 2, tzinfo=UTC)
            p = patrols.start(
                s,
                actor,
                scope,
                "unit_manager",
                kind=patrols.PatrolKind.DAILY_PATROL,
                unit_code=key,
                now=at,
            )
            patrols.finish(s, actor, scope, p.id, now=at)
        at = datetime(2025, 3, 20, 2, tzinfo=UTC)
        p = patrols.start(
            s,
            actor,
            scope,
            "unit_manager",
            kind=patrols.PatrolKind.MONTHLY_CHECK,
            unit_code=key,
            now=at,
        )
        patrols.finish(s, actor, scope, p.id, now=at)
        assert s.execute(select(Unit.category).where(Unit.code == key)).scalar_one() == "key"
    rows = client.get(
        "/api/patrols/reports/compliance?year=2025&month=3", headers=world["h"]["officer"]
    ).json()
    mine = next(r for r in rows if r["unit_code"] == key)
    assert (mine["patrol_days"], mine["days_in_month"], mine["monthly_check"]) == (3, 31, True)
    assert (mine["days_due"], mine["patrol_rate"]) == (31, 3 / 31)  # a past month: all its days
    assert (
        client.get(
            "/api/patrols/reports/compliance?year=2025&month=13", headers=world["h"]["officer"]
        ).status_code
        == 422
    )
    with sessions() as s:
        assert (
            s.execute(
                select(func.count()).select_from(PatrolRound).where(PatrolRound.year == 2025)
            ).scalar_one()
            == 5
        )


def test_checkpoint_label_sheet_scans_to_the_checkpoint_page(
    client: TestClient, world: dict[str, Any]
) -> None:
    import io

    import zxingcpp
    from PIL import Image

    h = world["h"]
    r = client.post(
        "/api/patrols/checkpoints",
        json={"code": "CP-QR", "name": "消防控制室", "unit_code": world["key"]},
        headers=h["officer"],
    )
    url = r.json()["url"]
    png = client.get("/api/patrols/checkpoints/labels.png?codes=CP-QR", headers=h["officer"])
    assert png.status_code == 200
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)).convert("L"))
    assert [f.text for f in found] == [url]
    assert "/patrol/cp/" in url
