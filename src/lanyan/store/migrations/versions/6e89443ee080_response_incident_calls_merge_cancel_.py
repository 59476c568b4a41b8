"""response: incident calls (多次报警), merge, cancel reason, floor

Every existing incident gets its opening report as its first call (an alarm for those an IoT
fire alarm opened), so the 接警 time stays the earliest call.

Revision ID: 6e89443ee080
Revises: d7b3f2a9e514
Create Date: 2026-12-07 17:43:18.562699
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "6e89443ee080"
down_revision: str | None = "d7b3f2a9e514"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_incident_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("caller_name", sa.String(length=50), nullable=False),
        sa.Column("caller_phone", sa.String(length=20), nullable=False),
        sa.Column("alarm_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.CheckConstraint(
            "(kind = 'alarm') = (alarm_id IS NOT NULL)",
            name=op.f("ck_response_incident_calls_alarm_has_id"),
        ),
        sa.CheckConstraint(
            "kind IN ('call', 'alarm')", name=op.f("ck_response_incident_calls_kind_known")
        ),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["monitoring_alarms.id"],
            name=op.f("fk_response_incident_calls_alarm_id_monitoring_alarms"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["response_incidents.id"],
            name=op.f("fk_response_incident_calls_incident_id_response_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_incident_calls")),
        sa.UniqueConstraint("alarm_id", name=op.f("uq_response_incident_calls_alarm_id")),
    )
    with op.batch_alter_table("response_incident_calls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_incident_calls_incident_id"), ["incident_id"], unique=False
        )

    with op.batch_alter_table("response_incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("floor", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_note", sa.String(length=255), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_response_incidents_merged_into_id"), ["merged_into_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_response_incidents_merged_into_id_response_incidents"),
            "response_incidents",
            ["merged_into_id"],
            ["id"],
        )

    op.execute(
        "INSERT INTO response_incident_calls "
        "(incident_id, kind, at, caller_name, caller_phone, alarm_id, note, recorded_by) "
        "SELECT id, CASE WHEN alarm_id IS NULL THEN 'call' ELSE 'alarm' END, received_at, "
        "caller_name, caller_phone, alarm_id, '', 'migration' FROM response_incidents"
    )


def downgrade() -> None:
    with op.batch_alter_table("response_incidents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_response_incidents_merged_into_id_response_incidents"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_response_incidents_merged_into_id"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("cancel_note")
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("floor")

    with op.batch_alter_table("response_incident_calls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_incident_calls_incident_id"))

    op.drop_table("response_incident_calls")
