"""Reading what planning needs from the registry (the database side of ``lanyan.siting``).

Everything is read inside the caller's jurisdiction scope and returned as plain values, so the
algorithms never see a session.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import shape
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from lanyan.registry.choices import BuildingUse, StationClass, UnitCategory, WaterSourceKind
from lanyan.registry.models import (
    Building,
    Jurisdiction,
    JurisdictionPopulation,
    Road,
    Station,
    Unit,
    WaterSource,
)
from lanyan.registry.scope import Scope
from lanyan.siting.demand import Area, Residence
from lanyan.siting.hydrant_gaps import Hydrant
from lanyan.siting.hydrant_gaps import RoadLine as NamedRoad

# Station classes that run a land district of their own (建标152-2017; 战勤保障 and fire-boat
# stations are left out of land coverage).
DISTRICT_CLASSES = (
    StationClass.SPECIAL_SERVICE.value,
    StationClass.CLASS1.value,
    StationClass.CLASS2.value,
    StationClass.SMALL.value,
)
# Words in a unit's name that make it a hospital or a school for the 50 m siting rule; the
# registry has no finer kind than its unit category.
HOSPITAL_SCHOOL_WORDS = ("医院", "卫生院", "卫生服务中心", "学校", "小学", "中学", "幼儿园", "学院")
# Urban jurisdictions (街道); a station elsewhere is in the near suburbs for the area limit.
URBAN_SUFFIX = "街道"


def _within(scope: Scope, stmt: Select, model: type) -> Select:
    """``stmt`` limited to rows of ``model`` inside ``scope`` (as the registry scopes them)."""
    if scope.unrestricted:
        return stmt
    if model is Jurisdiction:
        return stmt.where(scope.jurisdictions())
    inside = select(Jurisdiction.id).where(scope.jurisdictions())
    return stmt.where(model.jurisdiction_id.in_(inside))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Site:
    """A station or candidate site: natural ``code``, WGS84 position, class, suburban flag."""

    code: str
    name: str
    lon: float
    lat: float
    station_class: str | None = None
    status: str = "existing"
    suburban: bool = False


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    lon: float
    lat: float


@dataclass(frozen=True)
class RoadLine:
    code: str
    width_m: float | None
    road_class: str
    coords: list[list[float]]


def stations(session: Session, scope: Scope, statuses: Iterable[str]) -> list[Site]:
    """Stations with a 建标152 district class and one of ``statuses``, by code."""
    rows = session.execute(
        _within(
            scope,
            select(Station, Jurisdiction.name)
            .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
            .where(Station.station_class.in_(DISTRICT_CLASSES))
            .where(Station.status.in_(list(statuses)))
            .order_by(Station.code),
            Station,
        )
    ).all()
    return [
        Site(
            s.code,
            s.name,
            s.lon,
            s.lat,
            s.station_class,
            s.status,
            not jname.endswith(URBAN_SUFFIX),
        )
        for s, jname in rows
    ]


def leaf_areas(session: Session, scope: Scope) -> list[Area]:
    """Jurisdictions with a boundary and a population whose children have none, each with
    its latest population."""
    latest = (
        select(JurisdictionPopulation.jurisdiction_id, func.max(JurisdictionPopulation.year))
        .group_by(JurisdictionPopulation.jurisdiction_id)
        .subquery()
    )
    rows = session.execute(
        _within(
            scope,
            select(Jurisdiction, JurisdictionPopulation.population)
            .join(JurisdictionPopulation, JurisdictionPopulation.jurisdiction_id == Jurisdiction.id)
            .join(
                latest,
                (latest.c[0] == JurisdictionPopulation.jurisdiction_id)
                & (latest.c[1] == JurisdictionPopulation.year),
            )
            .where(Jurisdiction.boundary.is_not(None)),
            Jurisdiction,
        )
    ).all()
    with_data = {j.id for j, _ in rows}
    parents = {j.parent_id for j, _ in rows if j.parent_id in with_data}
    return [
        Area(j.code, shape(json.loads(j.boundary)), float(pop))
        for j, pop in sorted(rows, key=lambda r: r[0].code)
        if j.id not in parents
    ]


def residences(session: Session, scope: Scope) -> list[Residence]:
    uses = [BuildingUse.RESIDENTIAL.value, BuildingUse.MIXED.value]
    rows = session.execute(
        _within(
            scope,
            select(Building.lon, Building.lat, Building.floors_above)
            .where(Building.use.in_(uses))
            .order_by(Building.code),
            Building,
        )
    ).all()
    return [Residence(lon, lat, float(max(1, f))) for lon, lat, f in rows]


def units(session: Session, scope: Scope, categories: Iterable[str]) -> list[Place]:
    rows = session.execute(
        _within(
            scope,
            select(Unit.code, Unit.name, Unit.lon, Unit.lat)
            .where(Unit.category.in_(list(categories)))
            .order_by(Unit.code),
            Unit,
        )
    ).all()
    return [Place(*r) for r in rows]


def key_units(session: Session, scope: Scope) -> list[Place]:
    """重点单位 and 火灾高危单位."""
    return units(session, scope, [UnitCategory.KEY.value, UnitCategory.HIGH_RISK.value])


def hazardous_sites(session: Session, scope: Scope) -> list[Place]:
    """火灾高危单位 stand in for hazardous-chemical sites (the registry has no finer kind)."""
    return units(session, scope, [UnitCategory.HIGH_RISK.value])


def hospitals_and_schools(session: Session, scope: Scope) -> list[Place]:
    """Buildings of units whose names mark a hospital or school (their exits are unknown, so
    the building positions stand in for them), and the units themselves."""
    named = [Unit.name.contains(w) for w in HOSPITAL_SCHOOL_WORDS]
    unit_rows = session.execute(
        _within(
            scope,
            select(Unit.id, Unit.code, Unit.name, Unit.lon, Unit.lat).where(or_(*named)),
            Unit,
        )
    ).all()
    places = [Place(code, name, lon, lat) for _, code, name, lon, lat in unit_rows]
    ids = [r[0] for r in unit_rows]
    if ids:
        rows = session.execute(
            select(Building.code, Building.name, Building.lon, Building.lat)
            .where(Building.unit_id.in_(ids))
            .order_by(Building.code)
        ).all()
        places += [Place(*r) for r in rows]
    return places


def usable_hydrants(session: Session, scope: Scope) -> list[Place]:
    """Intact municipal hydrants and water cranes (完好的市政消火栓、消防水鹤)."""
    kinds = [WaterSourceKind.MUNICIPAL_HYDRANT.value, WaterSourceKind.WATER_CRANE.value]
    rows = session.execute(
        _within(
            scope,
            select(WaterSource.code, WaterSource.kind, WaterSource.lon, WaterSource.lat)
            .where(WaterSource.kind.in_(kinds))
            .where(WaterSource.status == "intact")
            .order_by(WaterSource.code),
            WaterSource,
        )
    ).all()
    return [Place(*r) for r in rows]


def roads(session: Session, scope: Scope, classes: Iterable[str]) -> list[RoadLine]:
    rows = session.execute(
        _within(
            scope,
            select(Road.code, Road.width_m, Road.road_class, Road.geometry)
            .where(Road.road_class.in_(list(classes)))
            .order_by(Road.code),
            Road,
        )
    ).all()
    return [
        RoadLine(code, width, cls, json.loads(geom)["coordinates"])
        for code, width, cls, geom in rows
    ]


def hydrant_roads(session: Session, scope: Scope, classes: Iterable[str]) -> list[NamedRoad]:
    """Road centrelines of ``classes`` with name and width (for the hydrant gap analysis)."""
    rows = session.execute(
        _within(
            scope,
            select(Road.code, Road.name, Road.width_m, Road.geometry)
            .where(Road.road_class.in_(list(classes)))
            .order_by(Road.code),
            Road,
        )
    ).all()
    return [
        NamedRoad(code, name or "", width, json.loads(geom)["coordinates"])
        for code, name, width, geom in rows
    ]


def hydrants(session: Session, scope: Scope) -> list[Hydrant]:
    """Municipal hydrants and water cranes of any status (the analysis drops unusable ones)."""
    kinds = [WaterSourceKind.MUNICIPAL_HYDRANT.value, WaterSourceKind.WATER_CRANE.value]
    rows = session.execute(
        _within(
            scope,
            select(WaterSource.code, WaterSource.status, WaterSource.lon, WaterSource.lat)
            .where(WaterSource.kind.in_(kinds))
            .order_by(WaterSource.code),
            WaterSource,
        )
    ).all()
    return [Hydrant(*r) for r in rows]
