"""Test wiring: every run gets its own fresh databases, SQLite and PostgreSQL.

Database tests run once per backend (``db_url`` is parametrised). PostgreSQL is reached at
``LANYAN_TEST_PG_URL`` (default: the local server); under CI=true an unreachable server fails
the run instead of skipping it. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade
from lanyan.store.models_all import metadata

PG_ADMIN_URL = os.environ.get("LANYAN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("LANYAN_TEST_DATABASES", "sqlite,postgresql").split(",") if b]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _pg_database() -> Iterator[str]:
    name = f"lanyan_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
        pytest.skip(message)
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database for this run: a temporary SQLite file or a new PG database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'lanyan.db'}"
        upgrade(url)
        yield url
    else:
        gen = _pg_database()
        url = next(gen)
        upgrade(url)
        yield url
        next(gen, None)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _empty_tables(eng: Engine) -> None:
    tables = [t.name for t in metadata.sorted_tables]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                conn.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def sessions(engine: Engine) -> Any:
    """A session factory on empty tables."""
    _empty_tables(engine)
    return make_session_factory(engine)


@pytest.fixture
def uow(sessions: Any) -> Any:
    """``with uow() as s:`` opens a unit of work that commits on success."""
    return lambda: unit_of_work(sessions)


@pytest.fixture(scope="session")
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        environment="test",
        database_url=db_url,
        data_dir=tmp_path_factory.mktemp("data"),
        login_max_failures=3,
        # No background housekeeping against the tests' data: tests run rounds themselves.
        monitor_housekeeping_every_s=0,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Any:
    return create_app(settings)


@pytest.fixture
def client(app: Any, sessions: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


FIXTURES = Path(__file__).parent / "fixtures"
