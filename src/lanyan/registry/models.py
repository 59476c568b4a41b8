"""Registry tables. Every row that belongs to a place carries ``jurisdiction_id`` for scoping."""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lanyan.store.base import CodedBase, Timestamped


class Jurisdiction(Timestamped, CodedBase):
    """An administrative division (GB/T 2260 code) in the province > ... > village tree."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    # Materialised path of ids, "/1/4/9/": scoping is a prefix match on it.
    path: Mapped[str] = mapped_column(String(255), index=True, default="/")
    area_km2: Mapped[float | None] = mapped_column(Float)
    boundary: Mapped[str | None] = mapped_column(Text)  # GeoJSON geometry, WGS84
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)

    parent: Mapped[Jurisdiction | None] = relationship(remote_side=[id])


class JurisdictionPopulation(Timestamped, CodedBase):
    """Resident population of a jurisdiction in a year (人口), with its source."""

    __tablename__ = "jurisdiction_populations"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "year"),
        CheckConstraint("population >= 0", name="population_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    population: Mapped[int] = mapped_column(Integer)
    is_assumed: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(255), default="")


class Grid(Timestamped, CodedBase):
    """A social-governance grid (网格) inside a town or village."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    boundary: Mapped[str | None] = mapped_column(Text)


class GridWorker(Timestamped, CodedBase):
    """A grid worker (网格员) responsible for one grid."""

    __tablename__ = "grid_workers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20), default="")
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)


class Unit(Timestamped, CodedBase):
    """A social unit (社会单位) identified by its 统一社会信用代码."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    # 别名、曾用名: the other names it is known by, separated by 、 ; or a comma
    aliases: Mapped[str] = mapped_column(String(500), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    responsible_person: Mapped[str] = mapped_column(String(50), default="")  # 消防安全责任人
    responsible_phone: Mapped[str] = mapped_column(String(20), default="")
    manager_person: Mapped[str] = mapped_column(String(50), default="")  # 消防安全管理人
    manager_phone: Mapped[str] = mapped_column(String(20), default="")
    employees: Mapped[int | None] = mapped_column(Integer)


class Building(Timestamped, CodedBase):
    """A building with its height, floors, use and fire systems."""

    __tablename__ = "buildings"
    __table_args__ = (
        CheckConstraint("height_m > 0", name="height_positive"),
        CheckConstraint("floors_above >= 1", name="floors_above_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    height_m: Mapped[float] = mapped_column(Float)
    floors_above: Mapped[int] = mapped_column(Integer)
    floors_below: Mapped[int] = mapped_column(Integer, default=0)
    use: Mapped[str] = mapped_column(String(20))
    fire_systems: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_high_rise: Mapped[bool] = mapped_column(Boolean, default=False)
    built_year: Mapped[int | None] = mapped_column(Integer)


class Station(Timestamped, CodedBase):
    """A fire station or team (消防站/队) of any force type."""

    __tablename__ = "stations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    station_class: Mapped[str | None] = mapped_column(String(20))
    local_class: Mapped[str] = mapped_column(String(50), default="")  # e.g. 省规一级站
    force_type: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(24), index=True)
    planned_year: Mapped[int | None] = mapped_column(Integer)
    opened_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # micro/enterprise teams


class Vehicle(Timestamped, CodedBase):
    """A fire vehicle with its capabilities."""

    __tablename__ = "vehicles"
    __table_args__ = (
        CheckConstraint("pump_flow_lps IS NULL OR pump_flow_lps >= 0", name="pump_flow_ok"),
        CheckConstraint("water_tank_l IS NULL OR water_tank_l >= 0", name="water_tank_ok"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # call sign or fleet number
    plate: Mapped[str] = mapped_column(String(20), default="")
    vehicle_type: Mapped[str] = mapped_column(String(24), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    pump_flow_lps: Mapped[float | None] = mapped_column(Float)
    water_tank_l: Mapped[float | None] = mapped_column(Float)
    foam_tank_l: Mapped[float | None] = mapped_column(Float)
    ladder_height_m: Mapped[float | None] = mapped_column(Float)
    crew_seats: Mapped[int | None] = mapped_column(Integer)
    in_service_year: Mapped[int | None] = mapped_column(Integer)


class PersonnelCount(Timestamped, CodedBase):
    """Head count of one personnel category at a station on a date."""

    __tablename__ = "personnel_counts"
    __table_args__ = (
        UniqueConstraint("station_id", "category", "as_of"),
        CheckConstraint("count >= 0", name="count_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("stations.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)


class WaterSource(Timestamped, CodedBase):
    """A fire water source (消防水源): hydrant, water crane, pool or natural intake."""

    __tablename__ = "water_sources"
    __table_args__ = (
        CheckConstraint("pressure_mpa IS NULL OR pressure_mpa >= 0", name="pressure_ok"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(255), default="")
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    pressure_mpa: Mapped[float | None] = mapped_column(Float)
    flow_lps: Mapped[float | None] = mapped_column(Float)
    capacity_m3: Mapped[float | None] = mapped_column(Float)
    is_smart: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_year: Mapped[int | None] = mapped_column(Integer)
    last_inspected_on: Mapped[date | None] = mapped_column(Date)


class FireLane(Timestamped, CodedBase):
    """A fire lane (消防车通道) as a line, with its clear width and height."""

    __tablename__ = "fire_lanes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON LineString, WGS84
    width_m: Mapped[float | None] = mapped_column(Float)
    clearance_m: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    is_marked: Mapped[bool] = mapped_column(Boolean, default=False)  # 划线、标名、立牌


class Device(Timestamped, CodedBase):
    """An IoT device registered for the monitoring domain."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # serial / address
    kind: Mapped[str] = mapped_column(String(32), index=True)
    protocol: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    water_source_id: Mapped[int | None] = mapped_column(ForeignKey("water_sources.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    installed_on: Mapped[date | None] = mapped_column(Date)


class Landmark(Timestamped, CodedBase):
    """A landmark (地标, POI): a square, a park, a bridge, a bus station, a market — a name a
    caller gives instead of an address, found by the geocoder with its aliases (俗称、曾用名)."""

    __tablename__ = "landmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    category: Mapped[str] = mapped_column(String(16), index=True)
    aliases: Mapped[str] = mapped_column(String(500), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)


class MaintenanceCompany(Timestamped, CodedBase):
    """A maintenance company (维保单位, a 消防技术服务机构) by its 统一社会信用代码, with its
    certificate (资质: number, grade, valid until); contracts and maintenance records name it."""

    __tablename__ = "maintenance_companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    cert_number: Mapped[str] = mapped_column(String(64))
    cert_level: Mapped[str] = mapped_column(String(16))
    cert_valid_until: Mapped[date] = mapped_column(Date)


class Road(Timestamped, CodedBase):
    """A road segment of the basemap and the routing network (node to node)."""

    __tablename__ = "roads"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    road_class: Mapped[str] = mapped_column(String(16), index=True)
    speed_kmh: Mapped[float] = mapped_column(Float)
    width_m: Mapped[float | None] = mapped_column(Float)
    oneway: Mapped[bool] = mapped_column(Boolean, default=False)
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON LineString, WGS84
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
