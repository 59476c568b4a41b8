"""HTTP routes of the geocoder: search, and the snap of a map click to a building."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.geocode import service
from lanyan.geocode.schemas import GeocodeAnswer, GeocodeHit, SnapAnswer

# The 119 desk's roles (dispatcher, commander) write incidents; so may they geocode.
SLUG = "incidents"
router = APIRouter(prefix="/api/geocode", tags=["Geocode 地址匹配"])
Desk = Annotated[CurrentUser, require(SLUG, "write")]


@router.get("", response_model=GeocodeAnswer, summary="Find a place from what the caller says")
def geocode(
    session: SessionDep,
    user: Desk,
    q: Annotated[str, Query(min_length=1, max_length=200, description="free text")],
    limit: Annotated[int, Query(ge=1, le=50, description="top N hits")] = 10,
    near_lon: Annotated[
        float | None,
        Query(
            ge=-180,
            le=180,
            description="the caller's context (WGS84 longitude): orders hits "
            "the text leaves nearly equal, nearest first; with near_lat",
        ),
    ] = None,
    near_lat: Annotated[
        float | None, Query(ge=-90, le=90, description="the caller's context (WGS84 latitude)")
    ] = None,
) -> GeocodeAnswer:
    near = service.caller_context(near_lon, near_lat)
    answer = service.search(session, user.scope, q, limit, near)
    return GeocodeAnswer.of(answer, limit, answer.total)


@router.get("/snap", response_model=SnapAnswer, summary="The building nearest to a map click")
def snap(
    session: SessionDep,
    user: Desk,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    within_m: Annotated[float, Query(gt=0, le=1000)] = service.SNAP_M,
) -> SnapAnswer:
    found = service.nearest_building(session, user.scope, lon, lat, within_m)
    if found is None:
        return SnapAnswer(lon=lon, lat=lat, within_m=within_m)
    hit, distance = found
    return SnapAnswer(
        lon=lon,
        lat=lat,
        within_m=within_m,
        building=GeocodeHit.of(hit),
        distance_m=round(distance, 1),
    )
