"""The outreach migration moves the plans engine's interim records into the outreach tables
(ids kept, a person's certificate date becoming a certificate row) and back on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text

from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import alembic_config

from conftest import BACKENDS, _pg_database
from support import DAFENG, REGION, sample

BEFORE, OURS = "72a0b183a492", "b9292f408bc5"


@pytest.fixture(params=BACKENDS)
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
    else:
        gen = _pg_database()
        yield next(gen)
        next(gen, None)


def _audit_columns(engine: Any, add: bool) -> None:
    pg = engine.dialect.name == "postgresql"
    with engine.begin() as c:
        if add:
            c.execute(text("DELETE FROM audit_head"))
            c.execute(text("ALTER TABLE audit_head ADD COLUMN chain VARCHAR(255)"))
            c.execute(text("ALTER TABLE audit_log ADD COLUMN chain VARCHAR(255)"))
            c.execute(text("ALTER TABLE audit_log ADD COLUMN prev_seq INTEGER"))
            c.execute(text("CREATE UNIQUE INDEX uq_tmp_chain ON audit_head (chain)"))
            if pg:
                c.execute(text("CREATE SEQUENCE audit_log_seq_counter"))
        else:
            if pg:
                c.execute(text("DROP SEQUENCE audit_log_seq_counter"))
            c.execute(text("DROP INDEX uq_tmp_chain"))
            c.execute(text("DELETE FROM audit_head"))
            c.execute(text("DELETE FROM audit_log"))
            c.execute(text("ALTER TABLE audit_head DROP COLUMN chain"))
            c.execute(text("ALTER TABLE audit_log DROP COLUMN chain"))
            c.execute(text("ALTER TABLE audit_log DROP COLUMN prev_seq"))


def test_interim_records_move_to_outreach_and_back(fresh_url: str) -> None:
    cfg = alembic_config(fresh_url)
    command.upgrade(cfg, BEFORE)
    engine = make_engine(fresh_url)
    try:
        # Today's services write today's audit columns (issue #16's chains): lend them to the
        # old schema while seeding, and take them back before migrating.
        _audit_columns(engine, add=True)
        with unit_of_work(make_session_factory(engine)) as s:
            for j in REGION["jurisdictions"]:
                service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)
            service.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", DAFENG))
        _audit_columns(engine, add=False)
        with engine.begin() as c:
            jid = c.execute(text(f"SELECT id FROM jurisdictions WHERE code = '{DAFENG}'")).scalar()
            sid = c.execute(text("SELECT id FROM stations")).scalar()
            now = "2025-01-01 00:00:00"
            c.execute(
                text(
                    "INSERT INTO plans_people (id, code, kind, jurisdiction_id, joined_on, "
                    "certificate_valid_until, created_at, updated_at) VALUES "
                    "(7, 'P7', 'rescuer', :j, '2020-01-01', '2026-06-30', :t, :t), "
                    "(8, 'P8', 'volunteer', :j, '2021-01-01', NULL, :t, :t)"
                ),
                {"j": jid, "t": now},
            )
            c.execute(
                text(
                    "INSERT INTO plans_training_records (id, kind, jurisdiction_id, person_id, "
                    "held_on, year, attendees, created_at, updated_at) VALUES "
                    "(3, 'specialised', :j, 7, '2024-05-01', 2024, 1, :t, :t)"
                ),
                {"j": jid, "t": now},
            )
            c.execute(
                text(
                    "INSERT INTO plans_open_days (id, station_id, jurisdiction_id, day, year, month)"
                    " VALUES (1, :s, :j, '2024-03-02', 2024, 3)"
                ),
                {"s": sid, "j": jid},
            )
            c.execute(
                text(
                    "INSERT INTO plans_surveys (id, jurisdiction_id, surveyed_on, year, "
                    "respondents, passed, educated, method, created_at, updated_at) VALUES "
                    "(1, :j, '2024-06-01', 2024, 100, 91, 80, '入户', :t, :t)"
                ),
                {"j": jid, "t": now},
            )
            c.execute(
                text(
                    "INSERT INTO plans_outreach_activities (id, jurisdiction_id, held_on, year, "
                    "volunteer_person_times, title, created_at, updated_at) VALUES "
                    "(1, :j, '2024-11-09', 2024, 42, '119宣传月', :t, :t)"
                ),
                {"j": jid, "t": now},
            )
        engine.dispose()
        command.upgrade(cfg, OURS)
        with engine.begin() as c:
            people = c.execute(text("SELECT id, code, kind FROM outreach_people ORDER BY id")).all()
            assert [tuple(p) for p in people] == [(7, "P7", "rescuer"), (8, "P8", "volunteer")]
            certs = c.execute(
                text("SELECT person_id, valid_until FROM outreach_certifications")
            ).all()
            assert [(p, str(v)[:10]) for p, v in certs] == [(7, "2026-06-30")]
            assert c.execute(text("SELECT person_id FROM outreach_training_records")).scalar() == 7
            day = c.execute(text("SELECT day FROM outreach_open_days")).scalar()
            assert str(day)[:10] == "2024-03-02"
            assert c.execute(text("SELECT passed FROM outreach_surveys")).scalar() == 91
            assert (
                c.execute(text("SELECT volunteer_person_times FROM outreach_events")).scalar() == 42
            )
            # New rows get fresh ids after the copied ones (PostgreSQL sequences moved on).
            c.execute(
                text(
                    "INSERT INTO outreach_people (code, name, kind, jurisdiction_id, position, "
                    "phone, joined_on, created_at, updated_at) VALUES "
                    "('P9', '', 'rescuer', :j, '', '', :d, :t, :t)"
                ),
                {"j": jid, "d": date(2025, 1, 1), "t": now},
            )
            assert c.execute(text("SELECT id FROM outreach_people WHERE code = 'P9'")).scalar() == 9
        engine.dispose()
        command.downgrade(cfg, BEFORE)
        with engine.begin() as c:
            rows = c.execute(
                text("SELECT code, certificate_valid_until FROM plans_people ORDER BY id")
            ).all()
            assert [(code, str(v)[:10] if v else None) for code, v in rows] == [
                ("P7", "2026-06-30"),
                ("P8", None),
                ("P9", None),
            ]
            assert (
                c.execute(text("SELECT title FROM plans_outreach_activities")).scalar()
                == "119宣传月"
            )
    finally:
        engine.dispose()
