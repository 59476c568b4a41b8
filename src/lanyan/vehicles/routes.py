"""HTTP routes of vehicles in the field: their current positions and terminal binding."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.timeutil import utcnow
from lanyan.vehicles import service
from lanyan.vehicles.schemas import (
    BindTerminal,
    BrowserPosition,
    BrowserPositionStored,
    TerminalPublic,
    TrackPoint,
    VehiclePositionPublic,
)

VEHICLES = "vehicles"
router = APIRouter(prefix="/api/vehicles", tags=["Vehicles 车辆"])
reader, writer = require(VEHICLES, "read"), require(VEHICLES, "write")
VehiclePositionPage = Page[VehiclePositionPublic]
TrackPointPage = Page[TrackPoint]


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


@router.get(
    "/{code}/track",
    response_model=TrackPointPage,
    summary="A vehicle's track: its stored positions of the last minutes, oldest first",
)
def vehicle_track(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    code: str,
    minutes: Annotated[
        int, Query(ge=1, le=1440, description="how far back, in minutes")
    ] = service.TRACK_MINUTES,
    page: PageNo = 1,
    size: PageSize = 500,
) -> Any:
    items, total = service.track(
        session, user.scope, code, utcnow() - timedelta(minutes=minutes), page, size
    )
    return {"items": items, "total": total, "page": page, "size": size}


# Twice a second: a report reaches the screen within ~0.5 s + the commit (target p99 ≤ 1 s,
# bench/jt808.py), for one indexed query per subscriber per poll.
POLL_S = 0.5
KEEPALIVE_S = 15.0


@router.get(
    "/positions/stream",
    summary="Server-sent events: a vehicle's position each time it changes",
    response_class=StreamingResponse,
)
async def position_stream(request: Request, user: Annotated[CurrentUser, reader]) -> Any:
    """``event: position`` with one ``VehiclePositionPublic`` (JSON) per changed vehicle, read
    from the store every half second, so positions stored by any process (``lanyan jt808 serve``,
    the MQTT ingest) arrive. Starts with ``event: ready``; ``: keep-alive`` every 15 s."""
    factory = request.app.state.sessions
    feed = service.PositionFeed(user.scope, utcnow())

    def poll() -> list[dict[str, Any]]:
        with factory() as session:
            return feed.poll(session, utcnow())

    async def events() -> AsyncIterator[str]:
        yield "retry: 3000\nevent: ready\ndata: {}\n\n"
        quiet = 0.0
        while True:
            await asyncio.sleep(POLL_S)
            if await request.is_disconnected():
                return
            changes = await asyncio.to_thread(poll)
            for item in changes:
                data = json.dumps(jsonable_encoder(item), ensure_ascii=False, separators=(",", ":"))
                yield f"event: position\ndata: {data}\n\n"
            quiet = 0.0 if changes else quiet + POLL_S
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


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


@router.post(
    "/{code}/position",
    response_model=BrowserPositionStored,
    status_code=201,
    summary="A position from the crew terminal's browser geolocation",
)
def browser_position(
    code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
    payload: BrowserPosition,
) -> Any:
    now = utcnow()
    live = service.browser_position(
        session,
        user.scope,
        code,
        payload.lat,
        payload.lon,
        (payload.at or now).replace(microsecond=0),
        now,
        payload.speed_kmh,
        payload.heading,
    )
    return {"vehicle_code": code, "lat": live.lat, "lon": live.lon, "reported_at": live.reported_at}
