"""Registry records of the demo county, as Create-shaped dicts in insertion order.

Pure and deterministic: ``generate(seed)`` touches no database and no clock, and every random
draw comes from a ``random.Random`` seeded from ``seed`` and the stage name, so a stage's draws
do not depend on how many draws the stages before it made. Counts the plan states are taken from it (``plan``);
counts it does not state (units, buildings, grids per town…) are the demo's own choices and
are named as such below.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from shapely.geometry import LineString, MultiPoint, Point
from shapely.ops import voronoi_diagram
from shapely.prepared import prep

from lanyan.core.codes import uscc_with_check_digit
from lanyan.core.geo import area_km2, geometry_to_json
from lanyan.demo import names, plan
from lanyan.demo.layout import CITY, Layout, build_layout
from lanyan.demo.region import (
    BY_CODE,
    CENTRAL_CITY,
    COUNTY_CODE,
    PLACES,
    real_divisions,
)
from lanyan.demo.roads import WIDTH_M
from lanyan.demo.scale import check_scale
from lanyan.registry.choices import (
    ROAD_DEFAULT_SPEED_KMH,
    BuildingUse,
    DeviceKind,
    DeviceProtocol,
    DeviceStatus,
    FireLaneStatus,
    FireSystem,
    ForceType,
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

DEFAULT_SEED = 20251
YEARS = range(2020, 2026)
AS_OF = date(2025, 1, 1)  # head counts are stated as at the start of the plan's last year

# Unit counts by category. The plan gives none (digest §6: "not given anywhere"); these are the
# demo's choices, sized so that the plan's own figures fit: ≥167 key units with a micro station
# (L17), ≥163 networked units (L17) and ~2,000 smoke alarms in 九小 and rentals (L17).
UNIT_COUNTS = {
    UnitCategory.KEY: 210,
    UnitCategory.HIGH_RISK: 36,
    UnitCategory.CROWDED: 320,
    UnitCategory.NINE_SMALL: 1400,
    UnitCategory.THREE_IN_ONE: 160,
    UnitCategory.GENERAL: 600,
}
RESIDENTIAL_COMPOUNDS = 90  # general units: residential compounds of the city (high-rise)
COMPOUND, PORT = "住宅小区", "港务有限公司"
PORT_ZONE = "320904402"  # 大丰港经济开发区
# Where high-risk plants go: the port zone twice as often (L349 puts the chemical-accident squad
# at its special-service station), then 临港, 沪苏 and 经开区.
HAZARD_ZONES = (PORT_ZONE, PORT_ZONE, "320904407", "320904404", "320904401")
DAMAGED_HYDRANTS, MISSING_HYDRANTS = 30, 5  # 35 of 1,503 not intact ≈ 97.7 % intact (L29)
SMART_HYDRANT_SHARE = 0.15  # the demo's baseline; the 2025 target is ≥80 % (L286)
# Hydrants per settlement grid (the rest go to villages). Urban roads first (L295: commercial
# areas and key-unit clusters first).
HYDRANTS_CITY, HYDRANTS_ZONE, HYDRANTS_TOWN = 760, 36, 46
HYDRANT_SPACING_M = 110.0  # under the 120 m maximum of GB 50974-2014 §7.2


@dataclass
class DemoData:
    """Create payloads per object-type slug, in an order that satisfies every reference."""

    batches: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {slug: len(rows) for slug, rows in self.batches.items()}


def generate(seed: int = DEFAULT_SEED, scale: int = 1) -> DemoData:
    """Build every record of the demo county for ``seed`` (same seed, same records); ``scale``
    N > 1 builds a region N times the county on the same outline (:mod:`lanyan.demo.scale`)."""
    check_scale(scale)
    return _Generator(seed, scale).run()


@dataclass
class _Unit:
    payload: dict[str, Any]
    kind: str
    x: float
    y: float
    settlement: str
    buildings: list[dict[str, Any]] = field(default_factory=list)


class _Generator:
    def __init__(self, seed: int, scale: int = 1) -> None:
        self.seed = seed
        self.scale = scale
        self.layout: Layout = build_layout(seed, scale)
        self.frame = self.layout.frame
        self.data = DemoData()
        self.grid_polys: dict[str, list[tuple[str, Any]]] = {}
        self.units: list[_Unit] = []
        self.ll_cache: dict[int, tuple[float, float]] = {}
        self.building_seq = 0
        self.population_2020: dict[str, int] = {}

    def rng(self, stage: str) -> random.Random:
        return random.Random(f"{self.seed}:{stage}")

    def ll(self, x: float, y: float) -> tuple[float, float]:
        return self.frame.to_ll(x, y)

    def node_ll(self, node: int) -> tuple[float, float]:
        if node not in self.ll_cache:
            self.ll_cache[node] = self.ll(*self.layout.network.nodes[node])
        return self.ll_cache[node]

    def run(self) -> DemoData:
        self.jurisdictions()
        self.populations()
        self.grids()
        self.unit_records()
        self.stations()
        self.water_sources()
        self.fire_lanes()
        self.devices()
        self.roads()
        self.maintenance_companies()
        self.landmarks()
        self.check_inside()
        order = (
            "jurisdictions", "populations", "grids", "grid-workers", "units", "buildings",
            "stations", "vehicles", "personnel", "water-sources", "fire-lanes", "devices", "roads",
            "maintenance-companies", "landmarks",
        )  # fmt: skip
        self.data.batches = {slug: self.data.batches[slug] for slug in order}
        return self.data

    # --- divisions and people ----------------------------------------------------------------

    def jurisdictions(self) -> None:
        province, city, county = real_divisions()
        rows: list[dict[str, Any]] = [
            {"code": province.code, "name": province.name, "level": "province",
             "lon": province.lon, "lat": province.lat},
            {"code": city.code, "name": city.name, "level": "city", "parent_code": province.code,
             "lon": city.lon, "lat": city.lat},
            {"code": county.code, "name": county.name, "level": "county",
             "parent_code": city.code, "lon": county.lon, "lat": county.lat,
             "area_km2": round(area_km2(self.layout.county_ll), 2),
             "boundary": geometry_to_json(self.layout.county_ll)},
        ]  # fmt: skip
        for place in PLACES:
            poly = self.frame.geom_to_ll(self.layout.parts_m[place.code])
            rows.append(
                {
                    "code": place.code,
                    "name": place.name,
                    "level": "town",
                    "parent_code": COUNTY_CODE,
                    "lon": place.lon,
                    "lat": place.lat,
                    "area_km2": round(area_km2(poly), 2),
                    "boundary": geometry_to_json(poly),
                }
            )
        self.data.batches["jurisdictions"] = rows

    def populations(self) -> None:
        """Resident population 2020–2025, all marked assumed (the plan states none).

        2020: the central city holds the 210,000 urban residents (L27); zones a few thousand
        each; the towns share the rest of the derived 721,000 (L31) by area. Then the city
        grows ~0.8 %/yr and the zones ~1.5 %/yr while the towns shrink ~0.6 %/yr (rural
        out-migration, L27 "农村空巢老人、留守儿童增多"), each with a little noise.
        """
        rng = self.rng("population")
        k = self.scale
        base: dict[str, float] = {CENTRAL_CITY[0]: 0.56 * k * plan.URBAN_POPULATION_2020,
                                  CENTRAL_CITY[1]: 0.44 * k * plan.URBAN_POPULATION_2020}  # fmt: skip
        zones = [p for p in PLACES if p.kind == "zone"]
        for z in zones:
            base[z.code] = k * rng.uniform(2500, 9000)
        towns = [p for p in PLACES if p.kind == "town"]
        rest = k * plan.POPULATION_2020 - sum(base.values())
        weights = {t.code: area_km2(self.frame.geom_to_ll(self.layout.parts_m[t.code])) ** 0.7
                   * rng.uniform(0.85, 1.15) for t in towns}  # fmt: skip
        total_w = sum(weights.values())
        for t in towns:
            base[t.code] = rest * weights[t.code] / total_w
        # Integer shares that add up exactly to the 2020 figure.
        counts = {code: int(v) for code, v in base.items()}
        counts[towns[0].code] += k * plan.POPULATION_2020 - sum(counts.values())
        trend = {"subdistrict": 0.008, "zone": 0.015, "town": -0.006}
        rows = []
        per_year: Counter[int] = Counter()
        for place in PLACES:
            value = float(counts[place.code])
            for year in YEARS:
                if year > YEARS.start:
                    value *= 1 + trend[place.kind] + rng.uniform(-0.002, 0.002)
                n = round(value)
                per_year[year] += n
                rows.append(self._population(place.code, year, n))
        rows += [self._population(COUNTY_CODE, y, per_year[y]) for y in YEARS]
        self.population_2020 = counts
        self.data.batches["populations"] = rows

    @staticmethod
    def _population(code: str, year: int, n: int) -> dict[str, Any]:
        return {"code": f"POP-{code}-{year}", "jurisdiction_code": code, "year": year,
                "population": n, "is_assumed": True, "source": plan.POPULATION_SOURCE}  # fmt: skip

    def grids(self) -> None:
        """A few grids per division (Voronoi cells of random seeds, clipped); 1,560 workers
        (L10) shared by population."""
        rng = self.rng("grids")
        grids, workers = [], []
        weights: list[tuple[str, float]] = []
        for place in PLACES:
            poly = self.layout.parts_m[place.code]
            area = poly.area / 1e6
            k = self.scale * (
                8 if place.kind == "subdistrict" else max(2, min(10, round(area / 40)))
            )
            seeds = [Point(self.layout.point_in(place.code, rng, 50.0)) for _ in range(k)]
            cells = voronoi_diagram(MultiPoint(seeds), envelope=poly.envelope.buffer(1000))
            ordered = sorted(cells.geoms, key=lambda c: (-c.centroid.y, c.centroid.x))
            self.grid_polys[place.code] = []
            n = 0
            for cell in ordered:
                piece = cell.intersection(poly)
                if piece.geom_type not in ("Polygon", "MultiPolygon") or piece.area < 1e4:
                    continue  # slivers and the lines an overlay can leave
                n += 1
                code = f"{place.code}-G{n:02d}"
                grids.append({"code": code, "name": f"{place.name}第{n}网格",
                              "jurisdiction_code": place.code,
                              "boundary": geometry_to_json(self.frame.geom_to_ll(piece))})  # fmt: skip
                self.grid_polys[place.code].append((code, prep(piece)))
                weights.append((code, self.population_2020[place.code] / k))
        total = sum(w for _, w in weights)
        workers_total = plan.GRID_WORKERS * self.scale
        share = [(code, max(1, round(workers_total * w / total))) for code, w in weights]
        share[0] = (share[0][0], share[0][1] + workers_total - sum(n for _, n in share))
        for code, n in share:
            for _ in range(n):
                workers.append({"code": f"GW{len(workers) + 1:05d}", "name": names.person(rng),
                                "phone": names.phone(rng), "grid_code": code})  # fmt: skip
        self.data.batches["grids"] = grids
        self.data.batches["grid-workers"] = workers

    def grid_of(self, place: str, x: float, y: float) -> str | None:
        p = Point(x, y)
        return next((c for c, g in self.grid_polys.get(place, []) if g.contains(p)), None)

    # --- units, buildings ------------------------------------------------------------------

    def _where(
        self, rng: random.Random, kind: str, category: UnitCategory
    ) -> tuple[float, float, str, str]:
        """Pick a spot for a unit of ``kind``: x, y, the settlement key and a street name."""
        industrial = kind.endswith("有限公司") and kind not in ("物流仓储有限公司",)
        zones = [p.code for p in PLACES if p.kind == "zone" and p.street_grid]
        towns = [p.code for p in PLACES if p.kind == "town"]
        r = rng.random()
        if category is UnitCategory.HIGH_RISK and industrial:
            key = rng.choice(HAZARD_ZONES)
        elif industrial:
            key = rng.choice(zones) if r < 0.7 else rng.choice(towns)
        elif category in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
            city_share = 0.35 if category is UnitCategory.NINE_SMALL else 0.0
            village_share = 0.15 if category is UnitCategory.NINE_SMALL else 0.4
            if r < city_share:
                key = CITY
            elif r < 1 - village_share:
                key = rng.choice(towns)
            else:
                v = rng.choice(self.layout.villages)
                vx, vy = self.layout.network.nodes[v.node]
                for _ in range(50):
                    x, y = vx + rng.uniform(-250, 250), vy + rng.uniform(-250, 250)
                    if self.layout.locate(x, y):
                        return x, y, v.town, v.name
                return vx, vy + 20, v.town, v.name
        else:
            key = CITY if r < 0.55 else rng.choice(towns)
        x, y, _, j = self.layout.block_point(key, rng)
        return x, y, key, self.layout.street_names[key][j]

    def unit_records(self) -> None:
        rng = self.rng("units")
        # Two key units L354 names by kind for enterprise teams: a port and a power plant.
        plan_rows = [(UnitCategory.KEY, PORT), (UnitCategory.KEY, "热电有限公司")]
        for category, count in UNIT_COUNTS.items():
            kinds = names.KINDS[category]
            count *= self.scale
            if category is UnitCategory.GENERAL:
                plan_rows += [(category, COMPOUND)] * (RESIDENTIAL_COMPOUNDS * self.scale)
                count -= RESIDENTIAL_COMPOUNDS * self.scale
            if category is UnitCategory.KEY:
                count -= 2
            plan_rows += [(category, kinds[i % len(kinds)]) for i in range(count)]
        seen: set[str] = set()
        for n, (category, kind) in enumerate(plan_rows):
            if kind == PORT:
                x, y, _, j = self.layout.block_point(PORT_ZONE, rng)
                settlement, street = PORT_ZONE, self.layout.street_names[PORT_ZONE][j]
            elif kind == COMPOUND:
                x, y, _, j = self.layout.block_point(CITY, rng, inset_m=140.0)
                settlement, street = CITY, self.layout.street_names[CITY][j]
            else:
                x, y, settlement, street = self._where(rng, kind, category)
            place = self.layout.locate(x, y)
            if place is None:
                raise RuntimeError(f"unit {n} fell outside the county")
            town = BY_CODE[place].name
            name = ""
            while not name or name in seen:
                name = (names.residential_name(rng) + "小区" if kind == COMPOUND
                        else names.unit_name(rng, category, town, kind))  # fmt: skip
            seen.add(name)
            lon, lat = self.ll(x, y)
            no = rng.randint(1, 399)
            addr_street = street if street.endswith("路") else f"{street}村{rng.randint(1, 12)}组"
            payload = {
                "code": names.uscc(rng, COUNTY_CODE, kind, category),
                "name": name,
                "category": category.value,
                "address": f"江苏省盐城市大丰区{town}{addr_street}"
                + (f"{no}号" if street.endswith("路") else ""),
                "lon": lon,
                "lat": lat,
                "jurisdiction_code": place,
                "grid_code": self.grid_of(place, x, y),
                "responsible_person": names.person(rng),
                "responsible_phone": names.phone(rng),
                "manager_person": names.person(rng),
                "manager_phone": names.phone(rng),
                "employees": self._employees(rng, category, kind),
            }
            unit = _Unit(payload, kind, x, y, settlement)
            self._buildings(rng, unit)
            self.units.append(unit)
        self.data.batches["units"] = [u.payload for u in self.units]
        self.data.batches["buildings"] = [b for u in self.units for b in u.buildings]

    @staticmethod
    def _employees(rng: random.Random, category: UnitCategory, kind: str) -> int:
        if kind == COMPOUND:
            return rng.randint(8, 30)
        if category in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
            return rng.randint(1, 12)
        if kind.endswith("有限公司"):
            return (
                rng.randint(60, 2500)
                if category is not UnitCategory.GENERAL
                else rng.randint(5, 200)
            )
        return rng.randint(20, 600)

    def _buildings(self, rng: random.Random, unit: _Unit) -> None:
        """Buildings for most units: towers in city compounds, plants in zones, shops in towns.
        High-rise buildings only in the central city."""
        cat = UnitCategory(unit.payload["category"])
        kind = unit.kind
        in_city = unit.settlement == CITY
        specs: list[tuple[BuildingUse, int, float]] = []  # use, floors, storey height
        if kind == COMPOUND:
            for _ in range(rng.randint(4, 12)):
                specs.append((BuildingUse.RESIDENTIAL, rng.choice([11, 18, 18, 26, 28, 33]), 2.95))
        elif kind.endswith("有限公司"):
            if cat is UnitCategory.GENERAL and rng.random() < 0.5:
                return
            use = (
                BuildingUse.WAREHOUSE
                if ("仓储" in kind or "储运" in kind)
                else BuildingUse.INDUSTRIAL
            )
            for _ in range(rng.randint(1, 3 if cat is not UnitCategory.GENERAL else 1)):
                floors = rng.choice([1, 1, 2, 3])
                storey = rng.uniform(7.0, 12.0) if floors == 1 else rng.uniform(4.5, 6.0)
                specs.append((use, floors, storey))
            specs.append((BuildingUse.PUBLIC, rng.randint(3, 6), 3.6))  # offices
        elif cat in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
            use = BuildingUse.MIXED if cat is UnitCategory.THREE_IN_ONE else BuildingUse.COMMERCIAL
            specs.append((use, rng.randint(1, 3), 3.3))
        elif cat is UnitCategory.GENERAL:
            return
        else:
            public = kind in ("中学", "实验小学", "小学", "人民医院分院", "中医院", "养老院",
                              "敬老院", "幼儿园", "社区卫生服务中心", "培训学校")  # fmt: skip
            use = BuildingUse.PUBLIC if public else BuildingUse.COMMERCIAL
            tall = in_city and kind in (
                "购物中心",
                "商厦",
                "大酒店",
                "人民医院分院",
                "商业综合体",
                "酒店",
            )
            for _ in range(rng.randint(1, 3)):
                floors = rng.randint(9, 28) if tall else rng.randint(1, 5)
                specs.append((use, floors, 4.2 if use is BuildingUse.COMMERCIAL else 3.6))
        multi = len(specs) > 1
        for k, (use, floors, storey) in enumerate(specs, start=1):
            if not in_city:  # towns and zones stay below the 24 m high-rise line
                floors = min(floors, max(1, int(22 // storey)))
            height = round(floors * storey + (1.5 if floors > 1 else 0.5), 1)
            spread = 100.0 if kind == COMPOUND else 30.0
            for _ in range(20):
                x, y = unit.x + rng.uniform(-spread, spread), unit.y + rng.uniform(-spread, spread)
                place = self.layout.locate(x, y)
                if place:
                    break
            else:
                x, y, place = unit.x, unit.y, unit.payload["jurisdiction_code"]
            lon, lat = self.ll(x, y)
            suffix = "幢" if use is BuildingUse.RESIDENTIAL else "号楼"
            self.building_seq += 1
            unit.buildings.append(
                {
                    "code": f"JZ-{self.building_seq:05d}",
                    "name": f"{unit.payload['name']}{k}{suffix}" if multi else unit.payload["name"],
                    "unit_code": unit.payload["code"],
                    "jurisdiction_code": place,
                    "address": unit.payload["address"] + (f"{k}{suffix}" if multi else ""),
                    "lon": lon,
                    "lat": lat,
                    "height_m": height,
                    "floors_above": floors,
                    "floors_below": (rng.randint(1, 2) if height > 24 else int(rng.random() < 0.1)),
                    "use": use.value,
                    "fire_systems": [s.value for s in fire_systems(use, height, cat, floors)],
                    "built_year": rng.randint(2005, 2020)
                    if height > 24
                    else rng.randint(1990, 2020),
                }
            )

    # --- forces --------------------------------------------------------------------------

    def _station_spot(
        self, place: str, prefer_street: str | None, used: set[int]
    ) -> tuple[int, float, float]:
        """The road junction nearest the place's seat whose station site lies inside the
        place; the site is on the block corner, 30 m back from both streets' centre lines
        (建标152-2017 asks the garage door ≥15 m from the road's red line)."""
        net = self.layout.network
        seat = self.frame.to_m(BY_CODE[place].lon, BY_CODE[place].lat)
        on_street = {
            i for s in net.segments if prefer_street and s.name == prefer_street for i in (s.a, s.b)
        }
        candidates = sorted(
            (i for s in net.segments if s.road_class in (RoadClass.ARTERIAL, RoadClass.SECONDARY, RoadClass.LOCAL)
             for i in (s.a, s.b)),
            key=lambda i: (i not in on_street, math.dist(net.nodes[i], seat), i),
        )  # fmt: skip
        for i in candidates:
            x, y = net.nodes[i]
            if i not in used and self.layout.locate(x + 30, y + 30) == place:
                used.add(i)
                return i, x + 30, y + 30
        raise RuntimeError(f"no road node for a station in {place}")

    def stations(self) -> None:
        rng = self.rng("stations")
        stations: list[dict[str, Any]] = []
        vehicles: list[dict[str, Any]] = []
        personnel: list[dict[str, Any]] = []
        used: set[int] = set()
        for row in plan.STATION_TABLE:
            street = "幸福路" if row.no == 2 else None
            node, x, y = self._station_spot(row.place, street, used)
            lon, lat = self.ll(x, y)
            road = street or next(
                s.name for s in self.layout.network.segments if node in (s.a, s.b)
            )
            code = f"DF-XFZ-{row.no:02d}"
            st = {
                "code": code,
                "name": row.name,
                "station_class": row.station_class.value,
                "local_class": row.local_class,
                "force_type": row.force_type.value,
                "status": row.status.value,
                "planned_year": row.planned_year,
                "address": f"江苏省盐城市大丰区{BY_CODE[row.place].name}{road}",
                "phone": f"0515-8{rng.randrange(10**6):06d}",
                "lon": lon,
                "lat": lat,
                "jurisdiction_code": row.place,
            }
            stations.append(st)
            if row.status is StationStatus.EXISTING:
                fleet = self._fleet(rng, code, row.station_class)
                vehicles += fleet
                main = {ForceType.NATIONAL: PersonnelCategory.NATIONAL,
                        ForceType.GOVERNMENT_FULLTIME: PersonnelCategory.GOVERNMENT_FULLTIME}[row.force_type]  # fmt: skip
                # ~6 persons per vehicle, never below the L357 minimum for the class.
                crew = max(plan.MIN_STAFF[row.station_class], 6 * len(fleet))
                personnel.append(self._count(code, main, crew))
                personnel.append(self._count(code, PersonnelCategory.CLERK, rng.randint(1, 3)))
        # Enterprise full-time teams: L354 names ports, large power plants and large hazardous
        # producers. The demo gives one to the port, the power plant and two chemical firms.
        port, power = self.units[0], self.units[1]
        chemical = [
            u for u in self.units if u.payload["category"] == "high_risk" and "化工" in u.kind
        ][:2]
        for n, unit in enumerate([port, power, *chemical], start=1):
            code = f"DF-QZ-{n:02d}"
            stations.append({
                "code": code, "name": f"{unit.payload['name']}企业专职消防队",
                "force_type": ForceType.ENTERPRISE_FULLTIME.value,
                "status": StationStatus.EXISTING.value,
                "address": unit.payload["address"], "phone": f"0515-8{rng.randrange(10**6):06d}",
                "lon": unit.payload["lon"], "lat": unit.payload["lat"],
                "jurisdiction_code": unit.payload["jurisdiction_code"], "unit_code": unit.payload["code"],
            })  # fmt: skip
            kinds = [VehicleType.FOAM_TENDER, VehicleType.WATER_TENDER]
            if unit in chemical:
                kinds.append(VehicleType.DRY_POWDER)
            vehicles += [self._vehicle(rng, code, k, t) for k, t in enumerate(kinds, start=1)]
            personnel.append(
                self._count(code, PersonnelCategory.ENTERPRISE_FULLTIME, rng.randint(12, 20))
            )
        if self.scale > 1:  # N times the fleet of the stations above
            more_stations, more_vehicles, more_personnel = self.scaled_stations(
                used, (self.scale - 1) * len(vehicles)
            )
            stations += more_stations
            vehicles += more_vehicles
            personnel += more_personnel
        # Micro fire stations (L17): 167 at key units and 185 in communities and villages.
        key_units = [u for u in self.units if u.payload["category"] == "key"]
        at_key_units = plan.MICRO_AT_KEY_UNITS * self.scale
        for n, unit in enumerate(rng.sample(key_units, at_key_units), start=1):
            stations.append(self._micro(f"DF-WX-{n:03d}", f"{unit.payload['name']}微型消防站",
                                        unit.x + 12, unit.y, unit.payload["jurisdiction_code"],
                                        unit.payload["address"], unit.payload["code"]))  # fmt: skip
        villages = self.layout.villages
        spots: list[tuple[str, float, float, str]] = []
        for v in villages:
            vx, vy = self.layout.network.nodes[v.node]
            spots.append((f"{BY_CODE[v.town].name}{v.name}", vx + 15, vy + 15, v.town))
        taken: set[str] = set()
        in_communities = plan.MICRO_IN_COMMUNITIES * self.scale
        while len(spots) < in_communities:
            key = (
                CITY
                if rng.random() < 0.6
                else rng.choice([p.code for p in PLACES if p.kind == "town"])
            )
            x, y, _, _ = self.layout.block_point(key, rng)
            place = self.layout.locate(x, y)
            name = f"{BY_CODE[place].name}{names.trade_name(rng)}社区" if place else ""
            if place and name not in taken:
                taken.add(name)
                spots.append((name, x, y, place))
        community = spots[:in_communities]
        for n, (name, x, y, place) in enumerate(community, start=at_key_units + 1):
            stations.append(self._micro(f"DF-WX-{n:03d}", f"{name}微型消防站", x, y, place,
                                        f"江苏省盐城市大丰区{name}", None))  # fmt: skip
        for st in stations:
            if st["force_type"] == ForceType.MICRO.value:
                personnel.append(
                    self._count(st["code"], PersonnelCategory.MICRO, rng.randint(6, 10))
                )
        self.data.batches["stations"] = stations
        self.data.batches["vehicles"] = vehicles
        self.data.batches["personnel"] = personnel

    def scaled_stations(
        self, used: set[int], fleet_size: int
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """A scaled region's extra 二级 government full-time stations, until they hold
        ``fleet_size`` vehicles: places in turn, each at the road junction nearest a random spot
        of the place (its own stage's draws, so scale 1 is untouched). Stations, vehicles,
        personnel."""
        rng = self.rng("stations-scaled")
        net = self.layout.network
        near: dict[str, list[int]] = {}
        for i in sorted({i for s in net.segments if s.road_class is not RoadClass.EXPRESSWAY
                         for i in (s.a, s.b)}):  # fmt: skip
            x, y = net.nodes[i]
            if place := self.layout.locate(x + 30, y + 30):
                near.setdefault(place, []).append(i)
        stations: list[dict[str, Any]] = []
        vehicles: list[dict[str, Any]] = []
        personnel: list[dict[str, Any]] = []
        per_place: Counter[str] = Counter()
        klass = StationClass.CLASS2
        n = 0
        while len(vehicles) < fleet_size and n < fleet_size:
            place = PLACES[n % len(PLACES)]
            n += 1
            tx, ty = self.layout.point_in(place.code, rng)
            free = [i for i in near.get(place.code, []) if i not in used]
            if not free:
                continue
            node = min(free, key=lambda i: (math.dist(net.nodes[i], (tx, ty)), i))
            used.add(node)
            x, y = net.nodes[node][0] + 30, net.nodes[node][1] + 30
            road = next(s.name for s in net.segments if node in (s.a, s.b))
            per_place[place.code] += 1
            code = f"DF-XFZ-K{n:03d}"
            lon, lat = self.ll(x, y)
            stations.append({
                "code": code, "name": f"{place.name}第{per_place[place.code]}消防救援站",
                "station_class": klass.value, "force_type": ForceType.GOVERNMENT_FULLTIME.value,
                "status": StationStatus.EXISTING.value,
                "address": f"江苏省盐城市大丰区{place.name}{road}",
                "phone": f"0515-8{rng.randrange(10**6):06d}", "lon": lon, "lat": lat,
                "jurisdiction_code": place.code,
            })  # fmt: skip
            fleet = self._fleet(rng, code, klass)
            vehicles += fleet
            crew = max(plan.MIN_STAFF[klass], 6 * len(fleet))
            personnel.append(self._count(code, PersonnelCategory.GOVERNMENT_FULLTIME, crew))
            personnel.append(self._count(code, PersonnelCategory.CLERK, rng.randint(1, 3)))
        return stations, vehicles, personnel

    def _micro(self, code: str, name: str, x: float, y: float, place: str, address: str,
               unit_code: str | None) -> dict[str, Any]:  # fmt: skip
        lon, lat = self.ll(x, y)
        return {"code": code, "name": name, "force_type": ForceType.MICRO.value,
                "status": StationStatus.EXISTING.value, "address": address, "lon": lon, "lat": lat,
                "jurisdiction_code": place, "unit_code": unit_code}  # fmt: skip

    @staticmethod
    def _count(station: str, category: PersonnelCategory, n: int) -> dict[str, Any]:
        return {"code": f"{station}-{category.value}", "station_code": station,
                "category": category.value, "count": n, "as_of": AS_OF.isoformat()}  # fmt: skip

    def _fleet(self, rng: random.Random, station: str, klass: StationClass) -> list[dict[str, Any]]:
        """Vehicles per class (建标152-2017 via reference §1.4: 一级 5–7, 二级 2–4, 特勤 8–11).
        The plan's industry mix (textiles, paper, chemicals, L27, L362) puts foam early."""
        order = {
            StationClass.CLASS1: [VehicleType.WATER_TENDER, VehicleType.WATER_TENDER,
                                  VehicleType.FOAM_TENDER, VehicleType.AERIAL_PLATFORM,
                                  VehicleType.RESCUE, VehicleType.WATER_TOWER, VehicleType.COMMAND],
            StationClass.CLASS2: [VehicleType.WATER_TENDER, VehicleType.FOAM_TENDER,
                                  VehicleType.RESCUE, VehicleType.WATER_TENDER],
            StationClass.SPECIAL_SERVICE: [VehicleType.WATER_TENDER, VehicleType.WATER_TENDER,
                                           VehicleType.FOAM_TENDER, VehicleType.CAFS,
                                           VehicleType.AERIAL_PLATFORM, VehicleType.WATER_TOWER,
                                           VehicleType.RESCUE, VehicleType.HAZMAT,
                                           VehicleType.DRY_POWDER, VehicleType.COMMAND,
                                           VehicleType.DECONTAMINATION],
        }[klass]  # fmt: skip
        lo, hi = {StationClass.CLASS1: (5, 7), StationClass.CLASS2: (2, 4),
                  StationClass.SPECIAL_SERVICE: (8, 11)}[klass]  # fmt: skip
        n = rng.randint(lo, hi)
        return [self._vehicle(rng, station, k, t) for k, t in enumerate(order[:n], start=1)]

    @staticmethod
    def _vehicle(rng: random.Random, station: str, k: int, vt: VehicleType) -> dict[str, Any]:
        spec: dict[str, Any] = {"crew_seats": 6}
        if vt is VehicleType.WATER_TENDER:
            spec |= {
                "pump_flow_lps": rng.choice([40.0, 50.0, 60.0]),
                "water_tank_l": rng.choice([6000.0, 8000.0, 10000.0, 12000.0]),
            }
        elif vt is VehicleType.FOAM_TENDER:
            spec |= {
                "pump_flow_lps": rng.choice([60.0, 80.0, 100.0]),
                "water_tank_l": 8000.0,
                "foam_tank_l": rng.choice([2000.0, 3000.0, 4000.0]),
            }
        elif vt is VehicleType.CAFS:
            spec |= {"pump_flow_lps": 50.0, "water_tank_l": 6000.0, "foam_tank_l": 600.0}
        elif vt is VehicleType.AERIAL_PLATFORM:
            spec |= {
                "ladder_height_m": rng.choice([32.0, 42.0, 54.0]),
                "pump_flow_lps": 50.0,
                "crew_seats": 3,
            }
        elif vt is VehicleType.WATER_TOWER:
            spec |= {
                "ladder_height_m": rng.choice([25.0, 32.0]),
                "pump_flow_lps": 100.0,
                "water_tank_l": 4000.0,
                "crew_seats": 3,
            }
        elif vt is VehicleType.DRY_POWDER:
            spec |= {"crew_seats": 3}
        elif vt in (VehicleType.COMMAND, VehicleType.HAZMAT, VehicleType.DECONTAMINATION):
            spec |= {"crew_seats": 5}
        status = VehicleStatus.MAINTENANCE if rng.random() < 0.08 else VehicleStatus.AVAILABLE
        return {"code": f"{station}-V{k:02d}", "plate": f"苏J{rng.randrange(10**4):04d}应急",
                "vehicle_type": vt.value, "station_code": station, "status": status.value,
                "in_service_year": rng.randint(2010, 2020), **spec}  # fmt: skip

    # --- water -----------------------------------------------------------------------------

    def water_sources(self) -> None:
        """1,503 hydrants (L17, L29): along urban streets first, ≤120 m apart, then villages;
        35 not intact (97.7 % intact, L29); 5 intake docks (L17); fire pools in the zones."""
        rng = self.rng("water")
        net = self.layout.network
        spots: list[tuple[float, float, str]] = []  # x, y, street name
        for key in self.layout.grids:
            quota = self.scale * (HYDRANTS_CITY if key == CITY else (
                HYDRANTS_ZONE if BY_CODE[key].kind == "zone" else HYDRANTS_TOWN))  # fmt: skip
            cx, cy = net.nodes[self.layout.grids[key].centre]
            rank = {RoadClass.ARTERIAL: 0, RoadClass.SECONDARY: 1, RoadClass.LOCAL: 2}
            segs = sorted(
                (s for s in net.segments if s.settlement == key),
                key=lambda s: (rank[s.road_class],
                               math.dist((cx, cy), _mid(net.nodes[s.a], net.nodes[s.b]))),
            )  # fmt: skip
            placed = 0
            for s in segs:
                (x0, y0), (x1, y1) = net.nodes[s.a], net.nodes[s.b]
                length = math.dist((x0, y0), (x1, y1))
                k = math.ceil(length / HYDRANT_SPACING_M)
                ux, uy = (x1 - x0) / length, (y1 - y0) / length
                off = WIDTH_M[s.road_class] / 2 + 1.5  # on the pavement, GB 50974-2014 §7.2
                for t in range(k):
                    if placed == quota:
                        break
                    d = (t + 0.5) * length / k
                    side = 1 if t % 2 == 0 else -1
                    spots.append(
                        (x0 + ux * d - uy * off * side, y0 + uy * d + ux * off * side, s.name)
                    )
                    placed += 1
        villages = list(self.layout.villages)
        rng.shuffle(villages)
        i = 0
        while len(spots) < plan.HYDRANTS_2020 * self.scale:
            v = villages[i % len(villages)]
            vx, vy = net.nodes[v.node]
            spots.append((vx + rng.uniform(-60, 60), vy + rng.uniform(8, 60), v.name))
            i += 1
        n = len(spots)
        damaged = DAMAGED_HYDRANTS * self.scale
        bad = rng.sample(range(n), damaged + MISSING_HYDRANTS * self.scale)
        status = {j: WaterSourceStatus.DAMAGED for j in bad[:damaged]}
        status |= {j: WaterSourceStatus.MISSING for j in bad[damaged:]}
        old = set(
            rng.sample(range(n), plan.HYDRANTS_BEFORE_2016 * self.scale)
        )  # L17: 565 of them are new
        rows = []
        for j, (x, y, street) in enumerate(spots):
            place = self.layout.locate(x, y)
            if place is None:
                raise RuntimeError("a hydrant fell outside the county")
            st = status.get(j, WaterSourceStatus.INTACT)
            lon, lat = self.ll(x, y)
            row: dict[str, Any] = {
                "code": f"XHS-{j + 1:05d}", "kind": WaterSourceKind.MUNICIPAL_HYDRANT.value,
                "status": st.value, "lon": lon, "lat": lat,
                "address": f"大丰区{BY_CODE[place].name}{street}", "jurisdiction_code": place,
                "installed_year": rng.randint(1998, 2015) if j in old else rng.randint(2016, 2020),
            }  # fmt: skip
            if st is WaterSourceStatus.INTACT:
                row |= {"pressure_mpa": round(rng.uniform(0.14, 0.35), 2),
                        "flow_lps": round(rng.uniform(15, 30), 1),
                        "is_smart": rng.random() < SMART_HYDRANT_SHARE / 0.977,
                        "last_inspected_on": date(2025, rng.randint(1, 6), rng.randint(1, 28)).isoformat()}  # fmt: skip
            elif st is WaterSourceStatus.DAMAGED:
                row |= {"pressure_mpa": round(rng.uniform(0.02, 0.12), 2),
                        "last_inspected_on": date(2025, rng.randint(1, 6), rng.randint(1, 28)).isoformat()}  # fmt: skip
            rows.append(row)
        for n_dock, v in enumerate(
            sorted(villages[: plan.INTAKE_DOCKS * self.scale], key=lambda v: v.node), 1
        ):
            vx, vy = net.nodes[v.node]
            x, y = vx + 80, vy - 40
            place = self.layout.locate(x, y) or v.town
            lon, lat = self.ll(x, y)
            rows.append({"code": f"QSD-{n_dock:02d}", "kind": WaterSourceKind.NATURAL_INTAKE.value,
                         "status": WaterSourceStatus.INTACT.value, "lon": lon, "lat": lat,
                         "address": f"大丰区{BY_CODE[v.town].name}{v.name}河道消防取水码头",
                         "jurisdiction_code": place, "flow_lps": 60.0, "installed_year": rng.randint(2016, 2020)})  # fmt: skip
        zones = [k for k in self.layout.grids if k != CITY and BY_CODE[k].kind == "zone"]
        for n_pool, key in enumerate(zones * self.scale, 1):
            x, y, _, _ = self.layout.block_point(key, rng)
            lon, lat = self.ll(x, y)
            place = self.layout.locate(x, y) or key
            rows.append({"code": f"XFSC-{n_pool:02d}", "kind": WaterSourceKind.FIRE_POOL.value,
                         "status": WaterSourceStatus.INTACT.value, "lon": lon, "lat": lat,
                         "address": f"大丰区{BY_CODE[place].name}消防水池", "jurisdiction_code": place,
                         "capacity_m3": float(rng.choice([300, 500, 800, 1000])),
                         "installed_year": rng.randint(2012, 2020)})  # fmt: skip
        self.data.batches["water-sources"] = rows

    # --- lanes, devices, roads --------------------------------------------------------------

    def fire_lanes(self) -> None:
        """A lane round the main building of every unit with a high-rise building, and of half
        the other key units. L101: high-rise compounds marked and signed before 2022."""
        rng = self.rng("lanes")
        rows = []
        for unit in self.units:
            if not unit.buildings:
                continue
            high = any(b["height_m"] > 24 for b in unit.buildings)
            if not high and not (
                unit.payload["category"] in ("key", "high_risk") and rng.random() < 0.5
            ):
                continue
            b = unit.buildings[0]
            bx, by = self.frame.to_m(b["lon"], b["lat"])
            pts = [(bx - 35, by - 25), (bx + 35, by - 25), (bx + 35, by + 25)]
            place = self.layout.locate(*pts[1])
            if place is None or any(self.layout.locate(*p) is None for p in pts):
                continue
            width = 3.5 if rng.random() < 0.06 else round(rng.uniform(4.0, 7.0), 1)
            clearance = 3.8 if rng.random() < 0.03 else round(rng.uniform(4.0, 5.0), 1)
            status = FireLaneStatus.OBSTRUCTED if rng.random() < 0.07 else FireLaneStatus.CLEAR
            line = LineString([self.ll(*p) for p in pts])
            rows.append({
                "code": f"XFTD-{len(rows) + 1:04d}", "name": f"{unit.payload['name']}消防车通道",
                "unit_code": unit.payload["code"], "jurisdiction_code": place,
                "geometry": geometry_to_json(line), "width_m": width, "clearance_m": clearance,
                "status": status.value, "is_marked": rng.random() < (0.9 if high else 0.6),
            })  # fmt: skip
        self.data.batches["fire-lanes"] = rows

    def devices(self) -> None:
        """163 transmission devices (L17 networked units), 2,000 smoke alarms (L17) in 九小 and
        三合一 places, 152 electrical fire monitors (L17), a terminal on each smart hydrant and
        pressure sensors on sprinkler systems of key units."""
        rng = self.rng("devices")
        rows: list[dict[str, Any]] = []
        per_kind: Counter[DeviceKind] = Counter()

        def add(prefix: str, kind: DeviceKind, protocol: DeviceProtocol, where: dict[str, Any],
                unit: str | None, building: str | None = None, water: str | None = None) -> None:  # fmt: skip
            r = rng.random()
            status = (DeviceStatus.ONLINE if r < 0.93 else DeviceStatus.OFFLINE if r < 0.98
                      else DeviceStatus.FAULT)  # fmt: skip
            per_kind[kind] += 1
            rows.append({
                "code": f"{prefix}-{per_kind[kind]:05d}",
                "kind": kind.value, "protocol": protocol.value, "status": status.value,
                "unit_code": unit, "building_code": building, "water_source_code": water,
                "jurisdiction_code": where["jurisdiction_code"], "lon": where["lon"],
                "lat": where["lat"],
                "installed_on": date(rng.randint(2016, 2020), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            })  # fmt: skip

        def with_system(u: _Unit, system: str) -> dict[str, Any] | None:
            return next((b for b in u.buildings if system in b["fire_systems"]), None)

        monitored = [u for u in self.units if u.payload["category"] in ("key", "high_risk")
                     and with_system(u, FireSystem.CONTROL_ROOM.value)]  # fmt: skip
        watched = {id(u) for u in monitored}
        others = [u for u in self.units if u.payload["category"] in ("key", "high_risk", "crowded")
                  and u.buildings and id(u) not in watched]  # fmt: skip
        connected = plan.CONNECTED_UNITS * self.scale
        chosen = monitored[:connected]
        chosen += rng.sample(others, connected - len(chosen))
        for u in chosen:
            b = with_system(u, FireSystem.CONTROL_ROOM.value) or u.buildings[0]
            add("UITD", DeviceKind.USER_INFO_TRANSMISSION, DeviceProtocol.GB26875, b,
                u.payload["code"], b["code"])  # fmt: skip
        small = [u for u in self.units if u.payload["category"] in ("nine_small", "three_in_one")]
        for _ in range(plan.SMOKE_ALARMS * self.scale):
            u = rng.choice(small)
            b = u.buildings[0]
            add(
                "YG",
                DeviceKind.SMOKE_DETECTOR,
                DeviceProtocol.MQTT,
                b,
                u.payload["code"],
                b["code"],
            )
        labour = [u for u in self.units if u.buildings and (
            u.payload["category"] == "crowded" or u.kind in ("纺织有限公司", "纺织印染有限公司"))]  # fmt: skip
        for u in rng.sample(labour, plan.ELECTRICAL_MONITORS * self.scale):
            b = u.buildings[0]
            add(
                "DQ",
                DeviceKind.ELECTRICAL_MONITOR,
                DeviceProtocol.MQTT,
                b,
                u.payload["code"],
                b["code"],
            )
        for w in self.data.batches["water-sources"]:
            if w.get("is_smart"):
                add(
                    "ZNXHS", DeviceKind.SMART_HYDRANT, DeviceProtocol.MQTT, w, None, None, w["code"]
                )
        for u in self.units:
            if u.payload["category"] == "key" and (b := with_system(u, FireSystem.SPRINKLER.value)):
                add(
                    "SY",
                    DeviceKind.WATER_PRESSURE,
                    DeviceProtocol.MQTT,
                    b,
                    u.payload["code"],
                    b["code"],
                )
        self.data.batches["devices"] = rows

    def roads(self) -> None:
        net = self.layout.network
        rows = []
        for n, s in enumerate(net.segments, start=1):
            a, b = self.node_ll(s.a), self.node_ll(s.b)
            mx, my = _mid(net.nodes[s.a], net.nodes[s.b])
            rows.append({
                "code": f"RD-{n:05d}", "name": s.name, "road_class": s.road_class.value,
                "speed_kmh": ROAD_DEFAULT_SPEED_KMH[s.road_class],
                "width_m": WIDTH_M[s.road_class],
                "geometry": geometry_to_json(LineString([a, b])),
                "jurisdiction_code": self.layout.locate(mx, my) or COUNTY_CODE,
            })  # fmt: skip
        self.data.batches["roads"] = rows

    def maintenance_companies(self) -> None:
        """Three maintenance companies (维保单位) of the county with their certificates; the
        codes' bodies are fixed (no draw from the generator's random stream)."""
        rows = []
        for n, (name, level, until) in enumerate(
            (
                ("盐城安泰消防技术服务有限公司", "class1", date(2028, 6, 30)),
                ("大丰区恒安消防设施维保有限公司", "class2", date(2027, 3, 31)),
                ("江苏苏北消防工程检测有限公司", "ungraded", date(2029, 12, 31)),
            ),
            start=1,
        ):
            rows.append({
                "code": uscc_with_check_digit(f"91{COUNTY_CODE}MB{n:07d}"[:17]),
                "name": name, "jurisdiction_code": COUNTY_CODE, "phone": f"0515-8356{n:04d}",
                "cert_number": f"苏消技服字第{3200 + n}号", "cert_level": level,
                "cert_valid_until": until.isoformat(),
            })  # fmt: skip
        self.data.batches["maintenance-companies"] = rows

    def landmarks(self) -> None:
        """The names callers give instead of an address (地标): each town's and subdistrict's
        bus station and square, a little off the junction nearest its seat and inside it, with
        the everyday name (俗称) beside the full one. Fixed, no draw from the random stream."""
        net = self.layout.network
        rows: list[dict[str, Any]] = []
        for place in PLACES:
            if place.kind not in ("town", "subdistrict"):
                continue
            seat = self.frame.to_m(place.lon, place.lat)
            nodes = sorted(
                {i for seg in net.segments for i in (seg.a, seg.b)},
                key=lambda i: (math.dist(net.nodes[i], seat), i),
            )[:40]
            for suffix, category, alias, (dx, dy) in (
                ("汽车站", "transport", "{short}车站", (-45.0, 40.0)),
                ("文化广场", "square", "{short}广场", (60.0, -35.0)),
            ):
                spot = next(
                    (
                        (net.nodes[i][0] + dx, net.nodes[i][1] + dy)
                        for i in nodes
                        if self.layout.locate(net.nodes[i][0] + dx, net.nodes[i][1] + dy)
                        == place.code
                    ),
                    None,
                )
                if spot is None:
                    continue
                lon, lat = self.ll(*spot)
                rows.append({
                    "code": f"DB-{place.code[-3:]}-{len(rows) + 1:02d}",
                    "name": f"{place.name}{suffix}", "category": category,
                    "aliases": alias.format(short=place.short), "lon": lon, "lat": lat,
                    "jurisdiction_code": place.code,
                })  # fmt: skip
        self.data.batches["landmarks"] = rows

    def check_inside(self) -> None:
        """Every point record must lie inside the real outline (a generator bug otherwise)."""
        county = prep(self.layout.county_ll)
        for slug in ("units", "buildings", "stations", "water-sources", "devices", "landmarks"):
            for row in self.data.batches[slug]:
                if not county.contains(Point(row["lon"], row["lat"])):
                    raise RuntimeError(f"{slug} {row['code']} lies outside the county")


def _mid(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    return (a[0] + b[0]) / 2, (a[1] + b[1]) / 2


def fire_systems(
    use: BuildingUse, height_m: float, category: UnitCategory, floors: int
) -> list[FireSystem]:
    """Fire systems a building of this kind usually has (a simplification of GB 50016-2014
    §8 and GB 50974-2014: high-rise buildings carry the full set; small premises little)."""
    if category in (UnitCategory.NINE_SMALL, UnitCategory.THREE_IN_ONE):
        return [FireSystem.EMERGENCY_LIGHTING] if floors > 1 else []
    systems = [FireSystem.OUTDOOR_HYDRANT, FireSystem.EMERGENCY_LIGHTING]
    if height_m > 24 or (use is not BuildingUse.RESIDENTIAL and floors >= 3):
        systems.append(FireSystem.INDOOR_HYDRANT)
    if (height_m > 24 and use is not BuildingUse.RESIDENTIAL) or height_m > 54:
        systems += [FireSystem.AUTOMATIC_ALARM, FireSystem.SPRINKLER, FireSystem.SMOKE_CONTROL,
                    FireSystem.FIRE_DOORS, FireSystem.CONTROL_ROOM]  # fmt: skip
    elif height_m > 24:
        systems += [FireSystem.SMOKE_CONTROL, FireSystem.FIRE_DOORS]
    elif (
        category in (UnitCategory.KEY, UnitCategory.HIGH_RISK)
        and use is not BuildingUse.RESIDENTIAL
    ):
        systems += [FireSystem.AUTOMATIC_ALARM, FireSystem.CONTROL_ROOM]
        if use in (BuildingUse.COMMERCIAL, BuildingUse.WAREHOUSE):
            systems.append(FireSystem.SPRINKLER)
    if category is UnitCategory.HIGH_RISK:
        systems.append(FireSystem.ELECTRICAL_MONITORING)
    return systems
