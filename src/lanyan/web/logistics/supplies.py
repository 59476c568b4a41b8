"""Pages of consumable supplies (物资) and 战勤保障模块: stock, expiry, modules, one-click dispatch."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import LanyanError
from lanyan.core.timeutil import local_today
from lanyan.logistics import supplies
from lanyan.logistics.choices import ModuleState, StockReason, SupplyCategory
from lanyan.logistics.routes.supplies import module_public
from lanyan.logistics.schemas.supplies import LotReceive, StockIssue, SupplyDispatchRequest
from lanyan.logistics.service import depot_choices
from lanyan.response import public as response_public
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep, error_text
from lanyan.web.render import render

router = APIRouter(prefix="/supplies", include_in_schema=False)
ReaderDep = Annotated[CurrentUser, require(supplies.SUPPLIES, "read")]
WriterDep = Annotated[CurrentUser, require(supplies.SUPPLIES, "write")]
DispatcherDep = Annotated[CurrentUser, require(supplies.SUPPLY_DISPATCH, "write")]


def _page(
    request: Request,
    session: Session,
    user: CurrentUser,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    depots = depot_choices(session, user.scope)
    incidents = response_public.active_incidents(session, user.scope, 50)
    return render(
        request,
        "logistics/supplies.html",
        user,
        status_code=status_code,
        stock=supplies.stock(session, user.scope),
        expiring=supplies.expiring(session, user.scope, 30),
        modules=[module_public(session, m) for m in supplies.list_modules(session, user.scope)],
        kinds=supplies.supply_kinds(session),
        depots=depots,
        incidents=incidents,
        can_write=roles.can_write(user.role, supplies.SUPPLIES),
        can_dispatch=roles.can_write(user.role, supplies.SUPPLY_DISPATCH),
        SupplyCategory=SupplyCategory,
        ModuleState=ModuleState,
        StockReason=StockReason,
        error=error,
        result=result,
        flash=request.query_params.get("flash"),
        today=local_today(),
    )


@router.get("", response_class=HTMLResponse)
def supplies_page(request: Request, session: SessionDep, user: ReaderDep) -> HTMLResponse:
    return _page(request, session, user)


def _write(
    request: Request,
    session: Session,
    user: CurrentUser,
    action: Any,
    flash: str,
) -> Response:
    """Run one form action in its own unit of work: back to the page with a flash, or the page
    again with the reason (HTTP 422/409) and nothing written. The route's dependency has
    already authorised the user (``require``)."""
    try:
        with unit_of_work(request.app.state.sessions) as s:
            result = action(s)
    except (LanyanError, ValidationError, ValueError) as exc:
        status = exc.status if isinstance(exc, LanyanError) else 422
        return _page(request, session, user, error=error_text(exc), status_code=status)
    if isinstance(result, dict):
        return _page(request, session, user, result=result)
    return RedirectResponse(f"/supplies?flash={flash}", status_code=303)


def _text(form: FormData, name: str) -> str | None:
    value = str(form.get(name) or "").strip()
    return value or None


@router.post("/receive", response_class=HTMLResponse)
def receive_submit(
    request: Request, session: SessionDep, user: WriterDep, form: FormDep
) -> Response:
    def act(s: Session) -> None:
        payload = LotReceive(
            kind_code=_text(form, "kind_code") or "",
            depot_code=_text(form, "depot_code") or "",
            lot=_text(form, "lot") or "",
            quantity=_text(form, "quantity") or "0",  # type: ignore[arg-type]
            expires_on=_text(form, "expires_on"),  # type: ignore[arg-type]
        )
        supplies.receive(s, user.actor, user.scope, payload)

    return _write(request, session, user, act, "received")


@router.post("/issue", response_class=HTMLResponse)
def issue_submit(request: Request, session: SessionDep, user: WriterDep, form: FormDep) -> Response:
    def act(s: Session) -> None:
        payload = StockIssue(
            kind_code=_text(form, "kind_code") or "",
            depot_code=_text(form, "depot_code") or "",
            quantity=_text(form, "quantity") or "0",  # type: ignore[arg-type]
            reason=_text(form, "reason") or "",  # type: ignore[arg-type]
            incident_code=_text(form, "incident_code"),
        )
        supplies.issue(s, user.actor, user.scope, payload)

    return _write(request, session, user, act, "issued")


@router.post("/expired/dispose", response_class=HTMLResponse)
def dispose_submit(request: Request, session: SessionDep, user: WriterDep) -> Response:
    return _write(
        request,
        session,
        user,
        lambda s: supplies.dispose_expired(s, user.actor, user.scope) and None,
        "disposed",
    )


@router.post("/modules/{code}/{action}", response_class=HTMLResponse)
def module_submit(
    request: Request, code: str, action: str, session: SessionDep, user: WriterDep
) -> Response:
    moves = {"ready": supplies.mark_ready, "return": supplies.return_module}
    if action not in moves:
        return _page(request, session, user, error=f"unknown action {action}", status_code=404)
    return _write(
        request,
        session,
        user,
        lambda s: moves[action](s, user.actor, user.scope, code) and None,
        action,
    )


@router.post("/dispatch", response_class=HTMLResponse)
def dispatch_submit(
    request: Request, session: SessionDep, user: DispatcherDep, form: FormDep
) -> Response:
    def act(s: Session) -> dict[str, Any]:
        payload = SupplyDispatchRequest(incident_code=_text(form, "incident_code") or "")
        return supplies.dispatch_modules(s, user.actor, user.scope, payload).as_dict()

    return _write(request, session, user, act, "dispatched")
