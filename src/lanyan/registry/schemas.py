"""Pydantic schemas of the registry, one family per object type.

``XCreate`` is what a caller sends (references by natural code, e.g. ``station_code``);
``XUpdate`` is the same with every field optional; ``XPublic`` adds id, resolved codes and
timestamps; ``XFilter`` lists the equality filters of the list endpoint. Create and Filter are
written out; Update and Public are derived from Create so the siblings can never drift apart.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from lanyan.core.codes import check_uscc, division_level
from lanyan.core.geo import parse_geojson_geometry
from lanyan.registry.choices import (
    LEVEL_ORDER,
    BuildingUse,
    CertificateLevel,
    DeviceKind,
    DeviceProtocol,
    DeviceStatus,
    FireLaneStatus,
    FireSystem,
    ForceType,
    JurisdictionLevel,
    LandmarkCategory,
    PersonnelCategory,
    RoadClass,
    StationClass,
    StationStatus,
    UnitCategory,
    VehicleStatus,
    VehicleType,
    WaterSourceKind,
    WaterSourceStatus,
)

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z_.\-]+$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Year = Annotated[int, Field(ge=1900, le=2100)]
Phone = Annotated[str, Field(max_length=20, pattern=r"^[0-9+\- ]*$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Filter(BaseModel):
    """Equality filters of a list endpoint (other query parameters pass through)."""

    model_config = ConfigDict(extra="ignore")


def _polygon(value: Any) -> Any:
    if value in (None, ""):
        return None
    from lanyan.core.geo import geometry_to_json

    return geometry_to_json(parse_geojson_geometry(value, ("Polygon", "MultiPolygon")))


def _line(value: Any) -> Any:
    from lanyan.core.geo import geometry_to_json

    return geometry_to_json(parse_geojson_geometry(value, ("LineString", "MultiLineString")))


# --- jurisdictions -------------------------------------------------------------------------


class JurisdictionCreate(_In):
    code: Annotated[str, Field(pattern=r"^\d{6}(\d{3}(\d{3})?)?$")]
    name: Name
    level: JurisdictionLevel
    parent_code: str | None = None
    area_km2: Annotated[float, Field(gt=0)] | None = None
    boundary: str | None = None
    lon: Lon | None = None
    lat: Lat | None = None

    _boundary = field_validator("boundary", mode="before")(_polygon)


class JurisdictionFilter(_Filter):
    level: JurisdictionLevel | None = None
    parent_code: str | None = None


def validate_jurisdiction(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    code, level = data.get("code"), data.get("level")
    if code and level:
        implied = division_level(code)
        if implied != str(level):
            problems.append(("level", f"code {code} is a {implied} code (GB/T 2260)"))
    parent = data.get("parent_code")
    if level and str(level) != "province" and not parent:
        problems.append(("parent_code", "is required below province level"))
    if level and parent:
        try:
            parent_level = division_level(parent)
        except ValueError as exc:
            problems.append(("parent_code", str(exc)))
        else:
            if LEVEL_ORDER.index(parent_level) >= LEVEL_ORDER.index(str(level)):
                problems.append(
                    (
                        "parent_code",
                        f"a {level} must sit under a higher level, not a {parent_level}",
                    )
                )
    return problems


class JurisdictionPopulationCreate(_In):
    code: Code
    jurisdiction_code: str
    year: Year
    population: Annotated[int, Field(ge=0)]
    is_assumed: bool = False
    source: Annotated[str, Field(max_length=255)] = ""


class JurisdictionPopulationFilter(_Filter):
    year: int | None = None
    is_assumed: bool | None = None


# --- grids ---------------------------------------------------------------------------------


class GridCreate(_In):
    code: Code
    name: Name
    jurisdiction_code: str
    boundary: str | None = None

    _boundary = field_validator("boundary", mode="before")(_polygon)


class GridFilter(_Filter):
    pass


class GridWorkerCreate(_In):
    code: Code
    name: Annotated[str, Field(min_length=1, max_length=50)]
    phone: Phone = ""
    grid_code: str


class GridWorkerFilter(_Filter):
    pass


# --- units and buildings -------------------------------------------------------------------


class UnitCreate(_In):
    code: Annotated[str, Field(description="统一社会信用代码 (GB 32100-2015)")]
    name: Name
    category: UnitCategory
    address: Annotated[str, Field(max_length=255)] = ""
    aliases: Annotated[
        str, Field(max_length=500, description="别名、曾用名, separated by 、 ; or a comma")
    ] = ""
    lon: Lon
    lat: Lat
    jurisdiction_code: str
    grid_code: str | None = None
    responsible_person: Annotated[str, Field(max_length=50)] = ""
    responsible_phone: Phone = ""
    manager_person: Annotated[str, Field(max_length=50)] = ""
    manager_phone: Phone = ""
    employees: Annotated[int, Field(ge=0)] | None = None

    @field_validator("code")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return check_uscc(value)


class UnitFilter(_Filter):
    category: UnitCategory | None = None


class BuildingCreate(_In):
    code: Code
    name: Name
    unit_code: str | None = None
    jurisdiction_code: str
    address: Annotated[str, Field(max_length=255)] = ""
    lon: Lon
    lat: Lat
    height_m: Annotated[float, Field(gt=0, le=1000, description="metres")]
    floors_above: Annotated[int, Field(ge=1, le=200)]
    floors_below: Annotated[int, Field(ge=0, le=20)] = 0
    use: BuildingUse
    fire_systems: list[FireSystem] = Field(default_factory=list)
    built_year: Year | None = None

    @field_validator("fire_systems", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        return value


class BuildingFilter(_Filter):
    use: BuildingUse | None = None
    is_high_rise: bool | None = None
    unit_code: str | None = None  # the unit's buildings (its file links here)


def is_high_rise(use: str, height_m: float) -> bool:
    """GB 50016-2014 §2.1.1: residential above 27 m, other buildings above 24 m (多层以上)."""
    return height_m > (27.0 if use == BuildingUse.RESIDENTIAL.value else 24.0)


def derive_building(data: dict[str, Any]) -> dict[str, Any]:
    if "use" in data and "height_m" in data:
        data["is_high_rise"] = is_high_rise(str(data["use"]), float(data["height_m"]))
    return data


# --- stations, vehicles, personnel ---------------------------------------------------------


class StationCreate(_In):
    code: Code
    name: Name
    station_class: StationClass | None = None
    local_class: Annotated[str, Field(max_length=50)] = ""
    force_type: ForceType
    status: StationStatus
    planned_year: Year | None = None
    opened_on: date | None = None
    address: Annotated[str, Field(max_length=255)] = ""
    phone: Phone = ""
    lon: Lon
    lat: Lat
    jurisdiction_code: str
    unit_code: str | None = None


class StationFilter(_Filter):
    station_class: StationClass | None = None
    force_type: ForceType | None = None
    status: StationStatus | None = None


def validate_station(data: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    status, force = data.get("status"), data.get("force_type")
    if status and str(status) != "existing" and not data.get("planned_year"):
        problems.append(("planned_year", "is required for a planned or under-construction station"))
    if (
        force
        and str(force) in ("national", "government_fulltime")
        and not data.get("station_class")
    ):
        problems.append(
            ("station_class", "is required for national and government full-time stations")
        )
    return problems


class VehicleCreate(_In):
    code: Code
    plate: Annotated[str, Field(max_length=20)] = ""
    vehicle_type: VehicleType
    station_code: str
    status: VehicleStatus = VehicleStatus.AVAILABLE
    pump_flow_lps: Annotated[float, Field(ge=0, le=1000, description="L/s")] | None = None
    water_tank_l: Annotated[float, Field(ge=0, le=60000, description="litres")] | None = None
    foam_tank_l: Annotated[float, Field(ge=0, le=30000, description="litres")] | None = None
    ladder_height_m: Annotated[float, Field(ge=0, le=120, description="metres")] | None = None
    crew_seats: Annotated[int, Field(ge=0, le=20)] | None = None
    in_service_year: Year | None = None


class VehicleFilter(_Filter):
    vehicle_type: VehicleType | None = None
    status: VehicleStatus | None = None
    station_code: str | None = None


def validate_vehicle(data: dict[str, Any]) -> list[tuple[str, str]]:
    if str(data.get("vehicle_type")) in ("aerial_platform", "aerial_ladder", "water_tower") and (
        not data.get("ladder_height_m")
    ):
        return [("ladder_height_m", "is required for aerial vehicles")]
    return []


class PersonnelCountCreate(_In):
    code: Code
    station_code: str
    category: PersonnelCategory
    count: Annotated[int, Field(ge=0, le=10000)]
    as_of: date


class PersonnelCountFilter(_Filter):
    category: PersonnelCategory | None = None
    station_code: str | None = None


# --- water, lanes, devices, roads ----------------------------------------------------------


class WaterSourceCreate(_In):
    code: Code
    kind: WaterSourceKind
    status: WaterSourceStatus
    lon: Lon
    lat: Lat
    address: Annotated[str, Field(max_length=255)] = ""
    jurisdiction_code: str
    pressure_mpa: Annotated[float, Field(ge=0, le=2.5, description="MPa")] | None = None
    flow_lps: Annotated[float, Field(ge=0, le=500, description="L/s")] | None = None
    capacity_m3: Annotated[float, Field(ge=0, description="m³")] | None = None
    is_smart: bool = False
    installed_year: Year | None = None
    last_inspected_on: date | None = None


class WaterSourceFilter(_Filter):
    kind: WaterSourceKind | None = None
    status: WaterSourceStatus | None = None
    is_smart: bool | None = None


def validate_water_source(data: dict[str, Any]) -> list[tuple[str, str]]:
    if str(data.get("kind")) == "fire_pool" and data.get("pressure_mpa") is not None:
        return [("pressure_mpa", "does not apply to a fire pool; give capacity_m3")]
    return []


class FireLaneCreate(_In):
    code: Code
    name: Name
    unit_code: str | None = None
    jurisdiction_code: str
    geometry: str
    width_m: Annotated[float, Field(gt=0, le=100, description="metres")] | None = None
    clearance_m: Annotated[float, Field(gt=0, le=50, description="metres")] | None = None
    status: FireLaneStatus = FireLaneStatus.CLEAR
    is_marked: bool = False

    _geometry = field_validator("geometry", mode="before")(_line)


class FireLaneFilter(_Filter):
    status: FireLaneStatus | None = None
    is_marked: bool | None = None


def derive_fire_lane(data: dict[str, Any]) -> dict[str, Any]:
    """GB 50016-2014 §7.1.8: a lane narrower or lower than 4.0 m is below standard."""
    narrow = data.get("width_m") is not None and data["width_m"] < 4.0
    low = data.get("clearance_m") is not None and data["clearance_m"] < 4.0
    if (narrow or low) and str(data.get("status", "clear")) == "clear":
        data["status"] = FireLaneStatus.SUBSTANDARD.value
    return data


class LandmarkCreate(_In):
    code: Code
    name: Name
    category: LandmarkCategory = LandmarkCategory.OTHER
    aliases: Annotated[
        str, Field(max_length=500, description="俗称、曾用名, separated by 、 ; or a comma")
    ] = ""
    address: Annotated[str, Field(max_length=255)] = ""
    lon: Lon
    lat: Lat
    jurisdiction_code: str


class LandmarkFilter(_Filter):
    category: LandmarkCategory | None = None


class DeviceCreate(_In):
    code: Code
    kind: DeviceKind
    protocol: DeviceProtocol
    status: DeviceStatus = DeviceStatus.REGISTERED
    unit_code: str | None = None
    building_code: str | None = None
    water_source_code: str | None = None
    jurisdiction_code: str
    lon: Lon | None = None
    lat: Lat | None = None
    installed_on: date | None = None


class DeviceFilter(_Filter):
    kind: DeviceKind | None = None
    status: DeviceStatus | None = None
    protocol: DeviceProtocol | None = None
    unit_code: str | None = None  # the unit's devices (its file links here)


class MaintenanceCompanyCreate(_In):
    code: Annotated[str, Field(description="统一社会信用代码 (GB 32100-2015)")]
    name: Name
    jurisdiction_code: str
    address: Annotated[str, Field(max_length=255)] = ""
    phone: Phone = ""
    cert_number: Annotated[str, Field(min_length=1, max_length=64, description="资质证书编号")]
    cert_level: CertificateLevel
    cert_valid_until: date

    @field_validator("code")
    @classmethod
    def _uscc(cls, value: str) -> str:
        return check_uscc(value)


class MaintenanceCompanyFilter(_Filter):
    cert_level: CertificateLevel | None = None


class RoadCreate(_In):
    code: Code
    name: Annotated[str, Field(max_length=100)] = ""
    road_class: RoadClass
    speed_kmh: Annotated[float, Field(gt=0, le=130, description="km/h")]
    width_m: Annotated[float, Field(gt=0, le=120, description="metres")] | None = None
    oneway: bool = False
    geometry: str
    jurisdiction_code: str

    _geometry = field_validator("geometry", mode="before")(_line)


class RoadFilter(_Filter):
    road_class: RoadClass | None = None


# --- derived siblings ----------------------------------------------------------------------


def partial_model(create: type[BaseModel], name: str) -> type[BaseModel]:
    """The Update sibling: every field of ``create`` optional, none defaulted."""
    fields: dict[str, Any] = {}
    for field_name, info in create.model_fields.items():
        annotation = info.annotation | None  # type: ignore[operator]
        fields[field_name] = (annotation, Field(default=None, description=info.description))
    return create_model(name, __base__=create.__base__, **fields)


def public_model(create: type[BaseModel], name: str, extra: dict[str, Any]) -> type[BaseModel]:
    """The Public sibling: ``create``'s fields plus id, timestamps and computed fields."""
    fields: dict[str, Any] = {
        "id": (int, ...),
        **{k: (v.annotation, None) for k, v in create.model_fields.items()},
        **extra,
        "created_at": (datetime | None, None),
        "updated_at": (datetime | None, None),
    }
    return create_model(name, __config__=ConfigDict(from_attributes=True), **fields)
