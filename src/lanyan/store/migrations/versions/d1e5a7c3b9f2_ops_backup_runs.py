"""ops: the record of scheduled backups (backup_runs)

Revision ID: d1e5a7c3b9f2
Revises: a3f1c9e2b7d4
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "d1e5a7c3b9f2"
down_revision: str | Sequence[str] | None = "a3f1c9e2b7d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "backup_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("archive", sa.String(length=500), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_backup_runs_started_at", "backup_runs", ["started_at"])
    op.create_index("ix_backup_runs_ok_finished", "backup_runs", ["ok", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_backup_runs_ok_finished", table_name="backup_runs")
    op.drop_index("ix_backup_runs_started_at", table_name="backup_runs")
    op.drop_table("backup_runs")
