"""Pages of enforcement documents (执法文书): the case page (an inspection and its documents,
with their state and a PDF download, and a form to draft another), a document's page with the
steps its state allows (edit, submit for 法制审核, approve, return with reasons, issue), and the
reviewer's queue (paged) with approve and return on each row.

Every step goes through ``prevention/document_service.py`` in one unit of work, as the API does;
a refusal is shown in its form by field and rule and writes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, permit, require
from lanyan.core.errors import FieldProblem, Forbidden, LanyanError, NotFound
from lanyan.prevention import document_service as service
from lanyan.prevention import document_templates as templates
from lanyan.prevention.choices import DocumentAction, DocumentKind, DocumentState
from lanyan.prevention.documents import REVIEWED, Document
from lanyan.prevention.schemas.documents import DocumentCreate, DocumentFields, DocumentReview
from lanyan.registry.service import pydantic_problems
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(prefix="/supervision", include_in_schema=False)
QUEUE_SIZE = 20
LIST_SIZE = 20

WORDS: dict[str, tuple[str, str]] = {
    "doc_nav": ("执法文书", "Enforcement documents"),
    "doc_queue": ("法制审核", "Legal review"),
    "doc_case": ("案件", "Case"),
    "doc_case_go": ("打开案件", "Open a case"),
    "doc_documents": ("执法文书", "Documents"),
    "doc_new": ("制作文书", "Draft a document"),
    "doc_save": ("保存草稿", "Save the draft"),
    "doc_download": ("下载 PDF", "Download PDF"),
    "doc_review_pdf": ("法制审核意见 PDF", "Legal review opinion (PDF)"),
    "doc_open": ("查看", "Open"),
    "doc_refused": ("未能完成，请按提示修改：", "Not done; please correct:"),
    "doc_done": ("已完成：", "Done:"),
    "doc_none": ("暂无", "None"),
    "doc_total": ("共 {n} 件", "{n} in all"),
    "doc_prev": ("上一页", "Previous"),
    "doc_next": ("下一页", "Next"),
    "doc_page": ("第 {page} / {pages} 页", "Page {page} of {pages}"),
    "doc_history": ("流转记录", "History"),
    "doc_steps": ("办理", "Steps"),
    "doc_edit": ("修改", "Edit"),
    "doc_no_steps": ("当前无可办理的步骤", "No step for you now"),
    "doc_disclaimer": (
        "条文引用为本平台的整理，以正式公布的文本为准。",
        "Citations are this platform's rendering; the official texts prevail.",
    ),
    "doc_needs_review": ("须经法制审核", "Needs legal review"),
    "doc_self": ("本人承办，不能审核", "Your own case: not yours to review"),
    "doc_flash_draft": ("已保存草稿", "Draft saved"),
    "doc_flash_edit": ("已修改", "Changed"),
    "doc_flash_submit": ("已提交法制审核", "Submitted for legal review"),
    "doc_flash_approve": ("审核通过", "Approved"),
    "doc_flash_return": ("已退回修改", "Returned"),
    "doc_flash_issue": ("已签发", "Issued"),
    "doc_do_submit": ("提交法制审核", "Submit for legal review"),
    "doc_do_approve": ("审核通过", "Approve"),
    "doc_do_return": ("退回修改", "Return"),
    "doc_do_issue": ("签发", "Issue"),
    # columns and facts
    "doc_c_kind": ("文书", "Document"),
    "doc_c_number": ("文号", "Number"),
    "doc_c_state": ("状态", "State"),
    "doc_c_unit": ("单位", "Unit"),
    "doc_c_officer": ("承办人", "Case officer"),
    "doc_c_reviewer": ("审核人", "Reviewer"),
    "doc_c_inspection": ("检查编号", "Inspection"),
    "doc_c_inspected": ("检查时间", "Inspected at"),
    "doc_c_issued": ("签发日期", "Issued on"),
    "doc_c_note": ("审核意见", "Review note"),
    "doc_c_enforcement": ("执法编号", "Enforcement no."),
    "doc_c_time": ("时间", "Time"),
    "doc_c_who": ("办理人", "By"),
    "doc_c_action": ("操作", "Action"),
    "doc_c_updated": ("更新时间", "Updated"),
    # fields
    "doc_f_kind": ("文书种类", "Kind"),
    "doc_f_inspection_code": ("检查编号", "Inspection code"),
    "doc_f_bases": ("法律依据", "Legal basis"),
    "doc_f_facts": ("违法事实 / 检查情况", "Facts"),
    "doc_f_demands": ("整改要求 / 意见", "Demands"),
    "doc_f_deadline": ("改正期限", "Deadline"),
    "doc_f_amount_yuan": ("罚款金额（元）", "Fine (yuan)"),
    "doc_f_seal_place": ("查封部位或场所", "Place sealed"),
    "doc_f_starts_on": ("查封起始日", "Seal from"),
    "doc_f_ends_on": ("查封截止日", "Seal until"),
    "doc_f_hazard_code": ("隐患编号", "Hazard code"),
    "doc_f_reason": ("理由 / 意见", "Reason"),
    "doc_f_status": ("状态", "State"),
    "doc_f_user": ("用户", "User"),
    "doc_f_action": ("执法决定", "Decision"),
    "doc_f_decided_on": ("决定日期", "Decided on"),
    "doc_f_decision_no": ("文号", "Number"),
}

# The service's rules in Chinese (the API keeps them in English).
RULES_ZH: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), zh)
    for p, zh in (
        (r"^must not be empty.*$", "不能为空"),
        (r"^must cite at least one article$", "至少引用一条"),
        (r"^cites an article twice$", "同一条文引用了两次"),
        (r"^(\S+) is not in the list for (\S+): (.+)$", r"\1 不在\2可引用的条文中（\3）"),
        (r"^is required for (\S+)$", r"\1必填"),
        (r"^is not a field of (\S+)$", r"不是\1的内容"),
        (r"^must be more than 0$", "应大于 0"),
        (r"^must be between (\S+) and (\S+) yuan under (\S+)$", r"按 \3 应在 \1–\2 元之间"),
        (r"^must not be before (\S+) \((.+)\)$", r"不能早于\1（\2）"),
        (r"^must not be before the decision \((.+)\)$", r"不能早于决定日期（\1）"),
        (r"^is (\w+); (\w+) needs (.+)$", r"当前为 \1，此操作须处于：\3"),
        (r"^no inspection .*$", "检查编号不存在或不在您的辖区内"),
        (r"^no hazard .*$", "隐患编号不存在或不在您的辖区内"),
        (r"^Field required$", "必填"),
        (r"^List should have at least 1 item.*$", "至少选择一项"),
        (r"^String should have at least 1 character$", "不能为空"),
        (r"^Input should be a valid decimal.*$", "应为数字"),
        (r"^Input should be a valid date.*$", "应为日期（年-月-日）"),
    )
)

Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]
ReviewerDep = Annotated[CurrentUser, require(service.REVIEW_SLUG, "write")]
FIELDS_OF_FORM = (
    "facts",
    "demands",
    "deadline",
    "amount_yuan",
    "seal_place",
    "starts_on",
    "ends_on",
)


def rule_zh(ui: Ui, rule: str) -> str:
    if ui.lang != "zh":
        return rule
    for pattern, zh in RULES_ZH:
        if pattern.match(rule):
            return pattern.sub(zh, rule)
    return ui.rule(rule)


def _problems(ui: Ui, problems: list[FieldProblem]) -> list[tuple[str, str, str]]:
    out = []
    for p in problems:
        name = p.field.split(".")[0].split("[")[0]
        key = f"doc_f_{name}"
        label = ui.t(key) if key in WORDS else name
        out.append((name, label, rule_zh(ui, p.rule)))
    return out


def _form_values(form: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"bases": [str(v) for v in form.getlist("bases") if str(v).strip()]}
    for key in ("kind", "inspection_code", "hazard_code", *FIELDS_OF_FORM, "reason"):
        text = str(form.get(key) or "").strip()
        if text:
            out[key] = text
    return out


def _citations(ui: Ui) -> list[tuple[str, str]]:
    cat = templates.catalogue()
    return [(c.key, c.zh if ui.lang == "zh" else c.en) for c in cat.citations.values()]


def _kinds(ui: Ui) -> list[dict[str, Any]]:
    cat = templates.catalogue()
    return [
        {
            "value": t.kind.value,
            "label": ui.choice(t.kind),
            "fields": list(t.fields),
            "bases": list(t.bases),
            "reviewed": t.kind in REVIEWED,
        }
        for t in cat.templates.values()
    ]


def _attempt(
    request: Request, write: Callable[[Session], Any]
) -> tuple[Any, str | None, list[FieldProblem]]:
    """Write in one unit of work: (result, None, []) or (None, message, problems)."""
    try:
        with unit_of_work(request.app.state.sessions) as s:
            return write(s), None, []
    except PydanticValidationError as exc:
        return None, "form", pydantic_problems(exc)
    except Forbidden:
        raise
    except LanyanError as exc:
        return None, exc.message, exc.problems


# ---- the case page ---------------------------------------------------------------------------


def _case_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    code: str,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    refused: bool = False,
) -> HTMLResponse:
    ui = ui_for(request, user)
    try:
        inspection = service.inspection_of(session, user.scope, code)
    except LanyanError:
        raise NotFound(
            f"inspection {code} does not exist or is outside your jurisdiction"
        ) from None
    page = max(1, int(request.query_params.get("page", "1") or 1))
    rows, total = service.list_documents(
        session, user.scope, inspection.id, page=page, size=LIST_SIZE
    )
    docs = [service.public(session, r) for r in rows]
    case = service.case_facts(session, inspection)
    return render(
        request,
        "prevention/document_case.html",
        user,
        status_code=422 if refused else 200,
        code=inspection.code,
        case=case,
        docs=docs,
        total=total,
        page=page,
        pages=max(1, -(-total // LIST_SIZE)),
        kinds=_kinds(ui),
        citations=_citations(ui),
        states={s.value: s for s in DocumentState},
        values=values or {"bases": []},
        problems=_problems(ui, problems or []),
        refused=refused,
        may_write=roles.can_write(user.role, service.SLUG),
        flash=request.query_params.get("flash"),
    )


@router.get("/cases/{code}", response_class=HTMLResponse)
def case_page(code: str, request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    kind = request.query_params.get("kind", "")
    return _case_page(request, session, user, code, {"bases": [], "kind": kind})


@router.get("/cases", response_class=HTMLResponse)
def case_lookup(request: Request, user: Reader) -> Response:
    code = request.query_params.get("code", "").strip()
    if not code:
        return RedirectResponse("/supervision/documents", status_code=303)
    return RedirectResponse(f"/supervision/cases/{code}", status_code=303)


@router.post("/cases/{code}", response_class=HTMLResponse)
def case_draft(
    code: str, request: Request, session: SessionDep, user: Writer, form: FormDep
) -> Response:
    values = _form_values(form) | {"inspection_code": code}

    def write(s: Session) -> int:
        payload = DocumentCreate.model_validate(values)
        return service.draft(s, user.actor, user.scope, payload).id

    doc_id, message, problems = _attempt(request, write)
    if message is not None:
        return _case_page(request, session, user, code, values, problems, refused=True)
    return RedirectResponse(f"/supervision/documents/{doc_id}?flash=draft", status_code=303)


# ---- every document, and the reviewer's queue --------------------------------------------


def _state_filter(text: str | None) -> DocumentState | None:
    try:
        return DocumentState(text) if text else None
    except ValueError:
        return None


@router.get("/documents", response_class=HTMLResponse)
def documents_page(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    page = max(1, int(request.query_params.get("page", "1") or 1))
    state = _state_filter(request.query_params.get("state"))
    rows, total = service.list_documents(
        session, user.scope, state=state, page=page, size=LIST_SIZE
    )
    return render(
        request,
        "prevention/document_list.html",
        user,
        docs=[service.public(session, r) for r in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // LIST_SIZE)),
        state=state.value if state else "",
        states=list(DocumentState),
        queue=False,
        errors={},
        reasons={},
        flash=None,
    )


def _queue_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    errors: dict[int, list[tuple[str, str, str]]] | None = None,
    values: dict[int, str] | None = None,
) -> HTMLResponse:
    page = max(1, int(request.query_params.get("page", "1") or 1))
    rows, total = service.review_queue(session, user.scope, page, QUEUE_SIZE)
    return render(
        request,
        "prevention/document_list.html",
        user,
        status_code=422 if errors else 200,
        docs=[service.public(session, r) | {"officer_id": r.officer_id} for r in rows],
        total=total,
        page=page,
        pages=max(1, -(-total // QUEUE_SIZE)),
        state="",
        states=[],
        queue=True,
        errors=errors or {},
        reasons=values or {},
        flash=request.query_params.get("flash"),
    )


@router.get("/legal-review", response_class=HTMLResponse)
def queue_page(request: Request, session: SessionDep, user: ReviewerDep) -> HTMLResponse:
    return _queue_page(request, session, user)


# ---- one document ------------------------------------------------------------------------


def _document_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    doc_id: int,
    step: str | None = None,
    values: dict[str, Any] | None = None,
    problems: list[FieldProblem] | None = None,
    message: str | None = None,
) -> HTMLResponse:
    ui = ui_for(request, user)
    row = service.get_document(session, user.scope, doc_id)
    doc = service.public(session, row)
    rule = Document(DocumentKind(row.kind), DocumentState(row.state), row.officer_id)
    writer = roles.can_write(user.role, service.SLUG)
    reviewer = roles.can_write(user.role, service.REVIEW_SLUG)
    own = user.id == row.officer_id
    steps = {
        "edit": writer and own and rule.state in (DocumentState.DRAFT, DocumentState.RETURNED),
        "submit": writer and own and rule.allowed(DocumentAction.SUBMIT),
        "approve": reviewer and not own and rule.allowed(DocumentAction.APPROVE),
        "return": reviewer and not own and rule.allowed(DocumentAction.RETURN),
        "issue": writer and rule.allowed(DocumentAction.ISSUE),
    }
    template = templates.template(DocumentKind(row.kind))
    if values is None:
        values = {k: doc[k] for k in FIELDS_OF_FORM} | {
            "bases": doc["bases"],
            "hazard_code": doc["hazard_code"],
        }
        values = {k: ("" if v is None else v) for k, v in values.items()}
    return render(
        request,
        "prevention/document.html",
        user,
        status_code=422 if message else 200,
        doc=doc,
        doc_id=row.id,
        state=DocumentState(row.state),
        steps=steps,
        own_review=reviewer and own and rule.state is DocumentState.SUBMITTED,
        fields=list(template.fields),
        allowed_bases=list(template.bases),
        citations=_citations(ui),
        values=values,
        step=step,
        message=message,
        problems=_problems(ui, problems or []),
        flash=request.query_params.get("flash"),
        reviewed=DocumentKind(row.kind) in REVIEWED,
        has_review=any(e["action"] in ("approve", "return") for e in doc["history"]),
        history=[
            e | {"at": datetime.fromisoformat(e["at"]), "state": DocumentState(e["state"])}
            for e in doc["history"]
        ],
    )


@router.get("/documents/{doc_id}", response_class=HTMLResponse)
def document_page(doc_id: int, request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    return _document_page(request, session, user, doc_id)


STEP_ACTIONS = {
    "submit": DocumentAction.SUBMIT,
    "approve": DocumentAction.APPROVE,
    "return": DocumentAction.RETURN,
    "issue": DocumentAction.ISSUE,
}


@router.post("/documents/{doc_id}/{step}", response_class=HTMLResponse)
def document_step(
    doc_id: int,
    step: str,
    request: Request,
    session: SessionDep,
    user: Reader,
    form: FormDep,
) -> Response:
    if step not in (*STEP_ACTIONS, "edit"):
        raise NotFound(f"no step {step}")
    permit(user, service.REVIEW_SLUG if step in ("approve", "return") else service.SLUG, "write")
    values = _form_values(form)
    from_queue = form.get("from") == "queue"
    settings = request.app.state.settings

    def write(s: Session) -> None:
        if step == "edit":
            fields = DocumentFields.model_validate(
                {k: v for k, v in values.items() if k != "reason"}
            )
            service.edit(s, user.actor, user.scope, doc_id, fields)
            return
        reason = DocumentReview.model_validate({"reason": values.get("reason", "")}).reason
        service.move(
            s,
            user.actor,
            user.scope,
            doc_id,
            STEP_ACTIONS[step],
            reason,
            pattern=settings.doc_number_pattern,
            org=settings.doc_org,
        )

    _, message, problems = _attempt(request, write)
    if message is not None:
        if from_queue:
            ui = ui_for(request, user)
            shown = _problems(ui, problems) or [("status", ui.t("doc_f_status"), message)]
            return _queue_page(
                request, session, user, {doc_id: shown}, {doc_id: values.get("reason", "")}
            )
        return _document_page(request, session, user, doc_id, step, values, problems, message)
    if from_queue:
        return RedirectResponse(f"/supervision/legal-review?flash={step}", status_code=303)
    return RedirectResponse(f"/supervision/documents/{doc_id}?flash={step}", status_code=303)
