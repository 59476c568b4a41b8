"""monitoring: operator's note on an alarm (处置说明), index for the live feed cursor

Revision ID: b7c41d2e9f10
Revises: f79eebbfa93a
Create Date: 2026-11-24 09:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7c41d2e9f10"
down_revision: str | None = "f79eebbfa93a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("note", sa.String(length=500), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_alarms_updated_at"), ["updated_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_alarms_updated_at"))
        batch_op.drop_column("note")
