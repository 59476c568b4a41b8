"""monitoring: repair work orders (维修工单) from fault alarms

Revision ID: a7c4e19d2b60
Revises: 6e89443ee080
Create Date: 2026-12-07 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "a7c4e19d2b60"
down_revision: str | None = "6e89443ee080"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "monitoring_work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("repairer", sa.String(length=64), server_default="", nullable=False),
        sa.Column("work_done", sa.String(length=500), server_default="", nullable=False),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("done_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["monitoring_alarms.id"],
            name=op.f("fk_monitoring_work_orders_alarm_id_monitoring_alarms"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_monitoring_work_orders_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_monitoring_work_orders_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_monitoring_work_orders_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_work_orders")),
        sa.UniqueConstraint("alarm_id", name=op.f("uq_monitoring_work_orders_alarm_id")),
    )
    op.create_index(
        op.f("ix_monitoring_work_orders_jurisdiction_id"),
        "monitoring_work_orders",
        ["jurisdiction_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_monitoring_work_orders_status"), "monitoring_work_orders", ["status"], unique=False
    )
    op.create_index(
        op.f("ix_monitoring_work_orders_unit_id"),
        "monitoring_work_orders",
        ["unit_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_monitoring_work_orders_unit_id"), table_name="monitoring_work_orders")
    op.drop_index(op.f("ix_monitoring_work_orders_status"), table_name="monitoring_work_orders")
    op.drop_index(
        op.f("ix_monitoring_work_orders_jurisdiction_id"), table_name="monitoring_work_orders"
    )
    op.drop_table("monitoring_work_orders")
