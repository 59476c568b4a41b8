"""geocode: house-number addresses (门牌) and landmarks (POI) of the geocoder

Revision ID: c7d2e4f6a8b1
Revises: e3f884b1a62b
Create Date: 2026-12-07 15:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "c7d2e4f6a8b1"
down_revision: str | Sequence[str] | None = "e3f884b1a62b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "geocode_places",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=255), nullable=False),
        sa.Column("alias", sa.String(length=255), nullable=False),
        sa.Column("road", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_geocode_places_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_geocode_places")),
        sa.UniqueConstraint("kind", "label", name=op.f("uq_geocode_places_kind_label")),
    )
    op.create_index(
        op.f("ix_geocode_places_jurisdiction_id"), "geocode_places", ["jurisdiction_id"]
    )
    op.create_index(op.f("ix_geocode_places_kind"), "geocode_places", ["kind"])


def downgrade() -> None:
    op.drop_index(op.f("ix_geocode_places_kind"), table_name="geocode_places")
    op.drop_index(op.f("ix_geocode_places_jurisdiction_id"), table_name="geocode_places")
    op.drop_table("geocode_places")
