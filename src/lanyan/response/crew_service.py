"""The crew terminal's service (移动作战终端): a vehicle's current assignment and its moves.

A move (:func:`move`) locks the dispatch, asks the rules (:mod:`.crew`), stamps the move's time
on the dispatch, writes an audit row and, when it follows, the incident's timeline step (the
first vehicle's 到场/出水/控制, the last vehicle's 归队) in the same transaction. 返回 releases
the dispatch and makes the vehicle available again.

Who may act for a vehicle: a user who may write incidents (dispatcher, commander) and whose
jurisdiction holds the vehicle's station: a station's duty officer, or the crew's own account,
is a dispatcher scoped to the station's jurisdiction, as for the station terminal
(:mod:`.turnout`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from lanyan.core.errors import Forbidden, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.choices import VehicleStatus
from lanyan.registry.models import Building, Jurisdiction, Station, Unit, Vehicle
from lanyan.registry.scope import Scope, row_path
from lanyan.response import crew, preplans, turnout
from lanyan.response.choices import CrewStatus, IncidentStatus, TimelineStep
from lanyan.response.incidents import append_step, history
from lanyan.response.models import Dispatch, Incident
from lanyan.response.recommend_service import building_facts
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.vehicles import public as vehicles_public

# (session, from lon, from lat, to lon, to lat) → (seconds, metres, [[lon, lat], …]) by road.
RoadPath = Callable[
    [Session, float, float, float, float], tuple[float, float, list[list[float]]] | None
]


def vehicle_in_scope(session: Session, scope: Scope, code: str) -> Vehicle:
    """The vehicle by code, if the user's jurisdiction holds its station (403, 404)."""
    row = session.execute(
        select(Vehicle, Jurisdiction.path)
        .join(Station, Station.id == Vehicle.station_id)
        .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
        .where(Vehicle.code == code)
    ).first()
    if row is None:
        raise NotFound(f"vehicle {code} not found")
    vehicle, path = row
    if not (scope.unrestricted or path.startswith(scope.path)):
        raise Forbidden(f"vehicle {code} is outside your jurisdiction")
    return vehicle


def _newer_exists(dispatch: Any) -> Any:
    later = aliased(Dispatch)
    return (
        select(later.id)
        .where(later.vehicle_id == dispatch.vehicle_id, later.id > dispatch.id)
        .exists()
    )


def current_dispatch(session: Session, vehicle_id: int) -> Dispatch | None:
    """The vehicle's dispatch the crew terminal shows: its unreleased one, else its latest one
    still 返回 (on the way home, not sent again)."""
    active = session.execute(
        select(Dispatch).where(Dispatch.vehicle_id == vehicle_id, Dispatch.released_at.is_(None))
    ).scalar_one_or_none()
    if active is not None:
        return active
    return session.execute(
        select(Dispatch)
        .where(
            Dispatch.vehicle_id == vehicle_id,
            Dispatch.crew_status == CrewStatus.RETURNING.value,
            ~_newer_exists(Dispatch),
        )
        .order_by(Dispatch.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _run(session: Session, d: Dispatch, code: str) -> crew.Run:
    status = CrewStatus(d.crew_status)
    last = getattr(d, crew.TIME_FIELD[status]) if status in crew.TIME_FIELD else d.dispatched_at
    sent_again = session.execute(
        select(exists().where(Dispatch.vehicle_id == d.vehicle_id, Dispatch.id > d.id))
    ).scalar()
    return crew.Run(
        d.id,
        code,
        status,
        last_at=last or d.dispatched_at,
        released=d.released_at is not None and status is not CrewStatus.RETURNING,
        sent_again=bool(sent_again),
    )


def move(
    session: Session,
    actor: Actor,
    scope: Scope,
    dispatch_id: int,
    to: CrewStatus,
    at: datetime | None = None,
) -> Dispatch:
    """One move of the vehicle on ``dispatch_id`` (the caller's session commits)."""
    audit.begin_write(session)
    row = session.execute(
        select(Dispatch, Vehicle, Jurisdiction.path)
        .join(Vehicle, Vehicle.id == Dispatch.vehicle_id)
        .join(Station, Station.id == Dispatch.station_id)
        .join(Jurisdiction, Jurisdiction.id == Station.jurisdiction_id)
        .where(Dispatch.id == dispatch_id)
        .with_for_update(of=Dispatch)
    ).first()
    if row is None:
        raise NotFound(f"dispatch {dispatch_id} not found")
    dispatch, vehicle, path = row
    if not (scope.unrestricted or path.startswith(scope.path)):
        raise Forbidden(f"dispatch {dispatch_id} is outside your jurisdiction")
    run = _run(session, dispatch, vehicle.code)
    when = at or utcnow()
    event = run.move(to, when, actor.username)
    before = dispatch.crew_status
    dispatch.crew_status = to.value
    setattr(dispatch, crew.TIME_FIELD[to], when)
    if to is CrewStatus.RETURNING and dispatch.released_at is None:
        dispatch.released_at = when  # the vehicle may be sent again from where it is
        session.execute(
            update(Vehicle)
            .where(Vehicle.id == vehicle.id, Vehicle.status == VehicleStatus.DISPATCHED.value)
            .values(status=VehicleStatus.AVAILABLE.value)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    incident = session.execute(
        select(Incident).where(Incident.id == dispatch.incident_id).with_for_update()
    ).scalar_one()
    audit.record(
        session,
        actor,
        "crew_status",
        "vehicles",
        vehicle.id,
        {"crew_status": before},
        {"crew_status": to.value, "at": when.isoformat(), "incident": incident.code},
        scope_path=row_path(session, vehicle),
    )
    _follow_on_incident(session, actor, incident, dispatch, event)
    return dispatch


def _others_out(session: Session, dispatch: Dispatch) -> bool:
    """Another vehicle of the incident is not back: unreleased, or 返回 and not sent again."""
    return bool(
        session.execute(
            select(
                exists().where(
                    Dispatch.incident_id == dispatch.incident_id,
                    Dispatch.id != dispatch.id,
                    or_(
                        Dispatch.released_at.is_(None),
                        and_(
                            Dispatch.crew_status == CrewStatus.RETURNING.value,
                            ~_newer_exists(Dispatch),
                        ),
                    ),
                )
            )
        ).scalar()
    )


def _follow_on_incident(
    session: Session, actor: Actor, incident: Incident, dispatch: Dispatch, event: crew.VehicleMoved
) -> None:
    """Write the incident's step the move gives, when its own timeline rule accepts it."""
    if incident.status != IncidentStatus.ACTIVE.value:
        return
    done = frozenset(TimelineStep(e.step) for e in history(session, incident.id))
    step = crew.incident_step(event.after, done, _others_out(session, dispatch))
    if step is None:
        return
    try:
        with session.begin_nested():
            append_step(session, actor, incident, step, event.at, event.vehicle)
    except ValidationFailed:
        pass  # e.g. 出水 after the incident's 控制: the vehicle's time is kept, not the step


def times_of(d: Dispatch) -> dict[str, Any]:
    """The vehicle's move times on a dispatch and its response time (出动 → 到场, seconds)."""
    out: dict[str, Any] = {name: getattr(d, name) for name in crew.TIME_FIELD.values()}
    out["response_s"] = crew.response_seconds(d.turned_out_at, d.arrived_at)
    return out


def assignment(
    session: Session,
    vehicle: Vehicle,
    road: RoadPath | None = None,
    dispatch: Dispatch | None = None,
) -> dict[str, Any]:
    """What the crew terminal shows: the vehicle, its current dispatch (None when it has none;
    ``dispatch`` shows that one instead, e.g. the one just moved to 归队) with the incident,
    the road route from the vehicle's live position (else its station), the nearest water, the
    building's facts and the pre-plan, and the moves open now."""
    station = session.get(Station, vehicle.station_id)
    assert station is not None  # foreign key
    out: dict[str, Any] = {
        "vehicle_code": vehicle.code,
        "vehicle_type": vehicle.vehicle_type,
        "plate": vehicle.plate,
        "vehicle_status": vehicle.status,
        "station_code": station.code,
        "station_name": station.name,
        "dispatch": None,
    }
    d = dispatch or current_dispatch(session, vehicle.id)
    if d is None:
        return out
    incident = session.get(Incident, d.incident_id)
    assert incident is not None
    status = CrewStatus(d.crew_status)
    fix = vehicles_public.latest_fixes(session, [vehicle.id], utcnow()).get(vehicle.id)
    if fix is not None and not fix.stale:
        start, x0, y0 = "position", fix.lon, fix.lat
    else:
        start, x0, y0 = "station", station.lon, station.lat
    route = None
    if incident.lon is not None and incident.lat is not None and status is not CrewStatus.BACK:
        target = (
            (station.lon, station.lat)
            if status is CrewStatus.RETURNING
            else (incident.lon, incident.lat)
        )
        found = road(session, x0, y0, *target) if road is not None else None
        route = {
            "start": start,
            "to": "station" if status is CrewStatus.RETURNING else "incident",
            "from_lon": x0,
            "from_lat": y0,
            "seconds": found[0] if found else None,
            "meters": round(found[1]) if found else None,
            "path": found[2] if found else [],
        }
    building = session.get(Building, incident.building_id) if incident.building_id else None
    unit = session.get(Unit, incident.unit_id) if incident.unit_id else None
    plan = preplans.preplan_for(session, incident.unit_id, incident.building_id)
    open_ = d.released_at is None or status is CrewStatus.RETURNING
    out["dispatch"] = {
        "id": d.id,
        "incident_id": incident.id,
        "incident_code": incident.code,
        "incident_type": incident.incident_type,
        "incident_status": incident.status,
        "alarm_level": incident.alarm_level,
        "address": incident.address,
        "lon": incident.lon,
        "lat": incident.lat,
        "dispatched_at": d.dispatched_at,
        "acknowledged_at": d.acknowledged_at,
        "status": status.value,
        "next": [m.value for m in crew.next_moves(status)] if open_ else [],
        **times_of(d),
        "route": route,
        "water": (
            turnout.nearest_water(session, incident.lon, incident.lat)
            if incident.lon is not None and incident.lat is not None
            else []
        ),
        "place": building_facts(session, building, unit),
        "preplan_id": plan.id if plan is not None else None,
    }
    return out


def vehicle_by_id(session: Session, vehicle_id: int) -> Vehicle:
    vehicle = session.get(Vehicle, vehicle_id)
    if vehicle is None:
        raise NotFound(f"vehicle {vehicle_id} not found")
    return vehicle
