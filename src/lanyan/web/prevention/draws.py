"""The officer's 双随机 page (``/supervision/draws``): plan a draw — its commitment is published at
once on the public page — and run it once its earliest time has come. Both through
:mod:`lanyan.prevention.draw_service` with the signed-in user's actor and scope (audited)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.errors import Conflict, FieldProblem, LanyanError, NotFound, ValidationFailed
from lanyan.prevention import draw, draw_service
from lanyan.prevention.schemas.draws import DrawPlan
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50

WORDS: dict[str, tuple[str, str]] = {
    "nav_draws": ("双随机抽查", "Random draws"),
}

DrawReader = Annotated[CurrentUser, require(draw_service.SLUG, "read")]
DrawWriter = Annotated[CurrentUser, require(draw_service.SLUG, "write")]


def _page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    page: int = 1,
    error: LanyanError | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, total = draw_service.public_page(session, page, PAGE_SIZE)
    settings = request.app.state.settings
    return render(
        request,
        "prevention/draws.html",
        user,
        status_code=status_code,
        draws=rows,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        can_write=roles.can_write(user.role, draw_service.SLUG),
        seed_allowed=settings.draw_seed_allowed,
        delay_hours=settings.draw_delay_hours,
        form=form or {},
        error=error,
        flash=request.query_params.get("flash"),
        planned=request.query_params.get("code", ""),
    )


@router.get("/supervision/draws", response_class=HTMLResponse)
def draws_page(
    request: Request, session: SessionDep, user: DrawReader, page: PageNo = 1
) -> HTMLResponse:
    return _page(request, session, user, page)


def _number(form: dict[str, Any], name: str, default: float) -> float:
    text = str(form.get(name) or "").strip()
    if not text:
        return default
    try:
        return float(text)
    except ValueError:
        raise ValidationFailed(
            f"{name} {text!r} is not a number", [FieldProblem(name, "must be a number")]
        ) from None


@router.post("/supervision/draws", response_class=HTMLResponse)
def plan_draw(request: Request, session: SessionDep, user: DrawWriter, form: FormDep) -> Response:
    settings = request.app.state.settings
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    try:
        seed = values.get("seed", "").strip() or None
        if seed is not None and not settings.draw_seed_allowed:
            raise ValidationFailed(
                "a seed is chosen by the server in production",
                [FieldProblem("seed", "must be omitted in production")],
            )
        grades = {
            g: _number(values, f"grade_{g}", draw.DEFAULT_GRADE_RATES.get(g, 0.0))
            for g in draw.GRADES
        }
        payload = DrawPlan(
            jurisdiction=values.get("jurisdiction", ""),
            base_rate=_number(values, "base_rate", 0.05),
            high_risk_rate=_number(values, "high_risk_rate", 0.20),
            credit_rate=_number(values, "credit_rate", 0.30),
            grade_rates={g: r for g, r in grades.items() if r > 0},
            sample_size=int(_number(values, "sample_size", 0)),
            seed=seed,
        )
        rates = draw.Rates(
            payload.base_rate, payload.high_risk_rate, payload.credit_rate, payload.grade_rates
        )
        with unit_of_work(request.app.state.sessions) as s:
            row = draw_service.announce(
                s,
                user.actor,
                user.scope,
                payload.jurisdiction,
                payload.seed,
                rates,
                sample_size=payload.sample_size,
                delay=timedelta(hours=settings.draw_delay_hours),
            )
            code = row.code
    except ValidationError as exc:
        err = ValidationFailed(
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()),
            [FieldProblem(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()],
        )
        return _page(request, session, user, error=err, form=values, status_code=422)
    except (ValidationFailed, Conflict, NotFound) as exc:
        return _page(request, session, user, error=exc, form=values, status_code=422)
    return RedirectResponse(f"/supervision/draws?flash=planned&code={code}", status_code=303)


@router.post("/supervision/draws/{code}/run", response_class=HTMLResponse)
def run_draw(request: Request, code: str, session: SessionDep, user: DrawWriter) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            draw_service.perform(s, user.actor, user.scope, code)
    except (ValidationFailed, Conflict, NotFound) as exc:
        return _page(request, session, user, error=exc, status_code=409)
    return RedirectResponse(f"/public/draws/{code}", status_code=303)
