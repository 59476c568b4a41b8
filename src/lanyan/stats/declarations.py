"""火灾损失申报 (fire-loss declaration) from the public portal: a citizen or unit declares a fire's
time, place, what burned, the direct loss in 元 and any casualties, with optional photos; it
gets a tracking number (查询码) and waits as a *draft* for an officer's review.

States: 待审核 (submitted) → 已受理 (accepted: the fire record is written and joins the
statistics, linked to the matching closed fire incident if there is one) or 不予受理 (rejected
with a reason the declarant sees). A draft is never counted: the analyses and the plans'
indicators read fire records only, and a record exists only once a declaration is accepted.

The declarant's status is answered only for the tracking number with the phone's last four
digits (:func:`track`), the same answer for a wrong number and a wrong phone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from lanyan.core import files, tracking
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.files import Stored
from lanyan.core.timeutil import to_local, utcnow
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.registry.service import pydantic_problems
from lanyan.response import public as response
from lanyan.stats import records
from lanyan.stats.choices import DeclarationState
from lanyan.stats.models import FireLossDeclaration, FireRecord
from lanyan.stats.schemas import DeclarationAccept, DeclarationReject, FireLossDeclare
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = records.SLUG  # reviewed by whoever may write fire records
AUDIT_SLUG = "fire-declarations"
PUBLIC_ACTOR = Actor("public:portal", role="public")
MAX_PHOTOS = 6
# How far apart a declared fire and an incident's call may be to be taken as the same fire.
MATCH_WINDOW = timedelta(hours=6)


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(FireLossDeclaration.jurisdiction_id)


def _snapshot(row: FireLossDeclaration) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in FireLossDeclaration.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def _path(session: Session, row: FireLossDeclaration) -> str:
    return str(
        session.execute(
            select(Jurisdiction.path).where(Jurisdiction.id == row.jurisdiction_id)
        ).scalar_one()
    )


def declare(
    session: Session, payload: FireLossDeclare, photos: list[Stored] | None = None
) -> FireLossDeclaration:
    """Record a declaration as a draft with its tracking number (the photos already checked)."""
    audit.begin_write(session)
    problems = []
    place = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == payload.jurisdiction_code)
    ).scalar_one_or_none()
    if place is None:
        problems.append(FieldProblem("jurisdiction_code", "must be a code from the places list"))
    now = utcnow()
    if payload.occurred_at > now:
        problems.append(FieldProblem("occurred_at", "must not be in the future"))
    if len(photos or []) > MAX_PHOTOS:
        problems.append(FieldProblem("photos", f"at most {MAX_PHOTOS} photos"))
    if problems:
        raise ValidationFailed("the declaration cannot be accepted so", problems)
    assert place is not None
    local = to_local(now)
    assert local is not None
    row = FireLossDeclaration(
        tracking_no=tracking.new_number(local.date()),
        state=DeclarationState.SUBMITTED.value,
        jurisdiction_id=place.id,
        occurred_at=payload.occurred_at,
        address=payload.address,
        burned=payload.burned,
        direct_loss_yuan=payload.direct_loss_yuan,
        deaths=payload.deaths,
        injuries=payload.injuries,
        declarant_name=payload.declarant_name,
        declarant_phone=payload.declarant_phone,
        photos=[p.as_json() for p in photos or []],
        received_at=now,
        reviewed_by="",
        reject_reason="",
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        PUBLIC_ACTOR,
        "create",
        AUDIT_SLUG,
        row.id,
        None,
        _snapshot(row),
        scope_path=place.path,
    )
    return row


def receipt(row: FireLossDeclaration) -> dict[str, Any]:
    state = DeclarationState(row.state)
    return {
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": state,
        "state_zh": state.zh,
    }


def track(session: Session, tracking_no: str, phone_last4: str) -> FireLossDeclaration:
    """The declaration with this number whose phone ends in these digits; NotFound alike."""
    row = session.execute(
        select(FireLossDeclaration).where(
            FireLossDeclaration.tracking_no == tracking.normalise(tracking_no)
        )
    ).scalar_one_or_none()
    if not tracking.phone_matches(row.declarant_phone if row else None, phone_last4) or row is None:
        raise NotFound(tracking.NOT_FOUND)
    return row


def status_public(row: FireLossDeclaration) -> dict[str, Any]:
    """What the declarant sees: the state, and the reason if it was rejected."""
    state = DeclarationState(row.state)
    return {
        "kind": "fire_loss",
        "tracking_no": row.tracking_no,
        "received_at": row.received_at,
        "state": state.value,
        "state_zh": state.zh,
        "state_en": state.en,
        "summary": f"{row.address} · {row.burned}"[:200],
        "phone": tracking.mask_phone(row.declarant_phone),
        "reply": row.reject_reason if state is DeclarationState.REJECTED else "",
        "handled_at": row.reviewed_at,
    }


def queue(
    session: Session,
    scope: Scope,
    state: DeclarationState | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[FireLossDeclaration], int]:
    """Declarations inside ``scope``, the waiting ones first, oldest first."""
    where = [in_scope(scope)]
    if state is not None:
        where.append(FireLossDeclaration.state == state.value)
    waiting = FireLossDeclaration.state == DeclarationState.SUBMITTED.value
    stmt = (
        select(FireLossDeclaration)
        .where(*where)
        .order_by(waiting.desc(), FireLossDeclaration.received_at, FireLossDeclaration.id)
    )
    return paginate(session, stmt, page, size)


def _get(session: Session, scope: Scope, declaration_id: int) -> FireLossDeclaration:
    row = session.execute(
        select(FireLossDeclaration)
        .where(FireLossDeclaration.id == declaration_id, in_scope(scope))
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"declaration {declaration_id} does not exist or is outside your area")
    if row.state != DeclarationState.SUBMITTED.value:
        state = DeclarationState(row.state)
        raise Conflict(
            f"declaration {row.tracking_no} was already reviewed ({state.zh}, {state.value})",
            [FieldProblem("action", f"review is not allowed in state {state.value}")],
        )
    return row


def matching_incident(session: Session, scope: Scope, row: FireLossDeclaration) -> str | None:
    """The closed fire incident nearest the declared time in its jurisdiction without a record."""
    return response.nearest_closed(
        session,
        scope,
        records.FIRE,
        row.jurisdiction_id,
        row.occurred_at,
        MATCH_WINDOW,
        lambda incident_id: exists().where(FireRecord.incident_id == incident_id),
    )


def accept(
    session: Session, actor: Actor, scope: Scope, declaration_id: int, payload: DeclarationAccept
) -> FireLossDeclaration:
    """已受理: write the fire record (it joins the statistics), linked to the incident given or
    the matching one; the record's checks apply (a wrong incident is named)."""
    audit.begin_write(session)
    row = _get(session, scope, declaration_id)
    before = _snapshot(row)
    incident = payload.incident or matching_incident(session, scope, row) or ""
    local = to_local(row.occurred_at)
    assert local is not None
    place_code = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
    ).scalar_one()
    record = records.create_record(
        session,
        actor,
        scope,
        {
            "jurisdiction": place_code,
            "occurred_at": local.strftime("%Y-%m-%d %H:%M"),
            "address": row.address,
            "incident": incident,
            "deaths": row.deaths,
            "injuries": row.injuries,
            "direct_loss_yuan": row.direct_loss_yuan,
            "note": f"公众申报 {row.tracking_no}：{row.burned}"[:2000],
        },
    )
    row.state = DeclarationState.ACCEPTED.value
    row.fire_record_id = record.id
    row.reviewed_by = actor.username
    row.reviewed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "accept",
        AUDIT_SLUG,
        row.id,
        before,
        _snapshot(row),
        scope_path=_path(session, row),
    )
    return row


def reject(
    session: Session, actor: Actor, scope: Scope, declaration_id: int, payload: DeclarationReject
) -> FireLossDeclaration:
    """不予受理 with the reason the declarant reads; nothing joins the statistics."""
    audit.begin_write(session)
    row = _get(session, scope, declaration_id)
    before = _snapshot(row)
    row.state = DeclarationState.REJECTED.value
    row.reject_reason = payload.reason
    row.reviewed_by = actor.username
    row.reviewed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        "reject",
        AUDIT_SLUG,
        row.id,
        before,
        _snapshot(row),
        scope_path=_path(session, row),
    )
    return row


def public(session: Session, row: FireLossDeclaration, may_act: bool) -> dict[str, Any]:
    """The declaration for staff; the phone in full only for a reviewer (who calls back)."""
    state = DeclarationState(row.state)
    record = session.get(FireRecord, row.fire_record_id) if row.fire_record_id else None
    incident_code = None
    if record is not None and record.incident_id is not None:
        incident_code = session.execute(
            select(response.code_of(FireRecord.incident_id)).where(FireRecord.id == record.id)
        ).scalar_one()
    return {
        "id": row.id,
        "tracking_no": row.tracking_no,
        "state": state,
        "state_zh": state.zh,
        "jurisdiction_code": session.execute(
            select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
        ).scalar_one(),
        "occurred_at": row.occurred_at,
        "address": row.address,
        "burned": row.burned,
        "direct_loss_yuan": row.direct_loss_yuan,
        "deaths": row.deaths,
        "injuries": row.injuries,
        "declarant_name": row.declarant_name,
        "declarant_phone": row.declarant_phone
        if may_act
        else tracking.mask_phone(row.declarant_phone),
        "photos": [
            {k: v for k, v in p.items() if k != "sha256"} | {"index": i}
            for i, p in enumerate(row.photos or [])
        ],
        "received_at": row.received_at,
        "reviewed_by": row.reviewed_by,
        "reviewed_at": row.reviewed_at,
        "reject_reason": row.reject_reason,
        "record_code": record.code if record is not None else None,
        "incident_code": incident_code,
    }


def photo(session: Session, scope: Scope, declaration_id: int, index: int) -> dict[str, Any]:
    """One photo's stored description (for the officer's download), inside ``scope``."""
    row = session.execute(
        select(FireLossDeclaration).where(FireLossDeclaration.id == declaration_id, in_scope(scope))
    ).scalar_one_or_none()
    if row is None or not 0 <= index < len(row.photos or []):
        raise NotFound(f"declaration {declaration_id} has no photo {index} in your area")
    return dict(row.photos[index])


def declare_form(
    session: Session,
    values: dict[str, Any],
    photos: list[tuple[str, str, bytes]],
    root: Path,
    max_bytes: int,
) -> FireLossDeclaration:
    """Validate the fields and the photos together, then keep the photos and the draft."""
    problems: list[FieldProblem] = []
    payload = None
    try:
        payload = FireLossDeclare.model_validate(values)
    except PydanticValidationError as exc:
        problems += pydantic_problems(exc)
    for field, _, data in photos:
        try:
            files.check(field, data, files.IMAGES, max_bytes)
        except ValidationFailed as exc:
            problems += exc.problems
    if problems or payload is None:
        raise ValidationFailed(
            "the declaration was refused: " + "; ".join(f"{p.field}: {p.rule}" for p in problems),
            problems,
        )
    return declare(session, payload, files.keep_all(root, photos, files.IMAGES, max_bytes))
