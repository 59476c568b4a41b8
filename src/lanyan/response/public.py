"""What the command and rescue domain (指挥救援) tells other domains: its public read functions.

* :func:`get_by_code`: one incident (警情) as plain :class:`IncidentFacts`;
* :func:`closed_without`: closed incidents of a type that lack something another domain keeps
  (the fire statistics' missing-records list);
* :func:`nearest_closed`: the closed incident of a type nearest a time in one jurisdiction that
  lacks something another domain keeps (a declared fire loss finds its fire);
* :func:`active_incidents`: the newest active incidents in a scope (a dispatch form's choices);
* :func:`code_of`: the incident code of an ``incident_id`` column, for another domain's export;
* :func:`dispatch_orders`: where dispatched vehicles are bound (the vehicle simulator follows them);
* :func:`vehicle_times`: each dispatched vehicle's times from the crew terminal and its
  response time (出动 → 到场), for the fire record;
* :func:`incidents_by_type`, :func:`open_incidents`, :func:`arrival_minutes`: the command
  hall's big screen (指挥大屏).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import Session

from lanyan.registry.models import Jurisdiction, Station, Vehicle
from lanyan.registry.scope import Scope
from lanyan.response.choices import IncidentStatus, TimelineStep
from lanyan.response.crew import TIME_FIELD, response_seconds
from lanyan.response.models import Dispatch, Incident, IncidentEvent
from lanyan.store.paging import paginate


@dataclass(frozen=True)
class IncidentFacts:
    """An incident as another domain needs it; ``received_at`` is aware UTC."""

    id: int
    code: str  # 警情编号
    incident_type: str  # response.choices.IncidentType value
    status: str  # response.choices.IncidentStatus value
    alarm_level: int
    building_class: str | None  # response.choices.BuildingClass value
    received_at: datetime
    address: str
    lon: float | None
    lat: float | None
    unit_id: int | None
    building_id: int | None
    jurisdiction_id: int

    @property
    def closed(self) -> bool:
        return self.status == IncidentStatus.CLOSED.value


def _facts(row: Incident) -> IncidentFacts:
    return IncidentFacts(
        row.id,
        row.code,
        row.incident_type,
        row.status,
        row.alarm_level,
        row.building_class,
        row.received_at,
        row.address,
        row.lon,
        row.lat,
        row.unit_id,
        row.building_id,
        row.jurisdiction_id,
    )


def get_by_code(session: Session, code: str, scope: Scope | None = None) -> IncidentFacts | None:
    """The incident ``code`` (inside ``scope`` when given), None when there is none."""
    query = select(Incident).where(Incident.code == code)
    if scope is not None:
        query = query.where(scope.within(Incident.jurisdiction_id))
    row = session.execute(query).scalar_one_or_none()
    return _facts(row) if row is not None else None


@dataclass(frozen=True)
class ClosedIncident:
    id: int
    code: str
    received_at: datetime
    address: str
    jurisdiction: str  # the jurisdiction's name


def closed_without(
    session: Session,
    scope: Scope,
    incident_type: str,
    has: Callable[[Any], ColumnElement[bool]],
    limit: int = 500,
) -> list[ClosedIncident]:
    """Closed incidents of ``incident_type`` inside ``scope`` for which ``has(Incident.id)`` is
    false (e.g. an EXISTS over the caller's table), newest first, at most ``limit``."""
    rows = session.execute(
        select(
            Incident.id, Incident.code, Incident.received_at, Incident.address, Jurisdiction.name
        )
        .join(Jurisdiction, Jurisdiction.id == Incident.jurisdiction_id)
        .where(
            Incident.incident_type == incident_type,
            Incident.status == IncidentStatus.CLOSED.value,
            ~has(Incident.id),
            scope.within(Incident.jurisdiction_id),
        )
        .order_by(Incident.received_at.desc())
        .limit(limit)
    ).all()
    return [ClosedIncident(*r) for r in rows]


def nearest_closed(
    session: Session,
    scope: Scope,
    incident_type: str,
    jurisdiction_id: int,
    at: datetime,
    window: timedelta,
    has: Callable[[Any], ColumnElement[bool]],
) -> str | None:
    """The code of the closed incident of ``incident_type`` in ``jurisdiction_id`` (inside
    ``scope``) received within ``window`` of ``at`` and lacking ``has``, the nearest in time."""
    rows = session.execute(
        select(Incident.code, Incident.received_at)
        .where(
            Incident.incident_type == incident_type,
            Incident.status == IncidentStatus.CLOSED.value,
            Incident.jurisdiction_id == jurisdiction_id,
            Incident.received_at.between(at - window, at + window),
            ~has(Incident.id),
            scope.within(Incident.jurisdiction_id),
        )
        .order_by(Incident.received_at)
    ).all()
    if not rows:
        return None
    return str(min(rows, key=lambda r: abs((r.received_at - at).total_seconds())).code)


def active_incidents(session: Session, scope: Scope, limit: int) -> list[Any]:
    """(code, address, incident_type) of the ``limit`` newest active incidents in ``scope``."""
    return list(
        session.execute(
            select(Incident.code, Incident.address, Incident.incident_type)
            .where(scope.within(Incident.jurisdiction_id), Incident.status == "active")
            .order_by(Incident.received_at.desc())
            .limit(limit)
        ).all()
    )


def code_of(incident_id: Any) -> ScalarSelect[str]:
    """A scalar subquery: the code of the incident ``incident_id`` (a column), NULL for none."""
    return select(Incident.code).where(Incident.id == incident_id).scalar_subquery()


@dataclass(frozen=True)
class DispatchOrder:
    """A vehicle on an unreleased dispatch (出动中) and where its incident is (WGS-84)."""

    vehicle_id: int
    incident_code: str
    lon: float | None
    lat: float | None


def dispatch_orders(session: Session, vehicle_ids: list[int]) -> list[DispatchOrder]:
    """The unreleased dispatches of ``vehicle_ids`` (at most one each: see ``Dispatch``)."""
    if not vehicle_ids:
        return []
    rows = session.execute(
        select(Dispatch.vehicle_id, Incident.code, Incident.lon, Incident.lat)
        .join(Incident, Incident.id == Dispatch.incident_id)
        .where(Dispatch.vehicle_id.in_(vehicle_ids), Dispatch.released_at.is_(None))
        .order_by(Dispatch.vehicle_id)
    )
    return [DispatchOrder(v, code, lon, lat) for v, code, lon, lat in rows]


def incidents_by_type(session: Session, scope: Scope, since: datetime) -> dict[str, int]:
    """How many incidents in ``scope`` were received since ``since``, by incident type."""
    rows = session.execute(
        select(Incident.incident_type, func.count())
        .where(scope.within(Incident.jurisdiction_id), Incident.received_at >= since)
        .group_by(Incident.incident_type)
    ).all()
    return {kind: n for kind, n in rows}


def open_incidents(session: Session, scope: Scope, page: int, size: int) -> tuple[list[Any], int]:
    """One page of the active incidents in ``scope``, newest first: (code, incident_type,
    alarm_level, address, lon, lat, received_at) rows, and how many there are."""
    stmt = (
        select(
            Incident.code,
            Incident.incident_type,
            Incident.alarm_level,
            Incident.address,
            Incident.lon,
            Incident.lat,
            Incident.received_at,
        )
        .where(scope.within(Incident.jurisdiction_id), Incident.status == IncidentStatus.ACTIVE)
        .order_by(Incident.received_at.desc(), Incident.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    return list(rows), total


def arrival_minutes(session: Session, scope: Scope, since: datetime) -> list[float]:
    """Response times (接警 → first 到场, minutes) of the incidents in ``scope`` received since
    ``since`` that have an arrival, shortest first."""
    first_arrival = (
        select(IncidentEvent.incident_id, func.min(IncidentEvent.at).label("at"))
        .where(IncidentEvent.step == TimelineStep.ARRIVED.value)
        .group_by(IncidentEvent.incident_id)
        .subquery()
    )
    rows = session.execute(
        select(Incident.received_at, first_arrival.c.at)
        .join(first_arrival, first_arrival.c.incident_id == Incident.id)
        .where(scope.within(Incident.jurisdiction_id), Incident.received_at >= since)
    ).all()
    return sorted(max((at - received).total_seconds(), 0.0) / 60 for received, at in rows)


def vehicle_times(session: Session, incident_id: int) -> list[dict[str, Any]]:
    """Each dispatch of the incident, in dispatch order: the vehicle, its station, the crew
    status, every move time (ISO 8601, None when not reported) and ``response_s`` (出动 → 到场,
    seconds; None without both)."""
    rows = session.execute(
        select(Dispatch, Vehicle.code, Station.code)
        .join(Vehicle, Vehicle.id == Dispatch.vehicle_id)
        .join(Station, Station.id == Dispatch.station_id)
        .where(Dispatch.incident_id == incident_id)
        .order_by(Dispatch.dispatched_at, Dispatch.id)
    ).all()
    out = []
    for d, vehicle, station in rows:
        times = {name: getattr(d, name) for name in ["dispatched_at", *TIME_FIELD.values()]}
        out.append(
            {
                "vehicle": vehicle,
                "station": station,
                "crew_status": d.crew_status,
                **{k: v.isoformat() if v is not None else None for k, v in times.items()},
                "response_s": response_seconds(d.turned_out_at, d.arrived_at),
            }
        )
    return out
