"""Detail pages of the supervision records with a form for each follow-up step the record's
state allows: a complaint assigned (分派), verified (核查, linked to its 举报核查 inspection) and fed
back (反馈, reward flag); an enforcement action lifted (解除); a 告知承诺 checked (核查结果); a
unit's credit file with blacklisting (失信黑名单, 联合惩戒), repair (信用修复) and removal.

Every step goes through the same service function as the API in one unit of work; a refusal is
shown in its form by field and rule and writes nothing. Each page ends with the record's audit
trail (审计记录)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.core.errors import FieldProblem, Forbidden, LanyanError, NotFound
from lanyan.prevention import attachments, commitments, complaints, credit, enforcement, lookup
from lanyan.prevention.choices import (
    CommitmentState,
    ComplaintChannel,
    ComplaintResult,
    ComplaintState,
    CreditKind,
    EnforcementKind,
    EnforcementState,
    InspectionKind,
    JointPunishment,
)
from lanyan.prevention.schemas.records import (
    BlacklistCreate,
    BlacklistRemove,
    CommitmentCheck,
    ComplaintAssign,
    ComplaintFeedback,
    ComplaintVerify,
    CreditRepair,
    EnforcementLift,
)
from lanyan.registry.scope import Scope
from lanyan.registry.service import pydantic_problems
from lanyan.store.audit import AuditEntry
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(prefix="/supervision", include_in_schema=False)

WORDS: dict[str, tuple[str, str]] = {
    "st_next": ("下一步", "Next step"),
    "st_none": ("当前状态没有可执行的操作。", "No step is open in this state."),
    "st_done": ("已记录：", "Recorded:"),
    "st_trail": ("审计记录", "Audit trail"),
    "st_time": ("时间", "Time"),
    "st_actor": ("操作人", "Actor"),
    "st_action": ("操作", "Action"),
    "st_hash": ("哈希", "Hash"),
    "st_detail": ("详情", "Details"),
    "st_records": ("信用记录", "Credit records"),
    "st_entries": ("黑名单记录", "Blacklist entries"),
    "st_start_inspection": ("开始举报核查检查", "Start the 举报核查 inspection"),
    "st_start_check": ("开始告知承诺核查检查", "Start the 告知承诺核查 inspection"),
    "st_credit_file": ("信用档案", "Credit file"),
    "st_assign": ("分派核查", "Assign for verification"),
    "st_verify": ("录入核查结果", "Record the verification"),
    "st_feedback": ("反馈举报人并办结", "Feed back and close"),
    "st_lift": ("解除", "Lift (解除)"),
    "st_check": ("录入核查结果", "Record the check"),
    "st_blacklist": ("列入失信黑名单", "Put on the blacklist"),
    "st_repair": ("信用修复", "Repair (信用修复)"),
    "st_unblacklist": ("移出黑名单", "Take off the blacklist"),
    "st_lookup": ("查询单位信用", "Look up a unit"),
    "st_evidence": ("证据材料", "Evidence"),
    "st_attach": ("上传证据材料", "Attach evidence"),
    "sr_f_description": ("说明", "Description"),
    "sr_f_assignee": ("承办人", "Officer"),
    "sr_f_result": ("核查结果", "Result"),
    "sr_f_note": ("说明", "Note"),
    "sr_f_feedback": ("反馈内容", "Feedback to the reporter"),
    "sr_f_reward": ("给予举报奖励", "Reward the reporter"),
    "sr_f_lifted_on": ("解除日期", "Lifted on"),
    "sr_f_truthful": ("承诺是否属实", "Commitment true?"),
    "sr_f_penalty_points": ("虚假承诺扣分", "Penalty points if false"),
    "sr_f_listed_on": ("列入日期", "Listed on"),
    "sr_f_measures": ("联合惩戒措施", "Joint punishment measures"),
    "sr_f_repaired_on": ("修复日期", "Repaired on"),
    "sr_f_removed_on": ("移出日期", "Removed on"),
    "sr_f_at": ("时间", "Time"),
    "sr_c_external_no": ("工单号", "Ticket no."),
    "sr_c_address": ("地址", "Address"),
    "sr_c_reporter": ("举报人", "Reporter"),
    "sr_c_result": ("核查结果", "Result"),
    "sr_c_result_note": ("核查情况", "Findings"),
    "sr_c_verified_at": ("核查时间", "Verified at"),
    "sr_c_feedback": ("反馈内容", "Feedback"),
    "sr_c_feedback_at": ("反馈时间", "Fed back at"),
    "sr_c_reward": ("举报奖励", "Reward"),
    "sr_c_facts": ("违法事实", "Facts"),
    "sr_c_lifted": ("解除", "Lifted"),
    "sr_c_statements": ("承诺内容", "Commitments"),
    "sr_c_area": ("使用面积（m²）", "Floor area (m²)"),
    "sr_c_submitted": ("提交", "Submitted"),
    "sr_c_checked": ("核查", "Checked"),
    "sr_c_points": ("分值", "Points"),
    "sr_c_recorded_on": ("记录日期", "Recorded on"),
    "sr_c_repaired": ("修复", "Repaired"),
    "sr_c_removed": ("移出", "Removed"),
    "sr_anonymous": ("匿名", "anonymous"),
    "sr_true": ("属实", "True"),
    "sr_false": ("虚假承诺（扣减信用分）", "False (costs credit)"),
}


STEP_NAMES = frozenset(
    {"assign", "verify", "feedback", "lift", "check", "blacklist", "repair", "unblacklist"}
)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "text"  # text, date, number, textarea, checkbox, checkboxes, select
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False


@dataclass
class Step:
    """One follow-up form: its name (the URL's last part), title and fields."""

    name: str
    title: str
    fields: list[Field]
    action: str
    values: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    problems: list[FieldProblem] = field(default_factory=list)
    danger: bool = False


@dataclass(frozen=True)
class Table:
    title: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Refusal:
    """A refused step, re-shown in its own form."""

    step: str
    values: dict[str, Any]
    message: str
    problems: list[FieldProblem]


ComplaintReader = Annotated[CurrentUser, require(complaints.SLUG, "read")]
ComplaintWriter = Annotated[CurrentUser, require(complaints.SLUG, "write")]
EnforcementReader = Annotated[CurrentUser, require(enforcement.SLUG, "read")]
EnforcementWriter = Annotated[CurrentUser, require(enforcement.SLUG, "write")]
CommitmentReader = Annotated[CurrentUser, require(commitments.SLUG, "read")]
CommitmentChecker = Annotated[CurrentUser, require(commitments.CHECK_SLUG, "write")]
CreditReader = Annotated[CurrentUser, require(credit.SLUG, "read")]
CreditWriter = Annotated[CurrentUser, require(credit.SLUG, "write")]


def _choices(ui: Ui, enum: Any) -> tuple[tuple[str, str], ...]:
    return tuple((m.value, ui.choice(m)) for m in enum)


def _values(form: FormData, multi: tuple[str, ...] = ()) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in form:
        if key in multi:
            out[key] = [str(v) for v in form.getlist(key) if str(v).strip()]
            continue
        text = str(form.get(key) or "").strip()
        if text:
            out[key] = text
    return out


def _apply(
    request: Request,
    step: str,
    schema: type[BaseModel],
    values: dict[str, Any],
    write: Callable[[Session, Any], None],
) -> Refusal | None:
    """Validate and write in one unit of work; a refusal (nothing written) or None."""
    try:
        payload = schema.model_validate(values)
        with unit_of_work(request.app.state.sessions) as s:
            write(s, payload)
    except PydanticValidationError as exc:
        return Refusal(step, values, "the form does not match the rules", pydantic_problems(exc))
    except LanyanError as exc:
        if isinstance(exc, Forbidden):
            raise
        return Refusal(step, values, exc.message, exc.problems)
    return None


def _detail(
    request: Request,
    user: CurrentUser,
    *,
    title: str,
    heading: str,
    back: tuple[str, str],
    facts: list[tuple[str, Any]],
    steps: list[Step],
    trail: list[AuditEntry],
    refusal: Refusal | None,
    tables: list[Table] | None = None,
    links: list[tuple[str, str]] | None = None,
    badge: Any = None,
    evidence: dict[str, Any] | None = None,
) -> HTMLResponse:
    for s in steps:
        if refusal is not None and refusal.step == s.name:
            s.values = refusal.values
            s.error = refusal.message
            s.problems = refusal.problems
    return render(
        request,
        "prevention/record.html",
        user,
        status_code=422 if refusal else 200,
        title=title,
        heading=heading,
        back=back,
        facts=facts,
        steps=steps,
        trail=trail,
        tables=tables or [],
        links=links or [],
        badge=badge,
        step_names=STEP_NAMES,
        evidence=evidence,
        evidence_error=refusal if refusal is not None and refusal.step == "evidence" else None,
        flash=request.query_params.get("flash"),
    )


def _evidence(
    session: Session, user: CurrentUser, object_type: str, object_id: int, back: str
) -> dict[str, Any]:
    """The record's evidence (证据材料) and whether the user may add to it."""
    return {
        "files": attachments.list_for(session, user.scope, object_type, object_id),
        "upload": f"/supervision/{object_type}/{object_id}/evidence",
        "writable": roles.can_write(user.role, attachments.owner(object_type).slug),
        "back": back,
    }


def _inspections_of(
    session: Session, scope: Scope, unit_id: int | None, kind: InspectionKind
) -> tuple[tuple[str, str], ...]:
    """Inspections of the unit of one kind, newest first, as select options."""
    if unit_id is None:
        return ()
    rows = lookup.recent_inspections(session, scope, unit_id, kind.value, limit=50)
    return (("", "—"), *tuple((code, f"{code}") for code, _ in rows))


def _yes(ui: Ui, value: bool) -> str:
    return ui.t("yes") if value else ui.t("no")


# ---- complaints -----------------------------------------------------------------------------


def _officers(session: Session, user: CurrentUser, jurisdiction_id: int) -> list[tuple[str, str]]:
    """Active prevention officers inside the user's scope whose jurisdiction covers the place."""
    return [
        (u.username, f"{u.display_name or u.username} ({u.username})")
        for u in complaints.verifiers_for(session, user.scope, jurisdiction_id)
    ]


def _complaint_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    complaint_id: int,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    row = complaints.get_complaint(session, user.scope, complaint_id)
    p = complaints.public(session, row, viewer_id=user.id)
    state = ComplaintState(row.state)
    reporter = (
        ui.t("sr_anonymous")
        if p["anonymous"]
        else " ".join(x for x in (p["reporter_name"], p["reporter_phone"]) if x)
    )
    facts: list[tuple[str, Any]] = [
        ("sr_c_channel", ui.choice(ComplaintChannel(p["channel"]))),
        ("sr_c_external_no", p["external_no"] or "—"),
        ("sr_c_received", ui.time(p["received_at"])),
        ("sr_c_unit", p["unit_code"] or "—"),
        ("sr_c_address", p["address"] or "—"),
        ("sr_c_content", p["content"]),
        ("sr_c_reporter", reporter or "—"),
        ("sr_c_due", f"{p['due_on']}" + (f" · {ui.t('sr_c_overdue')}" if p["overdue"] else "")),
        ("sr_c_assignee", p["assignee"] or "—"),
        ("sr_c_inspection", p["inspection_code"] or "—"),
        ("sr_c_result", ui.choice(ComplaintResult(p["result"])) if p["result"] else "—"),
        ("sr_c_result_note", p["result_note"] or "—"),
        ("sr_c_verified_at", ui.time(p["verified_at"]) if p["verified_at"] else "—"),
        ("sr_c_feedback", p["feedback"] or "—"),
        ("sr_c_feedback_at", ui.time(p["feedback_at"]) if p["feedback_at"] else "—"),
        ("sr_c_reward", _yes(ui, p["reward"])),
    ]
    steps: list[Step] = []
    base = f"/supervision/complaints/{row.id}"
    links: list[tuple[str, str]] = []
    if roles.can_write(user.role, complaints.SLUG):
        if row.state in complaints.OPEN:
            steps.append(
                Step(
                    "assign",
                    "st_assign",
                    [
                        Field(
                            "assignee",
                            "select",
                            tuple(_officers(session, user, row.jurisdiction_id)),
                            True,
                        ),
                        Field("due_on", "date"),
                    ],
                    f"{base}/assign",
                    {"due_on": str(row.due_on), "assignee": p["assignee"] or ""},
                )
            )
        if state is ComplaintState.ASSIGNED:
            steps.append(
                Step(
                    "verify",
                    "st_verify",
                    [
                        Field("result", "select", _choices(ui, ComplaintResult), True),
                        Field("note", "textarea", required=True),
                        Field(
                            "inspection_code",
                            "select" if row.unit_id else "text",
                            _inspections_of(
                                session, user.scope, row.unit_id, InspectionKind.COMPLAINT
                            ),
                        ),
                    ],
                    f"{base}/verify",
                )
            )
            if row.unit_id and p["unit_code"] and roles.can_write(user.role, "inspections"):
                links.append(
                    (f"/inspect?unit_code={p['unit_code']}&kind=complaint", "st_start_inspection")
                )
        if state is ComplaintState.VERIFIED:
            steps.append(
                Step(
                    "feedback",
                    "st_feedback",
                    [Field("feedback", "textarea", required=True), Field("reward", "checkbox")],
                    f"{base}/feedback",
                )
            )
    return _detail(
        request,
        user,
        title="sr_complaints",
        heading=row.code,
        back=("/supervision/complaints", "sr_complaints"),
        facts=facts,
        steps=steps,
        trail=lookup.audit_trail(session, user.scope, complaints.SLUG, [str(row.id)]),
        refusal=refusal,
        links=links,
        badge=state,
        evidence=_evidence(session, user, "complaints", row.id, base),
    )


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(
    request: Request, complaint_id: int, session: SessionDep, user: ComplaintReader
) -> HTMLResponse:
    return _complaint_page(request, session, user, complaint_id)


COMPLAINT_STEPS: dict[str, tuple[type[BaseModel], Callable[..., Any]]] = {
    "assign": (ComplaintAssign, complaints.assign),
    "verify": (ComplaintVerify, complaints.verify),
    "feedback": (ComplaintFeedback, complaints.feedback),
}


@router.post(
    "/complaints/{object_id}/evidence",
    response_class=HTMLResponse,
    **upload(UploadKind.ATTACHMENT),
)
def add_complaint_evidence(
    request: Request, object_id: int, session: SessionDep, user: ComplaintWriter, form: FormDep
) -> Response:
    """Attach a photo, PDF or video to a complaint (证据材料)."""
    return _add_evidence(request, "complaints", object_id, session, user, form)


@router.post(
    "/enforcement/{object_id}/evidence",
    response_class=HTMLResponse,
    **upload(UploadKind.ATTACHMENT),
)
def add_enforcement_evidence(
    request: Request, object_id: int, session: SessionDep, user: EnforcementWriter, form: FormDep
) -> Response:
    """Attach a photo, PDF or video to an enforcement action (证据材料)."""
    return _add_evidence(request, "enforcement", object_id, session, user, form)


# Registered after the evidence routes: FastAPI matches in order, and "/{step}" would take
# "/evidence" too.
@router.post("/complaints/{complaint_id}/{step}", response_class=HTMLResponse)
def complaint_step(
    request: Request,
    complaint_id: int,
    step: str,
    session: SessionDep,
    user: ComplaintWriter,
    form: FormDep,
) -> Response:
    if step not in COMPLAINT_STEPS:
        return _complaint_page(
            request,
            session,
            user,
            complaint_id,
            Refusal(step, {}, f"no step {step}", [FieldProblem("action", "unknown step")]),
        )
    schema, service = COMPLAINT_STEPS[step]
    values = _values(form)
    if step == "feedback":
        values["reward"] = "reward" in values

    def write(s: Session, payload: Any) -> None:
        service(s, user.actor, user.scope, complaint_id, payload)

    refusal = _apply(request, step, schema, values, write)
    if refusal is not None:
        return _complaint_page(request, session, user, complaint_id, refusal)
    return RedirectResponse(f"/supervision/complaints/{complaint_id}?flash={step}", status_code=303)


def _add_evidence(
    request: Request,
    object_type: str,
    object_id: int,
    session: Session,
    user: CurrentUser,
    form: FormData,
) -> Response:
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    upload = form.get("file")
    data = upload.file.read(limit + 1) if isinstance(upload, UploadFile) else b""
    name = upload.filename or "" if isinstance(upload, UploadFile) else ""
    description = str(form.get("description") or "").strip()
    try:
        with unit_of_work(request.app.state.sessions) as s:
            attachments.attach(
                s,
                user.actor,
                user.scope,
                object_type,
                object_id,
                name,
                data,
                settings.data_dir,
                limit,
                description,
            )
    except LanyanError as exc:
        if isinstance(exc, Forbidden | NotFound):
            raise
        refusal = Refusal("evidence", {"description": description}, exc.message, exc.problems)
        page = _complaint_page if object_type == "complaints" else _enforcement_page
        return page(request, session, user, object_id, refusal)
    return RedirectResponse(
        f"/supervision/{object_type}/{object_id}?flash=evidence", status_code=303
    )


# ---- enforcement ----------------------------------------------------------------------------


def _enforcement_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    action_id: int,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    row = enforcement.get_action(session, user.scope, action_id)
    p = enforcement.public(session, row)
    kind = EnforcementKind(row.kind)
    lifted = (
        f"{p['lifted_on']} · {p['lift_decision_no']} · {p['lift_reason']}"
        + (f" · {p['lift_inspection_code']}" if p["lift_inspection_code"] else "")
        if p["lifted_on"]
        else "—"
    )
    facts: list[tuple[str, Any]] = [
        ("sr_c_kind", ui.choice(kind)),
        ("sr_c_unit", p["unit_code"]),
        ("sr_c_basis", p["basis_zh"] if ui.lang == "zh" else p["basis"]),
        ("sr_c_decision", p["decision_no"]),
        ("sr_c_period", f"{p['starts_on']} – {p['ends_on'] or ''}"),
        ("sr_c_amount", p["amount_yuan"] if p["amount_yuan"] is not None else "—"),
        ("sr_f_hazard_code", p["hazard_code"] or "—"),
        ("sr_c_inspection", p["inspection_code"] or "—"),
        ("sr_c_facts", p["facts"] or "—"),
        ("sr_c_lifted", lifted),
    ]
    steps = []
    if (
        roles.can_write(user.role, enforcement.SLUG)
        and kind is not EnforcementKind.FINE
        and row.state == EnforcementState.IN_FORCE.value
    ):
        steps.append(
            Step(
                "lift",
                "st_lift",
                [
                    Field("lifted_on", "date", required=True),
                    Field("decision_no", required=True),
                    Field("reason", "textarea", required=True),
                    Field(
                        "inspection_code",
                        "select",
                        _inspections_any(session, user.scope, row.unit_id),
                    ),
                ],
                f"/supervision/enforcement/{row.id}/lift",
                {"lifted_on": str(lookup.today())},
            )
        )
    return _detail(
        request,
        user,
        title="sr_enforcement",
        heading=row.code,
        back=("/supervision/enforcement", "sr_enforcement"),
        facts=facts,
        steps=steps,
        trail=lookup.audit_trail(session, user.scope, enforcement.SLUG, [str(row.id)]),
        refusal=refusal,
        badge=EnforcementState(row.state),
        evidence=_evidence(
            session, user, "enforcement", row.id, f"/supervision/enforcement/{row.id}"
        ),
    )


@router.get("/enforcement/{action_id}", response_class=HTMLResponse)
def enforcement_page(
    request: Request, action_id: int, session: SessionDep, user: EnforcementReader
) -> HTMLResponse:
    return _enforcement_page(request, session, user, action_id)


@router.post("/enforcement/{action_id}/lift", response_class=HTMLResponse)
def enforcement_lift(
    request: Request, action_id: int, session: SessionDep, user: EnforcementWriter, form: FormDep
) -> Response:
    values = _values(form)

    def write(s: Session, payload: Any) -> None:
        enforcement.lift(s, user.actor, user.scope, action_id, payload)

    refusal = _apply(request, "lift", EnforcementLift, values, write)
    if refusal is not None:
        return _enforcement_page(request, session, user, action_id, refusal)
    return RedirectResponse(f"/supervision/enforcement/{action_id}?flash=lift", status_code=303)


# ---- 告知承诺 --------------------------------------------------------------------------------


def _commitment_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    commitment_id: int,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    row = commitments.get_commitment(session, user.scope, commitment_id)
    p = commitments.public(session, row)
    facts: list[tuple[str, Any]] = [
        ("sr_c_unit", p["unit_code"]),
        ("sr_c_venue", p["venue"]),
        ("sr_c_address", p["address"] or "—"),
        ("sr_c_area", p["floor_area_m2"]),
        ("sr_c_opens", p["opens_on"]),
        ("sr_c_statements", "；".join(p["statements"])),
        ("sr_c_submitted", f"{ui.time(p['submitted_at'])} · {p['submitted_by']}"),
        ("sr_c_inspection", p["inspection_code"] or "—"),
        (
            "sr_c_checked",
            f"{ui.time(p['checked_at'])} · {p['check_note']}" if p["checked_at"] else "—",
        ),
    ]
    steps = []
    links: list[tuple[str, str]] = []
    if (
        roles.can_write(user.role, commitments.CHECK_SLUG)
        and row.state == CommitmentState.SUBMITTED.value
    ):
        steps.append(
            Step(
                "check",
                "st_check",
                [
                    Field(
                        "inspection_code",
                        "select",
                        _inspections_of(
                            session, user.scope, row.unit_id, InspectionKind.COMMITMENT
                        ),
                        True,
                    ),
                    Field(
                        "truthful",
                        "select",
                        (("true", ui.t("sr_true")), ("false", ui.t("sr_false"))),
                        True,
                    ),
                    Field("note", "textarea"),
                    Field("penalty_points", "number"),
                ],
                f"/supervision/commitments/{row.id}/check",
                {"penalty_points": "20"},
            )
        )
        if roles.can_write(user.role, "inspections"):
            links.append((f"/inspect?unit_code={p['unit_code']}&kind=commitment", "st_start_check"))
    if roles.can_read(user.role, credit.SLUG):
        links.append((f"/supervision/credit/units/{p['unit_code']}", "st_credit_file"))
    return _detail(
        request,
        user,
        title="sr_commitments",
        heading=row.code,
        back=("/supervision/commitments", "sr_commitments"),
        facts=facts,
        steps=steps,
        trail=lookup.audit_trail(session, user.scope, commitments.SLUG, [str(row.id)]),
        refusal=refusal,
        links=links,
        badge=CommitmentState(row.state),
    )


@router.get("/commitments/{commitment_id}", response_class=HTMLResponse)
def commitment_page(
    request: Request, commitment_id: int, session: SessionDep, user: CommitmentReader
) -> HTMLResponse:
    return _commitment_page(request, session, user, commitment_id)


@router.post("/commitments/{commitment_id}/check", response_class=HTMLResponse)
def commitment_check(
    request: Request,
    commitment_id: int,
    session: SessionDep,
    user: CommitmentChecker,
    form: FormDep,
) -> Response:
    values = _values(form)

    def write(s: Session, payload: Any) -> None:
        commitments.check(s, user.actor, user.scope, commitment_id, payload)

    refusal = _apply(request, "check", CommitmentCheck, values, write)
    if refusal is not None:
        return _commitment_page(request, session, user, commitment_id, refusal)
    return RedirectResponse(
        f"/supervision/commitments/{commitment_id}?flash=check", status_code=303
    )


# ---- credit ---------------------------------------------------------------------------------


def _credit_unit_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    unit_code: str,
    refusal: Refusal | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    standing = credit.standing_public(session, user.scope, unit_code)
    unit = lookup.unit(session, user.scope, unit_code)
    facts: list[tuple[str, Any]] = [
        ("sr_c_unit", f"{unit.name} · {unit.code}"),
        ("sr_score", standing["score"]),
        ("sr_blacklisted", _yes(ui, standing["blacklisted"])),
        ("sr_listed", _yes(ui, standing["listed"])),
        (
            "sr_c_measures",
            "、".join(ui.choice(JointPunishment(m)) for m in standing["measures"]) or "—",
        ),
    ]
    records = standing["records"]
    entries = standing["blacklist"]
    tables = [
        Table(
            "st_records",
            [
                "sr_c_code",
                "sr_c_kind",
                "sr_c_points",
                "sr_c_reason",
                "sr_c_recorded_on",
                "sr_c_repaired",
            ],
            [
                (
                    r["id"],
                    ui.choice(CreditKind(r["kind"])),
                    r["points"],
                    r["reason"],
                    r["recorded_on"],
                    f"{r['repaired_on']} · {r['repair_note']}" if r["repaired_on"] else "—",
                )
                for r in records
            ],
        ),
        Table(
            "st_entries",
            ["sr_c_code", "sr_c_listed_on", "sr_c_reason", "sr_c_measures", "sr_c_removed"],
            [
                (
                    e["id"],
                    e["listed_on"],
                    e["reason"] + (f"（{e['decision_no']}）" if e["decision_no"] else ""),
                    "、".join(ui.choice(m) for m in e["measures"]),
                    f"{e['removed_on']} · {e['removal_note']}" if e["removed_on"] else "—",
                )
                for e in entries
            ],
        ),
    ]
    steps = []
    base = f"/supervision/credit/units/{unit.code}"
    if roles.can_write(user.role, credit.SLUG):
        if not standing["blacklisted"]:
            steps.append(
                Step(
                    "blacklist",
                    "st_blacklist",
                    [
                        Field("reason", "textarea", required=True),
                        Field("decision_no"),
                        Field("listed_on", "date"),
                        Field("measures", "checkboxes", _choices(ui, JointPunishment), True),
                    ],
                    f"{base}/blacklist",
                    {"listed_on": str(lookup.today())},
                    danger=True,
                )
            )
        open_penalties = tuple(
            (str(r["id"]), f"#{r['id']} {r['recorded_on']} −{r['points']} {r['reason'][:30]}")
            for r in records
            if r["kind"] == CreditKind.PENALTY.value and r["repaired_on"] is None
        )
        if open_penalties:
            inspected = _inspections_any(session, user.scope, unit.id)
            steps.append(
                Step(
                    "repair",
                    "st_repair",
                    [
                        Field("record", "select", open_penalties, True),
                        Field("inspection_code", "select", inspected, True),
                        Field("note", "textarea", required=True),
                        Field("repaired_on", "date"),
                    ],
                    f"{base}/repair",
                )
            )
        current = tuple(
            (str(e["id"]), f"#{e['id']} {e['listed_on']}")
            for e in entries
            if e["removed_on"] is None
        )
        if current:
            steps.append(
                Step(
                    "unblacklist",
                    "st_unblacklist",
                    [
                        Field("entry", "select", current, True),
                        Field("note", "textarea", required=True),
                        Field("removed_on", "date"),
                    ],
                    f"{base}/unblacklist",
                )
            )
    ids = [str(r["id"]) for r in records] + [f"blacklist-{e['id']}" for e in entries]
    return _detail(
        request,
        user,
        title="sr_credit",
        heading=f"{ui.t('st_credit_file')} · {unit.name}",
        back=("/supervision/credit", "sr_credit"),
        facts=facts,
        steps=steps,
        trail=lookup.audit_trail(session, user.scope, credit.SLUG, ids),
        refusal=refusal,
        tables=tables,
    )


def _inspections_any(session: Session, scope: Scope, unit_id: int) -> tuple[tuple[str, str], ...]:
    rows = lookup.recent_inspections(session, scope, unit_id, limit=50)
    return (("", "—"), *tuple((c, f"{c} · {InspectionKind(k).zh}") for c, k in rows))


@router.get("/credit/units/{unit_code}", response_class=HTMLResponse)
def credit_unit_page(
    request: Request, unit_code: str, session: SessionDep, user: CreditReader
) -> HTMLResponse:
    return _credit_unit_page(request, session, user, unit_code)


@router.post("/credit/units/{unit_code}/{step}", response_class=HTMLResponse)
def credit_step(
    request: Request,
    unit_code: str,
    step: str,
    session: SessionDep,
    user: CreditWriter,
    form: FormDep,
) -> Response:
    values = _values(form, multi=("measures",))
    refusal: Refusal | None
    if step == "blacklist":
        values["unit_code"] = unit_code
        values.setdefault("measures", [])

        def blacklist(s: Session, payload: Any) -> None:
            credit.blacklist(s, user.actor, user.scope, payload)

        refusal = _apply(request, step, BlacklistCreate, values, blacklist)
        values.pop("unit_code", None)
    elif step in ("repair", "unblacklist"):
        key = "record" if step == "repair" else "entry"
        raw = values.pop(key, "")
        if not (str(raw).isdigit() and credit.of_unit(session, step, int(raw), unit_code)):
            refusal = Refusal(
                step,
                values,
                f"choose a {key} of unit {unit_code}",
                [FieldProblem(key, f"must be a {key} of this unit")],
            )
        else:
            target = int(raw)

            def act(s: Session, payload: Any) -> None:
                if step == "repair":
                    credit.repair(s, user.actor, user.scope, target, payload)
                else:
                    credit.remove_from_blacklist(s, user.actor, user.scope, target, payload)

            refusal = _apply(
                request, step, CreditRepair if step == "repair" else BlacklistRemove, values, act
            )
        values[key] = raw
    else:
        refusal = Refusal(step, {}, f"no step {step}", [FieldProblem("action", "unknown step")])
    if refusal is not None:
        return _credit_unit_page(request, session, user, unit_code, refusal)
    return RedirectResponse(f"/supervision/credit/units/{unit_code}?flash={step}", status_code=303)
