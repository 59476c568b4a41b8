"""Unit scope (单位绑定): a unit safety manager reads and writes only the units bound to their
account — devices and monitoring figures, hazards, commitments, credit, patrols — and, with no
binding, sees no unit-owned data. Bindings are made by administrators (API, page, CLI), audited,
and are the unit managers' patrol duties."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lanyan.accounts.models import AccountUnit, User
from lanyan.cli.main import app as cli_app
from lanyan.prevention import hazard_service
from lanyan.prevention.models.patrols import PatrolDuty
from lanyan.registry import service
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import alembic_config, upgrade

from support import DAFENG, TINGHU, add_user, create_sample, login, sample, seed_region, uscc

A, B = uscc(DAFENG, 1), uscc(DAFENG, 2)  # two units of the same county
FAR = uscc(TINGHU, 3)  # a unit of another county


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    for county, n in ((DAFENG, 1), (DAFENG, 2), (TINGHU, 3)):
        create_sample(uow, "units", county, n)
    with uow() as s:
        for n, unit in ((11, A), (12, A), (21, B)):
            payload = sample("devices", DAFENG, n) | {"unit_code": unit}
            service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, payload)
        now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
        for code in (A, B):
            unit = s.execute(select(Unit).where(Unit.code == code)).scalar_one()
            hazard_service.new_hazard(s, SYSTEM, unit, f"安全出口堵塞 {code[-4:]}", now)
    add_user(uow, "admin", "admin", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "loner", "unit_manager", DAFENG)
    h = {name: login(client, name) for name in ("admin", "officer", "manager", "loner")}
    r = client.post("/api/users/manager/units", json={"unit_code": A}, headers=h["admin"])
    assert r.status_code == 201, r.text
    assert r.json() == {"username": "manager", "unit_code": A, "unit_name": r.json()["unit_name"]}
    return h


def _problem(r: Any, status: int, field: str, words: str) -> None:
    assert r.status_code == status, r.text
    body = r.json()
    assert any(p["field"] == field for p in body["errors"]), body
    assert words in r.text, body


def _commitment(unit_code: str) -> dict[str, Any]:
    return {
        "unit_code": unit_code,
        "venue": "星光KTV",
        "floor_area_m2": 850,
        "opens_on": "2025-03-01",
        "statements": ["消防设施完好有效"],
    }


def test_bindings_are_made_by_admins_checked_and_audited(
    world: dict[str, Any], client: TestClient, sessions: Any
) -> None:
    admin = world["admin"]
    r = client.post("/api/users/manager/units", json={"unit_code": A}, headers=admin)
    _problem(r, 409, "unit_code", "already bound")
    r = client.post("/api/users/officer/units", json={"unit_code": A}, headers=admin)
    _problem(r, 422, "username", "unit manager")
    r = client.post("/api/users/manager/units", json={"unit_code": FAR}, headers=admin)
    _problem(r, 422, "unit_code", "outside your jurisdiction")
    r = client.post("/api/users/manager/units", json={"unit_code": B}, headers=world["officer"])
    assert r.status_code == 403
    # Several units per manager.
    r = client.post("/api/users/manager/units", json={"unit_code": B}, headers=admin)
    assert r.status_code == 201
    listed = client.get("/api/users/manager/units", headers=admin).json()
    assert [b["unit_code"] for b in listed] == sorted([A, B])
    assert client.delete(f"/api/users/manager/units/{B}", headers=admin).status_code == 204
    assert client.delete(f"/api/users/manager/units/{B}", headers=admin).status_code == 404
    with sessions() as s:
        actions = [
            (e.action, e.actor)
            for e in s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "account-units")
                .order_by(AuditEntry.seq)
            ).scalars()
        ]
    assert actions == [("bind", "admin"), ("bind", "admin"), ("unbind", "admin")]


def test_manager_sees_only_the_bound_unit(world: dict[str, Any], client: TestClient) -> None:
    mine, officer = world["manager"], world["officer"]
    # Monitoring: devices and figures.
    stats = client.get("/api/monitoring/stats/units", headers=mine).json()
    assert [u["code"] for u in stats["items"]] == [A] and stats["total"] == 1
    assert client.get("/api/monitoring/stats/units", headers=officer).json()["total"] == 2
    assert client.get("/api/monitoring/stats/jurisdictions", headers=mine).json() == []
    devices = client.get(f"/api/monitoring/units/{A}/devices", headers=mine)
    assert devices.status_code == 200 and len(devices.json()["devices"]) == 2
    assert client.get(f"/api/monitoring/units/{B}/devices", headers=mine).status_code == 404
    # The registry's unit-owned types.
    assert client.get("/api/devices", headers=mine).json()["total"] == 2
    assert client.get("/api/devices", headers=officer).json()["total"] == 3
    assert [u["code"] for u in client.get("/api/units", headers=mine).json()["items"]] == [A]
    # Hazards: list and detail.
    hazards = client.get("/api/hazards", headers=mine).json()
    assert hazards["total"] == 1 and hazards["items"][0]["unit_code"] == A
    theirs = client.get("/api/hazards", params={"unit_code": B}, headers=officer).json()
    hid = theirs["items"][0]["id"]
    assert client.get(f"/api/hazards/{hid}", headers=mine).status_code == 404
    # Commitments: submit only for the bound unit; list only its own.
    r = client.post("/api/commitments", json=_commitment(B), headers=mine)
    _problem(r, 422, "unit_code", "not one of the units you manage")
    r = client.post("/api/commitments", json=_commitment(A), headers=mine)
    assert r.status_code == 201, r.text
    r = client.post("/api/commitments", json=_commitment(B), headers=officer)
    assert r.status_code == 201, r.text
    listed = client.get("/api/commitments", headers=mine).json()
    assert listed["total"] == 1 and listed["items"][0]["unit_code"] == A
    assert client.get(f"/api/commitments/{r.json()['id']}", headers=mine).status_code == 404
    # Credit: their own standing only.
    assert client.get(f"/api/credit/units/{A}", headers=mine).status_code == 200
    r = client.get(f"/api/credit/units/{B}", headers=mine)
    _problem(r, 422, "unit_code", "not one of the units you manage")
    # Registry writes: a device of another unit is refused.
    payload = sample("devices", DAFENG, 31) | {"unit_code": B}
    r = client.post("/api/devices", json=payload, headers=mine)
    _problem(r, 422, "unit_code", "not one of the units you manage")
    r = client.post("/api/devices", json=payload | {"unit_code": A}, headers=mine)
    assert r.status_code == 201, r.text


def test_patrols_follow_the_binding(world: dict[str, Any], client: TestClient) -> None:
    mine = world["manager"]
    r = client.post("/api/patrols", json={"kind": "daily_patrol", "unit_code": B}, headers=mine)
    assert r.status_code == 403 and "not one of the units you manage" in r.text
    r = client.post("/api/patrols", json={"kind": "daily_patrol", "unit_code": A}, headers=mine)
    assert r.status_code == 201, r.text
    page = client.get("/patrol", headers=mine)
    assert page.status_code == 200 and A in page.text and B not in page.text
    # A prevention officer putting a unit manager "on duty" binds the account.
    r = client.post(
        "/api/patrols/duties", json={"username": "loner", "unit_code": B}, headers=world["officer"]
    )
    assert r.status_code == 201, r.text
    listed = client.get("/api/users/loner/units", headers=world["admin"]).json()
    assert [b["unit_code"] for b in listed] == [B]


def test_unbinding_removes_access_and_pages_say_so(
    world: dict[str, Any], client: TestClient
) -> None:
    mine, admin = world["manager"], world["admin"]
    assert client.get("/api/hazards", headers=mine).json()["total"] == 1
    assert client.delete(f"/api/users/manager/units/{A}", headers=admin).status_code == 204
    assert client.get("/api/hazards", headers=mine).json()["total"] == 0
    assert client.get("/api/monitoring/stats/units", headers=mine).json()["items"] == []
    assert client.get("/api/devices", headers=mine).json()["total"] == 0
    assert client.get(f"/api/monitoring/units/{A}/devices", headers=mine).status_code == 404
    r = client.post("/api/commitments", json=_commitment(A), headers=mine)
    _problem(r, 422, "unit_code", "not one of the units you manage")
    for path in ("/monitoring", "/patrol"):
        page = client.get(path, headers=mine)
        assert page.status_code == 200, path
        assert 'id="no-unit-bound"' in page.text and "尚未绑定单位" in page.text
    # Other roles are unchanged, and see no such notice.
    officer_page = client.get("/monitoring", headers=world["officer"])
    assert 'id="no-unit-bound"' not in officer_page.text
    assert client.get("/api/hazards", headers=world["officer"]).json()["total"] == 2


def test_admin_page_binds_and_unbinds(world: dict[str, Any], client: TestClient) -> None:
    admin = world["admin"]
    page = client.get("/admin/users", headers=admin)
    assert page.status_code == 200 and A in page.text and "未绑定单位" in page.text
    r = client.post(
        "/admin/users/loner/units", data={"unit_code": B}, headers=admin, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    page = client.get("/admin/users?flash=bound", headers=admin)
    assert "已绑定单位" in page.text and f"/admin/users/loner/units/{B}/unbind" in page.text
    r = client.post("/admin/users/loner/units", data={"unit_code": FAR}, headers=admin)
    assert r.status_code == 422 and 'id="binding-error"' in r.text
    assert f"unit_code: no unit {FAR} inside your jurisdiction" in r.text
    r = client.post(f"/admin/users/loner/units/{B}/unbind", headers=admin, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/users/loner/units", headers=admin).json() == []
    assert client.get("/admin/users", headers=world["manager"]).status_code == 403


def test_cli_binds_a_unit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    upgrade(url)
    factory = make_session_factory(make_engine(url))

    def uow() -> Any:
        return unit_of_work(factory)

    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    add_user(uow, "manager", "unit_manager", DAFENG)
    runner = CliRunner()
    r = runner.invoke(cli_app, ["user", "bind-unit", "manager", A], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert "bound" in r.output and A in r.output
    r = runner.invoke(cli_app, ["user", "bind-unit", "manager", A], catch_exceptions=False)
    assert r.exit_code == 1 and "already bound" in r.output
    r = runner.invoke(cli_app, ["user", "units", "manager"], catch_exceptions=False)
    assert A in r.output
    r = runner.invoke(cli_app, ["user", "unbind-unit", "manager", A], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    with factory() as s:
        assert s.execute(select(AccountUnit)).first() is None


def test_migration_moves_unit_duties_into_bindings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    # Seeded through today's services (their audit entries need today's audit tables), then
    # taken back to the revision before unit bindings to add the old-style duties.
    upgrade(url)
    factory = make_session_factory(make_engine(url))

    def uow() -> Any:
        return unit_of_work(factory)

    seed_region(uow)
    unit_id = create_sample(uow, "units", DAFENG, 1)
    grid_id = create_sample(uow, "grids", DAFENG, 1)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "grid", "grid_worker", DAFENG)
    command.downgrade(alembic_config(url), "84fca55c4963")
    with uow() as s:
        users = dict(s.execute(select(User.username, User.id)).all())
        jid = s.execute(select(Unit.jurisdiction_id).where(Unit.id == unit_id)).scalar_one()
        s.add(PatrolDuty(user_id=users["manager"], unit_id=unit_id, jurisdiction_id=jid))
        s.add(PatrolDuty(user_id=users["grid"], grid_id=grid_id, jurisdiction_id=jid))
    upgrade(url)
    with factory() as s:
        assert s.execute(select(AccountUnit.user_id, AccountUnit.unit_id)).all() == [
            (users["manager"], unit_id)
        ]
        left = s.execute(select(PatrolDuty.user_id, PatrolDuty.grid_id)).all()
        assert left == [(users["grid"], grid_id)]  # grid workers' duties stay
    command.downgrade(alembic_config(url), "84fca55c4963")
    with factory() as s:
        back = s.execute(select(PatrolDuty.user_id, PatrolDuty.unit_id).order_by(PatrolDuty.id))
        assert sorted(back.all(), key=str) == sorted(
            [(users["grid"], None), (users["manager"], unit_id)], key=str
        )
