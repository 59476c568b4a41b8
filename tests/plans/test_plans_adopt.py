"""Adopting a plan from the plans page (an authorised writer, audited), the demo's adoption of
the Dafeng plan, and ``lanyan plan evaluate`` picking the adopting jurisdiction by itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.demo import plan as demo_plan
from lanyan.demo.build import DEMO_ACTOR
from lanyan.plans import records
from lanyan.plans.catalog import load_plan
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, AuditEntry
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from plans_support import load_engine_fixture
from support import add_user, login


def test_adopt_button_for_writers_audited(uow: Any, client: TestClient) -> None:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    add_user(uow, "viewer", "government_viewer", "320904")
    viewer = login(client, "viewer")
    assert 'id="adopt-dafeng"' not in client.get("/plans", headers=viewer).text
    form = {"jurisdiction": "320904"}
    assert client.post("/plans/dafeng/adopt", data=form, headers=viewer).status_code == 403
    commander = login(client, "commander")
    index = client.get("/plans", headers=commander).text
    assert 'id="adopt-dafeng"' in index and "本辖区尚未采用" in index
    r = client.post("/plans/dafeng/adopt", data=form, headers=commander, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/plans/dafeng?jurisdiction=320904"
    index = client.get("/plans", headers=commander).text
    assert 'id="adopt-dafeng"' not in index and 'id="adopt-xiuwu"' in index
    listed = {p["id"]: p for p in client.get("/api/plans", headers=commander).json()}
    assert listed["dafeng"]["adopted_by"] == [{"code": "320904", "name": "大丰区"}]
    with uow() as s:
        entry = s.execute(
            select(AuditEntry).where(AuditEntry.object_type == "plan-adoptions")
        ).scalar_one()
        assert entry.actor == "commander" and "dafeng" in (entry.after or "")
    again = client.post("/plans/dafeng/adopt", data=form, headers=commander)
    assert again.status_code == 409 and 'id="plan-form-error"' in again.text
    outside = client.post("/plans/xiuwu/adopt", data={"jurisdiction": "320902"}, headers=commander)
    assert outside.status_code == 404 and 'id="plan-form-error"' in outside.text


runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    load_engine_fixture(lambda: unit_of_work(factory))
    return factory


def test_demo_adopts_dafeng_and_evaluate_needs_no_jurisdiction(cli_db: Any) -> None:
    with unit_of_work(cli_db) as s:
        assert demo_plan.adopt_dafeng(s, DEMO_ACTOR) is True
    with unit_of_work(cli_db) as s:
        assert demo_plan.adopt_dafeng(s, DEMO_ACTOR) is False  # a rebuild does not adopt twice
    result = runner.invoke(cli_app, ["plan", "evaluate", "dafeng", "--year", "2025"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == len(load_plan("dafeng").indicators)
    with unit_of_work(cli_db) as s:  # a second adopter: the CLI asks which one, naming both
        records.adopt(s, SYSTEM, EVERYWHERE, "dafeng", "320902")
    two = runner.invoke(cli_app, ["plan", "evaluate", "dafeng", "--year", "2025"])
    assert two.exit_code == 1 and "Traceback" not in two.output
    assert "320904" in two.output and "320902" in two.output and "jurisdiction" in two.output
    named = runner.invoke(
        cli_app, ["plan", "evaluate", "dafeng", "--year", "2025", "--jurisdiction", "320902"]
    )
    assert named.exit_code == 0, named.output
