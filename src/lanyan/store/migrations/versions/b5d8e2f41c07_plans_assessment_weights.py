"""plans: the weights of 规划实施考核 per plan and assessing jurisdiction

Revision ID: b5d8e2f41c07
Revises: e2b7d4c9a130
Create Date: 2026-12-07 21:40:00

The as-of history of devices' connection, the key-unit flag and smart hydrants needs no table:
it is read back from the audit log, like stations' status and hydrants' condition (README,
"Plan indicators: definitions, personnel and history").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b5d8e2f41c07"
down_revision: str | None = "e2b7d4c9a130"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POINTS = (
    "met_points",
    "at_risk_points",
    "not_met_points",
    "no_data_points",
    "done_points",
    "on_track_points",
    "late_points",
    "not_started_points",
)


def upgrade() -> None:
    op.create_table(
        "plans_assessment_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.String(length=80), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("indicators_weight", sa.Float(), nullable=False),
        sa.Column("projects_weight", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Float(), nullable=False) for name in POINTS),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_plans_assessment_weights_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans_assessment_weights")),
    )
    with op.batch_alter_table("plans_assessment_weights") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_plans_assessment_weights_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            "uq_plans_assessment_weights_plan_jurisdiction",
            ["plan_id", "jurisdiction_id"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("plans_assessment_weights") as batch_op:
        batch_op.drop_index("uq_plans_assessment_weights_plan_jurisdiction")
        batch_op.drop_index(batch_op.f("ix_plans_assessment_weights_jurisdiction_id"))
    op.drop_table("plans_assessment_weights")
