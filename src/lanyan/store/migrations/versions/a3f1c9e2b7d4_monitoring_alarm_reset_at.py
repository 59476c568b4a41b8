"""monitoring alarms: the device's reset (复位) recorded on an alarm it did not close

Revision ID: a3f1c9e2b7d4
Revises: b3f1e7a2c9d4
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "a3f1c9e2b7d4"
down_revision: str | Sequence[str] | None = "b3f1e7a2c9d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reset_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.drop_column("reset_at")
