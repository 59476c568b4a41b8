"""monitoring heartbeat days: what remains of running-state frames past retention

Revision ID: 7c2d4f6a8e91
Revises: 5e1a9c3d7b20
Create Date: 2026-11-24 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "7c2d4f6a8e91"
down_revision: str | Sequence[str] | None = "5e1a9c3d7b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_heartbeat_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("frames", sa.Integer(), nullable=False),
        sa.Column("first_seen", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["devices.id"],
            name=op.f("fk_monitoring_heartbeat_days_device_id_devices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_heartbeat_days")),
        sa.UniqueConstraint(
            "protocol",
            "source",
            "day",
            name=op.f("uq_monitoring_heartbeat_days_protocol_source_day"),
        ),
    )
    op.create_index(op.f("ix_monitoring_heartbeat_days_day"), "monitoring_heartbeat_days", ["day"])
    op.create_index(
        op.f("ix_monitoring_heartbeat_days_device_id"), "monitoring_heartbeat_days", ["device_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_heartbeat_days_device_id"), "monitoring_heartbeat_days")
    op.drop_index(op.f("ix_monitoring_heartbeat_days_day"), "monitoring_heartbeat_days")
    op.drop_table("monitoring_heartbeat_days")
