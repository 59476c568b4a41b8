"""HTTP routes of command and rescue: incidents, timeline, recommendation, dispatch."""

from __future__ import annotations

import logging
import threading
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.registry.models import Building, Unit
from lanyan.response import (
    dispatch,
    from_alarms,
    incidents,
    lifecycle_service,
    reinforcement_service,
)
from lanyan.response.choices import BuildingClass, IncidentStatus, IncidentType
from lanyan.response.recommend_service import NetworkProvider, recommendation
from lanyan.response.routing.networks import GraphCache
from lanyan.response.routing.speeds import SpeedTable
from lanyan.response.runcards import RunCards
from lanyan.response.schemas import (
    CallCreate,
    CancelRequest,
    DispatchCommit,
    IncidentCreate,
    IncidentEdit,
    IncidentPublic,
    LevelChange,
    MergeRequest,
    ReinforcementCreate,
    ReinforcementPublic,
    StepCreate,
)

log = logging.getLogger(__name__)
SLUG = incidents.SLUG
router = APIRouter(prefix="/api/incidents", tags=["Incidents 警情"])
reader = require(SLUG, "read")
writer = require(SLUG, "write")


_PROVIDER_LOCK = threading.Lock()


def provider_of(state: Any) -> tuple[NetworkProvider, RunCards]:
    """The app's network provider and run cards (``app.state``), made on first use and kept."""
    with _PROVIDER_LOCK:
        if getattr(state, "response_provider", None) is None:
            settings = state.settings
            state.response_provider = NetworkProvider(
                SpeedTable.load(), GraphCache(settings.data_dir / "networks")
            )
            state.response_runcards = RunCards.load()
    return state.response_provider, state.response_runcards


def _provider(request: Request) -> tuple[NetworkProvider, RunCards]:
    return provider_of(request.app.state)


def warm_network(state: Any) -> bool:
    """Build the road network and the station and water lookups now (``lanyan serve`` calls it
    in a thread at start), so the first 119 recommendation after a restart is as fast as the
    next: the compiled graph is also cached on disk (``<data_dir>/networks``, keyed by the
    roads). False when there is nothing to build (no roads) or the database is not ready."""
    provider, _cards = provider_of(state)
    try:
        with state.sessions() as session:
            provider.network(session)
    except Exception:  # no roads yet, an empty database: the first request says why
        log.info("road network not built at start", exc_info=True)
        return False
    return True


@router.post("", response_model=IncidentPublic, status_code=201, summary="Record a 119 call")
def create(
    payload: Annotated[IncidentCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = incidents.create_incident(session, user.actor, user.scope, payload)
    return incidents.public(session, row)


@router.post(
    "/from-alarm/{alarm_id}",
    response_model=IncidentPublic,
    status_code=201,
    summary="Open the incident of a confirmed IoT fire alarm (200 when it is already open)",
)
def open_from_alarm(
    alarm_id: int,
    response: Response,
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row, opened = from_alarms.open_from_alarm(session, user.actor, user.scope, alarm_id)
    if not opened:
        response.status_code = 200
    return incidents.public(session, row)


@router.get(
    "/by-alarm/{alarm_id}",
    response_model=IncidentPublic,
    summary="The incident an IoT fire alarm opened (404 when none)",
)
def by_alarm(alarm_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> Any:
    row = incidents.incident_for_alarm(session, alarm_id)
    if row is None or not user.scope.contains(session, row.jurisdiction_id):
        raise NotFound(f"no incident was opened from alarm {alarm_id} in your jurisdiction")
    return incidents.public(session, row)


@router.get("", response_model=Page[IncidentPublic], summary="List incidents, newest first")
def list_(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    status: IncidentStatus | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = incidents.list_incidents(session, user.scope, status, page, size)
    return {
        "items": [incidents.public(session, r) for r in rows],
        "total": total,
        "page": page,
        "size": size,
    }


@router.get("/{incident_id}", response_model=IncidentPublic, summary="Read one incident")
def read(incident_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> Any:
    return incidents.public(session, incidents.get_incident(session, user.scope, incident_id))


@router.patch(
    "/{incident_id}", response_model=IncidentPublic, summary="Edit an open incident (修改)"
)
def edit(
    incident_id: int,
    payload: Annotated[IncidentEdit, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = lifecycle_service.edit(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, row)


@router.post(
    "/{incident_id}/calls",
    response_model=IncidentPublic,
    status_code=201,
    summary="Record a further call about an open incident (多次报警)",
)
def add_call(
    incident_id: int,
    payload: Annotated[CallCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = lifecycle_service.add_call(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, row)


@router.post(
    "/{incident_id}/merge",
    response_model=IncidentPublic,
    summary="Merge a duplicate into another open incident (合并); returns the one kept",
)
def merge(
    incident_id: int,
    payload: Annotated[MergeRequest, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = lifecycle_service.merge(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, row)


@router.post(
    "/{incident_id}/cancel",
    response_model=IncidentPublic,
    summary="Cancel an incident that had no dispatch (撤销: 误报, 重复, 已处置)",
)
def cancel(
    incident_id: int,
    payload: Annotated[CancelRequest, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = lifecycle_service.cancel(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, row)


@router.post(
    "/{incident_id}/level",
    response_model=IncidentPublic,
    summary="Change the alarm level (调整等级); the run card follows it",
)
def level(
    incident_id: int,
    payload: Annotated[LevelChange, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = lifecycle_service.set_level(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, row)


@router.post(
    "/{incident_id}/timeline", response_model=IncidentPublic, summary="Record a timeline step"
)
def step(
    incident_id: int,
    payload: Annotated[StepCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    incidents.record_step(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, incidents.get_incident(session, user.scope, incident_id))


@router.get("/{incident_id}/recommendation", summary="Vehicles, water and facts for an incident")
def recommend_for_incident(
    incident_id: int,
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
) -> dict[str, Any]:
    row = incidents.get_incident(session, user.scope, incident_id)
    if row.lon is None or row.lat is None:
        raise ValidationFailed(
            f"incident {row.code} has no map point",
            [FieldProblem("lon", "must be set (pick the place on the map) to recommend")],
        )
    provider, cards = _provider(request)
    building = session.get(Building, row.building_id) if row.building_id else None
    unit = session.get(Unit, row.unit_id) if row.unit_id else None
    card = recommendation(
        session,
        provider,
        cards,
        row.lon,
        row.lat,
        IncidentType(row.incident_type),
        BuildingClass(row.building_class) if row.building_class else None,
        row.alarm_level,
        jurisdiction_id=row.jurisdiction_id,
        building=building,
        unit=unit,
    )
    reinforcement_service.mark_needs_request(session, user.scope, row.id, card)
    return card


@router.post(
    "/{incident_id}/dispatch",
    response_model=IncidentPublic,
    summary="Commit vehicles to an incident (writes 出动)",
)
def commit(
    incident_id: int,
    payload: Annotated[DispatchCommit, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    dispatch.commit(session, user.actor, user.scope, incident_id, payload)
    return incidents.public(session, incidents.get_incident(session, user.scope, incident_id))


@router.post(
    "/{incident_id}/reinforcements",
    response_model=list[ReinforcementPublic],
    status_code=201,
    summary="Request vehicles outside your jurisdiction (跨区增援请求, one per county)",
)
def request_reinforcement(
    incident_id: int,
    payload: Annotated[ReinforcementCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    rows = reinforcement_service.request(session, user.actor, user.scope, incident_id, payload)
    return [reinforcement_service.public(session, user.scope, r) for r in rows]


@router.get(
    "/{incident_id}/reinforcements",
    response_model=list[ReinforcementPublic],
    summary="Reinforcement requests of an incident, newest first",
)
def incident_reinforcements(
    incident_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]
) -> Any:
    row = incidents.get_incident(session, user.scope, incident_id)
    rows, _ = reinforcement_service.list_requests(
        session, user.scope, incident_id=row.id, side="outgoing", size=500
    )
    return [reinforcement_service.public(session, user.scope, r) for r in rows]
