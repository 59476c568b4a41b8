"""Enforcement documents (执法文书): drafts, 法制审核, issue with a number (文号), and what an
issued decision puts in force — the 临时查封 or 罚款 in the enforcement register
(``enforcement.decide``) and, for a 行政处罚决定书, the unit's credit record (``credit``).

The rules of the review are ``documents.py``; the templates and the number's shape are
``document_templates.py``. A number is taken from ``prevention_document_counters`` in the
issuing transaction: the counter row of (jurisdiction, kind, year) is bumped by one UPDATE
(a row lock on PostgreSQL, the database write lock on SQLite), so two officers issuing at once
get distinct numbers, and a transaction that rolls back gives its number back before anyone saw
it — no number is handed out twice and none is skipped.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.logistics.labels import find_font
from lanyan.prevention import credit, document_pdf, enforcement, lookup
from lanyan.prevention import document_templates as templates
from lanyan.prevention.choices import (
    CreditKind,
    DocumentAction,
    DocumentKind,
    DocumentState,
)
from lanyan.prevention.documents import Document
from lanyan.prevention.models.documents import DocumentCounter, EnforcementDocument
from lanyan.prevention.models.inspections import EnforcementAction, Hazard, Inspection
from lanyan.prevention.schemas.documents import DocumentCreate, DocumentFields
from lanyan.prevention.schemas.records import EnforcementCreate
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "enforcement"  # drafting, submitting and issuing: the enforcement permission
REVIEW_SLUG = "legal-review"  # 法制审核: approve or return (accounts/roles.py)
OBJECT = "documents"  # the audit trail's object type
FIELDS = (
    "bases",
    "facts",
    "demands",
    "deadline",
    "amount_yuan",
    "seal_place",
    "starts_on",
    "ends_on",
)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(EnforcementDocument.jurisdiction_id)


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise ValidationFailed(
            "an enforcement document is written by a signed-in officer",
            [FieldProblem("user", "must be a user, not a system process")],
        )
    return actor.user_id


def _check(kind: DocumentKind, payload: DocumentFields) -> None:
    problems = templates.check_fields(kind, payload.model_dump())
    if problems:
        raise ValidationFailed(f"the {kind.zh} is not valid", problems)


def _hazard_id(session: Session, scope: Scope, code: str | None, unit_id: int) -> int | None:
    if not code:
        return None
    return lookup.hazard(session, scope, code, "hazard_code", unit_id).id


def draft(
    session: Session, actor: Actor, scope: Scope, payload: DocumentCreate
) -> EnforcementDocument:
    """A new document of a case (the inspection it rests on), in 草稿."""
    audit.begin_write(session)
    officer = _user_id(actor)
    _check(payload.kind, payload)
    inspection = lookup.inspection(session, scope, payload.inspection_code, "inspection_code")
    row = EnforcementDocument(
        kind=payload.kind.value,
        state=DocumentState.DRAFT.value,
        unit_id=inspection.unit_id,
        jurisdiction_id=inspection.jurisdiction_id,
        inspection_id=inspection.id,
        hazard_id=_hazard_id(session, scope, payload.hazard_code, inspection.unit_id),
        officer_id=officer,
        history=[],
        **{name: getattr(payload, name) for name in FIELDS},
    )
    session.add(row)
    session.flush()
    unit = session.get(Unit, inspection.unit_id)
    assert unit is not None
    lookup.record_created(session, actor, OBJECT, row, unit)
    return row


def get_document(
    session: Session, scope: Scope, doc_id: int, lock: bool = False
) -> EnforcementDocument:
    stmt = select(EnforcementDocument).where(EnforcementDocument.id == doc_id, in_scope(scope))
    return one_or_not_found(
        session, stmt, f"document {doc_id} does not exist or is outside your jurisdiction", lock
    )


def _rule(row: EnforcementDocument) -> Document:
    return Document(
        DocumentKind(row.kind), DocumentState(row.state), row.officer_id, row.reviewer_id
    )


def edit(
    session: Session, actor: Actor, scope: Scope, doc_id: int, payload: DocumentFields
) -> EnforcementDocument:
    """The case officer changes a draft or a returned document."""
    audit.begin_write(session)
    row = get_document(session, scope, doc_id, lock=True)
    _rule(row).check_edit(_user_id(actor))
    kind = DocumentKind(row.kind)
    _check(kind, payload)
    before = lookup.snapshot(row)
    for name in FIELDS:
        setattr(row, name, getattr(payload, name))
    row.hazard_id = _hazard_id(session, scope, payload.hazard_code, row.unit_id)
    session.flush()
    audit.record(
        session,
        actor,
        "edit",
        OBJECT,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def next_seq(session: Session, jurisdiction_id: int, kind: DocumentKind, year: int) -> int:
    """The next sequence number of ``kind`` in ``year`` for the jurisdiction (see the module)."""
    table = DocumentCounter.__table__
    assert isinstance(table, Table)
    key = {"jurisdiction_id": jurisdiction_id, "kind": kind.value, "year": year}
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).values(**key, last_seq=0).on_conflict_do_nothing())
    bumped = session.execute(
        update(table)
        .where(*(table.c[k] == v for k, v in key.items()))
        .values(last_seq=table.c.last_seq + 1)
        .returning(table.c.last_seq)
    ).scalar_one()
    return int(bumped)


def move(
    session: Session,
    actor: Actor,
    scope: Scope,
    doc_id: int,
    action: DocumentAction,
    reason: str = "",
    pattern: str = "{org}消{kind}字〔{year}〕第{seq:04d}号",
    org: str = "",
) -> EnforcementDocument:
    """Submit, approve, return or issue a document (the rules are ``documents.py``)."""
    audit.begin_write(session)
    row = get_document(session, scope, doc_id, lock=True)
    rule = _rule(row)
    by, at = _user_id(actor), utcnow()
    if action is DocumentAction.SUBMIT:
        rule.submit(at, by)
    elif action is DocumentAction.APPROVE:
        rule.approve(at, by, reason)
    elif action is DocumentAction.RETURN:
        rule.return_(at, by, reason)
    else:
        rule.issue(at, by)
    before = lookup.snapshot(row)
    row.state = rule.state.value
    row.reviewer_id = rule.reviewer_id
    if action in (DocumentAction.APPROVE, DocumentAction.RETURN):
        row.review_note = reason.strip()
    row.history = [*row.history, *(e.detail() for e in rule.events)]
    if action is DocumentAction.ISSUE:
        _issue(session, actor, scope, row, pattern, org)
    session.flush()
    audit.record(
        session,
        actor,
        action.value,
        OBJECT,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def _issue(
    session: Session,
    actor: Actor,
    scope: Scope,
    row: EnforcementDocument,
    pattern: str,
    org: str,
) -> None:
    kind = DocumentKind(row.kind)
    today = lookup.today()
    jurisdiction = session.get(Jurisdiction, row.jurisdiction_id)
    assert jurisdiction is not None
    row.year, row.issued_on = today.year, today
    row.seq = next_seq(session, row.jurisdiction_id, kind, today.year)
    row.number = templates.number(pattern, org or jurisdiction.name, kind, today.year, row.seq)
    session.flush()
    action_kind = templates.ACTION_OF.get(kind)
    if action_kind is None:
        return
    unit = session.get(Unit, row.unit_id)
    assert unit is not None
    inspection_code = lookup.code_of(session, Inspection, row.inspection_id)
    basis = (
        templates.fine_basis(row.bases) if kind is DocumentKind.PENALTY_DECISION else row.bases[0]
    )
    action = enforcement.decide(
        session,
        actor,
        scope,
        EnforcementCreate(
            kind=action_kind,
            unit_code=unit.code,
            basis=basis or "",
            decision_no=row.number,
            decided_on=today,
            starts_on=row.starts_on or today,
            ends_on=row.ends_on,
            amount_yuan=row.amount_yuan,
            hazard_code=lookup.code_of(session, Hazard, row.hazard_id),
            inspection_code=inspection_code,
            facts=row.facts,
        ),
    )
    row.action_id = action.id
    points = templates.template(kind).credit_points
    if points:
        credit.add_record(
            session,
            actor,
            unit,
            CreditKind.PENALTY,
            points,
            f"{kind.zh} {row.number}",
            today,
            (OBJECT, row.id),
        )


def list_documents(
    session: Session,
    scope: Scope,
    inspection_id: int | None = None,
    state: DocumentState | None = None,
    kind: DocumentKind | None = None,
    page: int = 1,
    size: int = 50,
    oldest_first: bool = False,
) -> tuple[list[EnforcementDocument], int]:
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if inspection_id is not None:
        where.append(EnforcementDocument.inspection_id == inspection_id)
    if state is not None:
        where.append(EnforcementDocument.state == state.value)
    if kind is not None:
        where.append(EnforcementDocument.kind == kind.value)
    order = EnforcementDocument.id.asc() if oldest_first else EnforcementDocument.id.desc()
    return paginate(session, select(EnforcementDocument).where(*where).order_by(order), page, size)


def review_queue(
    session: Session, scope: Scope, page: int = 1, size: int = 50
) -> tuple[list[EnforcementDocument], int]:
    """The documents waiting for 法制审核, oldest first."""
    return list_documents(
        session, scope, state=DocumentState.SUBMITTED, page=page, size=size, oldest_first=True
    )


def inspection_of(session: Session, scope: Scope, code: str) -> Inspection:
    """The case (an inspection) by its code, inside ``scope``."""
    return lookup.inspection(session, scope, code, "inspection_code")


def _username(session: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    row = session.get(User, user_id)
    return (row.display_name or row.username) if row else None


def public(session: Session, row: EnforcementDocument) -> dict[str, Any]:
    kind, state = DocumentKind(row.kind), DocumentState(row.state)
    unit = session.get(Unit, row.unit_id)
    assert unit is not None
    names: dict[int, str | None] = {}
    history = []
    for event in row.history:
        by = int(event["by"])
        if by not in names:
            names[by] = _username(session, by)
        history.append(
            {
                "action": event["action"],
                "at": event["at"],
                "by": names[by] or str(by),
                "state": event["state"],
                "reason": event.get("reason", ""),
            }
        )
    return {
        "id": row.id,
        "kind": kind,
        "kind_zh": kind.zh,
        "state": state,
        "state_zh": state.zh,
        "number": row.number,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "inspection_code": lookup.code_of(session, Inspection, row.inspection_id) or "",
        "hazard_code": lookup.code_of(session, Hazard, row.hazard_id),
        "officer": _username(session, row.officer_id) or "",
        "reviewer": _username(session, row.reviewer_id),
        "bases": list(row.bases),
        "facts": row.facts,
        "demands": row.demands,
        "deadline": row.deadline,
        "amount_yuan": row.amount_yuan,
        "seal_place": row.seal_place,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "review_note": row.review_note,
        "issued_on": row.issued_on,
        "enforcement_code": lookup.code_of(session, EnforcementAction, row.action_id),
        "history": history,
    }


def facts_for_pdf(session: Session, row: EnforcementDocument) -> dict[str, Any]:
    """The values a template's placeholders are filled with."""
    unit = session.get(Unit, row.unit_id)
    jurisdiction = session.get(Jurisdiction, row.jurisdiction_id)
    inspection = session.get(Inspection, row.inspection_id)
    assert unit is not None and jurisdiction is not None and inspection is not None
    cat = templates.catalogue()
    day: date | None = row.issued_on
    return {
        "authority": cat.authority.format(jurisdiction=jurisdiction.name),
        "review_body": cat.review_body.format(jurisdiction=jurisdiction.name),
        "unit_name": unit.name,
        "unit_code": unit.code,
        "address": unit.address or "—",
        "inspection_code": inspection.code,
        "inspected_on": templates.chinese_date(lookup.local_day(inspection.inspected_at)),
        "facts": row.facts,
        "demands": row.demands,
        "deadline": templates.chinese_date(row.deadline),
        "amount": f"{row.amount_yuan:,.2f}" if row.amount_yuan is not None else "",
        "seal_place": row.seal_place,
        "starts_on": templates.chinese_date(row.starts_on),
        "ends_on": templates.chinese_date(row.ends_on),
        "bases": templates.cited(list(row.bases)),
        "number": row.number or "",
        "issued_on": templates.chinese_date(day),
    }


def pdf(session: Session, row: EnforcementDocument, label_font: str = "") -> bytes:
    """The document as an A4 PDF (an embedded CJK font when the server has one)."""
    try:
        font: Path | None = find_font(label_font)
    except ValidationFailed:
        font = None
    return document_pdf.to_pdf(DocumentKind(row.kind), facts_for_pdf(session, row), font)


def filename(row: EnforcementDocument) -> str:
    """An ASCII file name for the download (the number is in the PDF itself)."""
    tail = f"{row.year}-{row.seq:04d}" if row.seq is not None else f"draft-{row.id}"
    return f"{row.kind}-{tail}.pdf"


def case_facts(session: Session, inspection: Inspection) -> dict[str, Any]:
    """What the case page shows of its inspection."""
    unit = session.get(Unit, inspection.unit_id)
    assert unit is not None
    return {
        "unit_code": unit.code,
        "unit_name": unit.name,
        "address": unit.address,
        "inspected_at": inspection.inspected_at,
        "inspection_code": inspection.code,
    }


def review_pdf(session: Session, row: EnforcementDocument, label_font: str = "") -> bytes:
    """The 法制审核意见 of a reviewed decision (409 naming ``status`` before any review)."""
    reviews = [
        e for e in row.history if e["action"] in (DocumentAction.APPROVE, DocumentAction.RETURN)
    ]
    if not reviews:
        raise Conflict(
            "the document has not been reviewed (法制审核) yet",
            [FieldProblem("status", f"is {row.state}; a review opinion needs a review")],
        )
    kind = DocumentKind(row.kind)
    facts = facts_for_pdf(session, row) | {
        "kind": kind.zh,
        "officer": _username(session, row.officer_id) or "",
    }
    lines = [
        (
            templates.chinese_date(lookup.local_day(datetime.fromisoformat(e["at"]))),
            _username(session, int(e["by"])) or str(e["by"]),
            "同意" if e["action"] == DocumentAction.APPROVE else "退回修改",
            str(e.get("reason", "")),
        )
        for e in reviews
    ]
    try:
        font: Path | None = find_font(label_font)
    except ValidationFailed:
        font = None
    return document_pdf.review_pdf(facts, lines, font)
