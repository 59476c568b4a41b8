"""units: aliases (别名、曾用名), found by the geocoder and the registry's search

Revision ID: d1a7c3e9b250
Revises: d7b3e9a2c610
Create Date: 2026-12-07 18:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d1a7c3e9b250"
down_revision: str | None = "d7b3e9a2c610"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(
            sa.Column("aliases", sa.String(length=500), nullable=False, server_default="")
        )


def downgrade() -> None:
    # Not in batch mode: SQLite (3.35+) drops the column in place. A batch rebuild of `units`
    # would drop the table, and its dependants' ON DELETE CASCADE rows (account_units) with it.
    op.drop_column("units", "aliases")
