"""public portal: the tracking number (查询码) of a complaint sent from the portal; applications to
lift a seal-up or resume use (解除临时查封, 恢复使用) waiting in the officers' queue

Revision ID: d7b3f2a9e514
Revises: d1a7c3e9b250
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "d7b3f2a9e514"
down_revision: str | None = "d1a7c3e9b250"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = lanyan.store.base.UTCDateTime
APPS = "prevention_enforcement_applications"


def upgrade() -> None:
    with op.batch_alter_table("prevention_complaints") as batch:
        batch.add_column(sa.Column("tracking_no", sa.String(length=40), nullable=True))
    op.create_index(
        op.f("ix_prevention_complaints_tracking_no"),
        "prevention_complaints",
        ["tracking_no"],
        unique=True,
    )
    op.create_table(
        APPS,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("enforcement_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("applicant_name", sa.String(length=50), nullable=False),
        sa.Column("applicant_phone", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", UTC(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", UTC(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enforcement_id"],
            ["prevention_enforcement_actions.id"],
            name=op.f(f"fk_{APPS}_enforcement_id_prevention_enforcement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f(f"fk_{APPS}_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f(f"fk_{APPS}_handled_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{APPS}")),
        sa.UniqueConstraint("tracking_no", name=op.f(f"uq_{APPS}_tracking_no")),
    )
    op.create_index(op.f(f"ix_{APPS}_enforcement_id"), APPS, ["enforcement_id"])
    op.create_index(op.f(f"ix_{APPS}_jurisdiction_id"), APPS, ["jurisdiction_id"])
    op.create_index(op.f(f"ix_{APPS}_state"), APPS, ["state"])


def downgrade() -> None:
    op.drop_table(APPS)
    op.drop_index(op.f("ix_prevention_complaints_tracking_no"), "prevention_complaints")
    with op.batch_alter_table("prevention_complaints") as batch:
        batch.drop_column("tracking_no")
