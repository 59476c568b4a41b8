"""The database side of the recommendation: load stations, vehicles, water and building facts,
keep the :class:`ResponseNetwork` while none of them changed, and build the card."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.monitoring import public as monitoring
from lanyan.registry.models import (
    Building,
    Device,
    Jurisdiction,
    Station,
    Unit,
    Vehicle,
    WaterSource,
)
from lanyan.response import preplans
from lanyan.response.choices import BuildingClass, IncidentType
from lanyan.response.dispatch import home_path
from lanyan.response.incidents import building_class_of
from lanyan.response.recommend import (
    LivePoint,
    ResponseNetwork,
    StationSite,
    VehicleInfo,
    WaterPoint,
    recommend,
)
from lanyan.response.roads import road_rows
from lanyan.response.routing.networks import GraphCache, rows_graph
from lanyan.response.routing.router import Router
from lanyan.response.routing.speeds import SpeedTable
from lanyan.response.runcards import RunCards
from lanyan.risk import service as risk_service
from lanyan.vehicles import public as vehicles_public


@dataclass
class NetworkProvider:
    """Builds the response network from the registry and reuses it while roads, stations and
    water sources are unchanged (one process-wide instance per app or CLI run)."""

    speeds: SpeedTable
    cache: GraphCache | None = None
    max_snap_m: float = 500.0
    _key: str | None = None
    _net: ResponseNetwork | None = None
    # One build at a time: a request arriving during the start-up build waits for it.
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def network(self, session: Session) -> ResponseNetwork:
        with self._lock:
            return self._network(session)

    def _network(self, session: Session) -> ResponseNetwork:
        roads = road_rows(session)
        stations = _stations(session)
        water = _water(session)
        h = hashlib.sha256()
        for part in (
            [(r.code, r.road_class, r.speed_kmh, r.oneway, r.geometry) for r in roads],
            [s.__dict__ for s in stations],
            [w.__dict__ for w in water],
        ):
            h.update(json.dumps(part, sort_keys=True, default=str).encode())
        key = h.hexdigest()
        if self._net is None or key != self._key:
            if not roads:
                raise ValidationFailed(
                    "there is no road network",
                    [FieldProblem("roads", "must hold road segments to route on")],
                )
            graph = rows_graph(roads, self.speeds, self.cache)
            self._net = ResponseNetwork(Router(graph, self.max_snap_m), stations, water)
            self._key = key
        return self._net


def _stations(session: Session) -> list[StationSite]:
    rows = session.execute(
        select(Station, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
        .where(Station.status == "existing")
        .order_by(Station.code)
    ).all()
    return [StationSite(s.id, s.code, s.name, s.force_type, path, s.lon, s.lat) for s, path in rows]


def _water(session: Session) -> list[WaterPoint]:
    rows = session.execute(select(WaterSource).order_by(WaterSource.code)).scalars()
    return [WaterPoint(w.id, w.code, w.kind, w.status, w.lon, w.lat) for w in rows]


def _vehicles(session: Session) -> list[VehicleInfo]:
    """Every vehicle, each available one with its latest position from the vehicles domain
    (fresh or stale by that domain's rule; the recommendation decides where it starts)."""
    rows = list(session.execute(select(Vehicle).order_by(Vehicle.code)).scalars())
    fixes = vehicles_public.latest_fixes(
        session, [v.id for v in rows if v.status == "available"], utcnow()
    )
    out = []
    for v in rows:
        fix = fixes.get(v.id)
        live = LivePoint(fix.lon, fix.lat, fix.age_s, fix.stale) if fix is not None else None
        out.append(
            VehicleInfo(
                v.id, v.code, v.vehicle_type, v.status, v.station_id, v.ladder_height_m, live
            )
        )
    return out


def county_at(session: Session, lon: float, lat: float) -> Jurisdiction | None:
    """The county-level jurisdiction whose boundary holds the point, if boundaries are loaded."""
    point = shapely.Point(lon, lat)
    for j in session.execute(
        select(Jurisdiction).where(
            Jurisdiction.level == "county", Jurisdiction.boundary.is_not(None)
        )
    ).scalars():
        assert j.boundary is not None  # the query keeps only jurisdictions with a boundary
        if shapely.from_geojson(j.boundary).covers(point):
            return j
    return None


def building_facts(session: Session, building: Building | None, unit: Unit | None) -> dict | None:
    """What the card shows about the place: building, unit and its devices' status."""
    if building is None and unit is None:
        return None
    out: dict[str, Any] = {}
    if building is not None:
        out["building"] = {
            "code": building.code,
            "name": building.name,
            "address": building.address,
            "height_m": building.height_m,
            "floors_above": building.floors_above,
            "floors_below": building.floors_below,
            "use": building.use,
            "is_high_rise": building.is_high_rise,
            "fire_systems": building.fire_systems,
        }
        if unit is None and building.unit_id is not None:
            unit = session.get(Unit, building.unit_id)
    if unit is not None:
        out["unit"] = {
            "code": unit.code,
            "name": unit.name,
            "category": unit.category,
            "responsible_person": unit.responsible_person,
            "responsible_phone": unit.responsible_phone,
            "manager_person": unit.manager_person,
            "manager_phone": unit.manager_phone,
        }
        out["devices"] = dict(
            session.execute(
                select(Device.status, func.count())
                .where(Device.unit_id == unit.id)
                .group_by(Device.status)
            ).all()
        )
        out["monitoring"] = monitored_devices(session, unit.id)
        out["risk"] = unit_risk_grade(session, unit.id)
    plan = preplans.preplan_for(
        session, unit.id if unit is not None else None, building.id if building else None
    )
    out["preplan"] = preplans.summary(session, plan) if plan is not None else None
    return out


def monitored_devices(session: Session, unit_id: int, limit: int = 50) -> dict[str, Any]:
    """The unit's devices as the monitoring domain sees them (its public ``unit_devices``)."""
    return monitoring.unit_devices(session, unit_id, limit)


def unit_risk_grade(session: Session, unit_id: int) -> dict[str, Any] | None:
    """The unit's latest risk grade from the risk domain's public function (None: not scored)."""
    return risk_service.unit_risk_grade(session, unit_id)


def vehicle_routes(
    net: ResponseNetwork, card: dict[str, Any], lon: float, lat: float
) -> list[dict[str, Any]]:
    """Road route geometry to the incident from where each recommended vehicle starts: its
    station, or, for an available vehicle away from it (``start`` "position": returning, on
    patrol), its current position, the point its ETA was counted from. One search on the
    reversed graph for all of them; a station's route is drawn once for all its vehicles."""
    by_code = {st.code: st for st in net.stations}
    origins: dict[tuple[str, str], tuple[StationSite, float, float, str | None]] = {}
    for group in card["requirements"]:
        for v in group["vehicles"]:
            site = by_code.get(v["station"])
            if site is None:
                continue
            if v.get("start") == "position" and v.get("start_lon") is not None:
                key = ("vehicle", v["code"])
                origins.setdefault(key, (site, v["start_lon"], v["start_lat"], v["code"]))
            else:
                origins.setdefault(("station", site.code), (site, site.lon, site.lat, None))
    if not origins:
        return []
    target = net.snap(lon, lat)
    starts = list(origins.values())
    routes = net.router.many_to_one([(x, y) for _s, x, y, _v in starts], target, paths=True)
    out = []
    for (st, _x, _y, vehicle), route in zip(starts, routes, strict=True):
        r = route.as_dict()
        out.append(
            {
                "station": st.code,
                "station_name": st.name,
                "vehicle": vehicle,
                "start": "position" if vehicle is not None else "station",
                "reachable": r["reachable"],
                "seconds": r["seconds"],
                "meters": r["meters"],
                "path": r["path"],
                "reason": r["reason"],
            }
        )
    return out


def recommendation(
    session: Session,
    provider: NetworkProvider,
    runcards: RunCards,
    lon: float,
    lat: float,
    incident_type: IncidentType,
    building_class: BuildingClass | None = None,
    level: int = 1,
    jurisdiction_id: int | None = None,
    building: Building | None = None,
    unit: Unit | None = None,
) -> dict[str, Any]:
    """The recommendation card for a point (and, when known, its jurisdiction and building)."""
    if jurisdiction_id is None:
        county = county_at(session, lon, lat)
        jurisdiction_id = county.id if county else None
    home = home_path(session, jurisdiction_id) if jurisdiction_id is not None else None
    card = runcards.card_for(incident_type, building_class or building_class_of(building), level)
    net = provider.network(session)
    out = recommend(
        net,
        lon,
        lat,
        card,
        _vehicles(session),
        home,
        building_height_m=building.height_m if building is not None else None,
    )
    out["home_jurisdiction"] = (
        session.execute(
            select(Jurisdiction.code).where(Jurisdiction.id == jurisdiction_id)
        ).scalar_one()
        if jurisdiction_id is not None
        else None
    )
    out["place"] = building_facts(session, building, unit)
    out["routes"] = vehicle_routes(net, out, lon, lat)
    return out
