"""HTTP routes of the 双随机 draw: plan (commit) and run (reveal) by an officer; the public
JSON under ``/api/public/draws`` (no log-in, no risk grades or credit flags)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.prevention import draw, draw_service, lookup
from lanyan.prevention.schemas.draws import DrawCommitment, DrawPlan, DrawPublic

draw_router = APIRouter(prefix="/api/draws", tags=["Draws 双随机"])
public_router = APIRouter(prefix="/api/public/draws", tags=["Public 公开"])


def _commitment(session: SessionDep, code: str) -> dict[str, Any]:
    row = draw_service.get_draw(session, code)
    place = lookup.jurisdiction_by_id(session, row.jurisdiction_id)
    return draw_service.commitment(row, place.name if place else "")


@draw_router.post(
    "",
    response_model=DrawCommitment,
    status_code=201,
    summary="Plan a draw (publish its commitment)",
)
def plan_draw(
    payload: Annotated[DrawPlan, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, require(draw_service.SLUG, "write")],
) -> Any:
    if payload.seed is not None and not settings.draw_seed_allowed:
        raise ValidationFailed(
            "a seed is chosen by the server in production",
            [FieldProblem("seed", "must be omitted in production")],
        )
    rates = draw.Rates(
        payload.base_rate, payload.high_risk_rate, payload.credit_rate, payload.grade_rates
    )
    row = draw_service.announce(
        session,
        user.actor,
        user.scope,
        payload.jurisdiction,
        payload.seed,
        rates,
        sample_size=payload.sample_size,
        delay=timedelta(hours=settings.draw_delay_hours),
    )
    return _commitment(session, row.code)


@draw_router.post(
    "/{code}/run",
    response_model=DrawCommitment,
    summary="Run a planned draw after its published time and reveal the seed",
)
def run_draw(
    code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, require(draw_service.SLUG, "write")],
) -> Any:
    draw_service.perform(session, user.actor, user.scope, code)
    return _commitment(session, code)


@public_router.get(
    "", response_model=Page[DrawCommitment], summary="Published draws, newest first (no log-in)"
)
def public_draws(session: SessionDep, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = draw_service.public_page(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@public_router.get(
    "/{code}", response_model=DrawPublic, summary="One published draw with its record and results"
)
def public_draw(code: str, session: SessionDep) -> Any:
    row = draw_service.get_draw(session, code)
    return {
        "commitment": _commitment(session, code),
        "record": draw_service.public_record(row),
        "results": draw_service.published_results(session, row) if row.drawn_at else [],
    }


routers = (draw_router, public_router)
