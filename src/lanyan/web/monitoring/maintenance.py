"""The maintenance page (维保, GB 25201): for a unit manager their own unit, for fire officers
the units of their jurisdiction. Expiry reminders and units without the year's annual test
report head the page; a chosen unit shows its contracts (add one, the company picked as you
type), its monthly records by system and item (an 异常 item may open a repair work order) and
its annual test reports (upload the PDF). Every list pages in SQL; every write goes through
``monitoring.maintenance_service`` in one unit of work; a refusal re-shows the form with the
field named in the catalogue's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import MAX_PAGE
from lanyan.core.errors import FieldProblem, Forbidden, LanyanError, ValidationFailed
from lanyan.core.timeutil import local_today, utcnow
from lanyan.monitoring import maintenance, maintenance_service
from lanyan.monitoring.choices import ContractState, ItemResult, ReportConclusion
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.monitoring.duty import Pager
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 10
Reader = Annotated[CurrentUser, require(maintenance_service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(maintenance_service.SLUG, "write")]
PageArg = Annotated[int, Query(ge=1, le=MAX_PAGE)]

WORDS: dict[str, tuple[str, str]] = {
    "mt_nav": ("维保管理", "Maintenance"),
    "mt_title": ("维保管理", "Maintenance"),
    "mt_lead": (
        "依据 GB 25201《建筑消防设施的维护管理》：维保合同、月度维护保养记录、年度检测报告。",
        "After GB 25201: maintenance contracts, monthly records and the annual test report.",
    ),
    "mt_reminders": ("合同到期提醒", "Contract reminders"),
    "mt_reminders_note": (
        "{days}天内到期或已过期、且未续签的维保合同（{days}天为平台默认值）",
        "Contracts ending within {days} days or expired and not renewed ({days}: the "
        "platform's default)",
    ),
    "mt_missing": ("未上传年度检测报告的重点单位", "Key units without the annual test report"),
    "mt_units": ("单位", "Units"),
    "mt_unit": ("单位", "Unit"),
    "mt_search": ("查找单位", "Find a unit"),
    "mt_search_btn": ("查找", "Search"),
    "mt_open": ("打开", "Open"),
    "mt_back": ("返回", "Back"),
    "mt_unit_systems": ("本单位登记的消防系统", "Systems filed for the unit"),
    "mt_unit_systems_note": (
        "以单位建筑在登记信息中填报的消防设施为准；灭火器每个单位都有。",
        "From the fire systems filed on the unit's buildings; every unit has extinguishers.",
    ),
    "mt_contracts": ("维保合同", "Contracts"),
    "mt_add_contract": ("新增维保合同", "Add a contract"),
    "mt_company": ("维保单位", "Maintenance company"),
    "mt_company_code": ("维保单位", "Maintenance company"),
    "mt_number": ("合同编号", "Contract number"),
    "mt_start_on": ("开始日期", "Starts"),
    "mt_end_on": ("结束日期", "Ends"),
    "mt_systems": ("维保系统", "Systems covered"),
    "mt_state": ("状态", "State"),
    "mt_days_left": ("剩余天数", "Days left"),
    "mt_days": ("{n}天", "{n} days"),
    "mt_save": ("保存", "Save"),
    "mt_records": ("月度维护保养记录", "Monthly maintenance records"),
    "mt_add_record": ("填写月度记录", "Record a month"),
    "mt_month": ("月份", "Month"),
    "mt_system": ("系统", "System"),
    "mt_choose_system": ("选择系统", "Choose the system"),
    "mt_item": ("检查项目", "Item"),
    "mt_result": ("结果", "Result"),
    "mt_note": ("情况说明", "Note"),
    "mt_order": ("报修", "Open a work order"),
    "mt_abnormal": ("异常项", "Abnormal items"),
    "mt_recorded_by": ("记录人", "Recorded by"),
    "mt_view": ("查看", "View"),
    "mt_work_order": ("维修工单", "Work order"),
    "mt_reports": ("年度检测报告", "Annual test reports"),
    "mt_add_report": ("上传年度检测报告", "Upload the annual test report"),
    "mt_year": ("年度", "Year"),
    "mt_tested_on": ("检测日期", "Tested on"),
    "mt_conclusion": ("检测结论", "Conclusion"),
    "mt_file": ("检测报告（PDF）", "Report (PDF)"),
    "mt_download": ("查看报告", "Open the report"),
    "mt_tester": ("检测单位", "Testing company"),
    "mt_none": ("暂无", "None"),
    "mt_saved": ("已保存", "Saved"),
    "mt_refused": ("未保存：", "Not saved:"),
    "mt_no_unit": ("请先选择单位", "Choose a unit first"),
    "mt_err_company_code": ("须为已登记的维保单位", "must be a registered maintenance company"),
    "mt_err_number": ("请填写合同编号（最多64字）", "give the number (at most 64 characters)"),
    "mt_err_end_on": (
        "结束日期不能早于开始日期，合同期限不超过5年",
        "must not be before the start, at most 5 years after it",
    ),
    "mt_err_start_on": ("请填写日期", "give a date"),
    "mt_err_systems": (
        "至少选择一个系统；同一系统不能与本单位其他合同的期限重叠",
        "choose at least one system; a system cannot be under two overlapping contracts",
    ),
    "mt_err_month": (
        "格式为年-月，不能晚于本月；同一系统每月一份记录",
        "YYYY-MM, not after this month; one record per system and month",
    ),
    "mt_err_system": (
        "本单位未登记该系统（以单位建筑登记的消防设施为准）",
        "the unit has no such system filed on its buildings",
    ),
    "mt_err_items": (
        "每项须选择结果；异常项须写明情况（最多200字）；只有异常项可以报修",
        "answer every item; an abnormal item needs a note (≤ 200 characters); only an "
        "abnormal item opens a work order",
    ),
    "mt_err_file": ("须为PDF文件（按文件内容检查），且不超过上限", "must be a PDF (by content)"),
    "mt_err_year": ("每个单位每年一份检测报告", "one report per unit and year"),
    "mt_err_tested_on": (
        "检测日期须在该年度内且不晚于今天",
        "must lie in the year and not in the future",
    ),
    "mt_err_conclusion": ("须为合格或不合格", "must be pass or fail"),
    "mt_err_not_found": ("单位不存在或不在您的范围内", "not found in your reach"),
    "mt_err_other": ("不符合规则", "does not match the rules"),
}


def _problems(ui: Ui, exc: LanyanError) -> list[tuple[str, str]]:
    if exc.status == 404:
        return [(ui.t("mt_unit"), ui.t("mt_err_not_found"))]
    out = []
    for p in exc.problems or [FieldProblem("other", "")]:
        name = p.field.split(".")[0]
        label = ui.t(f"mt_{name}") if f"mt_{name}" in WORDS else ui.t("mt_err_other")
        if name == "items" and "." in p.field:
            code = p.field.split(".", 1)[1]
            label = f"{ui.t('mt_item')} {_item_label(ui, code)}"
        key = f"mt_err_{name}"
        out.append((label, ui.t(key) if key in WORDS else ui.t("mt_err_other")))
    return out


def _item_label(ui: Ui, code: str) -> str:
    for s in maintenance.checklist():
        item = s.item(code)
        if item is not None:
            return item.zh if ui.lang == "zh" else item.en
    return code


@dataclass
class Refused:
    """A refused form: which one, its problems in the catalogue's words, and what was typed."""

    form: str
    problems: list[tuple[str, str]]
    values: dict[str, Any] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _page(
    request: Request,
    session: Any,
    user: CurrentUser,
    unit_id: int | None,
    q: str = "",
    system: str = "",
    record_id: int | None = None,
    pages: dict[str, int] | None = None,
    refused: Refused | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    pages = pages or {}
    today = local_today()
    days = int(request.app.state.settings.maintenance_remind_days)
    scope = user.scope
    reminders, reminders_total = maintenance_service.expiry_reminders(
        session, scope, today, days, pages.get("r_page", 1), PAGE_SIZE
    )
    missing, missing_total = maintenance_service.units_without_report(
        session, scope, today.year, pages.get("m_page", 1), PAGE_SIZE
    )
    units, units_total = maintenance_service.units_in_reach(
        session, scope, q, pages.get("u_page", 1), PAGE_SIZE
    )
    if unit_id is None and not scope.units.unrestricted and units_total == 1:
        unit_id = units[0]["id"]  # a unit manager of one unit: straight to it
    context: dict[str, Any] = {}
    if unit_id is not None:
        unit = maintenance_service.reachable_unit(session, scope, unit_id)
        contracts, contracts_total = maintenance_service.list_contracts(
            session, scope, unit.id, today, days, pages.get("c_page", 1), PAGE_SIZE
        )
        records, records_total = maintenance_service.list_records(
            session, scope, unit.id, pages.get("rec_page", 1), PAGE_SIZE
        )
        reports, reports_total = maintenance_service.list_reports(
            session, scope, unit.id, pages.get("rep_page", 1), PAGE_SIZE
        )
        chosen = maintenance.system(system) if system else None
        context = {
            "unit": {"id": unit.id, "name": unit.name, "code": unit.code},
            "unit_systems": maintenance_service.systems_of(session, unit.id),
            "contracts": contracts,
            "contracts_pager": Pager("c_page", pages.get("c_page", 1), contracts_total, PAGE_SIZE),
            "records": records,
            "records_pager": Pager("rec_page", pages.get("rec_page", 1), records_total, PAGE_SIZE),
            "reports": reports,
            "reports_pager": Pager("rep_page", pages.get("rep_page", 1), reports_total, PAGE_SIZE),
            "record": (
                maintenance_service.record_detail(session, scope, record_id) if record_id else None
            ),
            "chosen": chosen,
        }
    return render(
        request,
        "monitoring/maintenance.html",
        user,
        status_code=422 if refused else 200,
        reminders=reminders,
        reminders_pager=Pager("r_page", pages.get("r_page", 1), reminders_total, PAGE_SIZE),
        remind_days=days,
        missing=missing,
        missing_pager=Pager("m_page", pages.get("m_page", 1), missing_total, PAGE_SIZE),
        units=units,
        units_pager=Pager("u_page", pages.get("u_page", 1), units_total, PAGE_SIZE),
        q=q,
        year=today.year,
        month=today.strftime("%Y-%m"),
        today=today.isoformat(),
        checklist=maintenance.checklist(),
        results=[(r.value, ui.choice(r)) for r in ItemResult],
        conclusions=[(c.value, ui.choice(c)) for c in ReportConclusion],
        state_labels={s.value: ui.choice(s) for s in ContractState},
        state_colors={s.value: s.color for s in ContractState},
        can_write=roles.can_write(user.role, maintenance_service.SLUG),
        refused=refused,
        flash=request.query_params.get("flash"),
        **context,
    )


@router.get("/monitoring/maintenance", response_class=HTMLResponse)
def maintenance_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    unit_id: int | None = None,
    q: str = "",
    system: str = "",
    record: int | None = None,
    r_page: PageArg = 1,
    m_page: PageArg = 1,
    u_page: PageArg = 1,
    c_page: PageArg = 1,
    rec_page: PageArg = 1,
    rep_page: PageArg = 1,
) -> HTMLResponse:
    pages = {
        "r_page": r_page,
        "m_page": m_page,
        "u_page": u_page,
        "c_page": c_page,
        "rec_page": rec_page,
        "rep_page": rep_page,
    }
    return _page(request, session, user, unit_id, q, system, record, pages)


def _write(
    request: Request,
    session: Any,
    user: CurrentUser,
    unit_id: int | None,
    form_name: str,
    values: dict[str, Any],
    action: Any,
    system: str = "",
) -> Response:
    if unit_id is None:
        ui = ui_for(request, user)
        refusal = Refused(form_name, [(ui.t("mt_unit"), ui.t("mt_no_unit"))], values)
        return _page(request, session, user, None, refused=refusal)
    try:
        with unit_of_work(request.app.state.sessions) as s:
            action(s)
    except LanyanError as exc:
        if isinstance(exc, Forbidden):
            raise
        ui = ui_for(request, user)
        refusal = Refused(form_name, _problems(ui, exc), values)
        return _page(request, session, user, unit_id, system=system, refused=refusal)
    return RedirectResponse(
        f"/monitoring/maintenance?unit_id={unit_id}&flash={form_name}", status_code=303
    )


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value or ""))
    except ValueError:
        raise ValidationFailed(
            f"{name} is not a date", [FieldProblem(name, "must be a date")]
        ) from None


@router.post("/monitoring/maintenance/contracts", response_class=HTMLResponse)
def contract_submit(request: Request, session: SessionDep, user: Writer, form: FormDep) -> Response:
    unit_id = _int(form.get("unit_id"))
    values = {k: str(form.get(k) or "") for k in ("company_code", "number", "start_on", "end_on")}
    systems = [str(v) for v in form.getlist("systems")]
    values["systems"] = systems

    def action(s: Any) -> None:
        maintenance_service.create_contract(
            s,
            user.actor,
            user.scope,
            unit_id or 0,
            values["company_code"],
            values["number"],
            _date(values["start_on"], "start_on"),
            _date(values["end_on"], "end_on"),
            systems,
        )

    return _write(request, session, user, unit_id, "contract", values, action)


@router.post("/monitoring/maintenance/records", response_class=HTMLResponse)
def record_submit(request: Request, session: SessionDep, user: Writer, form: FormDep) -> Response:
    unit_id = _int(form.get("unit_id"))
    system = str(form.get("system") or "")
    month = str(form.get("month") or "")
    found = maintenance.system(system)
    answers: dict[str, tuple[str, str]] = {}
    orders: set[str] = set()
    for item in found.items if found else ():
        result = form.get(f"result.{item.code}")
        if result is not None:
            answers[item.code] = (str(result), str(form.get(f"note.{item.code}") or ""))
        if form.get(f"order.{item.code}"):
            orders.add(item.code)
    values: dict[str, Any] = {"month": month, "answers": answers, "orders": orders}

    def action(s: Any) -> None:
        maintenance_service.record_month(
            s,
            user.actor,
            user.scope,
            unit_id or 0,
            month,
            system,
            answers,
            orders,
            local_today(),
            utcnow(),
        )

    return _write(request, session, user, unit_id, "record", values, action, system)


@router.post(
    "/monitoring/maintenance/reports",
    response_class=HTMLResponse,
    **upload(UploadKind.ATTACHMENT),
)
def report_submit(request: Request, session: SessionDep, user: Writer, form: FormDep) -> Response:
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    unit_id = _int(form.get("unit_id"))
    sent = form.get("file")
    data = sent.file.read(limit + 1) if isinstance(sent, UploadFile) else b""
    name = (sent.filename or "") if isinstance(sent, UploadFile) else ""
    values = {k: str(form.get(k) or "") for k in ("year", "company_code", "tested_on")}
    values["conclusion"] = str(form.get("conclusion") or "")

    def action(s: Any) -> None:
        year = _int(values["year"])
        if year is None:
            raise ValidationFailed("no year", [FieldProblem("year", "must be a year")])
        maintenance_service.upload_report(
            s,
            user.actor,
            user.scope,
            unit_id or 0,
            year,
            values["company_code"],
            _date(values["tested_on"], "tested_on"),
            values["conclusion"],
            name,
            data,
            settings.data_dir,
            limit,
            local_today(),
        )

    return _write(request, session, user, unit_id, "report", values, action)
