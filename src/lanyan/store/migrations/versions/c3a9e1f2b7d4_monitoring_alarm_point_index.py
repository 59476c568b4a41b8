"""monitoring: index open-alarm lookups by (source, kind, point)

Revision ID: c3a9e1f2b7d4
Revises: b7c41d2e9f10
Create Date: 2026-11-24 09:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "c3a9e1f2b7d4"
down_revision: str | None = "b7c41d2e9f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.create_index(
            "ix_monitoring_alarms_point", ["source", "kind", "point"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("monitoring_alarms", schema=None) as batch_op:
        batch_op.drop_index("ix_monitoring_alarms_point")
