"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from lanyan.store.db import make_engine
from lanyan.store.migrate import alembic_config


def test_models_and_migrations_agree(db_url: str) -> None:
    command.check(alembic_config(db_url))  # raises if an upgrade operation would be generated


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()


def test_imported_landmarks_move_into_the_registry_and_back(tmp_path: Path) -> None:
    """b4e1d7a9c352: the geocoder's imported POIs become registry landmarks (code POI-<id>,
    the top jurisdiction when they had none); the downgrade puts them back."""
    url = f"sqlite:///{tmp_path / 'm.db'}"
    cfg = alembic_config(url)
    command.upgrade(cfg, "a7c3e91d5b20")
    engine = make_engine(url)
    now = "2026-01-01 00:00:00.000000"
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO jurisdictions (id, code, name, level, path, created_at, updated_at) "
                "VALUES (1, '320982', '大丰区', 'county', '/1/', :t, :t)"
            ),
            {"t": now},
        )
        for i, (kind, label, jid) in enumerate(
            [("poi", "人民广场", 1), ("poi", "老车站", None), ("address", "幸福路1号", None)],
            start=1,
        ):
            c.execute(
                text(
                    "INSERT INTO geocode_places (id, kind, label, alias, road, number, lon, lat, "
                    "jurisdiction_id, created_at, updated_at) VALUES (:i, :k, :l, '广场', '', "
                    "NULL, 120.4, 33.2, :j, :t, :t)"
                ),
                {"i": i, "k": kind, "l": label, "j": jid, "t": now},
            )
    command.upgrade(cfg, "b4e1d7a9c352")
    with engine.connect() as c:
        moved = c.execute(
            text("SELECT code, name, category, aliases, jurisdiction_id FROM landmarks ORDER BY id")
        ).all()
        left = c.execute(text("SELECT kind, label FROM geocode_places")).all()
    assert [tuple(r) for r in moved] == [
        ("POI-000001", "人民广场", "other", "广场", 1),
        ("POI-000002", "老车站", "other", "广场", 1),
    ]
    assert [tuple(r) for r in left] == [("address", "幸福路1号")]
    command.downgrade(cfg, "a7c3e91d5b20")
    with engine.connect() as c:
        back = c.execute(text("SELECT kind, label FROM geocode_places ORDER BY label")).all()
    assert sorted(tuple(r) for r in back) == sorted(
        [("address", "幸福路1号"), ("poi", "人民广场"), ("poi", "老车站")]
    )
