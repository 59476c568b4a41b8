"""Plan pages: the list of plans and a plan's dashboard (规划评估看板) — indicators against their
targets, trends and the projects Gantt, drawn with the vendored ECharts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import Conflict, NotFound, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, local_today
from lanyan.plans import records
from lanyan.plans.assessment import points_field
from lanyan.plans.catalog import load_plan
from lanyan.plans.choices import Unit
from lanyan.plans.engine import Status
from lanyan.plans.report import COMPLETENESS_WORDS
from lanyan.plans.routes import plans as plan_rows
from lanyan.plans.service import (
    assess_adopters,
    build_report,
    default_year,
    jurisdiction_code,
    report_dict,
    scoped_jurisdiction,
    weights_in_force,
)
from lanyan.plans.tracker import ProjectState
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)


def unit_key(unit: Unit) -> str:
    """The catalogue key of an indicator unit's word."""
    return f"plan_unit_{unit.name.lower()}"


def unit_words(ui: Ui) -> dict[str, str]:
    """Each unit's value (as the JSON and the plan files spell it) → its word in the page's
    language."""
    return {u.value: ui.t(unit_key(u)) for u in Unit}


Reader = Annotated[CurrentUser, require("plans", "read")]
Writer = Annotated[CurrentUser, require("plans", "write")]

# The page words, registered in the catalogue by lanyan.web.routes.install.
WORDS: dict[str, tuple[str, str]] = {
    "plan_report_pdf": ("PDF 评估报告", "PDF report"),
    "plan_forms": ("填报", "Enter data"),
    "plan_manual_entry": ("指标人工填报", "Manual indicator value"),
    "plan_progress_entry": ("项目进展填报", "Project progress"),
    "plan_indicator": ("指标", "Indicator"),
    "plan_value": ("数值", "Value"),
    "plan_evidence": ("佐证材料说明", "Evidence"),
    "plan_evidence_file": ("佐证文件编号/名称（可选）", "Evidence file (optional)"),
    "plan_project": ("项目", "Project"),
    "plan_reported_on": ("填报日期", "Reported on"),
    "plan_milestone": ("里程碑", "Milestone"),
    "plan_quantity": ("已完成数量", "Quantity delivered"),
    "plan_completed": ("项目已完成", "Project completed"),
    "plan_note": ("备注", "Note"),
    "plan_submit": ("提交", "Submit"),
    "plan_saved": ("已保存", "Saved"),
    "plan_no_manual": ("本规划没有需人工填报的指标", "This plan has no manual indicators"),
    "plan_adopt": ("采用本规划", "Adopt this plan"),
    "plan_adopt_for": ("采用辖区代码", "Adopting jurisdiction code"),
    "plan_adopted": ("已采用", "Adopted"),
    "plan_target": ("目标", "target"),
    **COMPLETENESS_WORDS,
    "plan_assessment": ("规划实施考核", "Implementation assessment"),
    "plan_assessment_rule": (
        "平台默认规则（非规划原文）：指标达标得 1 分、有风险 0.5 分、未达标和无数据 0 分；"
        "项目已完成或按期推进得 1 分、滞后 0.5 分、未启动 0 分；各部分折算为百分制，按权重合计。",
        "Platform default rule (not the plan's): an indicator met scores 1, at risk 0.5, not met "
        "or no data 0; a project done or on track scores 1, late 0.5, not started 0; each part "
        "is scaled to 100 and the parts are combined by their weights.",
    ),
    "plan_rank": ("名次", "Rank"),
    "plan_jurisdiction": ("辖区", "Jurisdiction"),
    "plan_indicator_score": ("指标得分", "Indicator score"),
    "plan_project_score": ("项目得分", "Project score"),
    "plan_weights": ("权重（指标/项目）", "Weights (indicators/projects)"),
    "plan_total": ("总分", "Total"),
    "plan_missing": ("无数据指标", "Indicators without data"),
    "plan_no_adopters": (
        "您的辖区内没有采用本规划的辖区",
        "No jurisdiction in your area adopted this plan",
    ),
    "plan_breakdown": ("得分明细", "Breakdown"),
    "plan_item": ("指标/项目", "Indicator / project"),
    "plan_points": ("得分", "Points"),
    "plan_item_status": ("状态", "Status"),
    "plan_assessment_xlsx": ("下载考核表（XLSX）", "Assessment (XLSX)"),
    "plan_actual": ("实际", "value"),
    "plan_weights_title": ("考核权重", "Assessment weights"),
    "plan_weights_default": (
        "现用平台默认权重（非规划原文），本级及上级均未设置",
        "The platform's default weights are in use (not the plan's): none set here or above",
    ),
    "plan_weights_set": (
        "现用权重由 {name}（{code}）的 {user} 于 {when} 设定",
        "The weights in use were set for {name} ({code}) by {user} at {when}",
    ),
    "plan_weights_rule": (
        "两部分权重各为 0–100 的数，合计须为 100；各状态得分为 0–1 的数。保存后排名按新权重重算。",
        "Each part's weight is a number from 0 to 100 and the two add up to 100; each status "
        "scores a number from 0 to 1. Saving re-ranks by the new weights.",
    ),
    "plan_weights_for": ("设置辖区", "Set for"),
    "plan_indicators_weight": ("指标部分权重", "Indicator part weight"),
    "plan_projects_weight": ("项目部分权重", "Project part weight"),
    "plan_points_of": ("“{state}”得分", "Points for “{state}”"),
    "plan_weights_save": ("保存权重", "Save weights"),
    "plan_weights_saved": (
        "权重已保存，排名已按新权重重算",
        "Weights saved; the ranking uses them",
    ),
    "plan_weights_refused": ("权重未保存，请更正：", "Weights not saved; please correct:"),
    "plan_rule_weight": ("须为 0 到 100 之间的数", "must be a number from 0 to 100"),
    "plan_rule_sum": (
        "指标部分与项目部分权重之和须为 100（现为 {total}）",
        "the indicator and project weights must add up to 100 (now {total})",
    ),
    "plan_rule_points": ("须为 0 到 1 之间的数", "must be a number from 0 to 1"),
    # Every unit an indicator is measured in (人, 支, 座 …): the charts print them after numbers.
    **{unit_key(u): (u.zh, u.en) for u in Unit},
}


def _index(
    request: Request,
    session: Session,
    user: CurrentUser,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "plans/index.html",
        user,
        status_code=status_code,
        plans=plan_rows(session, user),
        can_write=roles.can_write(user.role, "plans"),
        home=jurisdiction_code(session, user.jurisdiction_id),
        form_error=error,
        flash=request.query_params.get("flash"),
    )


@router.get("/plans", response_class=HTMLResponse)
def plans_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    return _index(request, session, user)


@router.post("/plans/{plan_id}/adopt", response_class=HTMLResponse)
def adopt_submit(
    request: Request,
    plan_id: str,
    session: SessionDep,
    user: Writer,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """The plans page's 采用本规划 button: the same rule and audit as the API and the CLI."""
    code = str(form.get("jurisdiction") or "").strip()
    try:
        with unit_of_work(request.app.state.sessions) as s:
            records.adopt(s, user.actor, user.scope, plan_id, code)
    except ValidationFailed as exc:
        return _index(request, session, user, _problem_text(exc), 422)
    except Conflict as exc:
        return _index(request, session, user, str(exc), 409)
    except NotFound as exc:
        return _index(request, session, user, str(exc), 404)
    return RedirectResponse(f"/plans/{plan_id}?jurisdiction={code}", status_code=303)


def _dashboard(
    request: Request,
    session: Session,
    user: CurrentUser,
    plan_id: str,
    year: int | None,
    jurisdiction: str | None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
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
    ui = ui_for(request, user)
    units = unit_words(ui)
    data["units"] = units
    data["words"] = {"target": ui.t("plan_target"), "actual": ui.t("plan_actual")}
    return render(
        request,
        "plans/dashboard.html",
        user,
        status_code=status_code,
        plan=plan,
        report=report,
        data=data,
        years=list(range(plan.period_start, plan.period_end + 1)),
        can_write=roles.can_write(user.role, "plans"),
        manual_indicators=[i for i in plan.indicators if i.manual],
        units=units,
        form_error=error,
        form=form or {},
        flash=request.query_params.get("flash"),
        today=local_today().isoformat(),
    )


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def dashboard(
    request: Request,
    plan_id: str,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    jurisdiction: str | None = None,
) -> HTMLResponse:
    return _dashboard(request, session, user, plan_id, year, jurisdiction)


def _assessment(
    request: Request,
    session: Session,
    user: CurrentUser,
    plan_id: str,
    year: int | None,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    plan = load_plan(plan_id)
    year = year or default_year(plan)
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    names = {i.id: i.name_zh if zh else i.name_en for i in plan.indicators}
    names.update({p.id: p.name_zh if zh else p.name_en for p in plan.projects})
    words = {c.value: (c.zh if zh else c.en, c.color) for c in [*Status, *ProjectState]}
    w = weights_in_force(session, plan, user.jurisdiction_id)
    fields = [
        ("indicators_weight", ui.t("plan_indicators_weight"), "0", "100", "1"),
        ("projects_weight", ui.t("plan_projects_weight"), "0", "100", "1"),
        *(
            (points_field(c), ui.t("plan_points_of", state=c.zh if zh else c.en), "0", "1", "0.05")
            for c in [*Status, *ProjectState]
        ),
    ]
    set_at = w.set_at.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M") if w.set_at else ""
    source = (
        ui.t("plan_weights_default")
        if w.is_default
        else ui.t("plan_weights_set", name=w.name, code=w.code, user=w.set_by, when=set_at)
    )
    values = {k: f"{v:g}" for k, v in w.weights.as_fields().items()}
    values.update(form or {})
    return render(
        request,
        "plans/assessment.html",
        user,
        status_code=status_code,
        plan=plan,
        year=year,
        years=list(range(plan.period_start, plan.period_end + 1)),
        ranked=assess_adopters(session, plan, user.scope, year, None, w.weights),
        names=names,
        words=words,
        weights=w,
        weights_source=source,
        weight_fields=fields,
        weight_values=values,
        weight_errors=errors or {},
        home=jurisdiction_code(session, user.jurisdiction_id),
        can_write=roles.can_write(user.role, "plans"),
        flash=request.query_params.get("flash"),
    )


@router.get("/plans/{plan_id}/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    plan_id: str,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> HTMLResponse:
    """规划实施考核 for the committee: every adopter in your area ranked, with the breakdown,
    the weights in use and who set them when; a writer edits them here."""
    return _assessment(request, session, user, plan_id, year)


def _weight_error(ui: Ui, rule: str) -> str:
    """A refused weight's rule in the page's language (the rules of plans.assessment)."""
    if "must be 100" in rule:
        return ui.t("plan_rule_sum", total=rule.rsplit("now ", 1)[-1].rstrip(")"))
    return ui.t("plan_rule_weight" if "100" in rule else "plan_rule_points")


@router.post("/plans/{plan_id}/assessment/weights", response_class=HTMLResponse)
def assessment_weights_submit(
    request: Request,
    plan_id: str,
    session: SessionDep,
    user: Writer,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """The assessment page's weights form: the same rule and audit as the API. A refused form
    is shown again with each bad field's rule beside it, and nothing is written."""
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    year = int(values["year"]) if values.get("year", "").isdigit() else None
    code = jurisdiction_code(session, user.jurisdiction_id)
    try:
        with unit_of_work(request.app.state.sessions) as s:
            records.set_assessment_weights(s, user.actor, user.scope, plan_id, code, values)
    except ValidationFailed as exc:
        ui = ui_for(request, user)
        errors = {p.field: _weight_error(ui, p.rule) for p in exc.problems}
        return _assessment(request, session, user, plan_id, year, errors, values, 422)
    query = f"year={year or ''}&flash=weights"
    return RedirectResponse(f"/plans/{plan_id}/assessment?{query}#assessment-weights", 303)


def _problem_text(exc: ValidationFailed) -> str:
    details = "; ".join(f"{p.field}: {p.rule}" for p in exc.problems)
    return f"{exc.message} — {details}" if details else exc.message


@router.post("/plans/{plan_id}/{what}", response_class=HTMLResponse)
def dashboard_submit(
    request: Request,
    plan_id: str,
    what: str,
    session: SessionDep,
    user: Writer,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    """The dashboard's two forms: a manual indicator value with its evidence (人工填报), and a
    project's progress (项目进展). Same rules and audit as the API and the CLI."""
    values = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    year = int(values["view_year"]) if values.get("view_year", "").isdigit() else None
    code = values.get("jurisdiction") or None
    try:
        with unit_of_work(request.app.state.sessions) as s:
            if what == "manual":
                records.add_manual_entry(
                    s,
                    user.actor,
                    user.scope,
                    {
                        "plan": plan_id,
                        "indicator": values.get("indicator", ""),
                        "jurisdiction": values.get("jurisdiction", ""),
                        "year": values.get("year", ""),
                        "value": values.get("value", ""),
                        "evidence": values.get("evidence", ""),
                        "evidence_file": values.get("evidence_file", ""),
                    },
                )
            elif what == "progress":
                records.add_progress(
                    s,
                    user.actor,
                    user.scope,
                    {
                        "plan": plan_id,
                        "project": values.get("project", ""),
                        "jurisdiction": values.get("jurisdiction", ""),
                        "reported_on": values.get("reported_on", ""),
                        "milestone": values.get("milestone") or None,
                        "quantity": values.get("quantity") or None,
                        "completed": values.get("completed") == "on",
                        "note": values.get("note", ""),
                    },
                )
            else:
                raise NotFound(f"no page /plans/{plan_id}/{what}")
    except ValidationFailed as exc:
        return _dashboard(
            request, session, user, plan_id, year, code, _problem_text(exc), {what: values}, 422
        )
    query = f"year={year or ''}&jurisdiction={code or ''}&flash={what}"
    return RedirectResponse(f"/plans/{plan_id}?{query}#plan-forms", status_code=303)
