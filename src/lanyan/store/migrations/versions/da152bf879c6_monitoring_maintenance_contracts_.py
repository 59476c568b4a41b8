"""monitoring: maintenance contracts, monthly records, annual test reports; maintenance companies

Revision ID: da152bf879c6
Revises: 724a5cc601a1
Create Date: 2026-12-07 21:18:25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "da152bf879c6"
down_revision: str | None = "724a5cc601a1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "maintenance_companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("cert_number", sa.String(length=64), nullable=False),
        sa.Column("cert_level", sa.String(length=16), nullable=False),
        sa.Column("cert_valid_until", sa.Date(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_maintenance_companies_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_maintenance_companies_code")),
    )
    with op.batch_alter_table("maintenance_companies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_maintenance_companies_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_maintenance_companies_name"), ["name"], unique=False)

    op.create_table(
        "monitoring_annual_test_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("tested_on", sa.Date(), nullable=False),
        sa.Column("conclusion", sa.String(length=8), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["maintenance_companies.id"],
            name=op.f("fk_monitoring_annual_test_reports_company_id_maintenance_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_monitoring_annual_test_reports_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_monitoring_annual_test_reports_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_annual_test_reports")),
        sa.UniqueConstraint(
            "unit_id", "year", name=op.f("uq_monitoring_annual_test_reports_unit_id_year")
        ),
    )
    with op.batch_alter_table("monitoring_annual_test_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_annual_test_reports_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_annual_test_reports_unit_id"), ["unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_annual_test_reports_year"), ["year"], unique=False
        )

    op.create_table(
        "monitoring_maintenance_contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["maintenance_companies.id"],
            name=op.f("fk_monitoring_maintenance_contracts_company_id_maintenance_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_monitoring_maintenance_contracts_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_monitoring_maintenance_contracts_unit_id_units"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_maintenance_contracts")),
    )
    with op.batch_alter_table("monitoring_maintenance_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_contracts_company_id"),
            ["company_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_contracts_end_on"), ["end_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_contracts_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_contracts_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "monitoring_maintenance_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("abnormal", sa.Integer(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["maintenance_companies.id"],
            name=op.f("fk_monitoring_maintenance_records_company_id_maintenance_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_monitoring_maintenance_records_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_monitoring_maintenance_records_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_maintenance_records")),
        sa.UniqueConstraint(
            "unit_id",
            "month",
            "system",
            name=op.f("uq_monitoring_maintenance_records_unit_id_month_system"),
        ),
    )
    with op.batch_alter_table("monitoring_maintenance_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_records_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_records_month"), ["month"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_records_unit_id"), ["unit_id"], unique=False
        )

    op.create_table(
        "monitoring_maintenance_record_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["monitoring_maintenance_records.id"],
            name=op.f(
                "fk_monitoring_maintenance_record_items_record_id_monitoring_maintenance_records"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["monitoring_work_orders.id"],
            name=op.f(
                "fk_monitoring_maintenance_record_items_work_order_id_monitoring_work_orders"
            ),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_maintenance_record_items")),
    )
    with op.batch_alter_table("monitoring_maintenance_record_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_maintenance_record_items_record_id"),
            ["record_id"],
            unique=False,
        )

    with op.batch_alter_table("monitoring_work_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title", sa.String(length=300), server_default="", nullable=False)
        )
        batch_op.alter_column("alarm_id", existing_type=sa.INTEGER(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("monitoring_maintenance_record_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_record_items_record_id"))

    op.drop_table("monitoring_maintenance_record_items")
    with op.batch_alter_table("monitoring_maintenance_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_records_unit_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_records_month"))
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_records_jurisdiction_id"))

    op.drop_table("monitoring_maintenance_records")
    with op.batch_alter_table("monitoring_maintenance_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_contracts_unit_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_contracts_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_contracts_end_on"))
        batch_op.drop_index(batch_op.f("ix_monitoring_maintenance_contracts_company_id"))

    op.drop_table("monitoring_maintenance_contracts")
    with op.batch_alter_table("monitoring_annual_test_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_annual_test_reports_year"))
        batch_op.drop_index(batch_op.f("ix_monitoring_annual_test_reports_unit_id"))
        batch_op.drop_index(batch_op.f("ix_monitoring_annual_test_reports_jurisdiction_id"))

    op.drop_table("monitoring_annual_test_reports")
    with op.batch_alter_table("maintenance_companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_companies_name"))
        batch_op.drop_index(batch_op.f("ix_maintenance_companies_jurisdiction_id"))

    op.drop_table("maintenance_companies")
    # Orders opened from a maintenance record have no alarm: they go with the records.
    op.execute("DELETE FROM monitoring_work_orders WHERE alarm_id IS NULL")
    with op.batch_alter_table("monitoring_work_orders", schema=None) as batch_op:
        batch_op.alter_column("alarm_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("title")
