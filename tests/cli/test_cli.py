"""The ``lanyan`` command: init, user add, audit verify (including a tampered log)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

from support import REGION

runner = CliRunner()


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "cli.db"
    monkeypatch.setenv("LANYAN_DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    return db


def _run(*args: str, **kwargs: Any) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False, **kwargs)


def test_init_then_user_add_then_verify(cli_env: Path) -> None:
    assert _run("init").exit_code == 0
    with unit_of_work(make_session_factory(make_engine(f"sqlite:///{cli_env}"))) as s:
        for j in REGION["jurisdictions"]:
            service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)
    r = _run(
        "user",
        "add",
        "chief",
        "--role",
        "commander",
        "--jurisdiction",
        "320904",
        "--password",
        "a-long-password",
    )
    assert r.exit_code == 0, r.output
    assert "created" in r.output
    r = _run("audit", "verify")
    assert r.exit_code == 0 and "7 entries verified" in r.output

    with sqlite3.connect(cli_env) as conn:
        conn.execute("UPDATE audit_log SET actor = 'intruder' WHERE seq = 3")
    r = _run("audit", "verify")
    assert r.exit_code == 1
    assert "broken at entry 3" in r.output


def test_user_add_reports_bad_input_without_traceback(cli_env: Path) -> None:
    _run("init")
    r = _run(
        "user",
        "add",
        "x1",
        "--role",
        "commander",
        "--jurisdiction",
        "999999",
        "--password",
        "short",
    )
    assert r.exit_code == 1
    assert "password" in r.output
    assert "Traceback" not in r.output


def test_audit_verify_detects_a_deleted_entry(cli_env: Path) -> None:
    _run("init")
    with unit_of_work(make_session_factory(make_engine(f"sqlite:///{cli_env}"))) as s:
        for j in REGION["jurisdictions"]:
            service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)
    with sqlite3.connect(cli_env) as conn:
        conn.execute("DELETE FROM audit_log WHERE seq = 2")
    r = _run("audit", "verify")
    assert r.exit_code == 1 and "entry 2" in r.output
