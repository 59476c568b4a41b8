"""No traceback reaches a user (issue 14 item 10): a command or a page against a missing,
empty, outdated or unreachable database says in one line what to run, and exits non-zero."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.registry.models import Jurisdiction
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade
from lanyan.store.readiness import DatabaseEmpty

from conftest import _pg_database

runner = CliRunner()

COMMANDS = [
    ["plan", "evaluate", "dafeng", "--year", "2025"],
    ["plan", "list"],
    ["stats", "missing"],
    ["audit", "verify"],
    ["incidents", "from-alarms"],
]


def _lanyan(url: str, data_dir: Path, *args: str) -> Any:
    from lanyan.cli.main import app

    env = {"LANYAN_DATABASE_URL": url, "LANYAN_DATA_DIR": str(data_dir)}
    return runner.invoke(app, list(args), env=env)


def _one_line(result: Any) -> str:
    output = result.output.strip()
    assert "Traceback" not in output, output
    assert len(output.splitlines()) == 1, output
    assert result.exit_code != 0, output
    return output


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["empty file", "missing path"])
def test_commands_on_an_uninitialised_database_say_run_lanyan_init(
    tmp_path: Path, where: str, args: list[str]
) -> None:
    db = tmp_path / ("empty.db" if where == "empty file" else "no/such/folder/lanyan.db")
    if where == "empty file":
        db.touch()
    result = _lanyan(f"sqlite:///{db}", tmp_path, *args)
    if result.exit_code == 2 and "No such command" in result.output:
        pytest.fail(f"the test names a command that does not exist: {args}")
    line = _one_line(result)
    assert "has no tables: run lanyan init" in line


def test_an_empty_postgresql_database_says_run_lanyan_init(tmp_path: Path) -> None:
    databases = _pg_database()  # fails under CI=true when PostgreSQL is missing
    url = next(databases)
    try:
        line = _one_line(_lanyan(url, tmp_path, "stats", "missing"))
    finally:
        next(databases, None)
    assert "has no tables: run lanyan init" in line


def test_an_outdated_schema_says_migrate(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    upgrade(f"sqlite:///{db}")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'd4b2e8a61c07'")
        conn.execute("DROP TABLE stats_fire_records")
    line = _one_line(_lanyan(f"sqlite:///{db}", tmp_path, "stats", "missing"))
    assert "schema revision d4b2e8a61c07" in line and "run lanyan init to migrate" in line


def test_an_unreachable_server_names_the_setting(tmp_path: Path) -> None:
    url = "postgresql://lanyan:secret@127.0.0.1:1/lanyan"
    line = _one_line(_lanyan(url, tmp_path, "plan", "list"))
    assert "cannot reach the database" in line and "LANYAN_DATABASE_URL" in line
    assert "secret" not in line


def test_an_unexpected_error_is_one_line_with_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanyan.cli import server_cmd

    def broken() -> None:
        raise KeyError("[surprise]")

    monkeypatch.setattr(server_cmd, "load_settings", broken)
    line = _one_line(_lanyan(f"sqlite:///{tmp_path / 'x.db'}", tmp_path, "init"))
    assert "unexpected KeyError: '[surprise]'" in line
    log = tmp_path / "logs" / "lanyan-cli-errors.log"
    assert str(log) in line and "Traceback" in log.read_text(encoding="utf-8")


@pytest.fixture
def empty_app(tmp_path: Path) -> Any:
    db = tmp_path / "empty.db"
    db.touch()
    settings = Settings(
        environment="test",
        database_url=f"sqlite:///{db}",
        data_dir=tmp_path,
        monitor_housekeeping_every_s=0,
    )
    return create_app(settings)


def test_pages_and_api_on_an_uninitialised_database(empty_app: Any) -> None:
    with TestClient(empty_app, raise_server_exceptions=False) as client:
        page = client.post("/login", data={"username": "admin", "password": "x" * 12})
        assert page.status_code == 503 and "text/html" in page.headers["content-type"]
        assert "数据库尚未初始化：请在服务器上运行 lanyan init。" in page.text
        assert "Traceback" not in page.text

        headers = {"Authorization": "Bearer some-token"}
        page = client.get("/registry/stations", headers=headers)
        assert page.status_code == 503 and "lanyan init" in page.text

        api = client.get("/api/incidents", headers=headers)
        assert api.status_code == 503
        assert api.headers["content-type"] == "application/problem+json"
        assert "has no tables: run lanyan init" in api.json()["detail"]


def test_a_write_into_an_empty_database_says_run_lanyan_init(tmp_path: Path) -> None:
    sessions = make_session_factory(make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    jurisdiction = Jurisdiction(code="320904", name="大丰区", level="county", path="/320904/")
    expected = pytest.raises(DatabaseEmpty, match="has no tables: run lanyan init")
    with expected, unit_of_work(sessions) as s:
        s.add(jurisdiction)  # nothing reads first: the commit's flush meets the empty file
