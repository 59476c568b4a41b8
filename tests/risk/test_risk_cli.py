"""``lanyan risk``: weights checked (a bad file refused naming the matrix), compute with a user's
scope and role, list the top units."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.risk import config
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

from support import DAFENG, TINGHU, add_user, create_sample, seed_region, uscc

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["init"]).exit_code == 0
    factory = make_session_factory(make_engine(url))

    def uow() -> Any:
        return unit_of_work(factory)

    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    create_sample(uow, "units", TINGHU, 2)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "grid", "grid_worker", DAFENG)
    return url


def test_weights_and_a_refused_file(tmp_path: Path) -> None:
    r = runner.invoke(app, ["risk", "weights"])
    assert r.exit_code == 0 and "CR =" in r.output and "重大火灾隐患" in r.output
    bad = tmp_path / "bad.yaml"
    text = config.DEFAULT_PATH.read_text(encoding="utf-8")
    bad.write_text(text.replace("- [1,   1/2, 2,   2,   2,   3]", "- [1, 9, 2, 2, 2, 3]"))
    r = runner.invoke(app, ["risk", "weights", "--file", str(bad)])
    assert r.exit_code == 1 and "criteria.matrix" in r.output


def test_compute_in_a_users_scope_then_list(cli_db: str) -> None:
    r = runner.invoke(app, ["risk", "compute", "--date", "2025-06-30", "--user", "officer"])
    assert r.exit_code == 0, r.output
    assert "1 units" in r.output  # Dafeng only
    r = runner.invoke(app, ["risk", "list", "--user", "officer"])
    assert r.exit_code == 0 and uscc(DAFENG, 1)[:12] in r.output
    assert uscc(TINGHU, 2)[:12] not in r.output
    r = runner.invoke(app, ["risk", "compute", "--user", "grid"])
    assert r.exit_code == 1 and "may not compute" in r.output
    r = runner.invoke(app, ["risk", "compute", "--date", "2025-02-30"])
    assert r.exit_code == 1 and "--date" in r.output
