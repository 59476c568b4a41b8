"""Fire statistics pages (火灾统计): the analysis with its charts, map and filters (``/stats``),
the records list with import, export and the missing-records list, the record form (prefilled
from a closed fire incident; 简易登记 for minor fires), and the investigation cases.

Writes go through ``lanyan.stats`` in one unit of work with the user's actor and scope, so the
pages obey the same rules, scoping and audit as the API; refusals are shown in the form.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import local_today
from lanyan.registry import service as registry_service
from lanyan.stats import analysis, cases, io, records
from lanyan.stats.choices import (
    CaseAction,
    CaseState,
    EvidenceKind,
    FireCause,
    FireGrade,
    FirePlace,
    ResponsibilityKind,
)
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.i18n import rule_text
from lanyan.web.map.layers import home_of
from lanyan.web.render import render, ui_for

router = APIRouter(prefix="/stats", include_in_schema=False)

WORDS: dict[str, tuple[str, str]] = {
    "stats_nav": ("火灾统计", "Fire statistics"),
    "stats_title": ("火灾统计分析", "Fire statistics analysis"),
    "stats_records": ("火灾统计记录", "Fire records"),
    "stats_investigations": ("火灾调查", "Fire investigation"),
    "stats_response": ("首车响应", "First response"),
    "stats_response_min": ("{m} 分 {s} 秒", "{m} min {s} s"),
    "stats_response_vehicles": ("各车出动→到场", "Each vehicle, turnout → on scene"),
    "stats_year": ("统计年份", "Year"),
    "stats_first_year": ("趋势起始年", "Trend from"),
    "stats_jurisdiction": ("行政区划", "Jurisdiction"),
    "stats_cause": ("起火原因", "Cause"),
    "stats_place": ("起火场所", "Place"),
    "stats_grade": ("火灾等级", "Grade"),
    "stats_kind": ("登记方式", "Registration"),
    "stats_all": ("全部", "All"),
    "stats_full": ("完整记录", "Full records"),
    "stats_simplified": ("简易登记", "Simplified registration"),
    "stats_apply": ("筛选", "Filter"),
    "stats_fires": ("火灾起数", "Fires"),
    "stats_deaths": ("死亡人数", "Deaths"),
    "stats_injuries": ("受伤人数", "Injuries"),
    "stats_loss": ("直接财产损失", "Direct property loss"),
    "stats_yoy": ("同比", "Year on year"),
    "stats_unit_fires": ("起", "fires"),
    "stats_unit_persons": ("人", "persons"),
    "stats_unit_wan": ("万元", "10k yuan"),
    "stats_trend": ("四项指标趋势", "The four figures by year"),
    "stats_by_cause": ("按起火原因", "By cause"),
    "stats_by_place": ("按起火场所", "By place"),
    "stats_by_month": ("按月份", "By month"),
    "stats_by_hour": ("按时段（小时）", "By hour of day"),
    "stats_by_weekday": ("按星期", "By weekday"),
    "stats_by_jurisdiction": ("按行政区划", "By jurisdiction"),
    "stats_map": ("火灾分布图", "Fire map"),
    "stats_hour_unknown": ("时间不详的记录", "records without a time"),
    "stats_export_analysis": ("导出分析 XLSX", "Export analysis (XLSX)"),
    "stats_export_csv": ("导出记录 CSV", "Export records (CSV)"),
    "stats_export_xlsx": ("导出记录 XLSX", "Export records (XLSX)"),
    "stats_missing": ("已结案火警未登记", "Closed fire incidents without a record"),
    "stats_missing_none": ("没有未登记的火警", "Every closed fire incident has a record"),
    "stats_record_now": ("登记", "Record"),
    "stats_new": ("新建火灾记录", "New fire record"),
    "stats_new_simplified": ("简易登记（轻微火灾）", "Simplified registration (minor fire)"),
    "stats_import": ("导入 CSV/XLSX", "Import CSV/XLSX"),
    "stats_import_hint": (
        "全部校验通过才写入；出错的行会逐一列出。",
        "All or nothing: every broken row is listed and nothing is written.",
    ),
    "stats_imported": ("已导入", "Imported"),
    "stats_saved": ("已保存", "Saved"),
    "stats_from_incident": ("来自警情", "From incident"),
    "stats_code": ("火灾编号", "Fire code"),
    "stats_occurred_at": ("起火时间", "Time of fire"),
    "stats_address": ("地址", "Address"),
    "stats_lon": ("经度", "Longitude"),
    "stats_lat": ("纬度", "Latitude"),
    "stats_unit": ("单位编码", "Unit code"),
    "stats_building": ("建筑编码", "Building code"),
    "stats_serious": ("其中重伤", "of whom seriously injured"),
    "stats_loss_yuan": ("直接财产损失（元）", "Direct property loss (yuan)"),
    "stats_area": ("过火面积（m²）", "Burned area (m²)"),
    "stats_impact": ("重大社会影响", "Major social impact"),
    "stats_note": ("备注", "Note"),
    "stats_save": ("保存", "Save"),
    "stats_simplified_hint": (
        "简易登记仅限轻微火灾：无人员伤亡且直接财产损失低于1000元。",
        "Simplified registration is for minor fires only: no casualties and a loss below 1,000 yuan.",
    ),
    "stats_open_case": ("立案调查", "Open investigation"),
    "stats_case": ("调查案件", "Case"),
    "stats_state": ("状态", "State"),
    "stats_extended": ("延伸调查", "Extended investigation"),
    "stats_extended_required": ("需开展延伸调查", "Extended investigation required"),
    "stats_extended_done": ("延伸调查已完成", "Extended investigation done"),
    "stats_evidence": ("证据", "Evidence"),
    "stats_custody": ("保管链", "Chain of custody"),
    "stats_holder": ("保管人", "Holder"),
    "stats_transfer": ("移交", "Hand over"),
    "stats_reason": ("事由", "Reason"),
    "stats_description": ("描述", "Description"),
    "stats_file": ("文件（计算 SHA-256，不保存）", "File (hashed with SHA-256, not stored)"),
    "stats_add_evidence": ("登记证据", "Register evidence"),
    "stats_responsibility": ("责任认定", "Responsibility findings"),
    "stats_party": ("责任主体", "Party"),
    "stats_finding": ("认定内容", "Finding"),
    "stats_add": ("添加", "Add"),
    "stats_statement": ("认定意见", "Determination"),
    "stats_police_no": ("公安机关受案号", "Police case number"),
    "stats_findings": ("延伸调查结论", "Extended investigation findings"),
    "stats_trail": ("操作记录（审计）", "Audit trail"),
    "stats_no_cases": ("暂无调查案件", "No investigation cases"),
    "stats_criminal": ("刑事案件", "Criminal case"),
    "stats_record": ("火灾记录", "Fire record"),
    "stats_legal_actions": ("可执行操作", "Next steps"),
    "stats_item_kind": ("类别", "Kind"),
    "stats_flag_impact": ("认定为重大社会影响火灾", "Flag major social impact"),
    "stats_map_points": ("火灾点位", "Fires (points)"),
    "stats_map_areas": ("区域火灾起数", "Fires per area"),
}

Reader = Annotated[CurrentUser, require(records.SLUG, "read")]
Writer = Annotated[CurrentUser, require(records.SLUG, "write")]
CaseReader = Annotated[CurrentUser, require(cases.SLUG, "read")]
CaseWriter = Annotated[CurrentUser, require(cases.SLUG, "write")]


def _places(session: Session, user: CurrentUser) -> list[tuple[str, str]]:
    """(code, name) of the county-and-town jurisdictions the user may pick in the filters."""
    levels = ("city", "county", "town")
    return registry_service.jurisdiction_choices(session, user.scope, levels, 500)


@router.get("", response_class=HTMLResponse)
def stats_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    first_year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
    jurisdiction: str = "",
    cause: str = "",
    place: str = "",
    grade: str = "",
    kind: str = "",
) -> HTMLResponse:
    y = year or analysis.default_year(session, user.scope)
    f = analysis.Filters(
        year=y,
        first_year=min(first_year or y - 4, y),
        jurisdiction=jurisdiction or None,
        cause=cause if cause in {c.value for c in FireCause} else None,
        place=place if place in {p.value for p in FirePlace} else None,
        grade=grade if grade in {g.value for g in FireGrade} else None,
        simplified={"simplified": True, "full": False}.get(kind),
    )
    result = analysis.analyse(session, user.scope, f, user.jurisdiction_id)
    root = analysis.root_of(session, user.scope, f.jurisdiction, user.jurisdiction_id)
    # The API's own parameter names, so the export and the map show what the page shows.
    query = urlencode(
        {
            k: v
            for k, v in {
                "year": f.year,
                "first_year": f.first_year,
                "jurisdiction": f.jurisdiction,
                "cause": f.cause,
                "place": f.place,
                "grade": f.grade,
                "simplified": None if f.simplified is None else str(f.simplified).lower(),
            }.items()
            if v is not None
        }
    )
    settings = request.app.state.settings
    return render(
        request,
        "stats/analysis.html",
        user,
        result=result,
        filters=f,
        kind=kind,
        query=query,
        places=_places(session, user),
        years=list(range(y - 15, local_today().year + 1)),
        FireCause=FireCause,
        FirePlace=FirePlace,
        FireGrade=FireGrade,
        missing=len(records.missing_records(session, user.scope)),
        config={
            "lang": ui_for(request, user).lang,
            "home": home_of(root),
            "tileUrl": settings.tile_url,
            "tileAttribution": settings.tile_attribution,
            "mapUrl": "/api/stats/map?" + query,
            "grades": FireGrade.describe(),
        },
    )


def _records_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    year: int | None,
    problems: list[FieldProblem] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows = io.record_rows(session, user.scope, year)
    codes = [r["code"] for r in rows]
    case_of = cases.cases_of_records(session, codes[-500:])
    response_of = records.responses_of(session, codes[-500:])
    return render(
        request,
        "stats/records.html",
        user,
        status_code=status_code,
        rows=list(reversed(rows))[:500],
        total=len(rows),
        year=year,
        missing=records.missing_records(session, user.scope),
        can_write=roles.can_write(user.role, records.SLUG),
        can_open_case=roles.can_write(user.role, cases.SLUG),
        case_of=case_of,
        response_of=response_of,
        problems=problems or [],
        message=message,
        flash=request.query_params.get("flash"),
        FireCause=FireCause,
        FirePlace=FirePlace,
        FireGrade=FireGrade,
    )


@router.get("/records", response_class=HTMLResponse)
def records_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=1990, le=2100)] = None,
) -> HTMLResponse:
    return _records_page(request, session, user, year)


@router.post("/records/import", response_class=HTMLResponse, **upload(UploadKind.IMPORT))
async def import_submit(request: Request, session: SessionDep, user: Writer) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed("choose a file", [FieldProblem("file", "required")])
        rows = io.read_rows(await upload.read(), upload.filename)
        with unit_of_work(request.app.state.sessions) as s:
            n = records.import_rows(s, user.actor, user.scope, rows)
    except ValidationFailed as exc:
        return _records_page(request, session, user, None, exc.problems, exc.message, 422)
    return RedirectResponse(f"/stats/records?flash=imported-{n}", status_code=303)


def _form_page(
    request: Request,
    user: CurrentUser,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "stats/record_form.html",
        user,
        status_code=status_code,
        values=values,
        errors=errors or {},
        general=general or [],
        FireCause=FireCause,
        FirePlace=FirePlace,
    )


@router.get("/records/new", response_class=HTMLResponse)
def new_record(
    request: Request,
    session: SessionDep,
    user: Writer,
    incident: str = "",
    simplified: bool = False,
) -> HTMLResponse:
    values: dict[str, Any] = {"simplified": simplified}
    if incident:
        values.update(records.prefill(session, user.scope, incident))
    return _form_page(request, user, values)


FIELDS = [
    "code", "jurisdiction", "occurred_at", "address", "lon", "lat", "incident", "unit",
    "building", "place", "cause", "deaths", "injuries", "serious_injuries", "direct_loss_yuan",
    "burned_area_m2", "note",
]  # fmt: skip


@router.post("/records/new", response_class=HTMLResponse)
def new_record_submit(request: Request, user: Writer, form: FormDep) -> Response:
    values: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in FIELDS}
    values["simplified"] = form.get("simplified") == "on"
    values["major_social_impact"] = form.get("major_social_impact") == "on"
    try:
        with unit_of_work(request.app.state.sessions) as s:
            row = records.create_record(s, user.actor, user.scope, values)
            code = row.code
    except ValidationFailed as exc:
        lang = ui_for(request, user).lang
        errors = {p.field: rule_text(p.rule, lang) for p in exc.problems}
        return _form_page(request, user, values, errors, [exc.message], 422)
    return RedirectResponse(f"/stats/records?flash=saved-{code}", status_code=303)


# --- investigation ---------------------------------------------------------------------------


@router.get("/investigations", response_class=HTMLResponse)
def cases_page(request: Request, session: SessionDep, user: CaseReader) -> HTMLResponse:
    return render(
        request,
        "stats/cases.html",
        user,
        rows=cases.list_cases(session, user.scope),
        CaseState=CaseState,
        FireGrade=FireGrade,
    )


@router.post("/investigations/open", response_class=HTMLResponse)
def open_case_submit(request: Request, user: CaseWriter, form: FormDep) -> Response:
    record = str(form.get("record") or "")
    try:
        with unit_of_work(request.app.state.sessions) as s:
            code = cases.open_case(s, user.actor, user.scope, record, "").code
    except Conflict as exc:
        raise ValidationFailed(exc.message, [FieldProblem("record", exc.message)]) from None
    return RedirectResponse(f"/stats/investigations/{code}", status_code=303)


def _case_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    code: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    case = cases.get_case(session, user.scope, code)
    detail = cases.case_detail(session, case)
    trail = cases.case_trail(session, case, user.scope)
    return render(
        request,
        "stats/case.html",
        user,
        status_code=status_code,
        d=detail,
        case=case,
        state=CaseState(case.state),
        trail=trail,
        error=error,
        flash=request.query_params.get("flash"),
        can_write=roles.can_write(user.role, cases.SLUG),
        CaseAction=CaseAction,
        CaseState=CaseState,
        FireCause=FireCause,
        FireGrade=FireGrade,
        FirePlace=FirePlace,
        EvidenceKind=EvidenceKind,
        ResponsibilityKind=ResponsibilityKind,
    )


@router.get("/investigations/{code}", response_class=HTMLResponse)
def case_page(request: Request, code: str, session: SessionDep, user: CaseReader) -> HTMLResponse:
    return _case_page(request, session, user, code)


def _problem_text(exc: ValidationFailed) -> str:
    details = "; ".join(f"{p.field}: {p.rule}" for p in exc.problems)
    return f"{exc.message} — {details}" if details and details not in exc.message else exc.message


@router.post(
    "/investigations/{code}/{what}", response_class=HTMLResponse, **upload(UploadKind.ATTACHMENT)
)
async def case_submit(
    request: Request, code: str, what: str, session: SessionDep, user: CaseWriter
) -> Response:
    form = await request.form()
    text = {k: str(v).strip() for k, v in form.items() if isinstance(v, str)}
    try:
        with unit_of_work(request.app.state.sessions) as s:
            if what == "action":
                try:
                    action = CaseAction(text.get("action", ""))
                except ValueError:
                    raise ValidationFailed(
                        "unknown action", [FieldProblem("action", "unknown action")]
                    ) from None
                cases.act(s, user.actor, user.scope, code, action, text)
            elif what == "evidence":
                upload = form.get("file")
                content = None
                if isinstance(upload, UploadFile) and upload.filename:
                    content = await upload.read()
                    text["file_name"] = upload.filename
                cases.add_evidence(s, user.actor, user.scope, code, text, content)
            elif what == "transfer":
                cases.transfer_custody(
                    s,
                    user.actor,
                    user.scope,
                    code,
                    text.get("item", ""),
                    text.get("to_holder", ""),
                    text.get("reason", ""),
                )
            elif what == "impact":
                cases.flag_social_impact(s, user.actor, user.scope, code, text.get("reason", ""))
            elif what == "responsibility":
                cases.add_responsibility(s, user.actor, user.scope, code, text)
            else:
                raise NotFound(f"no page /stats/investigations/{code}/{what}")
    except ValidationFailed as exc:
        return _case_page(request, session, user, code, _problem_text(exc), 422)
    return RedirectResponse(f"/stats/investigations/{code}?flash={what}", status_code=303)
