"""Plan pages: the list of plans and a plan's dashboard (规划评估看板) — indicators against their
targets, trends and the projects Gantt, drawn with the vendored ECharts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lanyan.api import roles
from lanyan.api.deps import SessionDep, require
from lanyan.api.plans_routes import plans as plan_rows
from lanyan.api.users import CurrentUser
from lanyan.plans.catalog import load_plan
from lanyan.plans.engine import Status
from lanyan.plans.service import build_report, default_year, report_dict, scoped_jurisdiction
from lanyan.plans.tracker import ProjectState
from lanyan.web.render import TEMPLATES, render

router = APIRouter(include_in_schema=False)
Reader = Annotated[CurrentUser, require("plans", "read")]

# The navigation shows 规划评估 only to roles that may read plans.
TEMPLATES.env.globals["can_read"] = roles.can_read


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    return render(request, "plans/index.html", user, plans=plan_rows(session, user))


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    plan_id: str,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    jurisdiction: str | None = None,
) -> HTMLResponse:
    plan = load_plan(plan_id)
    place = scoped_jurisdiction(session, plan, user.scope, user.jurisdiction_id, jurisdiction)
    report = build_report(session, plan, place, year or default_year(plan))
    data = report_dict(report)
    data["statuses"] = [
        {"value": s.value, "zh": s.zh, "en": s.en, "color": s.color} for s in Status
    ]
    data["states"] = [
        {"value": s.value, "zh": s.zh, "en": s.en, "color": s.color} for s in ProjectState
    ]
    return render(
        request,
        "plans/dashboard.html",
        user,
        plan=plan,
        report=report,
        data=data,
        years=list(range(plan.period_start, plan.period_end + 1)),
    )
