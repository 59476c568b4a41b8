"""``/api/plans``: the seed plans, their adoption, manual entries, project progress, and the
evaluation of a plan for a year (JSON, or the report as XLSX / printable HTML)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.logistics.labels import find_font
from lanyan.plans import records
from lanyan.plans.catalog import list_plans, load_plan
from lanyan.plans.models import PlanAdoption
from lanyan.plans.report import Report, assessment_xlsx, to_html, to_xlsx
from lanyan.plans.report_pdf import to_pdf
from lanyan.plans.service import (
    WeightsInForce,
    assess_adopters,
    build_report,
    default_year,
    jurisdiction_code,
    report_dict,
    scoped_jurisdiction,
    weights_in_force,
)
from lanyan.registry.models import Jurisdiction

router = APIRouter(prefix="/api/plans", tags=["plans 规划"])
Reader = Annotated[CurrentUser, require("plans", "read")]
Writer = Annotated[CurrentUser, require("plans", "write")]
YearQ = Annotated[int | None, Query(ge=2000, le=2100, description="default: this year")]
CodeQ = Annotated[str | None, Query(description="GB/T 2260 code; default: an adopter")]


class AdoptionIn(BaseModel):
    jurisdiction: str = Field(description="GB/T 2260 code of the adopting jurisdiction")


class ManualEntryIn(BaseModel):
    indicator: str
    jurisdiction: str
    year: int
    value: float
    evidence: str
    evidence_file: str = ""


class WeightsIn(BaseModel):
    """规划实施考核 weights: the two parts (0–100 each, adding up to 100) and the points of
    each status (0–1)."""

    jurisdiction: str | None = Field(
        None, description="GB/T 2260 code of the assessing jurisdiction; default: your own"
    )
    indicators_weight: float = Field(description="weight of the indicator part, 0–100")
    projects_weight: float = Field(description="weight of the project part, 0–100")
    met_points: float = Field(description="points of an indicator 达标, 0–1")
    at_risk_points: float = Field(description="points of an indicator 有风险, 0–1")
    not_met_points: float = Field(description="points of an indicator 未达标, 0–1")
    no_data_points: float = Field(description="points of an indicator 无数据, 0–1")
    done_points: float = Field(description="points of a project 已完成, 0–1")
    on_track_points: float = Field(description="points of a project 按期推进, 0–1")
    late_points: float = Field(description="points of a project 滞后, 0–1")
    not_started_points: float = Field(description="points of a project 未启动, 0–1")


def weights_dict(w: WeightsInForce) -> dict[str, Any]:
    """The weights in force as JSON: every field, and who set them when (null: the platform's
    default)."""
    return {
        **w.weights.as_fields(),
        "default": w.is_default,
        "jurisdiction": w.code,
        "set_by": w.set_by,
        "set_at": w.set_at.isoformat() if w.set_at else None,
    }


class ProgressIn(BaseModel):
    project: str
    jurisdiction: str
    reported_on: date
    milestone: str | None = None
    quantity: float | None = None
    completed: bool = False
    note: str = ""


@router.get("")
def plans(session: SessionDep, user: Reader) -> list[dict[str, Any]]:
    """Every seed plan with the jurisdictions inside your area that adopted it."""
    rows = session.execute(
        select(PlanAdoption.plan_id, Jurisdiction.code, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == PlanAdoption.jurisdiction_id)
        .where(user.scope.jurisdictions())
        .order_by(Jurisdiction.code)
    ).all()
    return [
        {
            "id": p.id,
            "title": p.title_zh,
            "title_en": p.title_en,
            "region": p.region,
            "period": [p.period_start, p.period_end],
            "indicators": len(p.indicators),
            "manual_indicators": sum(1 for i in p.indicators if i.manual),
            "projects": len(p.projects),
            "adopted_by": [{"code": c, "name": n} for pid, c, n in rows if pid == p.id],
        }
        for p in list_plans()
    ]


def _report(
    session: Any, user: CurrentUser, plan_id: str, year: int | None, code: str | None
) -> Report:
    plan = load_plan(plan_id)
    place = scoped_jurisdiction(session, plan, user.scope, user.jurisdiction_id, code)
    return build_report(session, plan, place, year or default_year(plan))


@router.get("/{plan_id}/evaluation")
def evaluation(
    plan_id: str, session: SessionDep, user: Reader, year: YearQ = None, jurisdiction: CodeQ = None
) -> dict[str, Any]:
    """Every indicator (value, target, status, lineage) and project of the plan for a year."""
    return report_dict(_report(session, user, plan_id, year, jurisdiction))


@router.get("/{plan_id}/assessment")
def assessment(
    plan_id: str, session: SessionDep, user: Reader, year: YearQ = None
) -> list[dict[str, Any]]:
    """规划实施考核: every adopting jurisdiction in your area scored for the year and ranked
    best first, by the weights in force for you (``/assessment/weights``; the platform's default
    70/30 until your committee sets others, see plans/assessment.py)."""
    plan = load_plan(plan_id)
    w = weights_in_force(session, plan, user.jurisdiction_id)
    ranked = assess_adopters(session, plan, user.scope, year or default_year(plan), None, w.weights)
    return [{"rank": n, "name": name, **a.as_dict()} for n, a, name in ranked]


@router.get("/{plan_id}/assessment/weights")
def assessment_weights(plan_id: str, session: SessionDep, user: Reader) -> dict[str, Any]:
    """The weights your ranking uses: set by the nearest jurisdiction at or above yours, or the
    platform's default (``default: true``)."""
    return weights_dict(weights_in_force(session, load_plan(plan_id), user.jurisdiction_id))


@router.put("/{plan_id}/assessment/weights")
def set_assessment_weights(
    plan_id: str, body: WeightsIn, session: SessionDep, user: Writer
) -> dict[str, Any]:
    """Set the weights of 规划实施考核 for a jurisdiction's committee (default: yours). Each
    weight 0–100 and the two adding up to 100, each status's points 0–1; a bad field is
    refused by name (422). Audited."""
    code = body.jurisdiction or jurisdiction_code(session, user.jurisdiction_id)
    records.set_assessment_weights(
        session, user.actor, user.scope, plan_id, code, body.model_dump(exclude={"jurisdiction"})
    )
    session.flush()
    place = records.jurisdiction_by_code(session, code)
    return weights_dict(weights_in_force(session, load_plan(plan_id), place.id))


@router.get("/{plan_id}/assessment.xlsx", response_class=Response)
def assessment_workbook(
    plan_id: str, session: SessionDep, user: Reader, year: YearQ = None
) -> Response:
    """规划实施考核 as a workbook: the ranking and each jurisdiction's breakdown."""
    plan = load_plan(plan_id)
    year = year or default_year(plan)
    w = weights_in_force(session, plan, user.jurisdiction_id)
    ranked = assess_adopters(session, plan, user.scope, year, None, w.weights)
    return Response(
        assessment_xlsx(plan.title_zh, year, ranked, w),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{plan_id}-{year}-assessment.xlsx"'},
    )


@router.get("/{plan_id}/report.xlsx", response_class=Response)
def report_xlsx(
    plan_id: str, session: SessionDep, user: Reader, year: YearQ = None, jurisdiction: CodeQ = None
) -> Response:
    """The 中期/终期评估 report as a workbook."""
    report = _report(session, user, plan_id, year, jurisdiction)
    name = f"{plan_id}-{report.evaluation.year}-{report.evaluation.jurisdiction_code}.xlsx"
    return Response(
        to_xlsx(report),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{plan_id}/report.pdf", response_class=Response)
def report_pdf(
    plan_id: str,
    session: SessionDep,
    settings: SettingsDep,
    user: Reader,
    year: YearQ = None,
    jurisdiction: CodeQ = None,
) -> Response:
    """The 中期/终期评估 report as PDF (A4 landscape, CJK font embedded)."""
    report = _report(session, user, plan_id, year, jurisdiction)
    name = f"{plan_id}-{report.evaluation.year}-{report.evaluation.jurisdiction_code}.pdf"
    return Response(
        to_pdf(report, find_font(settings.label_font)),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/{plan_id}/report.html", response_class=HTMLResponse)
def report_html(
    plan_id: str, session: SessionDep, user: Reader, year: YearQ = None, jurisdiction: CodeQ = None
) -> HTMLResponse:
    """The 中期/终期评估 report as a printable page."""
    return HTMLResponse(to_html(_report(session, user, plan_id, year, jurisdiction)))


@router.post("/{plan_id}/adoptions", status_code=201)
def adopt(plan_id: str, body: AdoptionIn, session: SessionDep, user: Writer) -> dict[str, Any]:
    """Adopt the plan for a jurisdiction inside your area."""
    row = records.adopt(session, user.actor, user.scope, plan_id, body.jurisdiction)
    return {"id": row.id, "plan": plan_id, "jurisdiction": body.jurisdiction}


@router.post("/{plan_id}/manual-entries", status_code=201)
def manual_entry(
    plan_id: str, body: ManualEntryIn, session: SessionDep, user: Writer
) -> dict[str, Any]:
    """Enter the value of a manual indicator with its evidence."""
    row = records.add_manual_entry(
        session, user.actor, user.scope, {"plan": plan_id, **body.model_dump()}
    )
    return {"id": row.id}


@router.post("/{plan_id}/progress", status_code=201)
def progress(plan_id: str, body: ProgressIn, session: SessionDep, user: Writer) -> dict[str, Any]:
    """Record progress of a plan project."""
    payload = {"plan": plan_id, **body.model_dump(), "reported_on": body.reported_on.isoformat()}
    row = records.add_progress(session, user.actor, user.scope, payload)
    return {"id": row.id}
