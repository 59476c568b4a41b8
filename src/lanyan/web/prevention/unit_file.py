"""The unit's file (单位户籍化档案): one page per unit linking what Lanyan knows about it — its
buildings, devices and their health, hazards, inspections, enforcement, credit, pre-plans, patrol
and duty compliance, repair work orders, trainings, drills and monthly checks — each section a
count, the latest rows and a link to its full paged list; plus the 户籍化 filing fields (edited
here, imported for many units from an XLSX), the XLSX and PDF export, and the monthly fire check
(每月防火检查) with the 消防安全责任人's sign-off.

Every other domain is read through its service or public functions; authorised by ``require``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import MAX_PAGE
from lanyan.core.errors import FieldProblem, LanyanError, NotFound, ValidationFailed
from lanyan.core.timeutil import local_today, to_local
from lanyan.logistics.labels import find_font
from lanyan.monitoring import duty_service, work_order_service
from lanyan.monitoring import public as monitoring_public
from lanyan.outreach import service as outreach_service
from lanyan.prevention import (
    enforcement,
    hazard_service,
    inspections,
    patrols,
    unit_file_export,
    unit_file_service,
    unit_files,
)
from lanyan.prevention.choices import HazardState
from lanyan.prevention.credit import credit_summary
from lanyan.prevention.unit_files import CheckState, FireSystem
from lanyan.registry import service as registry_service
from lanyan.registry.scope import Scope, UnitScope
from lanyan.registry.types import get_type
from lanyan.response import preplans
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)
Unit = Any  # a registry unit row, as the prevention service hands it over

SLUG = unit_file_service.SLUG
Reader = Annotated[CurrentUser, require(SLUG, "read")]
Writer = Annotated[CurrentUser, require(SLUG, "write")]
PageArg = Annotated[int, Query(ge=1, le=MAX_PAGE)]
LATEST, PAGE_SIZE, EXPORT_ROWS = 5, 20, 20

WORDS: dict[str, tuple[str, str]] = {
    "uf_title": ("单位档案", "Unit file"),
    "uf_link": ("单位档案", "Unit file"),
    "uf_sub": (
        "单位户籍化档案：本单位在平台上的全部记录，每项显示数量和最近几条",
        "Everything the platform knows about the unit: each part shows its count and latest rows",
    ),
    "uf_filing": ("户籍化备案信息", "Filing fields"),
    "uf_edit": ("编辑备案信息", "Edit the filing fields"),
    "uf_save": ("保存", "Save"),
    "uf_saved": ("已保存", "Saved"),
    "uf_refused": ("未保存：", "Not saved:"),
    "uf_all": ("查看全部", "See all"),
    "uf_none": ("暂无记录", "Nothing yet"),
    "uf_total": ("共 {n} 条", "{n} in all"),
    "uf_export_xlsx": ("导出 Excel", "Export XLSX"),
    "uf_export_pdf": ("导出 PDF", "Export PDF"),
    "uf_import": ("批量导入备案信息", "Import filing fields"),
    "uf_import_sub": (
        "上传 Excel（.xlsx）表格，一行一个单位；任何一行有误则整个文件不导入，并指出行和列。",
        "Upload an XLSX sheet, one unit a row; any bad row refuses the whole file, naming the row and the column.",
    ),
    "uf_template": ("下载模板", "Download the template"),
    "uf_upload": ("导入", "Import"),
    "uf_imported": (
        "已导入：新建 {created} 个，更新 {updated} 个",
        "Imported: {created} new, {updated} updated",
    ),
    "uf_row": ("第 {row} 行", "Row {row}"),
    "uf_back": ("返回单位档案", "Back to the unit file"),
    "uf_unit_facts": ("基本情况", "The unit"),
    "uf_code": ("单位编码", "Code"),
    "uf_name": ("单位名称", "Name"),
    "uf_category": ("单位类别", "Category"),
    "uf_address": ("地址", "Address"),
    "uf_updated": ("最近修改", "Last changed"),
    "uf_f_responsible_name": ("消防安全责任人", "Fire-safety responsible person"),
    "uf_f_responsible_phone": ("责任人电话", "Responsible person's phone"),
    "uf_f_responsible_id": ("责任人身份证或证书号", "Responsible person's ID or certificate"),
    "uf_f_manager_name": ("消防安全管理人", "Fire-safety manager"),
    "uf_f_manager_phone": ("管理人电话", "Manager's phone"),
    "uf_f_manager_id": ("管理人身份证或证书号", "Manager's ID or certificate"),
    "uf_f_key_parts": ("重点部位", "Key parts"),
    "uf_f_systems": ("消防设施", "Fire systems"),
    "uf_f_station_members": ("微型消防站队员", "Mini fire station members"),
    "uf_f_station_equipment": ("微型消防站器材", "Mini fire station equipment"),
    "uf_f_unit_code": ("单位编码", "Unit code"),
    "uf_f_file": ("文件", "File"),
    "uf_f_checked_on": ("检查日期", "Check date"),
    "uf_f_signer_name": ("签字人", "Signed by"),
    "uf_f_state": ("状态", "State"),
    "uf_f_item": ("检查项目", "Checklist item"),
    "uf_f_note": ("问题描述", "What is wrong"),
    "uf_list_hint": ("多项用顿号、逗号或换行分隔", "Separate items with commas or new lines"),
    "uf_r_required": ("必填", "is required"),
    "uf_r_phone": (
        "应为11位手机号或带区号的固定电话",
        "must be a mobile or a fixed line with its area code",
    ),
    "uf_r_id": ("应为18位身份证号或证书编号", "must be an 18-character ID or a certificate number"),
    "uf_r_system": ("不是已知的消防设施", "is not a known fire system"),
    "uf_r_unit": ("单位不存在或不在您的范围内", "no such unit in your scope"),
    "uf_r_repeat": ("与前面的行重复", "repeats an earlier row"),
    "uf_r_future": ("不能晚于今天", "must not be in the future"),
    "uf_r_answer": ("请选择合格或不合格", "answer pass or fail"),
    "uf_r_describe": ("不合格项请描述问题", "describe what is wrong"),
    "uf_r_once": ("本月已有防火检查", "this month already has its check"),
    "uf_r_signer": ("须为档案上的消防安全责任人", "must be the responsible person on the file"),
    "uf_r_no_filing": (
        "请先填写备案信息中的消防安全责任人",
        "fill in the responsible person first",
    ),
    "uf_r_signed": ("已签字，不能重复签字", "already signed"),
    "uf_r_file": (
        "不是可读取的 Excel 表格或缺少必需的列",
        "is not a readable sheet with the needed columns",
    ),
    "uf_r_other": ("不符合规则", "does not match the rules"),
    # sections
    "uf_s_buildings": ("建筑", "Buildings"),
    "uf_s_devices": ("物联设备及状态", "Devices and their health"),
    "uf_s_hazards": ("火灾隐患", "Hazards"),
    "uf_s_inspections": ("监督检查", "Inspections"),
    "uf_s_enforcement": ("执法决定", "Enforcement decisions"),
    "uf_s_preplans": ("灭火预案", "Pre-plans"),
    "uf_s_work_orders": ("维修工单", "Repair work orders"),
    "uf_s_trainings": ("员工消防培训", "Trainings"),
    "uf_s_drills": ("疏散演练", "Drills"),
    "uf_s_checks": ("每月防火检查", "Monthly fire checks"),
    "uf_s_compliance": ("本月履职情况", "This month"),
    "uf_c_code": ("编号", "Code"),
    "uf_c_name": ("名称", "Name"),
    "uf_c_kind": ("类型", "Kind"),
    "uf_c_state": ("状态", "State"),
    "uf_c_date": ("日期", "Date"),
    "uf_c_desc": ("内容", "What"),
    "uf_c_online": ("在线", "Online"),
    "uf_c_alarms": ("未处理报警", "Open alarms"),
    "uf_c_findings": ("发现问题", "Findings"),
    "uf_c_checker": ("检查人", "Checker"),
    "uf_c_attendees": ("人数", "People"),
    "uf_yes": ("是", "yes"),
    "uf_no": ("否", "no"),
    "uf_health": (
        "设备 {devices} 台：在线 {online}，离线 {offline}，未上报 {never}；未处理火警 {fire}，故障 {faults}",
        "{devices} devices: {online} online, {offline} offline, {never} never reported; {fire} open fire alarms, {faults} faults",
    ),
    "uf_credit": ("信用分", "Credit score"),
    "uf_listed": ("列入失信名单", "On the dishonesty list"),
    "uf_patrol": ("防火巡查", "Daily patrols"),
    "uf_patrol_days": (
        "{days}/{due} 天（只计已过去的日子）",
        "{days}/{due} days (days passed only)",
    ),
    "uf_duty": ("消控室值班记录", "Control-room duty log"),
    "uf_duty_rate": (
        "值班记录 {on}/{due} 时段，交接班 {handovers} 次",
        "log {on}/{due} slots, {handovers} handovers",
    ),
    "uf_no_duty": ("无消控室值班名册", "No control-room roster"),
    "uf_month_check": ("本月防火检查", "This month's check"),
    "uf_missing": ("未检查", "Not done"),
    # the monthly check
    "uf_check_new": ("开始本月防火检查", "Do this month's check"),
    "uf_check_title": ("每月防火检查", "Monthly fire-safety check"),
    "uf_check_basis": ("检查内容依据", "Checklist basis"),
    "uf_pass": ("合格", "Pass"),
    "uf_fail": ("不合格", "Fail"),
    "uf_check_save": ("提交检查记录", "Submit the check"),
    "uf_check_saved": (
        "检查记录已提交，待消防安全责任人签字",
        "Check recorded: awaiting the responsible person's sign-off",
    ),
    "uf_check_hazard": ("不合格项已转为本单位隐患", "Failed items became the unit's hazards"),
    "uf_sign": ("责任人签字", "Sign off"),
    "uf_sign_hint": (
        "由消防安全责任人本人签字确认",
        "The responsible person signs it off in person",
    ),
    "uf_signed": ("已签字", "Signed"),
    "uf_signed_at": ("签字时间", "Signed at"),
    "uf_compliance_title": ("每月防火检查情况", "Monthly checks by unit"),
    "uf_show": ("查看", "Show"),
    "uf_hazard_link": ("隐患", "Hazard"),
    "uf_prev": ("上一页", "Previous"),
    "uf_next": ("下一页", "Next"),
    "uf_page": ("第 {page} 页，共 {total} 条", "Page {page}, {total} in all"),
}

_RULES = (  # an English rule's start → its words in the catalogue
    ("is required", "uf_r_required"),
    ("must be a mobile", "uf_r_phone"),
    ("must be an 18-character", "uf_r_id"),
    ("unknown fire system", "uf_r_system"),
    ("no unit", "uf_r_unit"),
    ("repeats row", "uf_r_repeat"),
    ("must not be in the future", "uf_r_future"),
    ("must be answered", "uf_r_answer"),
    ("describe what is wrong", "uf_r_describe"),
    ("one monthly check", "uf_r_once"),
    ("must be the 消防安全责任人", "uf_r_signer"),
    ("fill in the unit's filing", "uf_r_no_filing"),
    ("signed by", "uf_r_signed"),
    ("is not an XLSX", "uf_r_file"),
    ("column is missing", "uf_r_file"),
    ("is not a column", "uf_r_file"),
    ("has no data rows", "uf_r_file"),
)
_HEADER_FIELDS = {v: k for k, v in unit_file_service.HEADERS.items()}


def problem_lines(ui: Ui, exc: LanyanError) -> list[str]:
    """Each broken rule as one line in the reader's language: row, column, rule."""
    out = []
    for p in exc.problems or [FieldProblem("other", exc.message)]:
        name = _HEADER_FIELDS.get(p.field, p.field)
        if name.startswith(("item_", "note_")):
            code = name.split("_", 1)[1]
            item = next((i for i in unit_files.checklist().items if i.code == code), None)
            label = (item.zh if ui.lang == "zh" else item.en) if item else name
        else:
            key = f"uf_f_{name}"
            label = ui.t(key) if key in WORDS else ui.t("uf_f_state")
        rule = next((k for start, k in _RULES if p.rule.startswith(start)), "uf_r_other")
        row = f"{ui.t('uf_row', row=p.row)} · " if p.row else ""
        out.append(
            f"{row}{label}：{ui.t(rule)}" if ui.lang == "zh" else f"{row}{label}: {ui.t(rule)}"
        )
    return out


def _unit_scope(user: CurrentUser, unit: Unit) -> Scope:
    """The caller's scope narrowed to one unit: a domain's list then holds this unit's rows."""
    return Scope(user.scope.path, UnitScope(frozenset({unit.id})))


def _day(value: Any) -> str:
    if value is None:
        return ""
    local = to_local(value) if hasattr(value, "hour") else value
    return f"{local:%Y-%m-%d}" if local is not None else ""


# --- sections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rows:
    total: int
    rows: list[tuple[str, ...]]
    links: list[str | None]


Fetch = Callable[[Session, CurrentUser, Unit, Ui, int, int], Rows]


def _buildings(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    ot = get_type("buildings")
    found = registry_service.list_rows(
        s, ot, user.scope, ot.filter(unit_code=unit.code), page=page, size=size
    )
    return Rows(
        found.total,
        [(r.code, r.name) for r in found.items],
        [f"/registry/buildings/{r.id}" for r in found.items],
    )


def _devices(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    ot = get_type("devices")
    found = registry_service.list_rows(
        s, ot, user.scope, ot.filter(unit_code=unit.code), page=page, size=size
    )
    # both lists run by device code: the first page*size cover this page's devices
    seen = monitoring_public.unit_devices(s, unit.id, page * size)["devices"]
    health = {d["code"]: d for d in seen}
    rows = []
    for r in found.items:
        h = health.get(r.code, {})
        online = h.get("online")
        rows.append(
            (
                r.code,
                r.name if hasattr(r, "name") else "",
                "—" if online is None else ui.t("uf_yes" if online else "uf_no"),
                "、".join(h.get("open_alarms", [])),
            )
        )
    return Rows(found.total, rows, [f"/registry/devices/{r.id}" for r in found.items])


def _hazards(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = hazard_service.list_hazards(
        s, user.scope, unit_code=unit.code, page=page, size=size
    )
    return Rows(
        total,
        [(h.code, _day(h.found_at), ui.choice(HazardState(h.state)), h.description) for h in items],
        [f"/hazards/{h.id}" for h in items],
    )


def _inspections(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = inspections.list_inspections(
        s, user.scope, unit_id=unit.id, page=page, size=size
    )
    return Rows(
        total,
        [(r.code, _day(r.inspected_at), r.kind, r.notes[:60]) for r in items],
        [None for _ in items],
    )


def _enforcement(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = enforcement.list_actions(
        s, user.scope, unit_code=unit.code, page=page, size=size
    )
    return Rows(
        total,
        [(r.decision_no, _day(r.decided_on), r.kind, r.state) for r in items],
        [None for _ in items],
    )


def _preplans(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = preplans.list_preplans(s, user.scope, unit_id=unit.id, page=page, size=size)
    return Rows(
        total,
        [(p.code, p.title, b or "") for p, _u, b in items],
        [f"/preplans/{p.id}" for p, _u, _b in items],
    )


def _work_orders(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = work_order_service.list_orders(s, _unit_scope(user, unit), None, page, size)
    return Rows(
        total,
        [
            (str(o["id"]), _day(o["opened_at"]), o["status_label"], o["location"] or "")
            for o in items
        ],
        [None for _ in items],
    )


def _trainings(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = outreach_service.unit_trainings(s, user.scope, unit.id, page, size)
    return Rows(
        total, [(_day(t.held_on), t.title, str(t.attendees)) for t in items], [None for _ in items]
    )


def _drills(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = outreach_service.unit_drills(s, user.scope, unit.id, page, size)
    return Rows(total, [(_day(e.held_on), e.title, e.kind) for e in items], [None for _ in items])


def _checks(s: Session, user: CurrentUser, unit: Unit, ui: Ui, page: int, size: int) -> Rows:
    items, total = unit_file_service.list_checks(s, user.scope, unit.id, page, size)
    return Rows(
        total,
        [
            (
                f"{c.year}-{c.month:02d}",
                _day(c.checked_on),
                c.checker,
                str(c.findings),
                ui.choice(CheckState(c.state)),
            )
            for c in items
        ],
        [f"/monthly-checks/{c.id}" for c in items],
    )


@dataclass(frozen=True)
class SectionDef:
    key: str
    columns: tuple[str, ...]
    fetch: Fetch
    slug: str  # the roles' slug that reads it


SECTIONS: tuple[SectionDef, ...] = (
    SectionDef("buildings", ("uf_c_code", "uf_c_name"), _buildings, "buildings"),
    SectionDef(
        "devices", ("uf_c_code", "uf_c_name", "uf_c_online", "uf_c_alarms"), _devices, "devices"
    ),
    SectionDef(
        "hazards", ("uf_c_code", "uf_c_date", "uf_c_state", "uf_c_desc"), _hazards, "hazards"
    ),
    SectionDef(
        "checks",
        ("uf_c_date", "uf_c_date", "uf_c_checker", "uf_c_findings", "uf_c_state"),
        _checks,
        SLUG,
    ),
    SectionDef(
        "inspections",
        ("uf_c_code", "uf_c_date", "uf_c_kind", "uf_c_desc"),
        _inspections,
        "inspections",
    ),
    SectionDef(
        "enforcement",
        ("uf_c_code", "uf_c_date", "uf_c_kind", "uf_c_state"),
        _enforcement,
        "enforcement",
    ),
    SectionDef("preplans", ("uf_c_code", "uf_c_name", "uf_s_buildings"), _preplans, "preplans"),
    SectionDef(
        "work_orders",
        ("uf_c_code", "uf_c_date", "uf_c_state", "uf_c_desc"),
        _work_orders,
        "work-orders",
    ),
    SectionDef("trainings", ("uf_c_date", "uf_c_name", "uf_c_attendees"), _trainings, "outreach"),
    SectionDef("drills", ("uf_c_date", "uf_c_name", "uf_c_kind"), _drills, "outreach"),
)
BY_KEY = {d.key: d for d in SECTIONS}


def _readable(user: CurrentUser) -> list[SectionDef]:
    return [d for d in SECTIONS if roles.can_read(user.role, d.slug)]


def _facts(s: Session, user: CurrentUser, unit: Unit, ui: Ui) -> dict[str, Any]:
    """The one-line figures: device health, credit, this month's patrols, duty and check."""
    today = local_today()
    out: dict[str, Any] = {}
    if roles.can_read(user.role, "devices"):
        h = monitoring_public.unit_health_counts(s, unit.id)
        out["health"] = ui.t(
            "uf_health",
            devices=h["devices"],
            online=h["online"],
            offline=h["offline"],
            never=h["never_reported"],
            fire=h["fire_alarms_open"],
            faults=h["faults_open"],
        )
    if roles.can_read(user.role, "credit"):
        standing = credit_summary(s, [unit.id]).get(unit.id)
        if standing is not None:
            out["credit"] = standing.score
            out["listed"] = standing.listed
    mine = _unit_scope(user, unit)
    comp = next(
        iter(patrols.compliance(s, mine, today.year, today.month, (unit.category,), today)), None
    )
    if comp is not None:
        out["patrol"] = ui.t("uf_patrol_days", days=comp.patrol_days, due=comp.days_due)
    duty, _ = duty_service.compliance(s, mine, today, 1, 1)
    out["duty"] = (
        ui.t(
            "uf_duty_rate",
            on=duty[0]["log_slots_on_time"],
            due=duty[0]["log_slots_due"],
            handovers=duty[0]["handovers"],
        )
        if duty
        else ui.t("uf_no_duty")
    )
    checks, _ = unit_file_service.list_checks(s, user.scope, unit.id, 1, 1)
    latest = checks[0] if checks else None
    this_month = (
        latest if latest and (latest.year, latest.month) == (today.year, today.month) else None
    )
    out["check"] = this_month
    return out


def _filing_facts(ui: Ui, filing: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for name in unit_files.FIELDS:
        value = filing[name]
        if name == "systems":
            value = "、".join(ui.choice(FireSystem(v)) for v in value)
        elif isinstance(value, list):
            value = "、".join(value)
        out.append((ui.t(f"uf_f_{name}"), value or ""))
    return out


def _context(s: Session, user: CurrentUser, unit: Unit, ui: Ui) -> dict[str, Any]:
    filing = unit_file_service.filing_public(unit_file_service.filing_of(s, unit.id))
    sections = []
    for d in _readable(user):
        got = d.fetch(s, user, unit, ui, 1, LATEST)
        sections.append({"def": d, "got": got})
    return {
        "unit": unit,
        "filing": filing,
        "filing_facts": _filing_facts(ui, filing),
        "facts": _facts(s, user, unit, ui),
        "sections": sections,
    }


def _unit(s: Session, user: CurrentUser, code: str) -> Unit:
    return unit_file_service.unit_of(s, user.scope, code)


@router.get("/units/{code}/file", response_class=HTMLResponse)
def file_page(request: Request, code: str, session: SessionDep, user: Reader) -> HTMLResponse:
    ui = ui_for(request, user)
    unit = _unit(session, user, code)
    return render(
        request,
        "prevention/unit_file.html",
        user,
        **_context(session, user, unit, ui),
        systems=list(FireSystem),
        can_write=roles.can_write(user.role, SLUG),
        flash=request.query_params.get("flash"),
        errors=[],
    )


@router.post("/units/{code}/file/filing", response_class=HTMLResponse)
def filing_submit(
    request: Request, code: str, session: SessionDep, user: Writer, form: FormDep
) -> Response:
    values: dict[str, Any] = {f: str(form.get(f) or "") for f in unit_files.PERSON_FIELDS}
    for f in unit_files.LIST_FIELDS:
        values[f] = [str(v) for v in form.getlist(f)] if f == "systems" else str(form.get(f) or "")
    try:
        with unit_of_work(request.app.state.sessions) as s:
            unit_file_service.save_filing(s, user.actor, user.scope, code, values)
    except LanyanError as exc:
        ui = ui_for(request, user)
        unit = _unit(session, user, code)
        ctx = _context(session, user, unit, ui)
        ctx["filing"] = ctx["filing"] | values  # the form as typed
        return render(
            request,
            "prevention/unit_file.html",
            user,
            status_code=exc.status,
            **ctx,
            systems=list(FireSystem),
            can_write=True,
            flash=None,
            errors=problem_lines(ui, exc),
            edit_open=True,
        )
    return RedirectResponse(f"/units/{quote(code)}/file?flash=saved#filing", status_code=303)


@router.get("/units/{code}/file/section/{key}", response_class=HTMLResponse)
def section_page(
    request: Request, code: str, key: str, session: SessionDep, user: Reader, page: PageArg = 1
) -> HTMLResponse:
    d = BY_KEY.get(key)
    if d is None or d not in _readable(user):
        raise NotFound(f"no section {key}")
    unit = _unit(session, user, code)
    got = d.fetch(session, user, unit, ui_for(request, user), page, PAGE_SIZE)
    return render(
        request,
        "prevention/unit_file_section.html",
        user,
        unit=unit,
        d=d,
        got=got,
        page=page,
        size=PAGE_SIZE,
    )


def _report(s: Session, user: CurrentUser, unit: Unit, ui: Ui) -> unit_file_export.FileReport:
    filing = unit_file_service.filing_public(unit_file_service.filing_of(s, unit.id))
    facts_map = _facts(s, user, unit, ui)
    facts: list[tuple[str, str]] = [
        (ui.t("uf_code"), unit.code),
        (ui.t("uf_name"), unit.name),
        (ui.t("uf_address"), unit.address or ""),
        *_filing_facts(ui, filing),
    ]
    if "health" in facts_map:
        facts.append((ui.t("uf_s_devices"), facts_map["health"]))
    if "credit" in facts_map:
        facts.append((ui.t("uf_credit"), str(facts_map["credit"])))
    if "patrol" in facts_map:
        facts.append((ui.t("uf_patrol"), facts_map["patrol"]))
    facts.append((ui.t("uf_duty"), facts_map["duty"]))
    check = facts_map["check"]
    facts.append(
        (
            ui.t("uf_month_check"),
            ui.choice(CheckState(check.state)) if check else ui.t("uf_missing"),
        )
    )
    sections = []
    for d in _readable(user):
        got = d.fetch(s, user, unit, ui, 1, EXPORT_ROWS)
        sections.append(
            unit_file_export.Section(
                ui.t(f"uf_s_{d.key}"),
                got.total,
                tuple(ui.t(c) for c in d.columns),
                tuple(tuple(str(v) for v in r) for r in got.rows),
            )
        )
    note = (
        f"每项列出最近 {EXPORT_ROWS} 条，括号内为总数；导出日期 {local_today()}"
        if ui.lang == "zh"
        else f"Each part lists its latest {EXPORT_ROWS} rows; its total in brackets; exported {local_today()}"
    )
    return unit_file_export.FileReport(
        f"{unit.name} · {ui.t('uf_title')}", tuple(facts), tuple(sections), note
    )


def _download(data: bytes, media: str, name: str) -> Response:
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/units/{code}/file.xlsx")
def file_xlsx(request: Request, code: str, session: SessionDep, user: Reader) -> Response:
    unit = _unit(session, user, code)
    data = unit_file_export.to_xlsx(_report(session, user, unit, ui_for(request, user)))
    return _download(
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"单位档案-{unit.code}.xlsx",
    )


@router.get("/units/{code}/file.pdf")
def file_pdf(request: Request, code: str, session: SessionDep, user: Reader) -> Response:
    unit = _unit(session, user, code)
    font = find_font(request.app.state.settings.label_font)
    data = unit_file_export.to_pdf(_report(session, user, unit, ui_for(request, user)), font)
    return _download(data, "application/pdf", f"单位档案-{unit.code}.pdf")


# --- import -----------------------------------------------------------------------------------


@router.get("/unit-files/import", response_class=HTMLResponse)
def import_page(request: Request, user: Writer) -> HTMLResponse:
    return render(request, "prevention/unit_file_import.html", user, errors=[], done=None)


@router.get("/unit-files/template.xlsx")
def import_template(user: Writer) -> Response:
    return _download(
        unit_file_service.filings_template(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "单位户籍化备案模板.xlsx",
    )


@router.post("/unit-files/import", response_class=HTMLResponse)
async def import_submit(request: Request, user: Writer) -> HTMLResponse:
    form = await request.form()
    upload = form.get("file")
    data = await upload.read() if upload is not None and hasattr(upload, "read") else b""
    ui = ui_for(request, user)
    try:
        rows = unit_file_service.read_filings_xlsx(data)
        with unit_of_work(request.app.state.sessions) as s:
            done = unit_file_service.import_filings(s, user.actor, user.scope, rows)
    except LanyanError as exc:
        return render(
            request,
            "prevention/unit_file_import.html",
            user,
            status_code=exc.status,
            errors=problem_lines(ui, exc),
            done=None,
        )
    return render(request, "prevention/unit_file_import.html", user, errors=[], done=done)


# --- the monthly check ------------------------------------------------------------------------


def _check_form(
    request: Request, user: CurrentUser, unit: Unit, errors: list[str], form: Any, status: int
) -> HTMLResponse:
    return render(
        request,
        "prevention/monthly_check_form.html",
        user,
        status_code=status,
        unit=unit,
        checklist=unit_files.checklist(),
        errors=errors,
        form=form,
        today=local_today(),
    )


@router.get("/units/{code}/monthly-checks/new", response_class=HTMLResponse)
def check_new(request: Request, code: str, session: SessionDep, user: Writer) -> HTMLResponse:
    return _check_form(request, user, _unit(session, user, code), [], {}, 200)


@router.post("/units/{code}/monthly-checks", response_class=HTMLResponse)
def check_submit(
    request: Request, code: str, session: SessionDep, user: Writer, form: FormDep
) -> Response:
    results: dict[str, tuple[bool, str]] = {}
    for item in unit_files.checklist().items:
        answer = str(form.get(f"item_{item.code}") or "")
        if answer in ("ok", "fail"):
            results[item.code] = (answer == "ok", str(form.get(f"note_{item.code}") or ""))
    try:
        checked_on = date.fromisoformat(str(form.get("checked_on") or ""))
    except ValueError:
        checked_on = None
    try:
        if checked_on is None:
            raise ValidationFailed("no date", [FieldProblem("checked_on", "is required")])
        with unit_of_work(request.app.state.sessions) as s:
            row = unit_file_service.record_check(
                s, user.actor, user.scope, code, checked_on, results
            )
            check_id = row.id
    except LanyanError as exc:
        ui = ui_for(request, user)
        unit = _unit(session, user, code)
        return _check_form(request, user, unit, problem_lines(ui, exc), form, exc.status)
    return RedirectResponse(f"/monthly-checks/{check_id}?flash=recorded", status_code=303)


def _check_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    check_id: int,
    errors: list[str],
    status: int = 200,
) -> HTMLResponse:
    row = unit_file_service.get_check(session, user.scope, check_id)
    unit = unit_file_service.require_unit(session, row.unit_id)
    filing = unit_file_service.filing_of(session, unit.id)
    items = {i.code: i for i in unit_files.checklist().items}
    return render(
        request,
        "prevention/monthly_check.html",
        user,
        status_code=status,
        check=row,
        unit=unit,
        items=items,
        checklist=unit_files.checklist(),
        responsible=filing.responsible_name if filing else "",
        state=CheckState(row.state),
        can_write=roles.can_write(user.role, SLUG),
        errors=errors,
        flash=request.query_params.get("flash"),
    )


@router.get("/monthly-checks/{check_id:int}", response_class=HTMLResponse)
def check_page(request: Request, check_id: int, session: SessionDep, user: Reader) -> HTMLResponse:
    return _check_page(request, session, user, check_id, [])


@router.post("/monthly-checks/{check_id:int}/sign", response_class=HTMLResponse)
def sign_submit(
    request: Request, check_id: int, session: SessionDep, user: Writer, form: FormDep
) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            unit_file_service.sign_check(
                s, user.actor, user.scope, check_id, str(form.get("signer_name") or "")
            )
    except LanyanError as exc:
        ui = ui_for(request, user)
        return _check_page(request, session, user, check_id, problem_lines(ui, exc), exc.status)
    return RedirectResponse(f"/monthly-checks/{check_id}?flash=signed", status_code=303)


@router.get("/monthly-checks", response_class=HTMLResponse)
def compliance_page(
    request: Request,
    session: SessionDep,
    user: Reader,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    month: Annotated[int | None, Query(ge=1, le=12)] = None,
    page: PageArg = 1,
) -> HTMLResponse:
    today = local_today()
    year, month = year or today.year, month or today.month
    items, total = unit_file_service.check_compliance(
        session, user.scope, year, month, page, PAGE_SIZE
    )
    return render(
        request,
        "prevention/monthly_checks.html",
        user,
        items=items,
        total=total,
        page=page,
        size=PAGE_SIZE,
        year=year,
        month=month,
    )
