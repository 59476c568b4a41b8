"""registry: landmarks (地标, POI) as a registry type; the geocoder's imported POIs move there

Revision ID: b4e1d7a9c352
Revises: a7c3e91d5b20
Create Date: 2026-12-07 21:40:00

A landmark imported into ``geocode_places`` (kind ``poi``) becomes a ``landmarks`` row with the
code ``POI-<its id>``, category ``other``, its alias, and its jurisdiction (or, when it had none,
the deployment's top jurisdiction). Where no jurisdiction exists at all, the row stays where it
is (the geocoder still reads it). The downgrade copies landmarks back as ``poi`` places.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "b4e1d7a9c352"
down_revision: str | Sequence[str] | None = "a7c3e91d5b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "landmarks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("aliases", sa.String(length=500), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_landmarks_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landmarks")),
        sa.UniqueConstraint("code", name=op.f("uq_landmarks_code")),
    )
    op.create_index(op.f("ix_landmarks_name"), "landmarks", ["name"])
    op.create_index(op.f("ix_landmarks_category"), "landmarks", ["category"])
    op.create_index(op.f("ix_landmarks_jurisdiction_id"), "landmarks", ["jurisdiction_id"])
    bind = op.get_bind()
    root = bind.execute(
        sa.text("SELECT min(id) FROM jurisdictions WHERE parent_id IS NULL")
    ).scalar()
    rows = bind.execute(
        sa.text(
            "SELECT id, label, alias, lon, lat, jurisdiction_id, created_at, updated_at "
            "FROM geocode_places WHERE kind = 'poi' ORDER BY id"
        )
    ).all()
    moved = [r for r in rows if (r.jurisdiction_id or root) is not None]
    if moved:
        bind.execute(
            sa.text(
                "INSERT INTO landmarks (code, name, category, aliases, address, lon, lat, "
                "jurisdiction_id, created_at, updated_at) VALUES (:code, :name, 'other', "
                ":aliases, '', :lon, :lat, :jid, :created_at, :updated_at)"
            ),
            [
                {
                    "code": f"POI-{r.id:06d}",
                    "name": r.label[:200],
                    "aliases": r.alias,
                    "lon": r.lon,
                    "lat": r.lat,
                    "jid": r.jurisdiction_id or root,
                    "created_at": r.created_at,
                    "updated_at": r.updated_at,
                }
                for r in moved
            ],
        )
        bind.execute(
            sa.text("DELETE FROM geocode_places WHERE id = :id"), [{"id": r.id} for r in moved]
        )


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT name, aliases, lon, lat, jurisdiction_id, created_at, updated_at "
            "FROM landmarks ORDER BY id"
        )
    ).all()
    taken = set(
        bind.execute(sa.text("SELECT label FROM geocode_places WHERE kind = 'poi'")).scalars()
    )
    back = []
    for r in rows:
        if r.name in taken:
            continue
        taken.add(r.name)
        back.append(
            {
                "label": r.name,
                "alias": r.aliases[:255],
                "lon": r.lon,
                "lat": r.lat,
                "jid": r.jurisdiction_id,
                "created_at": r.created_at,
                "updated_at": r.updated_at,
            }
        )
    if back:
        bind.execute(
            sa.text(
                "INSERT INTO geocode_places (kind, label, alias, road, number, lon, lat, "
                "jurisdiction_id, created_at, updated_at) VALUES ('poi', :label, :alias, '', "
                "NULL, :lon, :lat, :jid, :created_at, :updated_at)"
            ),
            back,
        )
    op.drop_index(op.f("ix_landmarks_jurisdiction_id"), table_name="landmarks")
    op.drop_index(op.f("ix_landmarks_category"), table_name="landmarks")
    op.drop_index(op.f("ix_landmarks_name"), table_name="landmarks")
    op.drop_table("landmarks")
