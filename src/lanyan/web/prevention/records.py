"""Pages of the supervision records: lists with a form each for complaints (举报投诉), enforcement
actions (行政强制与处罚), 告知承诺 and credit (信用). Every form goes through the same service
function as the API, in one unit of work, and shows refusals in the form by field and rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import FieldProblem, LanyanError
from lanyan.prevention import commitments, complaints, credit, enforcement
from lanyan.prevention.choices import (
    CommitmentState,
    ComplaintChannel,
    ComplaintState,
    CreditKind,
    EnforcementKind,
    EnforcementState,
)
from lanyan.prevention.schemas.records import (
    CommitmentCreate,
    ComplaintCreate,
    CreditRecordCreate,
    EnforcementCreate,
)
from lanyan.registry.service import pydantic_problems
from lanyan.store.db import unit_of_work
from lanyan.web.forms import form_data
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(prefix="/supervision", include_in_schema=False)
PAGE_SIZE = 100

WORDS: dict[str, tuple[str, str]] = {
    "sr_total": ("共", "Total"),
    "sr_saved": ("已保存：", "Saved:"),
    "sr_submit": ("提交", "Submit"),
    "sr_complaints": ("举报投诉", "Complaints and reports"),
    "sr_complaint_new": ("受理举报", "Take in a report"),
    "sr_enforcement": ("行政强制与处罚", "Enforcement actions"),
    "sr_enforcement_new": ("录入执法决定", "Record a decision"),
    "sr_commitments": ("告知承诺", "Commitments (告知承诺)"),
    "sr_commitment_new": ("提交告知承诺", "Submit a commitment"),
    "sr_credit": ("信用管理", "Credit"),
    "sr_credit_new": ("录入信用记录", "Add a credit record"),
    "sr_c_code": ("编号", "Code"),
    "sr_c_channel": ("来源", "Channel"),
    "sr_c_received": ("受理时间", "Received"),
    "sr_c_unit": ("单位", "Unit"),
    "sr_c_content": ("内容", "Content"),
    "sr_c_state": ("状态", "State"),
    "sr_c_due": ("核查期限", "Verify by"),
    "sr_c_overdue": ("逾期", "Overdue"),
    "sr_c_assignee": ("承办人", "Officer"),
    "sr_c_kind": ("类别", "Kind"),
    "sr_c_basis": ("法律依据", "Legal basis"),
    "sr_c_decision": ("决定书文号", "Decision no."),
    "sr_c_period": ("起止日期", "Period"),
    "sr_c_amount": ("罚款金额（元）", "Fine (yuan)"),
    "sr_c_venue": ("场所", "Place"),
    "sr_c_opens": ("营业日期", "Opens on"),
    "sr_c_inspection": ("核查检查", "Inspection"),
    "sr_c_listed_on": ("列入日期", "Listed on"),
    "sr_c_reason": ("原因", "Reason"),
    "sr_c_measures": ("联合惩戒措施", "Joint punishment"),
    "sr_score": ("信用分", "Credit score"),
    "sr_blacklisted": ("黑名单", "Blacklisted"),
    "sr_listed": ("信用监管名单", "Credit-listed"),
    "sr_f_channel": ("来源渠道", "Channel"),
    "sr_f_external_no": ("工单号", "Ticket no."),
    "sr_f_unit_code": ("单位统一社会信用代码", "Unit code (USCC)"),
    "sr_f_jurisdiction_code": ("行政区划代码", "Jurisdiction code"),
    "sr_f_address": ("地址", "Address"),
    "sr_f_content": ("举报内容", "What was reported"),
    "sr_f_reporter_name": ("举报人", "Reporter"),
    "sr_f_reporter_phone": ("联系电话", "Phone"),
    "sr_f_anonymous": ("匿名", "Anonymous"),
    "sr_f_due_on": ("核查期限", "Verify by"),
    "sr_f_kind": ("类别", "Kind"),
    "sr_f_basis": ("法律依据", "Legal basis"),
    "sr_f_decision_no": ("决定书文号", "Decision no."),
    "sr_f_decided_on": ("决定日期", "Decided on"),
    "sr_f_starts_on": ("执行起始日", "Starts on"),
    "sr_f_ends_on": ("截止日", "Ends on"),
    "sr_f_amount_yuan": ("罚款金额（元）", "Fine (yuan)"),
    "sr_f_hazard_code": ("隐患编号", "Hazard code"),
    "sr_f_inspection_code": ("检查编号", "Inspection code"),
    "sr_f_facts": ("违法事实", "Facts"),
    "sr_f_venue": ("场所名称", "Place name"),
    "sr_f_floor_area_m2": ("使用面积（m²）", "Floor area (m²)"),
    "sr_f_opens_on": ("投入使用、营业日期", "Opens on"),
    "sr_f_statements": ("承诺内容（每行一条）", "Commitments (one per line)"),
    "sr_f_points": ("分值", "Points"),
    "sr_f_reason": ("事由", "Reason"),
    "sr_f_recorded_on": ("记录日期", "Recorded on"),
    "sr_f_received_at": ("受理时间", "Received at"),
    "sr_f_action": ("操作", "Action"),
    "sr_f_user": ("用户", "User"),
    "sr_f_record": ("记录", "Record"),
    "sr_f_commitment": ("承诺", "Commitment"),
    "sr_f_file": ("文件", "File"),
    "sr_f_entry": ("名单条目", "Entry"),
}


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text, date, number, textarea, checkbox, select
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Row:
    cells: tuple[Any, ...]
    overdue: bool = False
    href: str | None = None  # the record's detail page, linked from the first cell


def _choices(ui: Ui, enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, ui.choice(m)) for m in enum)


def _values(form: FormData) -> dict[str, Any]:
    """Form fields as the schema wants them: blanks left out, checkboxes as booleans."""
    out: dict[str, Any] = {}
    for key, value in form.items():
        text = str(value).strip()
        if text:
            out[key] = text
    return out


def _page(
    request: Request,
    user: CurrentUser,
    title: str,
    columns: list[str],
    rows: list[Row],
    total: int,
    form: list[Field] | None,
    form_title: str,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    problems: list[FieldProblem] | None = None,
    summary: list[tuple[str, Any]] | None = None,
    status_code: int = 200,
    lookup: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "prevention/records.html",
        user,
        status_code=status_code,
        title=title,
        columns=columns,
        rows=rows,
        total=total,
        form=form,
        form_title=form_title,
        values=values or {},
        error=error,
        problems=problems or [],
        summary=summary,
        links=[],
        lookup=lookup,
        flash=request.query_params.get("flash"),
    )


def _submit(
    request: Request,
    user: CurrentUser,
    schema: type[BaseModel],
    values: dict[str, Any],
    write: Callable[[Session, BaseModel], str],
    again: Callable[[str | None, list[FieldProblem]], HTMLResponse],
    back: str,
) -> Response:
    """Validate, write in one unit of work, and redirect; or show the refusal in the form."""
    try:
        payload = schema.model_validate(values)
        with unit_of_work(request.app.state.sessions) as s:
            code = write(s, payload)
    except PydanticValidationError as exc:
        return again("the form does not match the rules", pydantic_problems(exc))
    except LanyanError as exc:
        return again(exc.message, exc.problems)
    return RedirectResponse(f"{back}?flash={code}", status_code=303)


# ---- complaints -----------------------------------------------------------------------------


def _complaint_form(ui: Ui) -> list[Field]:
    return [
        Field("channel", "select", _choices(ui, ComplaintChannel)),
        Field("external_no"),
        Field("unit_code"),
        Field("jurisdiction_code"),
        Field("address"),
        Field("content", "textarea"),
        Field("reporter_name"),
        Field("reporter_phone"),
        Field("anonymous", "checkbox"),
        Field("due_on", "date"),
    ]


def _complaints_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    rows, total = complaints.list_complaints(session, user.scope, page=1, size=PAGE_SIZE)
    shown = []
    for r in rows:
        p = complaints.public(session, r, viewer_id=user.id)
        shown.append(
            Row(
                (
                    p["code"],
                    ui.choice(ComplaintChannel(p["channel"])),
                    ui.time(p["received_at"]),
                    p["unit_code"] or p["address"] or "—",
                    p["content"][:60],
                    ui.choice(ComplaintState(p["state"])),
                    p["due_on"],
                    ui.t("yes") if p["overdue"] else "",
                    p["assignee"] or "—",
                ),
                p["overdue"],
                f"/supervision/complaints/{p['id']}",
            )
        )
    writable = roles.can_write(user.role, complaints.SLUG)
    return _page(
        request,
        user,
        "sr_complaints",
        [
            "sr_c_code",
            "sr_c_channel",
            "sr_c_received",
            "sr_c_unit",
            "sr_c_content",
            "sr_c_state",
            "sr_c_due",
            "sr_c_overdue",
            "sr_c_assignee",
        ],
        shown,
        total,
        _complaint_form(ui) if writable else None,
        "sr_complaint_new",
        values,
        error,
        problems,
        status_code=422 if error else 200,
    )


ComplaintReader = Annotated[CurrentUser, require(complaints.SLUG, "read")]
ComplaintWriter = Annotated[CurrentUser, require(complaints.SLUG, "write")]


@router.get("/complaints", response_class=HTMLResponse)
def complaints_page(request: Request, session: SessionDep, user: ComplaintReader) -> HTMLResponse:
    return _complaints_page(request, session, user)


@router.post("/complaints", response_class=HTMLResponse)
def complaints_submit(
    request: Request,
    session: SessionDep,
    user: ComplaintWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    values = _values(form)
    values["anonymous"] = "anonymous" in values

    def write(s: Session, payload: BaseModel) -> str:
        assert isinstance(payload, ComplaintCreate)
        return complaints.intake(s, user.actor, user.scope, payload).code

    return _submit(
        request,
        user,
        ComplaintCreate,
        values,
        write,
        lambda e, p: _complaints_page(request, session, user, values, e, p),
        "/supervision/complaints",
    )


# ---- enforcement ----------------------------------------------------------------------------


def _enforcement_form(ui: Ui) -> list[Field]:
    bases = tuple(
        (b.key, b.zh if ui.lang == "zh" else b.en) for b in enforcement.legal_bases().values()
    )
    return [
        Field("kind", "select", _choices(ui, EnforcementKind)),
        Field("unit_code"),
        Field("basis", "select", bases),
        Field("decision_no"),
        Field("decided_on", "date"),
        Field("starts_on", "date"),
        Field("ends_on", "date"),
        Field("amount_yuan", "number"),
        Field("hazard_code"),
        Field("inspection_code"),
        Field("facts", "textarea"),
    ]


def _enforcement_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    rows, total = enforcement.list_actions(session, user.scope, page=1, size=PAGE_SIZE)
    shown = []
    for r in rows:
        p = enforcement.public(session, r)
        shown.append(
            Row(
                (
                    p["code"],
                    ui.choice(EnforcementKind(p["kind"])),
                    p["unit_code"],
                    p["basis_zh"] if ui.lang == "zh" else p["basis"],
                    p["decision_no"],
                    f"{p['starts_on']} – {p['ends_on'] or ''}",
                    p["amount_yuan"] if p["amount_yuan"] is not None else "—",
                    ui.choice(EnforcementState(p["state"])),
                ),
                href=f"/supervision/enforcement/{p['id']}",
            )
        )
    writable = roles.can_write(user.role, enforcement.SLUG)
    return _page(
        request,
        user,
        "sr_enforcement",
        [
            "sr_c_code",
            "sr_c_kind",
            "sr_c_unit",
            "sr_c_basis",
            "sr_c_decision",
            "sr_c_period",
            "sr_c_amount",
            "sr_c_state",
        ],
        shown,
        total,
        _enforcement_form(ui) if writable else None,
        "sr_enforcement_new",
        values,
        error,
        problems,
        status_code=422 if error else 200,
    )


EnforcementReader = Annotated[CurrentUser, require(enforcement.SLUG, "read")]
EnforcementWriter = Annotated[CurrentUser, require(enforcement.SLUG, "write")]


@router.get("/enforcement", response_class=HTMLResponse)
def enforcement_page(
    request: Request, session: SessionDep, user: EnforcementReader
) -> HTMLResponse:
    return _enforcement_page(request, session, user)


@router.post("/enforcement", response_class=HTMLResponse)
def enforcement_submit(
    request: Request,
    session: SessionDep,
    user: EnforcementWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    values = _values(form)

    def write(s: Session, payload: BaseModel) -> str:
        assert isinstance(payload, EnforcementCreate)
        return enforcement.decide(s, user.actor, user.scope, payload).code

    return _submit(
        request,
        user,
        EnforcementCreate,
        values,
        write,
        lambda e, p: _enforcement_page(request, session, user, values, e, p),
        "/supervision/enforcement",
    )


# ---- 告知承诺 --------------------------------------------------------------------------------


def _commitment_form() -> list[Field]:
    return [
        Field("unit_code"),
        Field("venue"),
        Field("address"),
        Field("floor_area_m2", "number"),
        Field("opens_on", "date"),
        Field("statements", "textarea"),
    ]


def _commitments_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    rows, total = commitments.list_commitments(session, user.scope, page=1, size=PAGE_SIZE)
    shown = []
    for r in rows:
        p = commitments.public(session, r)
        shown.append(
            Row(
                (
                    p["code"],
                    p["unit_code"],
                    p["venue"],
                    p["opens_on"],
                    ui.choice(CommitmentState(p["state"])),
                    p["inspection_code"] or "—",
                ),
                href=f"/supervision/commitments/{p['id']}",
            )
        )
    writable = roles.can_write(user.role, commitments.SLUG)
    return _page(
        request,
        user,
        "sr_commitments",
        ["sr_c_code", "sr_c_unit", "sr_c_venue", "sr_c_opens", "sr_c_state", "sr_c_inspection"],
        shown,
        total,
        _commitment_form() if writable else None,
        "sr_commitment_new",
        values,
        error,
        problems,
        status_code=422 if error else 200,
    )


CommitmentReader = Annotated[CurrentUser, require(commitments.SLUG, "read")]
CommitmentWriter = Annotated[CurrentUser, require(commitments.SLUG, "write")]


@router.get("/commitments", response_class=HTMLResponse)
def commitments_page(request: Request, session: SessionDep, user: CommitmentReader) -> HTMLResponse:
    return _commitments_page(request, session, user)


@router.post("/commitments", response_class=HTMLResponse)
def commitments_submit(
    request: Request,
    session: SessionDep,
    user: CommitmentWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    values = _values(form)
    shown = dict(values)
    if "statements" in values:
        values["statements"] = [s for s in values["statements"].splitlines() if s.strip()]

    def write(s: Session, payload: BaseModel) -> str:
        assert isinstance(payload, CommitmentCreate)
        return commitments.submit(s, user.actor, user.scope, payload).code

    return _submit(
        request,
        user,
        CommitmentCreate,
        values,
        write,
        lambda e, p: _commitments_page(request, session, user, shown, e, p),
        "/supervision/commitments",
    )


# ---- credit ---------------------------------------------------------------------------------


def _credit_form(ui: Ui) -> list[Field]:
    return [
        Field("unit_code"),
        Field("kind", "select", _choices(ui, CreditKind)),
        Field("points", "number"),
        Field("reason", "textarea"),
        Field("recorded_on", "date"),
    ]


def _credit_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    values: dict[str, Any] | None = None,
    error: str | None = None,
    problems: list[FieldProblem] | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    entries = credit.list_blacklist(session, user.scope)
    shown = [
        Row(
            (
                code,
                e.listed_on,
                e.reason,
                "、".join(ui.choice(m) for m in credit.blacklist_public(e, code)["measures"]),
            ),
            href=f"/supervision/credit/units/{code}",
        )
        for e, code in entries
    ]
    summary = None
    unit_code = request.query_params.get("unit_code", "").strip()
    if unit_code and not error:
        try:
            standing = credit.standing_public(session, user.scope, unit_code)
        except LanyanError as exc:
            error, problems = exc.message, exc.problems
        else:
            yes, no = ui.t("yes"), ui.t("no")
            summary = [
                (
                    "sr_c_unit",
                    Markup('<a href="/supervision/credit/units/{0}">{0}</a>').format(unit_code),
                ),
                ("sr_score", standing["score"]),
                ("sr_blacklisted", yes if standing["blacklisted"] else no),
                ("sr_listed", yes if standing["listed"] else no),
            ]
    writable = roles.can_write(user.role, credit.SLUG)
    return _page(
        request,
        user,
        "sr_credit",
        ["sr_c_unit", "sr_c_listed_on", "sr_c_reason", "sr_c_measures"],
        shown,
        len(shown),
        _credit_form(ui) if writable else None,
        "sr_credit_new",
        values,
        error,
        problems,
        summary,
        status_code=422 if error and values else 200,
        lookup=True,
    )


CreditReader = Annotated[CurrentUser, require(credit.SLUG, "read")]
CreditWriter = Annotated[CurrentUser, require(credit.SLUG, "write")]


@router.get("/credit", response_class=HTMLResponse)
def credit_page(request: Request, session: SessionDep, user: CreditReader) -> HTMLResponse:
    return _credit_page(request, session, user)


@router.post("/credit", response_class=HTMLResponse)
def credit_submit(
    request: Request,
    session: SessionDep,
    user: CreditWriter,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    values = _values(form)

    def write(s: Session, payload: BaseModel) -> str:
        assert isinstance(payload, CreditRecordCreate)
        row = credit.create_record(s, user.actor, user.scope, payload)
        return f"credit-{row.id}"

    return _submit(
        request,
        user,
        CreditRecordCreate,
        values,
        write,
        lambda e, p: _credit_page(request, session, user, values, e, p),
        "/supervision/credit",
    )
