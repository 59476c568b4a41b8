"""registry, users and audit

Revision ID: a8af67dcf3fc
Revises:
Create Date: 2026-11-24 05:51:37.135523
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lanyan.store.base

revision: str = "a8af67dcf3fc"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain's head row exists from the start, so two first writers cannot race to create it.
    op.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=False),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.Column("algorithm", sa.String(length=8), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("scope_path", sa.String(length=255), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("seq", name=op.f("uq_audit_log_seq")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_scope_path"), ["scope_path"], unique=False)

    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=True),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["jurisdictions.id"],
            name=op.f("fk_jurisdictions_parent_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
        sa.UniqueConstraint("code", name=op.f("uq_jurisdictions_code")),
    )
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jurisdictions_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jurisdictions_path"), ["path"], unique=False)

    op.create_table(
        "grids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("boundary", sa.Text(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_grids_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grids")),
        sa.UniqueConstraint("code", name=op.f("uq_grids_code")),
    )
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_grids_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )

    op.create_table(
        "jurisdiction_populations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("is_assumed", sa.Boolean(), nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "population >= 0", name=op.f("ck_jurisdiction_populations_population_non_negative")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_jurisdiction_populations_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdiction_populations")),
        sa.UniqueConstraint("code", name=op.f("uq_jurisdiction_populations_code")),
        sa.UniqueConstraint(
            "jurisdiction_id", "year", name=op.f("uq_jurisdiction_populations_jurisdiction_id_year")
        ),
    )
    with op.batch_alter_table("jurisdiction_populations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_jurisdiction_populations_jurisdiction_id"),
            ["jurisdiction_id"],
            unique=False,
        )

    op.create_table(
        "roads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("road_class", sa.String(length=16), nullable=False),
        sa.Column("speed_kmh", sa.Float(), nullable=False),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("oneway", sa.Boolean(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_roads_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roads")),
        sa.UniqueConstraint("code", name=op.f("uq_roads_code")),
    )
    with op.batch_alter_table("roads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roads_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_roads_road_class"), ["road_class"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=50), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", lanyan.store.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("language", sa.String(length=4), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_users_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )

    op.create_table(
        "water_sources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("pressure_mpa", sa.Float(), nullable=True),
        sa.Column("flow_lps", sa.Float(), nullable=True),
        sa.Column("capacity_m3", sa.Float(), nullable=True),
        sa.Column("is_smart", sa.Boolean(), nullable=False),
        sa.Column("installed_year", sa.Integer(), nullable=True),
        sa.Column("last_inspected_on", sa.Date(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pressure_mpa IS NULL OR pressure_mpa >= 0", name=op.f("ck_water_sources_pressure_ok")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_water_sources_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_water_sources")),
        sa.UniqueConstraint("code", name=op.f("uq_water_sources_code")),
    )
    with op.batch_alter_table("water_sources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_water_sources_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_water_sources_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_water_sources_status"), ["status"], unique=False)

    op.create_table(
        "grid_workers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["grid_id"], ["grids.id"], name=op.f("fk_grid_workers_grid_id_grids")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_grid_workers_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grid_workers")),
        sa.UniqueConstraint("code", name=op.f("uq_grid_workers_code")),
    )
    with op.batch_alter_table("grid_workers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_grid_workers_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_grid_workers_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_login_sessions_token_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("grid_id", sa.Integer(), nullable=True),
        sa.Column("responsible_person", sa.String(length=50), nullable=False),
        sa.Column("responsible_phone", sa.String(length=20), nullable=False),
        sa.Column("manager_person", sa.String(length=50), nullable=False),
        sa.Column("manager_phone", sa.String(length=20), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["grid_id"], ["grids.id"], name=op.f("fk_units_grid_id_grids")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_units_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("code", name=op.f("uq_units_code")),
    )
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_units_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_units_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_units_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )

    op.create_table(
        "buildings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("height_m", sa.Float(), nullable=False),
        sa.Column("floors_above", sa.Integer(), nullable=False),
        sa.Column("floors_below", sa.Integer(), nullable=False),
        sa.Column("use", sa.String(length=20), nullable=False),
        sa.Column("fire_systems", sa.JSON(), nullable=False),
        sa.Column("is_high_rise", sa.Boolean(), nullable=False),
        sa.Column("built_year", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("floors_above >= 1", name=op.f("ck_buildings_floors_above_positive")),
        sa.CheckConstraint("height_m > 0", name=op.f("ck_buildings_height_positive")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_buildings_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_buildings_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buildings")),
        sa.UniqueConstraint("code", name=op.f("uq_buildings_code")),
    )
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_buildings_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_buildings_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "fire_lanes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.Column("width_m", sa.Float(), nullable=True),
        sa.Column("clearance_m", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("is_marked", sa.Boolean(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_fire_lanes_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_fire_lanes_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fire_lanes")),
        sa.UniqueConstraint("code", name=op.f("uq_fire_lanes_code")),
    )
    with op.batch_alter_table("fire_lanes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fire_lanes_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fire_lanes_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("station_class", sa.String(length=20), nullable=True),
        sa.Column("local_class", sa.String(length=50), nullable=False),
        sa.Column("force_type", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("planned_year", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_stations_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_stations_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("code", name=op.f("uq_stations_code")),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stations_force_type"), ["force_type"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stations_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stations_status"), ["status"], unique=False)

    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("protocol", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("building_id", sa.Integer(), nullable=True),
        sa.Column("water_source_id", sa.Integer(), nullable=True),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("installed_on", sa.Date(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_devices_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_devices_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_devices_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["water_source_id"],
            ["water_sources.id"],
            name=op.f("fk_devices_water_source_id_water_sources"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("code", name=op.f("uq_devices_code")),
    )
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_devices_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_devices_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_devices_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "personnel_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_personnel_counts_count_non_negative")),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_personnel_counts_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_personnel_counts_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personnel_counts")),
        sa.UniqueConstraint("code", name=op.f("uq_personnel_counts_code")),
        sa.UniqueConstraint(
            "station_id",
            "category",
            "as_of",
            name=op.f("uq_personnel_counts_station_id_category_as_of"),
        ),
    )
    with op.batch_alter_table("personnel_counts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_personnel_counts_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_personnel_counts_station_id"), ["station_id"], unique=False
        )

    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("plate", sa.String(length=20), nullable=False),
        sa.Column("vehicle_type", sa.String(length=24), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pump_flow_lps", sa.Float(), nullable=True),
        sa.Column("water_tank_l", sa.Float(), nullable=True),
        sa.Column("foam_tank_l", sa.Float(), nullable=True),
        sa.Column("ladder_height_m", sa.Float(), nullable=True),
        sa.Column("crew_seats", sa.Integer(), nullable=True),
        sa.Column("in_service_year", sa.Integer(), nullable=True),
        sa.Column("created_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lanyan.store.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "pump_flow_lps IS NULL OR pump_flow_lps >= 0", name=op.f("ck_vehicles_pump_flow_ok")
        ),
        sa.CheckConstraint(
            "water_tank_l IS NULL OR water_tank_l >= 0", name=op.f("ck_vehicles_water_tank_ok")
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_vehicles_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_vehicles_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint("code", name=op.f("uq_vehicles_code")),
    )
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_vehicles_jurisdiction_id"), ["jurisdiction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_vehicles_station_id"), ["station_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vehicles_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_vehicles_vehicle_type"), ["vehicle_type"], unique=False
        )

    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("vehicles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vehicles_vehicle_type"))
        batch_op.drop_index(batch_op.f("ix_vehicles_status"))
        batch_op.drop_index(batch_op.f("ix_vehicles_station_id"))
        batch_op.drop_index(batch_op.f("ix_vehicles_jurisdiction_id"))

    op.drop_table("vehicles")
    with op.batch_alter_table("personnel_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personnel_counts_station_id"))
        batch_op.drop_index(batch_op.f("ix_personnel_counts_jurisdiction_id"))

    op.drop_table("personnel_counts")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_devices_unit_id"))
        batch_op.drop_index(batch_op.f("ix_devices_status"))
        batch_op.drop_index(batch_op.f("ix_devices_kind"))
        batch_op.drop_index(batch_op.f("ix_devices_jurisdiction_id"))

    op.drop_table("devices")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_status"))
        batch_op.drop_index(batch_op.f("ix_stations_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_stations_force_type"))

    op.drop_table("stations")
    with op.batch_alter_table("fire_lanes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fire_lanes_unit_id"))
        batch_op.drop_index(batch_op.f("ix_fire_lanes_jurisdiction_id"))

    op.drop_table("fire_lanes")
    with op.batch_alter_table("buildings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_buildings_unit_id"))
        batch_op.drop_index(batch_op.f("ix_buildings_jurisdiction_id"))

    op.drop_table("buildings")
    with op.batch_alter_table("units", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_units_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_units_grid_id"))
        batch_op.drop_index(batch_op.f("ix_units_category"))

    op.drop_table("units")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("grid_workers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grid_workers_jurisdiction_id"))
        batch_op.drop_index(batch_op.f("ix_grid_workers_grid_id"))

    op.drop_table("grid_workers")
    with op.batch_alter_table("water_sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_water_sources_status"))
        batch_op.drop_index(batch_op.f("ix_water_sources_kind"))
        batch_op.drop_index(batch_op.f("ix_water_sources_jurisdiction_id"))

    op.drop_table("water_sources")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_jurisdiction_id"))

    op.drop_table("users")
    with op.batch_alter_table("roads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roads_road_class"))
        batch_op.drop_index(batch_op.f("ix_roads_jurisdiction_id"))

    op.drop_table("roads")
    with op.batch_alter_table("jurisdiction_populations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jurisdiction_populations_jurisdiction_id"))

    op.drop_table("jurisdiction_populations")
    with op.batch_alter_table("grids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_grids_jurisdiction_id"))

    op.drop_table("grids")
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jurisdictions_path"))
        batch_op.drop_index(batch_op.f("ix_jurisdictions_parent_id"))

    op.drop_table("jurisdictions")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_scope_path"))
        batch_op.drop_index("ix_audit_log_object")

    op.drop_table("audit_log")
    op.drop_table("audit_head")
    # ### end Alembic commands ###
