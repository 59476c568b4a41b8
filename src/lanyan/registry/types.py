"""The object-type table: one ``ObjectType`` ties together a type's model and schema siblings.

Routers, list/detail pages, import/export and the contract tests are all built from this table,
so a new type is added here once and gets every one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel

from lanyan.registry import models as m
from lanyan.registry import schemas as s
from lanyan.store.base import CodedBase

Rule = Callable[[dict[str, Any]], list[tuple[str, str]]]
Derive = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Ref:
    """A reference by natural code: schema field ``field`` names a row of ``model`` by ``code``."""

    field: str
    column: str
    model: type[CodedBase]


@dataclass(frozen=True)
class ObjectType:
    slug: str
    model: type[CodedBase]
    create: type[BaseModel]
    update: type[BaseModel]
    public: type[BaseModel]
    filter: type[BaseModel]
    zh: str
    en: str
    refs: tuple[Ref, ...] = ()
    # The reference whose row supplies jurisdiction_id (vehicle -> station); None: jurisdiction_code.
    jurisdiction_from: str | None = None
    geometry: Literal["point", "line", "polygon"] | None = None
    geometry_field: str | None = None
    list_columns: tuple[str, ...] = ("code", "name")
    search_columns: tuple[str, ...] = ("code", "name")
    rules: tuple[Rule, ...] = ()
    derive: Derive | None = None
    computed: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def ref_by_field(self) -> dict[str, Ref]:
        return {r.field: r for r in self.refs}


def _ot(
    slug: str,
    model: type[CodedBase],
    create: type[BaseModel],
    filter_: type[BaseModel],
    zh: str,
    en: str,
    *,
    computed: dict[str, Any] | None = None,
    **kwargs: Any,
) -> ObjectType:
    stem = create.__name__.removesuffix("Create")
    computed = computed or {}
    return ObjectType(
        slug=slug,
        model=model,
        create=create,
        update=s.partial_model(create, f"{stem}Update"),
        public=s.public_model(create, f"{stem}Public", computed),
        filter=filter_,
        zh=zh,
        en=en,
        computed=computed,
        **kwargs,
    )


_J = Ref("jurisdiction_code", "jurisdiction_id", m.Jurisdiction)
_UNIT = Ref("unit_code", "unit_id", m.Unit)

OBJECT_TYPES: tuple[ObjectType, ...] = (
    _ot(
        "jurisdictions",
        m.Jurisdiction,
        s.JurisdictionCreate,
        s.JurisdictionFilter,
        "行政区划",
        "Jurisdictions",
        refs=(Ref("parent_code", "parent_id", m.Jurisdiction),),
        geometry="polygon",
        geometry_field="boundary",
        list_columns=("code", "name", "level", "area_km2"),
        rules=(s.validate_jurisdiction,),
    ),
    _ot(
        "populations",
        m.JurisdictionPopulation,
        s.JurisdictionPopulationCreate,
        s.JurisdictionPopulationFilter,
        "人口",
        "Population",
        refs=(_J,),
        list_columns=("code", "jurisdiction_code", "year", "population", "is_assumed"),
        search_columns=("code", "source"),
    ),
    _ot(
        "grids",
        m.Grid,
        s.GridCreate,
        s.GridFilter,
        "网格",
        "Grids",
        refs=(_J,),
        geometry="polygon",
        geometry_field="boundary",
        list_columns=("code", "name", "jurisdiction_code"),
    ),
    _ot(
        "grid-workers",
        m.GridWorker,
        s.GridWorkerCreate,
        s.GridWorkerFilter,
        "网格员",
        "Grid workers",
        refs=(Ref("grid_code", "grid_id", m.Grid),),
        jurisdiction_from="grid_code",
        list_columns=("code", "name", "phone", "grid_code"),
    ),
    _ot(
        "units",
        m.Unit,
        s.UnitCreate,
        s.UnitFilter,
        "社会单位",
        "Units",
        refs=(_J, Ref("grid_code", "grid_id", m.Grid)),
        geometry="point",
        list_columns=("code", "name", "category", "address", "manager_person"),
        search_columns=("code", "name", "address", "aliases"),
    ),
    _ot(
        "buildings",
        m.Building,
        s.BuildingCreate,
        s.BuildingFilter,
        "建筑",
        "Buildings",
        refs=(_J, _UNIT),
        geometry="point",
        list_columns=("code", "name", "use", "height_m", "floors_above", "is_high_rise"),
        derive=s.derive_building,
        computed={"is_high_rise": (bool, False)},
    ),
    _ot(
        "stations",
        m.Station,
        s.StationCreate,
        s.StationFilter,
        "消防站",
        "Stations",
        refs=(_J, _UNIT),
        geometry="point",
        list_columns=("code", "name", "station_class", "force_type", "status", "planned_year"),
        rules=(s.validate_station,),
    ),
    _ot(
        "vehicles",
        m.Vehicle,
        s.VehicleCreate,
        s.VehicleFilter,
        "消防车辆",
        "Vehicles",
        refs=(Ref("station_code", "station_id", m.Station),),
        jurisdiction_from="station_code",
        list_columns=("code", "plate", "vehicle_type", "station_code", "status", "pump_flow_lps"),
        search_columns=("code", "plate"),
        rules=(s.validate_vehicle,),
    ),
    _ot(
        "personnel",
        m.PersonnelCount,
        s.PersonnelCountCreate,
        s.PersonnelCountFilter,
        "人员力量",
        "Personnel",
        refs=(Ref("station_code", "station_id", m.Station),),
        jurisdiction_from="station_code",
        list_columns=("code", "station_code", "category", "count", "as_of"),
        search_columns=("code",),
    ),
    _ot(
        "water-sources",
        m.WaterSource,
        s.WaterSourceCreate,
        s.WaterSourceFilter,
        "消防水源",
        "Water sources",
        refs=(_J,),
        geometry="point",
        list_columns=("code", "kind", "status", "address", "pressure_mpa", "is_smart"),
        search_columns=("code", "address"),
        rules=(s.validate_water_source,),
    ),
    _ot(
        "fire-lanes",
        m.FireLane,
        s.FireLaneCreate,
        s.FireLaneFilter,
        "消防车通道",
        "Fire lanes",
        refs=(_J, _UNIT),
        geometry="line",
        geometry_field="geometry",
        list_columns=("code", "name", "width_m", "clearance_m", "status", "is_marked"),
        derive=s.derive_fire_lane,
    ),
    _ot(
        "devices",
        m.Device,
        s.DeviceCreate,
        s.DeviceFilter,
        "物联网设备",
        "IoT devices",
        refs=(
            _J,
            _UNIT,
            Ref("building_code", "building_id", m.Building),
            Ref("water_source_code", "water_source_id", m.WaterSource),
        ),
        geometry="point",
        list_columns=("code", "kind", "protocol", "status", "unit_code"),
        search_columns=("code",),
    ),
    _ot(
        "landmarks",
        m.Landmark,
        s.LandmarkCreate,
        s.LandmarkFilter,
        "地标",
        "Landmarks",
        refs=(_J,),
        geometry="point",
        list_columns=("code", "name", "category", "address"),
        search_columns=("code", "name", "address", "aliases"),
    ),
    _ot(
        "maintenance-companies",
        m.MaintenanceCompany,
        s.MaintenanceCompanyCreate,
        s.MaintenanceCompanyFilter,
        "维保单位",
        "Maintenance companies",
        refs=(_J,),
        list_columns=("code", "name", "cert_number", "cert_level", "cert_valid_until"),
        search_columns=("code", "name", "cert_number"),
    ),
    _ot(
        "roads",
        m.Road,
        s.RoadCreate,
        s.RoadFilter,
        "道路",
        "Roads",
        refs=(_J,),
        geometry="line",
        geometry_field="geometry",
        list_columns=("code", "name", "road_class", "speed_kmh", "width_m"),
    ),
)

BY_SLUG: dict[str, ObjectType] = {ot.slug: ot for ot in OBJECT_TYPES}


def get_type(slug: str) -> ObjectType:
    try:
        return BY_SLUG[slug]
    except KeyError:
        known = ", ".join(BY_SLUG)
        raise KeyError(f"unknown object type {slug!r}; known: {known}") from None
