"""public portal: the unguessable tracking number (查询码) of a complaint sent from the portal

Revision ID: d7b3f2a9e514
Revises: c4a8e1f05d37
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d7b3f2a9e514"
down_revision: str | None = "c4a8e1f05d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("prevention_complaints") as batch:
        batch.add_column(sa.Column("tracking_no", sa.String(length=40), nullable=True))
    op.create_index(
        op.f("ix_prevention_complaints_tracking_no"),
        "prevention_complaints",
        ["tracking_no"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_prevention_complaints_tracking_no"), "prevention_complaints")
    with op.batch_alter_table("prevention_complaints") as batch:
        batch.drop_column("tracking_no")
