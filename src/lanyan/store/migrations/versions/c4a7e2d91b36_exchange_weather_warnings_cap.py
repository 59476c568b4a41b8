"""exchange: weather warnings imported from CAP 1.2 (气象预警)

Revision ID: c4a7e2d91b36
Revises: a7c4e19d2b60
Create Date: 2026-12-07 19:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "c4a7e2d91b36"
down_revision: str | None = "a7c4e19d2b60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    when = lanyan.store.base.UTCDateTime(timezone=True)
    op.create_table(
        "exchange_weather_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("identifier", sa.String(length=200), nullable=False),
        sa.Column("sender", sa.String(length=200), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("sent", when, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("msg_type", sa.String(length=12), nullable=False),
        sa.Column("event", sa.String(length=100), nullable=False),
        sa.Column("severity", sa.String(length=12), nullable=False),
        sa.Column("urgency", sa.String(length=12), nullable=False),
        sa.Column("certainty", sa.String(length=12), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("headline", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area_desc", sa.String(length=500), nullable=False),
        sa.Column("onset", when, nullable=True),
        sa.Column("expires", when, nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=True),
        sa.Column("ended_at", when, nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.Column("imported_at", when, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_weather_warnings")),
        sa.UniqueConstraint("identifier", name=op.f("uq_exchange_weather_warnings_identifier")),
    )
    op.create_index(
        op.f("ix_exchange_weather_warnings_expires"),
        "exchange_weather_warnings",
        ["expires"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_exchange_weather_warnings_expires"), table_name="exchange_weather_warnings"
    )
    op.drop_table("exchange_weather_warnings")
