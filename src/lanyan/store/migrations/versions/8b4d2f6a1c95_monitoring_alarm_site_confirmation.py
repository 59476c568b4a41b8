"""monitoring alarms: on-site confirmation (现场确认) by the unit's control-room operator

Revision ID: 8b4d2f6a1c95
Revises: 5e7c1a9d3b20
Create Date: 2026-12-07 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "8b4d2f6a1c95"
down_revision: str | Sequence[str] | None = "5e7c1a9d3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("site_verdict", sa.String(8), nullable=True))
        batch_op.add_column(sa.Column("site_by", sa.String(64), nullable=True))
        batch_op.add_column(
            sa.Column("site_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("site_note", sa.String(500), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.drop_column("site_note")
        batch_op.drop_column("site_at")
        batch_op.drop_column("site_by")
        batch_op.drop_column("site_verdict")
