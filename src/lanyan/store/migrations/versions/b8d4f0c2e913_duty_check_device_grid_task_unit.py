"""查岗 over GB/T 26875.3 type 91 (sent to a device, answered from it); grid tasks of a unit
and patrol findings with a location and a 九小场所 checklist

Revision ID: b8d4f0c2e913
Revises: b5d8e2f41c07
Create Date: 2026-12-07 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b8d4f0c2e913"
down_revision: str | None = "b5d8e2f41c07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("monitoring_duty_checks") as batch:
        batch.add_column(
            sa.Column("device_sent_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("answered_via", sa.String(length=8), nullable=True))
    with op.batch_alter_table("prevention_grid_tasks") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_prevention_grid_tasks_unit_id_units", "units", ["unit_id"], ["id"]
        )
        batch.create_index("ix_prevention_grid_tasks_unit_id", ["unit_id"])
    with op.batch_alter_table("prevention_patrol_scans") as batch:
        batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("place_kind", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("checklist", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("prevention_patrol_scans") as batch:
        batch.drop_column("checklist")
        batch.drop_column("place_kind")
        batch.drop_column("lat")
        batch.drop_column("lon")
    with op.batch_alter_table("prevention_grid_tasks") as batch:
        batch.drop_index("ix_prevention_grid_tasks_unit_id")
        batch.drop_constraint("fk_prevention_grid_tasks_unit_id_units", type_="foreignkey")
        batch.drop_column("unit_id")
    with op.batch_alter_table("monitoring_duty_checks") as batch:
        batch.drop_column("answered_via")
        batch.drop_column("device_sent_at")
