"""Turnout orders (出动指令): each dispatch as the station receives it, and its 签收.

One commit's dispatches of one station's vehicles are one order (one 出车单), named by its
first dispatch's id; the station acknowledges it once (``acknowledged_at``/``by`` on each of its
dispatches: the first acknowledgement is kept, a repeat changes nothing). Who may see and acknowledge a
station's orders is the usual scope rule: a user whose jurisdiction holds the station (a
station's duty officer is a dispatcher scoped to the station's jurisdiction).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, aliased

from lanyan.core.errors import Forbidden, NotFound
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Jurisdiction, Station, Vehicle, WaterSource
from lanyan.registry.scope import Scope
from lanyan.response import preplans
from lanyan.response.models import Dispatch, Incident
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

NEAR_WATER_M = 500.0  # hydrants listed on the order: within this straight-line distance
WATER_ON_ORDER = 3  # at most this many, nearest first


def station_in_scope(session: Session, scope: Scope, code: str) -> Station:
    """The station by code, if the user's jurisdiction holds it (403 if not, 404 if unknown)."""
    row = session.execute(
        select(Station, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
        .where(Station.code == code)
    ).first()
    if row is None:
        raise NotFound(f"station {code} not found")
    station, path = row
    if not (scope.unrestricted or path.startswith(scope.path)):
        raise Forbidden(f"station {code} is outside your jurisdiction")
    return station


def acknowledge(session: Session, actor: Actor, scope: Scope, dispatch_id: int) -> Dispatch:
    """签收: record the station's acknowledgement; the first one is kept. Commits."""
    audit.begin_write(session)
    row = session.execute(
        select(Dispatch, Station.code, Jurisdiction.path)
        .join(Station, Station.id == Dispatch.station_id)
        .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
        .where(Dispatch.id == dispatch_id)
        .with_for_update(of=Dispatch)
    ).first()
    if row is None:
        raise NotFound(f"dispatch {dispatch_id} not found")
    dispatch, station_code, path = row
    if not (scope.unrestricted or path.startswith(scope.path)):
        raise Forbidden(f"dispatch {dispatch_id} belongs to station {station_code}")
    siblings = session.execute(
        select(Dispatch)
        .where(_same_order(Dispatch, dispatch), Dispatch.acknowledged_at.is_(None))
        .order_by(Dispatch.id)
        .with_for_update()
    ).scalars()
    now = utcnow()
    for sibling in siblings:
        sibling.acknowledged_at, sibling.acknowledged_by = now, actor.username
        audit.record(
            session,
            actor,
            "acknowledge",
            "dispatches",
            sibling.id,
            None,
            {"acknowledged_at": now.isoformat(), "station": station_code},
            scope_path=path,
        )
    session.commit()
    return first_of_order(session, dispatch)


def _same_order(table: Any, dispatch: Dispatch) -> ColumnElement[bool]:
    """Dispatches of the same order as ``dispatch``: one station, one incident, one commit."""
    return and_(
        table.incident_id == dispatch.incident_id,
        table.station_id == dispatch.station_id,
        table.dispatched_at == dispatch.dispatched_at,
    )


def first_of_order(session: Session, dispatch: Dispatch) -> Dispatch:
    """The dispatch that names the order ``dispatch`` belongs to (its lowest id)."""
    return session.execute(
        select(Dispatch).where(_same_order(Dispatch, dispatch)).order_by(Dispatch.id).limit(1)
    ).scalar_one()


def _meters(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def nearest_water(session: Session, lon: float, lat: float) -> list[dict[str, Any]]:
    """Usable water sources within ``NEAR_WATER_M`` of the point, nearest first (at most
    ``WATER_ON_ORDER``), each with its straight-line distance in metres."""
    dlat = NEAR_WATER_M / 111_320.0
    dlon = NEAR_WATER_M / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    rows = session.execute(
        select(WaterSource).where(
            WaterSource.status == "intact",
            WaterSource.lon.between(lon - dlon, lon + dlon),
            WaterSource.lat.between(lat - dlat, lat + dlat),
        )
    ).scalars()
    measured = [(round(_meters(lon, lat, w.lon, w.lat)), w.code, w) for w in rows]
    near = sorted(t for t in measured if t[0] <= NEAR_WATER_M)[:WATER_ON_ORDER]
    return [
        {"code": w.code, "kind": w.kind, "meters": m, "address": w.address} for m, _c, w in near
    ]


# (session, from lon, from lat, to lon, to lat) → (seconds, metres) by road, None if no route.
RoadRoute = Callable[[Session, float, float, float, float], tuple[float, float] | None]


def order(session: Session, dispatch: Dispatch, road: RoadRoute | None = None) -> dict[str, Any]:
    """The 出车单 of one dispatch: the incident, its place, type and level, this station's
    vehicles on it, the route summary, the nearest water and the pre-plan's id if any.

    Route: ``eta_s`` is the road ETA stored when the dispatcher committed it from the
    recommendation (``eta_source`` "recommendation"), else the road router's (``road``,
    "road"); ``road_m`` the router's road distance; ``distance_m`` the straight line
    station→incident (metres)."""
    incident = session.get(Incident, dispatch.incident_id)
    station = session.get(Station, dispatch.station_id)
    assert incident is not None and station is not None  # foreign keys
    vehicles = session.execute(
        select(Vehicle.code, Vehicle.vehicle_type, Dispatch.capability)
        .join(Dispatch, Dispatch.vehicle_id == Vehicle.id)
        .where(
            Dispatch.incident_id == incident.id,
            Dispatch.station_id == station.id,
            Dispatch.dispatched_at == dispatch.dispatched_at,
        )
        .order_by(Vehicle.code)
    ).all()
    lon, lat = incident.lon, incident.lat
    routed = (
        road(session, station.lon, station.lat, lon, lat)
        if road is not None and lon is not None and lat is not None
        else None
    )
    eta_s, eta_source = dispatch.eta_s, "recommendation" if dispatch.eta_s is not None else None
    if eta_s is None and routed is not None:
        eta_s, eta_source = routed[0], "road"
    plan = preplans.preplan_for(session, incident.unit_id, incident.building_id)
    return {
        "id": dispatch.id,
        "incident_id": incident.id,
        "incident_code": incident.code,
        "incident_type": incident.incident_type,
        "alarm_level": incident.alarm_level,
        "address": incident.address,
        "station_code": station.code,
        "station_name": station.name,
        "vehicles": [{"code": c, "type": t, "capability": cap} for c, t, cap in vehicles],
        "eta_s": eta_s,
        "eta_source": eta_source,
        "road_m": round(routed[1]) if routed is not None else None,
        "distance_m": (
            round(_meters(station.lon, station.lat, lon, lat))
            if lon is not None and lat is not None
            else None
        ),
        "water": nearest_water(session, lon, lat) if lon is not None and lat is not None else [],
        "preplan_id": plan.id if plan is not None else None,
        "dispatched_at": dispatch.dispatched_at,
        "acknowledged_at": dispatch.acknowledged_at,
        "acknowledged_by": dispatch.acknowledged_by,
    }


def station_orders(
    session: Session,
    station_id: int,
    after_id: int = 0,
    limit: int = 50,
    road: RoadRoute | None = None,
) -> list[dict[str, Any]]:
    """This station's unreleased orders (one per commit) with id above ``after_id``, oldest first (the SSE
    stream's cursor; ``limit`` is one poll's batch, the next poll continues after it)."""
    other = aliased(Dispatch)
    earlier = (
        select(other.id)
        .where(
            other.incident_id == Dispatch.incident_id,
            other.station_id == Dispatch.station_id,
            other.dispatched_at == Dispatch.dispatched_at,
            other.id < Dispatch.id,
        )
        .exists()
    )
    rows = session.execute(
        select(Dispatch)
        .where(
            Dispatch.station_id == station_id,
            Dispatch.released_at.is_(None),
            Dispatch.id > after_id,
            ~earlier,
        )
        .order_by(Dispatch.id)
        .limit(limit)
    ).scalars()
    return [order(session, d, road) for d in rows]


@dataclass
class TurnoutFeed:
    """The SSE stream's cursor over one station's orders."""

    station_id: int
    after_id: int = 0
    road: RoadRoute | None = None

    def poll(self, session: Session) -> list[dict[str, Any]]:
        out = station_orders(session, self.station_id, self.after_id, road=self.road)
        if out:
            self.after_id = out[-1]["id"]
        return out


def unacknowledged(
    session: Session, scope: Scope, ack_s: int, page: int, size: int, now: datetime | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Unreleased orders in scope not acknowledged within ``ack_s`` seconds, oldest first."""
    cutoff = (now or utcnow()) - timedelta(seconds=ack_s)
    stmt = (
        select(Dispatch, Incident.code, Station.code, Station.name, Vehicle.code)
        .join(Incident, Incident.id == Dispatch.incident_id)
        .join(Station, Station.id == Dispatch.station_id)
        .join(Vehicle, Vehicle.id == Dispatch.vehicle_id)
        .where(
            Dispatch.acknowledged_at.is_(None),
            Dispatch.released_at.is_(None),
            Dispatch.dispatched_at <= cutoff,
            scope.within(Station.jurisdiction_id),
        )
        .order_by(Dispatch.dispatched_at, Dispatch.id)
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "id": d.id,
            "incident_id": d.incident_id,
            "incident_code": icode,
            "station_code": scode,
            "station_name": sname,
            "vehicle_code": vcode,
            "dispatched_at": d.dispatched_at,
        }
        for d, icode, scode, sname, vcode in rows
    ], total
