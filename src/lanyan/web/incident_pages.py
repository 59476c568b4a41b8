"""The incident board (警情调度): open incidents, the new-incident form with a map pick, the
recommendation card, dispatch and timeline buttons.

The page is a shell; every read and write goes through ``/api/incidents…`` from
``static/js/incidents.js``, so the board obeys the same validation, scoping and audit as the API.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from lanyan.api import roles
from lanyan.api.deps import SessionDep, UserDep
from lanyan.core.errors import Forbidden
from lanyan.registry.choices import VehicleStatus
from lanyan.registry.models import Jurisdiction, Station
from lanyan.response import incidents
from lanyan.response.choices import IncidentType, TimelineStep
from lanyan.web.map_page import home_of
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)

# Steps a button records on the board; 接警 and 出动 are written by creating and dispatching.
BUTTON_STEPS = [
    TimelineStep.ARRIVED,
    TimelineStep.WATER_ON,
    TimelineStep.CONTROLLED,
    TimelineStep.EXTINGUISHED,
    TimelineStep.RETURNED,
]


@router.get("/incidents", response_class=HTMLResponse)
def board(request: Request, session: SessionDep, user: UserDep) -> HTMLResponse:
    if not roles.can_read(user.role, incidents.SLUG):
        raise Forbidden(f"role {user.role} may not read incidents")
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    settings = request.app.state.settings
    home = session.get(Jurisdiction, user.jurisdiction_id)
    config = {
        "lang": ui.lang,
        "canWrite": roles.can_write(user.role, incidents.SLUG),
        "home": home_of(home),
        # New incidents belong to the dispatcher's own jurisdiction unless a building says else.
        "jurisdictionCode": home.code if home is not None else None,
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
        "types": {t.value: (t.zh if zh else t.en) for t in IncidentType},
        "vehicleStatus": {v.value: (v.zh if zh else v.en) for v in VehicleStatus},
        "steps": {s.value: (s.zh if zh else s.en) for s in TimelineStep},
        # Stations of every county: the recommendation may send 跨区增援 from outside the scope.
        "stations": [
            {"code": c, "name": n, "lon": x, "lat": y}
            for c, n, x, y in session.execute(
                select(Station.code, Station.name, Station.lon, Station.lat)
                .where(Station.lon.is_not(None))
                .order_by(Station.code)
                .limit(2000)
            )
        ],
    }
    return render(
        request,
        "response/board.html",
        user,
        config=config,
        types=list(IncidentType),
        steps=BUTTON_STEPS,
    )
