"""Phone-sized patrol pages (巡查): my duties and tasks, a patrol's route, the page a scanned
checkpoint QR opens, and the officers' compliance and 九小 coverage report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import Forbidden, LanyanError
from lanyan.core.timeutil import local_today
from lanyan.prevention import patrols
from lanyan.prevention.patrols import PatrolKind
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep, error_text
from lanyan.web.render import render

router = APIRouter(prefix="/patrol", include_in_schema=False)


ReaderDep = Annotated[CurrentUser, require(patrols.SLUG, "read")]


def _open_patrols(session: Session, user: CurrentUser) -> list[patrols.PatrolRound]:
    return patrols.open_patrols_of(session, user.username)


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: ReaderDep) -> HTMLResponse:
    open_rows = _open_patrols(session, user)
    return render(
        request,
        "prevention/patrol_home.html",
        user,
        duties=patrols.duties_of(session, user.id),
        tasks=patrols.open_tasks(session, user.id),
        open_patrols=[(p, patrols.target_name(session, p)) for p in open_rows],
        can_write=roles.can_write(user.role, patrols.SLUG),
        today=local_today(),
        error=request.query_params.get("error"),
        PatrolKind=PatrolKind,
    )


def _write(request: Request, action: Any) -> Any:
    with unit_of_work(request.app.state.sessions) as s:
        return action(s)


@router.post("/start", response_class=HTMLResponse)
def start_submit(request: Request, user: ReaderDep, form: FormDep) -> Response:
    def act(s: Session) -> int:
        row = patrols.start(
            s,
            user.actor,
            user.scope,
            user.role,
            kind=PatrolKind(str(form.get("kind"))),
            unit_code=str(form.get("unit_code") or "") or None,
            grid_code=str(form.get("grid_code") or "") or None,
            task_id=int(str(form.get("task_id"))) if form.get("task_id") else None,
        )
        return row.id

    back = str(form.get("back") or "")
    try:
        pid = _write(request, act)
    except (LanyanError, ValueError) as exc:
        text = error_text(exc) if isinstance(exc, LanyanError) else str(exc)
        return RedirectResponse(f"/patrol?error={text}", status_code=303)
    if back.startswith("/patrol/cp/"):
        return RedirectResponse(back, status_code=303)
    return RedirectResponse(f"/patrol/{pid}", status_code=303)


def _route_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    patrol: patrols.PatrolRound,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/patrol_route.html",
        user,
        status_code=status_code,
        patrol=patrol,
        kind=PatrolKind(patrol.kind),
        target=patrols.target_name(session, patrol),
        stops=patrols.route(session, patrol),
        mine=patrol.patroller == user.username and patrol.finished_at is None,
        error=error,
        flash=request.query_params.get("flash"),
    )


@router.get("/{patrol_id:int}", response_class=HTMLResponse)
def route_page(
    request: Request, patrol_id: int, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    return _route_page(request, session, user, patrols.get_patrol(session, user.scope, patrol_id))


@router.post("/{patrol_id:int}/finish", response_class=HTMLResponse)
def finish_submit(
    request: Request, patrol_id: int, session: SessionDep, user: ReaderDep
) -> Response:
    try:
        _write(request, lambda s: patrols.finish(s, user.actor, user.scope, patrol_id))
    except LanyanError as exc:
        patrol = patrols.get_patrol(session, user.scope, patrol_id)
        return _route_page(request, session, user, patrol, error_text(exc), exc.status)
    return RedirectResponse(f"/patrol/{patrol_id}?flash=finished", status_code=303)


@router.get("/cp/{token}", response_class=HTMLResponse)
def checkpoint_page(
    request: Request, token: str, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    """What a scanned checkpoint QR opens: record it on the open patrol it belongs to, or start
    a patrol of its unit or grid."""
    point = patrols.checkpoint_by_token(session, token)
    if not user.scope.contains(session, point.jurisdiction_id):
        raise Forbidden("this checkpoint is outside your jurisdiction")
    if point.grid_id is None and not user.scope.units.contains(point.unit_id):
        raise Forbidden("this checkpoint belongs to a unit you do not manage")
    unit, grid = patrols.checkpoint_target(session, point)
    patrol = next(
        (
            p
            for p in _open_patrols(session, user)
            if (p.grid_id is not None and p.grid_id == point.grid_id)
            or (p.unit_id is not None and p.unit_id == point.unit_id and point.grid_id is None)
        ),
        None,
    )
    return render(
        request,
        "prevention/patrol_checkpoint.html",
        user,
        point=point,
        unit=unit,
        grid=grid,
        patrol=patrol,
        kinds=[PatrolKind.GRID_PATROL] if grid else list(patrols.UNIT_KINDS),
        error=request.query_params.get("error"),
    )


@router.post("/cp/{token}", response_class=HTMLResponse)
def checkpoint_submit(request: Request, token: str, user: ReaderDep, form: FormDep) -> Response:
    pid = int(str(form.get("patrol_id") or 0))

    def act(s: Session) -> None:
        patrols.scan(
            s,
            user.actor,
            user.scope,
            patrol_id=pid,
            token=token,
            ok=str(form.get("result")) == "ok",
            note=str(form.get("note") or ""),
            hazard_unit_code=str(form.get("hazard_unit_code") or "") or None,
        )

    try:
        _write(request, act)
    except LanyanError as exc:
        return RedirectResponse(f"/patrol/cp/{token}?error={error_text(exc)}", status_code=303)
    return RedirectResponse(f"/patrol/{pid}?flash=scanned", status_code=303)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    user: ReaderDep,
    year: int | None = None,
    month: int | None = None,
) -> HTMLResponse:
    today = local_today()
    year, month = year or today.year, month or today.month
    first = date(year, month, 1)
    return render(
        request,
        "prevention/patrol_reports.html",
        user,
        year=year,
        month=month,
        compliance=patrols.compliance(session, user.scope, year, month),
        coverage=patrols.nine_small_coverage(session, user.scope, first, today),
        overdue=patrols.overdue_tasks(session, user.scope, today),
        first=first,
        today=today,
    )
