"""The migration of 规划实施考核 weights (b5d8e2f41c07) upgrades and downgrades on both
databases, keeping what was stored before it. The as-of history of devices, key units and smart
hydrants needs no migration: it is read from the audit log the registry already writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from lanyan.store.db import make_engine
from lanyan.store.migrate import alembic_config

from conftest import BACKENDS, _pg_database

BEFORE, OURS = "e2b7d4c9a130", "b5d8e2f41c07"


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        gen = _pg_database()
        yield next(gen)
        next(gen, None)


def test_weights_table_up_and_down(fresh_url: str) -> None:
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, BEFORE)
    engine = make_engine(fresh_url)
    try:
        now = "2025-01-01 00:00:00"
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO jurisdictions (id, code, name, level, path, created_at, "
                    "updated_at) VALUES (1, '320904', '大丰区', 'county', '/1/', :n, :n)"
                ),
                {"n": now},
            )
            c.execute(
                text(
                    "INSERT INTO plans_adoptions (id, plan_id, jurisdiction_id, adopted_by, "
                    "created_at, updated_at) VALUES (1, 'dafeng', 1, 'admin', :n, :n)"
                ),
                {"n": now},
            )
        command.upgrade(cfg, OURS)
        assert "plans_assessment_weights" in inspect(engine).get_table_names()
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO plans_assessment_weights (plan_id, jurisdiction_id, "
                    "indicators_weight, projects_weight, met_points, at_risk_points, "
                    "not_met_points, no_data_points, done_points, on_track_points, late_points, "
                    "not_started_points, set_by, created_at, updated_at) VALUES ('dafeng', 1, "
                    "60, 40, 1, 0.5, 0, 0, 1, 1, 0.5, 0, 'admin', :n, :n)"
                ),
                {"n": now},
            )
            # one set per plan and jurisdiction
            with pytest.raises(IntegrityError), c.begin_nested():
                c.execute(
                    text(
                        "INSERT INTO plans_assessment_weights (plan_id, jurisdiction_id, "
                        "indicators_weight, projects_weight, met_points, at_risk_points, "
                        "not_met_points, no_data_points, done_points, on_track_points, "
                        "late_points, not_started_points, set_by, created_at, updated_at) "
                        "VALUES ('dafeng', 1, 70, 30, 1, 0.5, 0, 0, 1, 1, 0.5, 0, 'x', :n, :n)"
                    ),
                    {"n": now},
                )
        command.downgrade(cfg, BEFORE)
        assert "plans_assessment_weights" not in inspect(engine).get_table_names()
        with engine.connect() as c:
            assert c.execute(text("SELECT plan_id FROM plans_adoptions")).scalar() == "dafeng"
        command.upgrade(cfg, "head")
        assert "plans_assessment_weights" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
