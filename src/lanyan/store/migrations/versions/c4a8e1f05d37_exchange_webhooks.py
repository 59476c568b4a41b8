"""exchange: webhook subscriptions, events, deliveries, the delivery log

Revision ID: c4a8e1f05d37
Revises: b7e2d4c91a06
Create Date: 2026-12-07 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "c4a8e1f05d37"
down_revision: str | None = "b7e2d4c91a06"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = lanyan.store.base.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "exchange_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failing", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_subscriptions")),
        sa.UniqueConstraint("name", name=op.f("uq_exchange_subscriptions_name")),
    )
    op.create_table(
        "exchange_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("fanned_out_at", UTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_events")),
    )
    with op.batch_alter_table("exchange_events") as batch:
        batch.create_index(batch.f("ix_exchange_events_event_type"), ["event_type"])
        batch.create_index(batch.f("ix_exchange_events_fanned_out_at"), ["fanned_out_at"])
    op.create_table(
        "exchange_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC(timezone=True), nullable=False),
        sa.Column("delivered_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["exchange_events.id"],
            name=op.f("fk_exchange_deliveries_event_id_exchange_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["exchange_subscriptions.id"],
            name=op.f("fk_exchange_deliveries_subscription_id_exchange_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_deliveries")),
        sa.UniqueConstraint(
            "event_id",
            "subscription_id",
            name=op.f("uq_exchange_deliveries_event_id_subscription_id"),
        ),
    )
    with op.batch_alter_table("exchange_deliveries") as batch:
        batch.create_index("ix_exchange_deliveries_due", ["state", "next_attempt_at"])
        batch.create_index(batch.f("ix_exchange_deliveries_event_id"), ["event_id"])
        batch.create_index(batch.f("ix_exchange_deliveries_subscription_id"), ["subscription_id"])
    op.create_table(
        "exchange_delivery_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC(timezone=True), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["exchange_deliveries.id"],
            name=op.f("fk_exchange_delivery_attempts_delivery_id_exchange_deliveries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_delivery_attempts")),
    )
    with op.batch_alter_table("exchange_delivery_attempts") as batch:
        batch.create_index(batch.f("ix_exchange_delivery_attempts_delivery_id"), ["delivery_id"])


def downgrade() -> None:
    op.drop_table("exchange_delivery_attempts")
    op.drop_table("exchange_deliveries")
    op.drop_table("exchange_events")
    op.drop_table("exchange_subscriptions")
