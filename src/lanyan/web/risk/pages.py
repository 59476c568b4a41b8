"""Risk pages (风险评估): units by grade with areas and warnings, a recompute, and one unit's
score explained factor by factor."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.exchange.choices import WarningLevel
from lanyan.registry.choices import BuildingUse, UnitCategory
from lanyan.risk import config
from lanyan.risk import service as risk_service
from lanyan.risk.choices import AreaKind, RiskGrade, WarningKind
from lanyan.risk.config import WEATHER_FACTOR
from lanyan.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
RiskReader = Annotated[CurrentUser, require(risk_service.SLUG, "read")]
RiskWriter = Annotated[CurrentUser, require(risk_service.SLUG, "write")]


def today_local() -> date:
    return utcnow().astimezone(CHINA_TZ).date()


def raw_text(contribution: dict[str, Any], lang: str) -> str:
    """A factor's raw value as a reader expects it: category and use by their labels."""
    raw = contribution.get("raw")
    if raw is None and contribution["factor"] == WEATHER_FACTOR:
        return "无预警" if lang == "zh" else "none in force"
    if raw is None:
        return "无数据" if lang == "zh" else "no data"
    enum = {"category": UnitCategory, "use": BuildingUse, WEATHER_FACTOR: WarningLevel}.get(
        contribution["factor"]
    )
    if enum is not None and raw in enum._value2member_map_:
        return enum(raw).label(lang)
    if isinstance(raw, bool):
        return ("是" if raw else "否") if lang == "zh" else ("yes" if raw else "no")
    if isinstance(raw, float):
        return f"{raw:.2f}".rstrip("0").rstrip(".")
    return str(raw)


@router.get("/risk", response_class=HTMLResponse)
def risk_page(
    request: Request,
    session: SessionDep,
    user: RiskReader,
    grade: str = "",
    page: int = 1,
) -> HTMLResponse:
    chosen = RiskGrade(grade) if grade in {g.value for g in RiskGrade} else None
    day = risk_service.latest_date(session, user.scope)
    rows: list[Any] = []
    total, areas, warnings = 0, [], []
    if day is not None:
        _, rows, total = risk_service.list_units(
            session, user.scope, day, chosen, max(1, page), PAGE_SIZE
        )
        _, areas = risk_service.list_areas(session, user.scope, AreaKind.GRID, day)
        warnings = risk_service.list_warnings(session, user.scope, limit=50)
    return render(
        request,
        "risk/risk.html",
        user,
        day=day,
        rows=rows,
        total=total,
        page=max(1, page),
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        grade=grade,
        RiskGrade=RiskGrade,
        areas=areas[:30],
        warnings=warnings,
        # the stored message is bilingual; the page words it in its own language
        warning_kinds={k.value: k for k in WarningKind},
        can_compute=roles.can_write(user.role, risk_service.SLUG),
        flash=request.query_params.get("flash"),
    )


@router.post("/risk/compute", response_class=HTMLResponse)
def risk_compute(request: Request, user: RiskWriter) -> Response:
    settings = request.app.state.settings
    model = config.load(settings.risk_weights)
    result = risk_service.compute_in_chunks(
        request.app.state.sessions, user.actor, user.scope, today_local(), model
    )
    return RedirectResponse(f"/risk?flash={result.units}", status_code=303)


@router.get("/risk/units/{unit_code}", response_class=HTMLResponse)
def risk_unit_page(
    request: Request, unit_code: str, session: SessionDep, user: RiskReader
) -> HTMLResponse:
    """One unit's score explained factor by factor, and its scores by date."""
    unit, scores = risk_service.unit_history(session, user.scope, unit_code)
    model = config.load(request.app.state.settings.risk_weights)
    return render(
        request,
        "risk/unit.html",
        user,
        unit=unit,
        scores=scores,
        latest=scores[0] if scores else None,
        criteria=model.display_groups(),
        RiskGrade=RiskGrade,
    )
