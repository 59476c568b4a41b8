"""monitoring: control-room duty roster, shifts, duty log and remote duty checks (查岗)

Revision ID: d7b3e9a2c610
Revises: c4a8e1f05d37
Create Date: 2026-12-07 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "d7b3e9a2c610"
down_revision: str | Sequence[str] | None = "c4a8e1f05d37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

T = lanyan.store.base.UTCDateTime(timezone=True)


def _placed() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column(
            "jurisdiction_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "monitoring_duty_operators",
        *_placed(),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("certificate_no", sa.String(64), nullable=False),
        sa.Column("certificate_expires", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("unit_id", "username", name="uq_monitoring_duty_operators_unit_user"),
    )
    op.create_table(
        "monitoring_duty_shifts",
        *_placed(),
        sa.Column("starts_at", T, nullable=False),
        sa.Column("ends_at", T, nullable=False),
        sa.Column("operator_1", sa.String(64), nullable=False),
        sa.Column("operator_2", sa.String(64), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "monitoring_duty_log",
        *_placed(),
        sa.Column("at", T, nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("panel_state", sa.String(16), nullable=False),
        sa.Column("note", sa.String(500), nullable=False, server_default=""),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("recorded_at", T, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "monitoring_duty_check_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(64), nullable=False),
        sa.Column("started_at", T, nullable=False),
        sa.Column("answer_within_minutes", sa.Integer(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("seed", sa.String(64), nullable=True),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "monitoring_duty_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "round_id",
            sa.Integer(),
            sa.ForeignKey("monitoring_duty_check_rounds.id"),
            nullable=False,
        ),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column(
            "jurisdiction_id", sa.Integer(), sa.ForeignKey("jurisdictions.id"), nullable=False
        ),
        sa.Column("sent_at", T, nullable=False),
        sa.Column("deadline", T, nullable=False),
        sa.Column("missed_at", T, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answered_at", T, nullable=True),
        sa.Column("answered_by", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for table in ("monitoring_duty_operators", "monitoring_duty_shifts", "monitoring_duty_log"):
        op.create_index(f"ix_{table}_unit_id", table, ["unit_id"])
        op.create_index(f"ix_{table}_jurisdiction_id", table, ["jurisdiction_id"])
    op.create_index("ix_monitoring_duty_shifts_starts_at", "monitoring_duty_shifts", ["starts_at"])
    op.create_index("ix_monitoring_duty_log_at", "monitoring_duty_log", ["at"])
    op.create_index(
        "ix_monitoring_duty_check_rounds_started_at",
        "monitoring_duty_check_rounds",
        ["started_at"],
    )
    op.create_index("ix_monitoring_duty_checks_round_id", "monitoring_duty_checks", ["round_id"])
    op.create_index(
        "ix_monitoring_duty_checks_jurisdiction_id", "monitoring_duty_checks", ["jurisdiction_id"]
    )
    op.create_index(
        "ix_monitoring_duty_checks_state_missed", "monitoring_duty_checks", ["state", "missed_at"]
    )
    op.create_index(
        "ix_monitoring_duty_checks_unit_sent", "monitoring_duty_checks", ["unit_id", "sent_at"]
    )


def downgrade() -> None:
    op.drop_table("monitoring_duty_checks")
    op.drop_table("monitoring_duty_check_rounds")
    op.drop_table("monitoring_duty_log")
    op.drop_table("monitoring_duty_shifts")
    op.drop_table("monitoring_duty_operators")
