"""Enumerations of the plans domain: how a target is compared, what kind of project it is, and the
vocabulary of computations the indicator engine implements."""

from __future__ import annotations

from enum import StrEnum

from lanyan.registry.choices import Choice


class PlanLevel(Choice):
    CITY = ("city", "地级市", "City")
    COUNTY = ("county", "县", "County")
    COUNTY_CITY = ("county_city", "县级市", "County-level city")
    DISTRICT = ("district", "市辖区", "District")


class Comparison(Choice):
    """How an indicator's value is held against its target."""

    AT_MOST = ("at_most", "不高于（≤）", "at most (≤)")
    AT_LEAST = ("at_least", "不低于（≥）", "at least (≥)")
    EQUAL = ("equal", "等于（=）", "equal to (=)")
    BELOW = ("below", "低于（<）", "below (<)")
    # The target is a percentage fall against the indicator's own value in a baseline year.
    FALL_BY_PERCENT = ("fall_by_percent", "较基数下降（%）", "fall by a percentage of the baseline")


class Attribute(Choice):
    """约束性/预期性: whether the plan binds the government to the target."""

    BINDING = ("binding", "约束性", "binding")
    EXPECTED = ("expected", "预期性", "expected")
    UNSTATED = ("unstated", "未标注", "not stated")


class Averaging(Choice):
    """How the yearly values of an indicator combine into the value compared with the target."""

    YEAR_END = ("year_end", "年末值", "value at the end of the year")
    PER_YEAR = ("per_year", "逐年", "each year on its own")
    YEARLY_MEAN = ("yearly_mean", "年均", "mean of the yearly values since the plan began")
    CUMULATIVE = ("cumulative", "累计", "sum of the yearly values since the plan began")


class Unit(Choice):
    """Units of indicator values; the English label is what reports print after the number."""

    PERCENT = ("%", "%", "%")
    PER_MILLE = ("‰", "‰", "‰")
    DEATHS_PER_100K = ("deaths per 100,000 people", "人/10万人", "deaths per 100,000 people")
    STATIONS_PER_100K = ("stations per 100,000 people", "座/10万人", "stations per 100,000 people")
    STATIONS = ("stations", "座", "stations")
    HYDRANTS = ("hydrants", "个", "hydrants")
    TEAMS = ("teams", "支", "teams")
    PEOPLE = ("people", "人", "people")
    PERSON_TIMES = ("person-times", "人次", "person-times")
    PREMISES = ("premises", "家", "premises")
    DEVICES = ("devices", "个", "devices")
    SITES = ("sites", "处", "sites")
    BASES = ("bases", "个", "bases")
    STREETS = ("streets", "条", "streets")
    PLANS = ("plans", "部", "plans")
    SETS = ("sets", "套", "sets")
    VEHICLES = ("vehicles", "辆", "vehicles")
    SYSTEMS = ("systems", "套", "systems")
    KM = ("km", "公里", "km")
    METRES = ("m", "米", "m")
    EVENTS = ("events", "起/次", "events")
    PERCENTAGE_POINTS = ("percentage points", "个百分点", "percentage points")
    YUAN_PER_PERSON_YEAR = ("yuan per person per year", "元/人·年", "yuan per person per year")
    CLASS_HOURS = ("class hours", "课时", "class hours")


class ProjectKind(Choice):
    STATION = ("station", "消防站", "Fire station")
    HYDRANTS = ("hydrants", "消防水源", "Hydrants and water sources")
    TEAM = ("team", "队伍", "Team")
    VOLUNTEERS = ("volunteers", "志愿者", "Volunteers")
    SYSTEM = ("system", "信息系统", "Information system")
    EQUIPMENT = ("equipment", "装备", "Equipment")
    FACILITY = ("facility", "设施", "Facility")
    OTHER = ("other", "其他", "Other")


class Computation(StrEnum):
    """What the indicator engine computes from platform records.

    Each member carries ``meaning`` (one line, with the unit of its result) and ``records`` (what the
    platform must hold for the computation). Rates are percentages unless the meaning says otherwise.
    """

    meaning: str
    records: tuple[str, ...]

    def __new__(cls, value: str, meaning: str, records: tuple[str, ...]) -> Computation:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.meaning = meaning
        obj.records = records
        return obj

    DEATHS_PER_100K = (
        "deaths_per_100k",
        "fire deaths in the year per 100,000 people of the jurisdiction's population",
        ("incidents", "jurisdiction_population"),
    )
    LARGER_FIRE_SHARE = (
        "larger_fire_share",
        "fires graded 较大 or above as a percentage of all fires in the year",
        ("incidents",),
    )
    STATIONS_PER_100K = (
        "stations_per_100k",
        "fire rescue stations on duty at year end per 100,000 people",
        ("stations", "jurisdiction_population"),
    )
    FULLTIME_FIREFIGHTERS_PER_POPULATION = (
        "fulltime_firefighters_per_population",
        "full-time firefighters in post at year end over population (expressed in the indicator's unit, ‰ or %)",
        ("personnel", "jurisdiction_population"),
    )
    PROFESSIONAL_FIREFIGHTERS_PER_POPULATION = (
        "professional_firefighters_per_population",
        "national-team and government full-time firefighters in post at year end over population (in the indicator's unit)",
        ("personnel", "jurisdiction_population"),
    )
    HYDRANT_INTACT_RATE = (
        "hydrant_intact_rate",
        "municipal hydrants whose latest inspection found them usable, over all municipal hydrants",
        ("water_sources", "water_source_inspections"),
    )
    NEW_HYDRANTS_PER_YEAR = (
        "new_hydrants_per_year",
        "municipal hydrants (water cranes included) put into service in the year",
        ("water_sources",),
    )
    SMART_HYDRANT_RATE = (
        "smart_hydrant_rate",
        "municipal hydrants fitted with a networked (smart) sensor, over all municipal hydrants",
        ("water_sources", "devices"),
    )
    KEY_UNIT_CONNECTION_RATE = (
        "key_unit_connection_rate",
        "key fire-safety units whose building fire facilities report to the monitoring platform, over all key units",
        ("units", "devices"),
    )
    CONTROL_ROOM_CONNECTION_RATE = (
        "control_room_connection_rate",
        "key and high-risk units whose fire control room is networked to the platform, over those with a control room",
        ("units", "devices"),
    )
    IOT_MONITORING_COVERAGE_RATE = (
        "iot_monitoring_coverage_rate",
        "units in the plan's monitoring scope with at least one online IoT device, over all units in that scope",
        ("units", "devices"),
    )
    KEY_UNIT_SYSTEM_USAGE_RATE = (
        "key_unit_system_usage_rate",
        "key units that recorded fire-safety management work (patrols, self-inspections) on the platform in the year, over all key units",
        ("units", "unit_self_inspections"),
    )
    GRID_COVERAGE_RATE = (
        "grid_coverage_rate",
        "villages and communities inside a fire-safety grid with an assigned grid worker, over all villages and communities",
        ("jurisdictions", "grids", "grid_workers"),
    )
    MAJOR_HAZARD_RECTIFICATION_RATE = (
        "major_hazard_rectification_rate",
        "major fire hazards (重大火灾隐患) rectified and closed, over major hazards whose deadline fell in the year",
        ("hazards",),
    )
    STATION_OPEN_RATE = (
        "station_open_rate",
        "stations open to the public ≥30 days in the year and ≥2 days every month, over all stations on duty",
        ("stations", "open_days"),
    )
    TOWN_STATION_COVERAGE_RATE = (
        "town_station_coverage_rate",
        "towns, subdistricts and parks with a fire rescue station on duty, over all of them",
        ("jurisdictions", "stations"),
    )
    TOWN_SMALL_STATION_COVERAGE_RATE = (
        "town_small_station_coverage_rate",
        "towns and subdistricts with a small fire station (小型消防站) on duty, over all of them",
        ("jurisdictions", "stations"),
    )
    STATION_EQUIPMENT_COMPLIANCE_RATE = (
        "station_equipment_compliance_rate",
        "stations whose vehicles and equipment meet the minimum for their class (建标152), over all stations on duty",
        ("stations", "vehicles", "equipment"),
    )
    STATION_DUTY_VEHICLE_RATE = (
        "station_duty_vehicle_rate",
        "stations on duty with at least the duty vehicles their class requires, over all stations on duty",
        ("stations", "vehicles"),
    )
    TRAINING_RATE = (
        "training_rate",
        "registered social units that trained their employees in the year, over all registered social units",
        ("units", "training_records"),
    )
    RESIDENT_EDUCATION_RATE = (
        "resident_education_rate",
        "surveyed residents who received fire-safety education from their street or community in the year, over all surveyed",
        ("surveys",),
    )
    AWARENESS_RATE = (
        "awareness_rate",
        "surveyed members of the public who passed the fire-safety knowledge questions, over all surveyed",
        ("surveys",),
    )
    RESCUER_CERTIFICATION_RATE = (
        "rescuer_certification_rate",
        "rescue personnel holding a valid professional skill certificate, over all rescue personnel",
        ("personnel", "certificates"),
    )
    RESCUER_SPECIALISED_TRAINING_RATE = (
        "rescuer_specialised_training_rate",
        "rescue personnel with a specialised-training record in the year, over all rescue personnel",
        ("personnel", "training_records"),
    )
    PRACTITIONER_CERTIFICATION_RATE = (
        "practitioner_certification_rate",
        "fire-industry practitioners (control-room operators, maintenance and testing staff) holding the required certificate, over all",
        ("units", "personnel", "certificates"),
    )
    REGISTERED_VOLUNTEERS = (
        "registered_volunteers",
        "registered fire volunteers at year end (people)",
        ("volunteers",),
    )
    VOLUNTEER_PERSON_TIMES = (
        "volunteer_person_times",
        "volunteer participations in fire-publicity activities in the year (person-times)",
        ("volunteers", "outreach_activities"),
    )
    FULLTIME_FIREFIGHTERS_RECRUITED = (
        "fulltime_firefighters_recruited",
        "government full-time firefighters who joined in the year (people)",
        ("personnel",),
    )
    FULLTIME_FIREFIGHTERS_IN_POST = (
        "fulltime_firefighters_in_post",
        "government full-time firefighters in post at year end (people)",
        ("personnel",),
    )
    PREMISES_WITH_SMART_SMOKE_ALARM = (
        "premises_with_smart_smoke_alarm",
        "premises with at least one registered independent smart smoke alarm (premises)",
        ("devices", "units"),
    )
    PROJECT_QUANTITY_DELIVERED = (
        "project_quantity_delivered",
        "quantity delivered by the projects named in ``counts_projects`` (1 for a single-item project)",
        ("plan_projects",),
    )
