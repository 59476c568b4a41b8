"""monitoring: control-room shift handovers (消控室交接班)

Revision ID: 2c9e7b5d4a18
Revises: 8b4d2f6a1c95
Create Date: 2026-12-07 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "2c9e7b5d4a18"
down_revision: str | Sequence[str] | None = "8b4d2f6a1c95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_duty_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("handed_by", sa.String(64), nullable=False),
        sa.Column("accepted_by", sa.String(64), nullable=False),
        sa.Column("at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.ForeignKeyConstraint(["jurisdiction_id"], ["jurisdictions.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_monitoring_duty_handovers_unit_id", "monitoring_duty_handovers", ["unit_id"]
    )
    op.create_index(
        "ix_monitoring_duty_handovers_jurisdiction_id",
        "monitoring_duty_handovers",
        ["jurisdiction_id"],
    )
    op.create_index("ix_monitoring_duty_handovers_at", "monitoring_duty_handovers", ["at"])


def downgrade() -> None:
    op.drop_index("ix_monitoring_duty_handovers_at", table_name="monitoring_duty_handovers")
    op.drop_index(
        "ix_monitoring_duty_handovers_jurisdiction_id", table_name="monitoring_duty_handovers"
    )
    op.drop_index("ix_monitoring_duty_handovers_unit_id", table_name="monitoring_duty_handovers")
    op.drop_table("monitoring_duty_handovers")
