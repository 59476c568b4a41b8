"""draw commit–reveal: the earliest run time and the held server seed

Revision ID: b7e2d4c91a06
Revises: e5c2a9d1f3b8
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b7e2d4c91a06"
down_revision: str | None = "e5c2a9d1f3b8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prevention_draws") as batch:
        batch.add_column(
            sa.Column("run_after", lanyan.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("secret_seed", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prevention_draws") as batch:
        batch.drop_column("secret_seed")
        batch.drop_column("run_after")
