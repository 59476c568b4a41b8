"""What the command and rescue domain (指挥救援) tells other domains: its public read functions.

* :func:`get_by_code`: one incident (警情) as plain :class:`IncidentFacts`;
* :func:`closed_without`: closed incidents of a type that lack something another domain keeps
  (the fire statistics' missing-records list);
* :func:`active_incidents`: the newest active incidents in a scope (a dispatch form's choices);
* :func:`code_of`: the incident code of an ``incident_id`` column, for another domain's export;
* :func:`dispatch_orders`: where dispatched vehicles are bound (the vehicle simulator follows them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, select
from sqlalchemy.orm import Session

from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.response.choices import IncidentStatus
from lanyan.response.models import Dispatch, Incident


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
