"""portal: fire-loss declarations (火灾损失申报), portal 告知承诺 applications, commitments' check day

Revision ID: b8d41f6c2e73
Revises: da152bf879c6
Create Date: 2026-12-07 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b8d41f6c2e73"
down_revision: str | None = "da152bf879c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "stats_fire_declarations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("burned", sa.Text(), nullable=False),
        sa.Column("direct_loss_yuan", sa.Float(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.Column("injuries", sa.Integer(), nullable=False),
        sa.Column("declarant_name", sa.String(length=100), nullable=False),
        sa.Column("declarant_phone", sa.String(length=30), nullable=False),
        sa.Column("photos", sa.JSON(), nullable=False),
        sa.Column("received_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("fire_record_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "deaths >= 0 AND injuries >= 0 AND direct_loss_yuan >= 0",
            name=op.f("ck_stats_fire_declarations_declared_figures_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_stats_fire_declarations_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["fire_record_id"],
            ["stats_fire_records.id"],
            name=op.f("fk_stats_fire_declarations_fire_record_id_stats_fire_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stats_fire_declarations")),
        sa.UniqueConstraint("tracking_no", name=op.f("uq_stats_fire_declarations_tracking_no")),
    )
    with op.batch_alter_table("stats_fire_declarations") as batch:
        for col in ("state", "jurisdiction_id", "received_at"):
            batch.create_index(batch.f(f"ix_stats_fire_declarations_{col}"), [col], unique=False)

    op.create_table(
        "prevention_commitment_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tracking_no", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("venue", sa.String(length=200), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("floor_area_m2", sa.Double(), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=False),
        sa.Column("applicant_name", sa.String(length=50), nullable=False),
        sa.Column("applicant_phone", sa.String(length=30), nullable=False),
        sa.Column("signatory", sa.String(length=50), nullable=False),
        sa.Column("documents", sa.JSON(), nullable=False),
        sa.Column("received_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_prevention_commitment_applications_unit_id_units"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_prevention_commitment_applications_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["prevention_commitments.id"],
            name=op.f("fk_prevention_commitment_applications_commitment_id_prevention_commitments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevention_commitment_applications")),
        sa.UniqueConstraint(
            "tracking_no", name=op.f("uq_prevention_commitment_applications_tracking_no")
        ),
    )
    with op.batch_alter_table("prevention_commitment_applications") as batch:
        for col in ("state", "unit_id", "jurisdiction_id", "received_at"):
            batch.create_index(
                batch.f(f"ix_prevention_commitment_applications_{col}"), [col], unique=False
            )
    with op.batch_alter_table("prevention_commitments") as batch:
        batch.add_column(sa.Column("check_due_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prevention_commitments") as batch:
        batch.drop_column("check_due_on")
    op.drop_table("prevention_commitment_applications")
    op.drop_table("stats_fire_declarations")
