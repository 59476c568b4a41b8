"""HTTP routes of the crew terminal (移动作战终端): a vehicle's assignment and its moves."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import LanyanError
from lanyan.response import crew_service
from lanyan.response.routes.incidents import provider_of
from lanyan.response.schemas import CrewAssignment, CrewMove

router = APIRouter(prefix="/api", tags=["Crew terminal 移动作战终端"])
reader, writer = require("incidents", "read"), require("incidents", "write")


def road_path_of(request: Request) -> crew_service.RoadPath:
    """The road router of the app's response network, with the route's geometry."""
    provider, _cards = provider_of(request.app.state)

    def road(
        session: Session, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[float, float, list[list[float]]] | None:
        try:
            route = provider.network(session).router.many_to_one([(x0, y0)], (x1, y1), paths=True)[
                0
            ]
        except LanyanError:  # no road network, or a point too far from it
            return None
        if route.seconds is None or route.meters is None:
            return None
        return route.seconds, route.meters, route.as_dict()["path"]

    return road


@router.get(
    "/crew/{vehicle_code}",
    response_model=CrewAssignment,
    summary="The crew terminal's view of a vehicle: its current dispatch, route, water, place",
)
def assignment(
    vehicle_code: str, request: Request, session: SessionDep, user: Annotated[CurrentUser, reader]
) -> Any:
    vehicle = crew_service.vehicle_in_scope(session, user.scope, vehicle_code)
    return crew_service.assignment(session, vehicle, road_path_of(request))


@router.post(
    "/dispatches/{dispatch_id}/status",
    response_model=CrewAssignment,
    summary="A vehicle's move on its dispatch: 出动 → 途中 → 到场 → 出水 → 控制 → 返回 → 归队",
    responses={409: {"description": "a repeated, backward or skipped step (names `status`)"}},
)
def move(
    dispatch_id: int,
    payload: CrewMove,
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = crew_service.move(
        session, user.actor, user.scope, dispatch_id, payload.status, payload.at
    )
    vehicle = crew_service.vehicle_by_id(session, row.vehicle_id)
    return crew_service.assignment(session, vehicle, road_path_of(request), row)
