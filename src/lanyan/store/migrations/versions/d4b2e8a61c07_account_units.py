"""account units: bind unit safety managers to the units they manage

``account_units`` is the one record of which units a unit safety manager (单位管理人) manages:
their unit scope and their patrol duties. Existing unit duties in ``prevention_patrol_duties``
move into it (grid workers' grid duties stay where they are). Downgrade moves them back.

Revision ID: d4b2e8a61c07
Revises: 84fca55c4963
Create Date: 2026-11-24 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "d4b2e8a61c07"
down_revision: str | Sequence[str] | None = "84fca55c4963"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUTIES = sa.table(
    "prevention_patrol_duties",
    sa.column("id"),
    sa.column("user_id"),
    sa.column("unit_id"),
    sa.column("grid_id"),
    sa.column("jurisdiction_id"),
    sa.column("created_at"),
    sa.column("updated_at"),
)
BINDINGS = sa.table(
    "account_units",
    sa.column("user_id"),
    sa.column("unit_id"),
    sa.column("bound_by"),
    sa.column("created_at"),
)
UNITS = sa.table("units", sa.column("id"), sa.column("jurisdiction_id"))


def upgrade() -> None:
    op.create_table(
        "account_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("bound_by", sa.String(length=50), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["units.id"],
            name=op.f("fk_account_units_unit_id_units"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_units_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_units")),
        sa.UniqueConstraint("user_id", "unit_id", name="uq_account_units"),
    )
    with op.batch_alter_table("account_units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_units_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_account_units_user_id"), ["user_id"], unique=False)

    bind = op.get_bind()
    unit_duty = DUTIES.c.unit_id.is_not(None)
    rows = bind.execute(
        sa.select(DUTIES.c.user_id, DUTIES.c.unit_id, DUTIES.c.created_at)
        .where(unit_duty)
        .distinct()
    ).all()
    if rows:
        op.bulk_insert(
            BINDINGS,
            [
                {"user_id": u, "unit_id": n, "bound_by": "migration", "created_at": at}
                for u, n, at in rows
            ],
        )
    bind.execute(sa.delete(DUTIES).where(unit_duty))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            BINDINGS.c.user_id, BINDINGS.c.unit_id, UNITS.c.jurisdiction_id, BINDINGS.c.created_at
        ).join(UNITS, UNITS.c.id == BINDINGS.c.unit_id)
    ).all()
    if rows:
        op.bulk_insert(
            DUTIES,
            [
                {
                    "user_id": u,
                    "unit_id": n,
                    "grid_id": None,
                    "jurisdiction_id": j,
                    "created_at": at,
                    "updated_at": at,
                }
                for u, n, j, at in rows
            ],
        )
    with op.batch_alter_table("account_units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_units_user_id"))
        batch_op.drop_index(batch_op.f("ix_account_units_unit_id"))
    op.drop_table("account_units")
