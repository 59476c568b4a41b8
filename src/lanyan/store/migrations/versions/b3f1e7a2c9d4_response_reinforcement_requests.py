"""response reinforcement requests: 跨区增援请求, the vehicles each names, and its history

Revision ID: b3f1e7a2c9d4
Revises: b3e8d1f05a72
Create Date: 2026-12-07 11:39:53.852354
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b3f1e7a2c9d4"
down_revision: str | None = "b3e8d1f05a72"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "response_reinforcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("target_jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("last_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('pending', 'approved', 'refused', 'cancelled', 'dispatched')",
            name=op.f("ck_response_reinforcements_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["response_incidents.id"],
            name=op.f("fk_response_reinforcements_incident_id_response_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["target_jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_response_reinforcements_target_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reinforcements")),
        sa.UniqueConstraint("code", name=op.f("uq_response_reinforcements_code")),
    )
    with op.batch_alter_table("response_reinforcements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_reinforcements_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_response_reinforcements_requested_at"), ["requested_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_response_reinforcements_state"), ["state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_response_reinforcements_target_jurisdiction_id"),
            ["target_jurisdiction_id"],
            unique=False,
        )

    op.create_table(
        "response_reinforcement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reinforcement_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=False),
        sa.Column("at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reinforcement_id"],
            ["response_reinforcements.id"],
            name=op.f("fk_response_reinforcement_events_reinforcement_id_response_reinforcements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reinforcement_events")),
    )
    with op.batch_alter_table("response_reinforcement_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_reinforcement_events_reinforcement_id"),
            ["reinforcement_id"],
            unique=False,
        )

    op.create_table(
        "response_reinforcement_vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reinforcement_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("capability", sa.String(length=32), nullable=False),
        sa.Column("eta_s", sa.Float(), nullable=True),
        sa.Column("dispatched_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["reinforcement_id"],
            ["response_reinforcements.id"],
            name=op.f(
                "fk_response_reinforcement_vehicles_reinforcement_id_response_reinforcements"
            ),
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_response_reinforcement_vehicles_vehicle_id_vehicles"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_reinforcement_vehicles")),
        sa.UniqueConstraint(
            "reinforcement_id", "vehicle_id", name="uq_response_reinforcement_vehicles_vehicle"
        ),
    )
    with op.batch_alter_table("response_reinforcement_vehicles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_reinforcement_vehicles_reinforcement_id"),
            ["reinforcement_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_response_reinforcement_vehicles_vehicle_id"),
            ["vehicle_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("response_reinforcement_vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_reinforcement_vehicles_vehicle_id"))
        batch_op.drop_index(batch_op.f("ix_response_reinforcement_vehicles_reinforcement_id"))

    op.drop_table("response_reinforcement_vehicles")
    with op.batch_alter_table("response_reinforcement_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_reinforcement_events_reinforcement_id"))

    op.drop_table("response_reinforcement_events")
    with op.batch_alter_table("response_reinforcements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_reinforcements_target_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_response_reinforcements_state"))
        batch_op.drop_index(batch_op.f("ix_response_reinforcements_requested_at"))
        batch_op.drop_index(batch_op.f("ix_response_reinforcements_incident_id"))

    op.drop_table("response_reinforcements")
