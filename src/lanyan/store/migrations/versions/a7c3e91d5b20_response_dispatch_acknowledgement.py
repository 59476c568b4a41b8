"""response: the station's acknowledgement (签收) of a turnout order

Revision ID: a7c3e91d5b20
Revises: c4a7e2d91b36
Create Date: 2026-12-07 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "a7c3e91d5b20"
down_revision: str | None = "c4a7e2d91b36"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response_dispatches") as batch:
        batch.add_column(
            sa.Column(
                "acknowledged_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("response_dispatches") as batch:
        batch.drop_column("acknowledged_by")
        batch.drop_column("acknowledged_at")
