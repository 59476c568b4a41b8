"""告知承诺 through the public portal (公众聚集场所投入使用、营业前消防安全检查告知承诺, 消防法第十五条):
the place's unit sends its facts, the signed commitment (承诺书) and the required documents
(:data:`DOCUMENTS`, each a PDF or an image checked by content and size); it gets a tracking
number and waits in the officers' queue. Accepted, it becomes a :class:`Commitment`: published
in the 告知承诺 list, with its post-check (核查) due :data:`CHECK_DAYS` days after acceptance.

CHECK_DAYS = 20 is the platform's choice (a configurable rule of thumb, not quoted from a
standard in the reference folder): 消防法第十五条 asks the fire rescue body to check a committed
place "及时" (promptly) without a number of days; a deployment whose province fixes one changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lanyan.core import files, tracking
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.files import Stored
from lanyan.core.timeutil import utcnow
from lanyan.prevention import lookup
from lanyan.prevention.choices import CommitmentApplicationState, CommitmentState
from lanyan.prevention.models.inspections import Commitment, CommitmentApplication
from lanyan.prevention.schemas.portal import CommitmentReview, PublicCommitmentCreate
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.registry.service import pydantic_problems
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "commitment-checks"  # reviewed by whoever checks commitments
AUDIT_SLUG = "commitment-applications"
PUBLIC_ACTOR = Actor("public:portal", role="public")
CHECK_DAYS = 20  # the platform's choice; see the module's note


@dataclass(frozen=True)
class Document:
    """A required document: its form field and its name in both languages."""

    field: str
    zh: str
    en: str


DOCUMENTS: tuple[Document, ...] = (
    Document("doc_commitment", "告知承诺书（签字盖章）", "Signed commitment letter"),
    Document("doc_licence", "营业执照", "Business licence"),
    Document("doc_rules", "消防安全制度", "Fire safety rules"),
    Document("doc_floor_plan", "场所平面图", "Floor plan"),
    Document("doc_evacuation", "疏散示意图", "Evacuation diagram"),
    Document("doc_inspection", "消防设施检测报告", "Fire equipment test report"),
)
# What the applicant commits to (the Commitment's statements).
STATEMENTS = (
    "本场所符合消防技术标准和管理规定",
    "所提交材料真实、准确、完整",
    "已建立并落实消防安全制度，消防设施完好有效，疏散通道畅通",
    "愿意承担虚假承诺的法律责任",
)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(CommitmentApplication.jurisdiction_id)


def _audit(
    session: Session, actor: Actor, action: str, row: CommitmentApplication, before: Any
) -> None:
    audit.record(
        session,
        actor,
        action,
        AUDIT_SLUG,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )


def submit(
    session: Session, payload: PublicCommitmentCreate, documents: list[Stored]
) -> CommitmentApplication:
    """Queue a commitment with every required document (already checked by content)."""
    audit.begin_write(session)
    problems = []
    unit = session.execute(select(Unit).where(Unit.code == payload.unit_code)).scalar_one_or_none()
    if unit is None:
        problems.append(
            FieldProblem("unit_code", "must be the 统一社会信用代码 of a registered unit")
        )
    if not payload.agreed:
        problems.append(FieldProblem("agreed", "the commitment must be accepted (勾选承诺)"))
    sent = {d.field for d in documents}
    problems += [
        FieldProblem(d.field, f"is required: {d.zh} (PDF or image)")
        for d in DOCUMENTS
        if d.field not in sent
    ]
    if payload.opens_on < lookup.today():
        problems.append(FieldProblem("opens_on", "must not be before today"))
    if problems:
        raise ValidationFailed("the commitment cannot be accepted so", problems)
    assert unit is not None
    now = utcnow()
    row = CommitmentApplication(
        tracking_no=tracking.new_number(lookup.local_day(now)),
        state=CommitmentApplicationState.SUBMITTED.value,
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        venue=payload.venue,
        address=payload.address,
        floor_area_m2=payload.floor_area_m2,
        opens_on=payload.opens_on,
        applicant_name=payload.applicant_name,
        applicant_phone=payload.applicant_phone,
        signatory=payload.signatory,
        documents=[d.as_json() for d in documents],
        received_at=now,
        reviewed_by="",
        reply="",
    )
    session.add(row)
    session.flush()
    _audit(session, PUBLIC_ACTOR, "create", row, None)
    return row


def receipt(row: CommitmentApplication) -> dict[str, Any]:
    state = CommitmentApplicationState(row.state)
    return {
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": state,
        "state_zh": state.zh,
    }


def track(session: Session, tracking_no: str, phone_last4: str) -> CommitmentApplication:
    row = session.execute(
        select(CommitmentApplication).where(
            CommitmentApplication.tracking_no == tracking.normalise(tracking_no)
        )
    ).scalar_one_or_none()
    if not tracking.phone_matches(row.applicant_phone if row else None, phone_last4) or row is None:
        raise NotFound(tracking.NOT_FOUND)
    return row


def status_public(row: CommitmentApplication) -> dict[str, Any]:
    state = CommitmentApplicationState(row.state)
    return {
        "kind": "commitment",
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": state.value,
        "state_zh": state.zh,
        "state_en": state.en,
        "summary": f"{row.venue} · {row.address}"[:200],
        "phone": tracking.mask_phone(row.applicant_phone),
        "reply": row.reply,
        "handled_at": row.reviewed_at,
    }


def queue(
    session: Session,
    scope: Scope,
    state: CommitmentApplicationState | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[CommitmentApplication], int]:
    where = [in_scope(scope)]
    if state is not None:
        where.append(CommitmentApplication.state == state.value)
    waiting = CommitmentApplication.state == CommitmentApplicationState.SUBMITTED.value
    stmt = (
        select(CommitmentApplication)
        .where(*where)
        .order_by(waiting.desc(), CommitmentApplication.received_at, CommitmentApplication.id)
    )
    return paginate(session, stmt, page, size)


def _get(session: Session, scope: Scope, application_id: int) -> CommitmentApplication:
    row = session.execute(
        select(CommitmentApplication)
        .where(CommitmentApplication.id == application_id, in_scope(scope))
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"commitment application {application_id} does not exist in your area")
    return row


def review(
    session: Session, actor: Actor, scope: Scope, application_id: int, payload: CommitmentReview
) -> CommitmentApplication:
    """Accept (the commitment is published, its 核查 due in CHECK_DAYS) or reject with a reply."""
    audit.begin_write(session)
    row = _get(session, scope, application_id)
    if row.state != CommitmentApplicationState.SUBMITTED.value:
        raise Conflict(
            f"commitment application {row.tracking_no} was already reviewed",
            [FieldProblem("action", f"review is not allowed in state {row.state}")],
        )
    if not payload.accept and not payload.reply:
        raise ValidationFailed(
            "a rejection needs the reason", [FieldProblem("reply", "is required when rejecting")]
        )
    before = lookup.snapshot(row)
    now = utcnow()
    if payload.accept:
        commitment = Commitment(
            code=lookup.temporary_code(),
            unit_id=row.unit_id,
            jurisdiction_id=row.jurisdiction_id,
            venue=row.venue,
            address=row.address,
            floor_area_m2=row.floor_area_m2,
            opens_on=row.opens_on,
            statements=list(STATEMENTS),
            state=CommitmentState.SUBMITTED.value,
            submitted_by=f"{row.signatory}（{row.tracking_no}）"[:100],
            submitted_at=row.received_at,
            check_due_on=lookup.local_day(now) + timedelta(days=CHECK_DAYS),
        )
        session.add(commitment)
        session.flush()
        commitment.code = lookup.dated_code("CN", row.received_at, commitment.id)
        session.flush()
        unit = session.get(Unit, row.unit_id)
        assert unit is not None
        lookup.record_created(session, actor, "commitments", commitment, unit)
        row.commitment_id = commitment.id
    row.state = (
        CommitmentApplicationState.ACCEPTED
        if payload.accept
        else CommitmentApplicationState.REJECTED
    ).value
    row.reply = payload.reply
    row.reviewed_by = actor.username
    row.reviewed_at = now
    session.flush()
    _audit(session, actor, "review", row, before)
    return row


def public(session: Session, row: CommitmentApplication, may_act: bool) -> dict[str, Any]:
    state = CommitmentApplicationState(row.state)
    unit = session.get(Unit, row.unit_id)
    assert unit is not None
    commitment = session.get(Commitment, row.commitment_id) if row.commitment_id else None
    names = {d.field: d.zh for d in DOCUMENTS}
    return {
        "id": row.id,
        "tracking_no": row.tracking_no,
        "state": state,
        "state_zh": state.zh,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "venue": row.venue,
        "address": row.address,
        "floor_area_m2": row.floor_area_m2,
        "opens_on": row.opens_on,
        "applicant_name": row.applicant_name,
        "applicant_phone": row.applicant_phone
        if may_act
        else tracking.mask_phone(row.applicant_phone),
        "signatory": row.signatory,
        "documents": [
            {k: v for k, v in d.items() if k != "sha256"} | {"name_zh": names.get(str(d["field"]))}
            for d in row.documents
        ],
        "received_at": row.received_at,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at,
        "reply": row.reply,
        "commitment_code": commitment.code if commitment else None,
        "check_due_on": commitment.check_due_on if commitment else None,
    }


def document(session: Session, scope: Scope, application_id: int, field: str) -> dict[str, Any]:
    """One document's stored description (for the officer's download), inside ``scope``."""
    row = session.execute(
        select(CommitmentApplication).where(
            CommitmentApplication.id == application_id, in_scope(scope)
        )
    ).scalar_one_or_none()
    found = [d for d in (row.documents if row else []) if d.get("field") == field]
    if not found:
        raise NotFound(f"commitment application {application_id} has no document {field}")
    return dict(found[0])


def submit_form(
    session: Session,
    values: dict[str, Any],
    sent: list[tuple[str, str, bytes]],
    root: Path,
    max_bytes: int,
) -> CommitmentApplication:
    """The form as sent (fields and ``(field, filename, bytes)`` files): every problem of the
    fields and the files named at once, then the files kept and the commitment queued."""
    problems: list[FieldProblem] = []
    payload = None
    try:
        payload = PublicCommitmentCreate.model_validate(values)
    except PydanticValidationError as exc:
        problems += pydantic_problems(exc)
    for field, _, data in sent:
        try:
            files.check(field, data, files.DOCUMENTS, max_bytes)
        except ValidationFailed as exc:
            problems += exc.problems
    if problems or payload is None:
        raise ValidationFailed(
            "the commitment was refused: " + "; ".join(f"{p.field}: {p.rule}" for p in problems),
            problems,
        )
    stored = files.keep_all(root, sent, files.DOCUMENTS, max_bytes)
    return submit(session, payload, stored)
