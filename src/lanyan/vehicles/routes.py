"""HTTP routes of vehicles in the field: their current positions and terminal binding."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.timeutil import utcnow
from lanyan.vehicles import service
from lanyan.vehicles.schemas import BindTerminal, TerminalPublic, VehiclePositionPublic

VEHICLES = "vehicles"
router = APIRouter(prefix="/api/vehicles", tags=["Vehicles 车辆"])
reader, writer = require(VEHICLES, "read"), require(VEHICLES, "write")
VehiclePositionPage = Page[VehiclePositionPublic]


@router.get(
    "/positions",
    response_model=VehiclePositionPage,
    summary="Vehicles' current positions, by vehicle code",
)
def positions(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    bbox: Annotated[
        str | None,
        Query(max_length=100, description="min_lon,min_lat,max_lon,max_lat: only inside it"),
    ] = None,
    stale_minutes: Annotated[
        int, Query(ge=1, le=1440, description="no report for this long: stale")
    ] = service.STALE_MINUTES,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    box = service.Box.parse(bbox) if bbox else None
    items, total = service.live_positions(
        session, user.scope, utcnow(), page, size, box, stale_minutes
    )
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/terminals",
    response_model=TerminalPublic,
    status_code=201,
    summary="Bind a JT/T 808 terminal to a vehicle",
)
def bind_terminal(
    session: SessionDep, user: Annotated[CurrentUser, writer], payload: BindTerminal
) -> Any:
    terminal = service.bind_terminal(session, user.scope, payload.phone, payload.vehicle_code)
    return {"phone": terminal.phone, "vehicle_code": payload.vehicle_code}
