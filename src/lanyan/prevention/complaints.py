"""Complaints and reports (举报投诉) from 12345, 96119 and the web: intake, assignment to an
officer, verification by a deadline (核查期限, overdue when it passes unverified), the result with
its 举报核查 inspection, and feedback to the reporter with the reward flag (举报奖励).

States: 已受理 (received) → 核查中 (assigned) → 已核查 (verified) → 已反馈办结 (closed); a complaint
may be reassigned until it is verified.

A citizen may also report through the public portal (:func:`public_intake`, no log-in). Such a
report gets a random tracking number (查询码), and :func:`track` answers its status only to
someone holding both that number and the last four digits of the reporter's phone; a wrong
number and a wrong phone get the same answer, so nobody learns whether another's report exists.
The reporter's phone is masked (138****1234) everywhere except in the view of the officer the
complaint is assigned to (:func:`public` with ``viewer_id``).
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, not_, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.prevention import lookup
from lanyan.prevention.choices import (
    ComplaintChannel,
    ComplaintResult,
    ComplaintState,
    HotlineCategory,
    InspectionKind,
)
from lanyan.prevention.models.inspections import Complaint, Inspection
from lanyan.prevention.schemas.portal import PublicComplaintCreate, PublicComplaintLookup
from lanyan.prevention.schemas.records import (
    ComplaintAssign,
    ComplaintCreate,
    ComplaintFeedback,
    ComplaintVerify,
)
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "complaints"
VERIFY_DAYS = 3  # default 核查期限: three days from receipt
OPEN = frozenset({ComplaintState.RECEIVED.value, ComplaintState.ASSIGNED.value})
# Roles whose holders may be assigned a complaint to verify.
VERIFIERS = frozenset({"prevention_officer", "admin"})
REWARDABLE = frozenset({ComplaintResult.SUBSTANTIATED.value, ComplaintResult.PARTLY.value})
PUBLIC_ACTOR = Actor("public:portal", role="public")
# The tracking number's random part: 10 characters of an alphabet without look-alikes (0/O,
# 1/I/L), 31**10 (about 2**49) numbers per day.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10
NOT_FOUND = (
    "no report matches this tracking number and phone; check both and try again "
    "(a report appears here as soon as it is sent)"
)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(Complaint.jurisdiction_id)


def overdue_clause(today: date) -> ColumnElement[bool]:
    return and_(Complaint.state.in_(OPEN), Complaint.due_on < today)


def is_overdue(row: Complaint, today: date) -> bool:
    return row.state in OPEN and row.due_on < today


def _refuse(row: Complaint, action: str, allowed: str) -> Conflict:
    state = ComplaintState(row.state)
    return Conflict(
        f"cannot {action} complaint {row.code} in state {state.zh} ({state.value}); "
        f"allowed only when {allowed}",
        [FieldProblem("action", f"{action} is not allowed in state {state.value}")],
    )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    row: Complaint,
    before: dict[str, Any] | None,
) -> None:
    audit.record(
        session,
        actor,
        action,
        SLUG,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )


def hotline_status(row: Complaint) -> dict[str, Any]:
    """What the 12345 platform is told of its work order (the API's answer and the callback)."""
    state = ComplaintState(row.state)
    category = HotlineCategory(row.category) if row.category else HotlineCategory.OTHER
    return {
        "id": row.id,
        "code": row.code,
        "order_id": row.external_no,
        "category": category.value,
        "category_zh": category.zh,
        "state": state,
        "state_zh": state.zh,
        "received_at": row.received_at,
        "due_on": row.due_on,
        "result": row.result,
        "result_note": row.result_note,
        "verified_at": row.verified_at,
        "feedback": row.feedback,
        "feedback_at": row.feedback_at,
    }


def call_back(session: Session, row: Complaint) -> None:
    """A work order from a machine client (12345): tell that client the new state and the
    handler's result and feedback, through the signed, retried webhook outbox (the row is
    written in this transaction; the relay posts it later)."""
    if row.api_client_id is None:
        return
    payload = hotline_status(row) | {"state": row.state}
    exchange.emit(session, EventType.HOTLINE_STATUS, payload, target_client_id=row.api_client_id)


def intake(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: ComplaintCreate,
    api_client_id: int | None = None,
    category: str = "",
) -> Complaint:
    """受理: record a report; its place is the unit's jurisdiction or the one given. A work
    order from a machine client (``prevention.hotline``) names the client and its category."""
    audit.begin_write(session)
    unit = lookup.unit(session, scope, payload.unit_code) if payload.unit_code else None
    if payload.jurisdiction_code:
        place = lookup.jurisdiction(session, scope, payload.jurisdiction_code, "jurisdiction_code")
        if unit is not None and unit.jurisdiction_id != place.id:
            raise ValidationFailed(
                "the unit lies in another jurisdiction",
                [FieldProblem("jurisdiction_code", "must be the unit's jurisdiction")],
            )
    elif unit is not None:
        place_or_none = session.get(Jurisdiction, unit.jurisdiction_id)
        assert place_or_none is not None
        place = place_or_none
    else:
        raise ValidationFailed(
            "a complaint needs a place",
            [FieldProblem("jurisdiction_code", "is required when no unit_code is given")],
        )
    if not payload.anonymous and not (payload.reporter_name or payload.reporter_phone):
        raise ValidationFailed(
            "a named complaint needs a way to give feedback",
            [FieldProblem("reporter_phone", "is required unless the report is anonymous")],
        )
    received_at = payload.received_at or utcnow()
    received_day = lookup.local_day(received_at)
    due_on = payload.due_on or received_day + timedelta(days=VERIFY_DAYS)
    if due_on < received_day:
        raise ValidationFailed(
            f"the verification deadline {due_on} is before the report {received_day}",
            [FieldProblem("due_on", f"must not be before the day received ({received_day})")],
        )
    row = Complaint(
        code=lookup.temporary_code(),
        channel=payload.channel.value,
        external_no=payload.external_no,
        received_at=received_at,
        jurisdiction_id=place.id,
        unit_id=unit.id if unit else None,
        address=payload.address,
        content=payload.content,
        reporter_name="" if payload.anonymous else payload.reporter_name,
        reporter_phone="" if payload.anonymous else payload.reporter_phone,
        anonymous=payload.anonymous,
        state=ComplaintState.RECEIVED.value,
        due_on=due_on,
        api_client_id=api_client_id,
        category=category,
    )
    session.add(row)
    session.flush()
    row.code = lookup.dated_code("JB", received_at, row.id)
    session.flush()
    _audit(session, actor, "create", row, None)
    call_back(session, row)
    return row


def mask_phone(phone: str) -> str:
    """``13812341234`` → ``138****1234``; a short number keeps only its last two digits."""
    if len(phone) >= 7:
        return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"
    return f"{'*' * max(0, len(phone) - 2)}{phone[-2:]}" if phone else ""


def new_tracking_no(received_day: date) -> str:
    """A tracking number (查询码): the local day and a random part from ``secrets``."""
    tail = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))
    return f"{received_day:%Y%m%d}-{tail}"


def normalise_tracking_no(text: str) -> str:
    """What a reporter typed, as stored: upper case, without spaces; the dash put back."""
    compact = re.sub(r"[\s-]", "", text).upper()
    return f"{compact[:8]}-{compact[8:]}" if len(compact) > 8 else compact


def public_intake(session: Session, payload: PublicComplaintCreate) -> Complaint:
    """网上举报 from the portal: recorded as a web report with its tracking number."""
    audit.begin_write(session)
    place = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == payload.jurisdiction_code)
    ).scalar_one_or_none()
    if place is None:
        raise ValidationFailed(
            f"there is no place {payload.jurisdiction_code}",
            [FieldProblem("jurisdiction_code", "must be a code from the places list")],
        )
    received_at = utcnow()
    received_day = lookup.local_day(received_at)
    row = Complaint(
        code=lookup.temporary_code(),
        channel=ComplaintChannel.WEB.value,
        external_no="",
        received_at=received_at,
        jurisdiction_id=place.id,
        unit_id=None,
        address=payload.address,
        content=payload.content,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        anonymous=False,
        state=ComplaintState.RECEIVED.value,
        due_on=received_day + timedelta(days=VERIFY_DAYS),
        tracking_no=new_tracking_no(received_day),
    )
    session.add(row)
    session.flush()
    row.code = lookup.dated_code("JB", received_at, row.id)
    session.flush()
    _audit(session, PUBLIC_ACTOR, "create", row, None)
    return row


def track(session: Session, query: PublicComplaintLookup) -> Complaint:
    """The report with this tracking number whose phone ends in these four digits.

    A wrong number and a wrong phone raise the same NotFound (same message, same work: the
    digits are compared even when no report matched)."""
    row = session.execute(
        select(Complaint).where(Complaint.tracking_no == normalise_tracking_no(query.tracking_no))
    ).scalar_one_or_none()
    phone = row.reporter_phone if row is not None else "----"
    matches = hmac.compare_digest(phone[-4:].encode(), query.phone_last4.encode())
    if row is None or not matches:
        raise NotFound(NOT_FOUND)
    return row


def status_public(row: Complaint) -> dict[str, Any]:
    """What the reporter sees of their report: its state and the officer's feedback."""
    state = ComplaintState(row.state)
    return {
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "address": row.address,
        "content": row.content,
        "reporter_phone": mask_phone(row.reporter_phone),
        "state": state,
        "state_zh": state.zh,
        "due_on": row.due_on,
        "verified_at": row.verified_at,
        "feedback": row.feedback if state is ComplaintState.CLOSED else "",
        "feedback_at": row.feedback_at,
    }


def get_complaint(
    session: Session, scope: Scope, complaint_id: int, lock: bool = False
) -> Complaint:
    stmt = select(Complaint).where(Complaint.id == complaint_id, in_scope(scope))
    return one_or_not_found(
        session,
        stmt,
        f"complaint {complaint_id} does not exist or is outside your jurisdiction",
        lock,
    )


def assign(
    session: Session,
    actor: Actor,
    scope: Scope,
    complaint_id: int,
    payload: ComplaintAssign,
) -> Complaint:
    """Assign (or reassign) the complaint to an officer whose jurisdiction covers it."""
    audit.begin_write(session)
    row = get_complaint(session, scope, complaint_id, lock=True)
    if row.state not in OPEN:
        raise _refuse(row, "assign", "received or being verified")
    officer = lookup.user(session, payload.assignee, "assignee")
    problems = []
    if officer.role not in VERIFIERS:
        problems.append(FieldProblem("assignee", f"{officer.username} is not a prevention officer"))
    officer_path = session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == officer.jurisdiction_id)
    ).scalar_one()
    if not Scope(officer_path).contains(session, row.jurisdiction_id):
        problems.append(
            FieldProblem("assignee", f"{officer.username}'s jurisdiction does not cover the report")
        )
    if payload.due_on is not None and payload.due_on < lookup.local_day(row.received_at):
        problems.append(FieldProblem("due_on", "must not be before the day received"))
    if problems:
        raise ValidationFailed("the complaint cannot be assigned so", problems)
    before = lookup.snapshot(row)
    row.assignee_id = officer.id
    row.assigned_at = utcnow()
    row.state = ComplaintState.ASSIGNED.value
    if payload.due_on is not None:
        row.due_on = payload.due_on
    session.flush()
    _audit(session, actor, "assign", row, before)
    call_back(session, row)
    return row


def verify(
    session: Session,
    actor: Actor,
    scope: Scope,
    complaint_id: int,
    payload: ComplaintVerify,
) -> Complaint:
    """核查: the result, optionally with the 举报核查 inspection that found it."""
    audit.begin_write(session)
    row = get_complaint(session, scope, complaint_id, lock=True)
    if row.state != ComplaintState.ASSIGNED.value:
        raise _refuse(row, "verify", "assigned to an officer (核查中)")
    at = payload.at or utcnow()
    if at < row.received_at:
        raise ValidationFailed(
            "verified before the report was received",
            [FieldProblem("at", f"must not be before {row.received_at.isoformat()}")],
        )
    inspection_id = None
    if payload.inspection_code:
        inspection = lookup.inspection(
            session, scope, payload.inspection_code, "inspection_code", row.unit_id
        )
        if inspection.kind != InspectionKind.COMPLAINT.value:
            raise ValidationFailed(
                "the inspection is not a complaint verification",
                [
                    FieldProblem(
                        "inspection_code",
                        f"must be an inspection of kind {InspectionKind.COMPLAINT.value} (举报核查)",
                    )
                ],
            )
        inspection_id = inspection.id
    before = lookup.snapshot(row)
    row.result = payload.result.value
    row.result_note = payload.note
    row.inspection_id = inspection_id
    row.verified_at = at
    row.state = ComplaintState.VERIFIED.value
    session.flush()
    _audit(session, actor, "verify", row, before)
    call_back(session, row)
    return row


def feedback(
    session: Session,
    actor: Actor,
    scope: Scope,
    complaint_id: int,
    payload: ComplaintFeedback,
) -> Complaint:
    """反馈: what the reporter is told, and whether the report earns a reward; closes it."""
    audit.begin_write(session)
    row = get_complaint(session, scope, complaint_id, lock=True)
    if row.state != ComplaintState.VERIFIED.value:
        raise _refuse(row, "give feedback on", "verified (已核查)")
    if payload.reward and row.result not in REWARDABLE:
        raise ValidationFailed(
            "only a substantiated report is rewarded",
            [FieldProblem("reward", "needs a substantiated or partly substantiated result")],
        )
    at = payload.at or utcnow()
    assert row.verified_at is not None
    if at < row.verified_at:
        raise ValidationFailed(
            "feedback before verification",
            [FieldProblem("at", f"must not be before {row.verified_at.isoformat()}")],
        )
    before = lookup.snapshot(row)
    row.feedback = payload.feedback
    row.feedback_at = at
    row.reward = payload.reward
    row.state = ComplaintState.CLOSED.value
    session.flush()
    _audit(session, actor, "feedback", row, before)
    call_back(session, row)
    return row


def list_complaints(
    session: Session,
    scope: Scope,
    state: ComplaintState | None = None,
    channel: ComplaintChannel | None = None,
    overdue: bool | None = None,
    assignee: str | None = None,
    today: date | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Complaint], int]:
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if state is not None:
        where.append(Complaint.state == state.value)
    if channel is not None:
        where.append(Complaint.channel == channel.value)
    if overdue is not None:
        clause = overdue_clause(today or lookup.today())
        where.append(clause if overdue else not_(clause))
    if assignee:
        where.append(Complaint.assignee_id.in_(select(User.id).where(User.username == assignee)))
    return paginate(
        session,
        select(Complaint).where(*where).order_by(Complaint.due_on, Complaint.id),
        page,
        size,
    )


def public(
    session: Session, row: Complaint, today: date | None = None, viewer_id: int | None = None
) -> dict[str, Any]:
    """The complaint for staff; the reporter's phone is masked unless ``viewer_id`` is the
    officer it is assigned to (the one who calls the reporter back)."""
    state = ComplaintState(row.state)
    assignee = (
        session.execute(select(User.username).where(User.id == row.assignee_id)).scalar_one()
        if row.assignee_id
        else None
    )
    return {
        "id": row.id,
        "code": row.code,
        "channel": row.channel,
        "external_no": row.external_no,
        "received_at": row.received_at,
        "jurisdiction_code": lookup.code_of(session, Jurisdiction, row.jurisdiction_id),
        "unit_code": lookup.code_of(session, Unit, row.unit_id),
        "address": row.address,
        "content": row.content,
        "reporter_name": row.reporter_name,
        "reporter_phone": (
            row.reporter_phone
            if viewer_id is not None and viewer_id == row.assignee_id
            else mask_phone(row.reporter_phone)
        ),
        "anonymous": row.anonymous,
        "state": state,
        "state_zh": state.zh,
        "due_on": row.due_on,
        "overdue": is_overdue(row, today or lookup.today()),
        "assignee": assignee,
        "assigned_at": row.assigned_at,
        "inspection_code": lookup.code_of(session, Inspection, row.inspection_id),
        "result": row.result,
        "result_note": row.result_note,
        "verified_at": row.verified_at,
        "feedback": row.feedback,
        "feedback_at": row.feedback_at,
        "reward": row.reward,
        "tracking_no": row.tracking_no,
        "category": row.category,
    }


def verifiers_for(session: Session, scope: Scope, jurisdiction_id: int) -> list[User]:
    """Active officers who may verify (核查) inside ``scope`` whose jurisdiction covers the place."""
    place_path = session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)
    ).scalar_one()
    users = session.execute(
        select(User, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(
            User.is_active.is_(True),
            User.role.in_(sorted(VERIFIERS)),
            scope.within(User.jurisdiction_id),
        )
        .order_by(User.username)
    ).all()
    return [u for u, path in users if place_path.startswith(path)]
