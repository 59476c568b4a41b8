"""response: each dispatched vehicle's status and move times from the crew terminal; the
fire record keeps them

Revision ID: e5b18c3f7a42
Revises: b8d41f6c2e73
Create Date: 2026-12-07 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "e5b18c3f7a42"
down_revision: str | None = "b8d41f6c2e73"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIMES = (
    "turned_out_at",
    "en_route_at",
    "arrived_at",
    "water_on_at",
    "controlled_at",
    "returning_at",
    "back_at",
)


def upgrade() -> None:
    with op.batch_alter_table("response_dispatches") as batch:
        batch.add_column(
            sa.Column(
                "crew_status", sa.String(length=16), nullable=False, server_default="assigned"
            )
        )
        for name in TIMES:
            batch.add_column(
                sa.Column(name, lanyan.store.base.UTCDateTime(timezone=True), nullable=True)
            )
    with op.batch_alter_table("stats_fire_records") as batch:
        batch.add_column(sa.Column("vehicle_times", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("first_response_s", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("stats_fire_records") as batch:
        batch.drop_column("first_response_s")
        batch.drop_column("vehicle_times")
    with op.batch_alter_table("response_dispatches") as batch:
        for name in reversed(TIMES):
            batch.drop_column(name)
        batch.drop_column("crew_status")
