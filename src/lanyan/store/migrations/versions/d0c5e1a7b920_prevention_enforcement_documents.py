"""prevention: enforcement documents (执法文书) with 法制审核 and their number counters

Revision ID: d0c5e1a7b920
Revises: b4e1d7a9c352
Create Date: 2026-12-07 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "d0c5e1a7b920"
down_revision: str | None = "b4e1d7a9c352"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prevention_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("bases", sa.JSON(), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("demands", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("amount_yuan", sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column("seal_place", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("number", sa.String(length=80), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "amount_yuan IS NULL OR amount_yuan > 0",
            name=op.f("ck_prevention_documents_doc_amount_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["action_id"],
            ["prevention_enforcement_actions.id"],
            name=op.f("fk_prevention_documents_action_id_prevention_enforcement_actions"),
        ),
        sa.ForeignKeyConstraint(
            ["hazard_id"],
            ["prevention_hazards.id"],
            name=op.f("fk_prevention_documents_hazard_id_prevention_hazards"),
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["prevention_inspections.id"],
            name=op.f("fk_prevention_documents_inspection_id_prevention_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_prevention_documents_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["users.id"], name=op.f("fk_prevention_documents_officer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_prevention_documents_reviewer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_prevention_documents_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prevention_documents")),
        sa.UniqueConstraint("jurisdiction_id", "kind", "year", "seq", name="uq_prevention_doc_seq"),
        sa.UniqueConstraint("number", name=op.f("uq_prevention_documents_number")),
    )
    op.create_index(
        "ix_prevention_documents_state_jur", "prevention_documents", ["state", "jurisdiction_id"]
    )
    for column in ("kind", "unit_id", "jurisdiction_id", "inspection_id"):
        op.create_index(op.f(f"ix_prevention_documents_{column}"), "prevention_documents", [column])
    op.create_table(
        "prevention_document_counters",
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_prevention_document_counters_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint(
            "jurisdiction_id", "kind", "year", name=op.f("pk_prevention_document_counters")
        ),
    )


def downgrade() -> None:
    op.drop_table("prevention_document_counters")
    for column in ("inspection_id", "jurisdiction_id", "unit_id", "kind"):
        op.drop_index(op.f(f"ix_prevention_documents_{column}"), table_name="prevention_documents")
    op.drop_index("ix_prevention_documents_state_jur", table_name="prevention_documents")
    op.drop_table("prevention_documents")
