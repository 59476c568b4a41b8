"""The Alembic migrations build exactly the tables the models declare, on both databases."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory

from lanyan.store.migrate import alembic_config


def test_models_and_migrations_agree(db_url: str) -> None:
    command.check(alembic_config(db_url))  # raises if an upgrade operation would be generated


def test_one_linear_history() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, script.get_heads()
