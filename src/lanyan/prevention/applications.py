"""Applications to lift a temporary seal-up (解除临时查封申请) or to resume use (恢复使用申请),
sent by the unit through the public portal. Each names a decision in force of the matching
kind, gets a tracking number, and waits in the officers' queue (the decision's jurisdiction)
until one of them handles it with a reply; lifting the decision stays ``enforcement.lift``.

The applicant's phone is masked (138****1234) except for an officer who may act on the
decision (enforcement writers in its jurisdiction): the one who calls the applicant back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core import tracking
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.prevention import lookup
from lanyan.prevention.choices import (
    ApplicationKind,
    ApplicationState,
    EnforcementKind,
    EnforcementState,
)
from lanyan.prevention.complaints import PUBLIC_ACTOR, mask_phone, new_tracking_no
from lanyan.prevention.models.inspections import EnforcementAction, EnforcementApplication
from lanyan.prevention.schemas.portal import ApplicationHandle, PublicApplicationCreate
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "enforcement"  # the queue belongs to whoever may read and lift enforcement decisions
# The decisions each kind of application may name.
APPLIES_TO = {
    ApplicationKind.LIFT_SEAL: frozenset({EnforcementKind.SEAL_UP.value}),
    ApplicationKind.RESUME_USE: frozenset(
        {
            EnforcementKind.STOP_USE.value,
            EnforcementKind.STOP_PRODUCTION.value,
            EnforcementKind.STOP_CONSTRUCTION.value,
        }
    ),
}


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(EnforcementApplication.jurisdiction_id)


def _audit(
    session: Session, actor: Actor, action: str, row: EnforcementApplication, before: Any
) -> None:
    audit.record(
        session,
        actor,
        action,
        "enforcement-applications",
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )


def submit(session: Session, payload: PublicApplicationCreate) -> EnforcementApplication:
    """Queue an application naming a decision in force of the matching kind."""
    audit.begin_write(session)
    action = session.execute(
        select(EnforcementAction).where(EnforcementAction.decision_no == payload.decision_no)
    ).scalar_one_or_none()
    allowed = APPLIES_TO[payload.kind]
    if (
        action is None
        or action.kind not in allowed
        or action.state != EnforcementState.IN_FORCE.value
    ):
        kinds = "、".join(EnforcementKind(k).zh for k in sorted(allowed))
        raise ValidationFailed(
            f"{payload.decision_no} is not a decision in force this application may name",
            [FieldProblem("decision_no", f"must be the 文号 of a {kinds} decision in force")],
        )
    received_at = utcnow()
    row = EnforcementApplication(
        tracking_no=new_tracking_no(lookup.local_day(received_at)),
        kind=payload.kind.value,
        enforcement_id=action.id,
        jurisdiction_id=action.jurisdiction_id,
        applicant_name=payload.applicant_name,
        applicant_phone=payload.applicant_phone,
        reason=payload.reason,
        received_at=received_at,
        state=ApplicationState.SUBMITTED.value,
        reply="",
    )
    session.add(row)
    session.flush()
    _audit(session, PUBLIC_ACTOR, "create", row, None)
    return row


def receipt(row: EnforcementApplication) -> dict[str, Any]:
    return {
        "tracking_no": row.tracking_no,
        "kind": ApplicationKind(row.kind),
        "received_at": row.received_at,
        "state": ApplicationState(row.state),
    }


def track(session: Session, tracking_no: str, phone_last4: str) -> EnforcementApplication:
    """The application with this number whose phone ends in these digits; NotFound alike for a
    wrong number and a wrong phone (the digits are compared in constant time either way)."""
    row = session.execute(
        select(EnforcementApplication).where(
            EnforcementApplication.tracking_no == tracking.normalise(tracking_no)
        )
    ).scalar_one_or_none()
    if not tracking.phone_matches(row.applicant_phone if row else None, phone_last4) or row is None:
        raise NotFound(tracking.NOT_FOUND)
    return row


def status_public(row: EnforcementApplication) -> dict[str, Any]:
    """What the applicant sees: the state and the officer's reply."""
    kind = ApplicationKind(row.kind)
    state = ApplicationState(row.state)
    return {
        "kind": kind.value,
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": state.value,
        "state_zh": state.zh,
        "state_en": state.en,
        "summary": kind.zh,
        "phone": mask_phone(row.applicant_phone),
        "reply": row.reply,
        "handled_at": row.handled_at,
    }


def queue(
    session: Session,
    scope: Scope,
    state: ApplicationState | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[EnforcementApplication], int]:
    """The applications in ``scope``, the oldest waiting first."""
    where = [in_scope(scope)]
    if state is not None:
        where.append(EnforcementApplication.state == state.value)
    stmt = (
        select(EnforcementApplication)
        .where(*where)
        .order_by(EnforcementApplication.state.desc(), EnforcementApplication.received_at)
    )
    return paginate(session, stmt, page, size)


def get_application(
    session: Session, scope: Scope, application_id: int, lock: bool = False
) -> EnforcementApplication:
    stmt = select(EnforcementApplication).where(
        EnforcementApplication.id == application_id, in_scope(scope)
    )
    return one_or_not_found(
        session,
        stmt,
        f"application {application_id} does not exist or is outside your jurisdiction",
        lock,
    )


def handle(
    session: Session, actor: Actor, scope: Scope, application_id: int, payload: ApplicationHandle
) -> EnforcementApplication:
    """Reply to the applicant and take the application off the queue."""
    audit.begin_write(session)
    row = get_application(session, scope, application_id, lock=True)
    if row.state != ApplicationState.SUBMITTED.value:
        raise Conflict(
            f"application {row.tracking_no} was already handled",
            [FieldProblem("action", f"handle is not allowed in state {row.state}")],
        )
    before = lookup.snapshot(row)
    row.state = ApplicationState.HANDLED.value
    row.handled_by_id = actor.user_id
    row.handled_at = utcnow()
    row.reply = payload.reply
    session.flush()
    _audit(session, actor, "handle", row, before)
    return row


def public(session: Session, row: EnforcementApplication, may_act: bool) -> dict[str, Any]:
    """The application for staff; the phone in full only when ``may_act`` (an enforcement
    writer, who calls the applicant back)."""
    action = session.get(EnforcementAction, row.enforcement_id)
    assert action is not None
    kind = ApplicationKind(row.kind)
    handler = (
        session.execute(select(User.username).where(User.id == row.handled_by_id)).scalar_one()
        if row.handled_by_id
        else None
    )
    return {
        "id": row.id,
        "tracking_no": row.tracking_no,
        "kind": kind,
        "kind_zh": kind.zh,
        "decision_no": action.decision_no,
        "unit_code": lookup.code_of(session, Unit, action.unit_id),
        "applicant_name": row.applicant_name,
        "applicant_phone": row.applicant_phone if may_act else mask_phone(row.applicant_phone),
        "reason": row.reason,
        "received_at": row.received_at,
        "state": ApplicationState(row.state),
        "handled_by": handler,
        "handled_at": row.handled_at,
        "reply": row.reply,
    }
