"""Equipment pages: the item page a scanned QR label opens, the item list and label printing.

Moves go through ``logistics.service`` in one unit of work with the user's actor and scope, so
the pages obey the same lifecycle, scoping and audit as the API.
"""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import ValidationFailed
from lanyan.logistics import lifecycle, service
from lanyan.logistics.choices import ItemAction, ItemState, LocationKind
from lanyan.logistics.schemas.equipment import MoveCreate
from lanyan.registry import service as registry_service
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.render import render

router = APIRouter(prefix="/equipment", include_in_schema=False)
PAGE_SIZE = 50
ReaderDep = Annotated[CurrentUser, require(service.SLUG, "read")]
WriterDep = Annotated[CurrentUser, require(service.SLUG, "write")]


# Stations and vehicles can number thousands in a city: their move forms search the registry
# API with a picker (static/js/picker.js); depots are few and stay a list.
PICKED: dict[str, tuple[str, str]] = {
    LocationKind.STATION.value: ("/api/stations", "name"),
    LocationKind.VEHICLE.value: ("/api/vehicles", "plate"),
}


def places(session: Session, user: CurrentUser) -> dict[str, list[tuple[str, str]]]:
    """(value, label) of the depots inside the user's jurisdiction."""
    rows = service.depot_choices(session, user.scope)
    kind = LocationKind.DEPOT.value
    return {kind: [(f"{kind}:{code}", f"{name} ({code})") for code, name in rows]}


def _item_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    code: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row = service.get_item(session, user.scope, code)
    settings = request.app.state.settings
    item = service.public(session, row, settings.public_base_url)
    actions = [
        (a, sorted(k.value for k in lifecycle.DESTINATIONS.get(a, ())))
        for a in lifecycle.legal_actions(ItemState(row.state))
    ]
    return render(
        request,
        "logistics/item.html",
        user,
        status_code=status_code,
        item=item,
        state=ItemState(row.state),
        actions=actions,
        places=places(session, user),
        picked=PICKED,
        can_write=roles.can_write(user.role, service.SLUG),
        trail=service.item_trail(session, row, user.scope),
        ItemAction=ItemAction,
        ItemState=ItemState,
        LocationKind=LocationKind,
        error=error,
        flash=request.query_params.get("flash"),
    )


@router.get("/items/{code}", response_class=HTMLResponse)
def item_page(request: Request, code: str, session: SessionDep, user: ReaderDep) -> HTMLResponse:
    return _item_page(request, session, user, code)


@router.post("/items/{code}/move", response_class=HTMLResponse)
def move_submit(
    request: Request,
    code: str,
    session: SessionDep,
    user: WriterDep,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    # A depot comes as one "depot:CODE" option; a station or vehicle as a kind and a picked code.
    kind, _, place_code = str(form.get("location") or "").partition(":")
    if form.get("location_kind"):
        kind, place_code = str(form.get("location_kind")), str(form.get("location_code") or "")
    try:
        payload = MoveCreate(
            action=ItemAction(str(form.get("action"))),
            location_kind=LocationKind(kind) if kind else None,
            location_code=place_code or None,
            note=str(form.get("note") or "")[:255],
        )
        with unit_of_work(request.app.state.sessions) as s:
            service.move_item(s, user.actor, user.scope, code, payload)
    except ValidationFailed as exc:
        return _item_page(request, session, user, code, exc.message, 422)
    except ValueError as exc:  # an action or place kind the form never offers
        return _item_page(request, session, user, code, str(exc).splitlines()[0], 422)
    return RedirectResponse(f"/equipment/items/{code}?flash=moved", status_code=303)


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request,
    session: SessionDep,
    user: ReaderDep,
    state: str = "",
    page: int = 1,
) -> HTMLResponse:
    chosen = ItemState(state) if state in {s.value for s in ItemState} else None
    rows, total = service.list_items(session, user.scope, chosen, None, max(1, page), PAGE_SIZE)
    base = request.app.state.settings.public_base_url
    jurisdiction = registry_service.jurisdiction_name_at(session, user.scope.path)
    return render(
        request,
        "logistics/items.html",
        user,
        items=[service.public(session, r, base, False) for r in rows],
        total=total,
        page=max(1, page),
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        state=state,
        ItemState=ItemState,
        overdue=service.overdue(session, user.scope),
        rate=service.backup_rate(session, user.scope),
        jurisdiction=jurisdiction,
    )


@router.get("/labels", response_class=HTMLResponse)
def labels_page(request: Request, session: SessionDep, user: ReaderDep) -> HTMLResponse:
    rows, total = service.list_items(session, user.scope, None, None, 1, 1000)
    base = request.app.state.settings.public_base_url
    return render(
        request,
        "logistics/labels.html",
        user,
        items=[service.public(session, r, base, False) for r in rows],
        total=total,
        ItemState=ItemState,
    )
