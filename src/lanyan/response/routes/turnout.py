"""HTTP routes of turnout orders (出动指令): a station's stream of orders and their 签收."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import LanyanError
from lanyan.response import turnout
from lanyan.response.routes.incidents import provider_of
from lanyan.response.schemas import TurnoutOrder, UnacknowledgedOrder

router = APIRouter(prefix="/api", tags=["Turnout 出动指令"])
reader, writer = require("incidents", "read"), require("incidents", "write")
POLL_S = 0.5
KEEPALIVE_S = 15.0


def road_of(request: Request) -> turnout.RoadRoute:
    """The road router of the app's response network (the recommendation's), for orders
    committed without a stored ETA."""
    provider, _cards = provider_of(request.app.state)

    def road(
        session: Any, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[float, float] | None:
        try:
            route = provider.network(session).router.many_to_one([(x0, y0)], (x1, y1))[0]
        except LanyanError:  # no road network, or a point too far from it
            return None
        if route.seconds is None or route.meters is None:
            return None
        return route.seconds, route.meters

    return road


@router.post(
    "/dispatches/{dispatch_id}/acknowledge",
    response_model=TurnoutOrder,
    summary="签收: the station acknowledges a turnout order (the first time is kept)",
)
def acknowledge(dispatch_id: int, session: SessionDep, user: Annotated[CurrentUser, writer]) -> Any:
    row = turnout.acknowledge(session, user.actor, user.scope, dispatch_id)
    return turnout.order(session, row)


@router.get(
    "/dispatches/unacknowledged",
    response_model=Page[UnacknowledgedOrder],
    summary="Turnout orders not acknowledged within the set time (turnout_ack_s)",
)
def unacknowledged(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    ack_s = request.app.state.settings.turnout_ack_s
    items, total = turnout.unacknowledged(session, user.scope, ack_s, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/stations/{code}/orders",
    response_model=list[TurnoutOrder],
    summary="A station's open turnout orders (出车单), oldest first",
)
def station_orders(
    code: str, request: Request, session: SessionDep, user: Annotated[CurrentUser, reader]
) -> Any:
    station = turnout.station_in_scope(session, user.scope, code)
    return turnout.station_orders(session, station.id, road=road_of(request))


@router.get(
    "/stations/{code}/orders/stream",
    summary="Server-sent events: each new turnout order of the station",
    response_class=StreamingResponse,
)
async def order_stream(
    code: str, request: Request, session: SessionDep, user: Annotated[CurrentUser, reader]
) -> Any:
    """``event: order`` with one ``TurnoutOrder`` (JSON) per new dispatch of the station's
    vehicles, read from the store every half second after the orders open when it connected
    (``?after=<id>`` or the ``Last-Event-ID`` a reconnecting browser sends resumes). Starts with ``event: ready``; ``: keep-alive`` every 15 s."""
    station = turnout.station_in_scope(session, user.scope, code)
    after = request.query_params.get("after") or request.headers.get("last-event-id", "")
    feed = turnout.TurnoutFeed(station.id, int(after) if after.isdigit() else 0, road_of(request))
    session.close()
    factory = request.app.state.sessions

    def poll() -> list[dict[str, Any]]:
        with factory() as s:
            return feed.poll(s)

    async def events() -> AsyncIterator[str]:
        yield "retry: 3000\nevent: ready\ndata: {}\n\n"
        quiet = 0.0
        while True:
            changes = await asyncio.to_thread(poll)
            for item in changes:
                data = json.dumps(jsonable_encoder(item), ensure_ascii=False, separators=(",", ":"))
                yield f"id: {item['id']}\nevent: order\ndata: {data}\n\n"
            quiet = 0.0 if changes else quiet + POLL_S
            if quiet >= KEEPALIVE_S:
                quiet = 0.0
                yield ": keep-alive\n\n"
            await asyncio.sleep(POLL_S)
            if await request.is_disconnected():
                return

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
