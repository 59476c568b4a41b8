"""Hazard service (隐患): load the domain ``Hazard``, apply one action, store state and history.

Functions take the caller's session (the caller owns the transaction), the acting user's
``Actor`` and ``Scope``; every event the domain records becomes a history row and an audit entry
in the same transaction, so a refused action leaves nothing behind.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, Forbidden, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.prevention import attachments, hazards
from lanyan.prevention.choices import HazardAction, HazardParty, HazardState
from lanyan.prevention.models.inspections import Attachment, Hazard, HazardEventRow, Inspection
from lanyan.prevention.schemas.inspections import HazardMove
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "hazards"
# The unit's own steps (开始整改, rectification photos, 申请复查) are guarded by this slug.
RECTIFY_SLUG = "rectification"
PHOTO_PURPOSE = "rectification"  # Attachment.purpose of a unit's rectification photo (整改照片)


def parties(may_order: bool, may_rectify: bool) -> frozenset[HazardParty]:
    """The parties a user acts as: the authority with write on hazards, the unit with write on
    rectification (the route reads both from the role table)."""
    out = set()
    if may_order:
        out.add(HazardParty.AUTHORITY)
    if may_rectify:
        out.add(HazardParty.UNIT)
    return frozenset(out)


def acting_party(held: frozenset[HazardParty], action: HazardAction) -> HazardParty:
    """The party the user takes ``action`` as (the authority when it holds both); 403 if none."""
    if HazardParty.AUTHORITY in held:
        return HazardParty.AUTHORITY
    if HazardParty.UNIT in held:
        hazards.check_party(HazardParty.UNIT, action)
        return HazardParty.UNIT
    raise Forbidden(f"you may not act on hazards ({action.value})")


def offered(domain: hazards.Hazard, held: frozenset[HazardParty]) -> list[HazardAction]:
    """The actions the page offers this user on this hazard now."""
    if HazardParty.AUTHORITY in held:
        return domain.allowed_actions(HazardParty.AUTHORITY)
    if HazardParty.UNIT in held:
        return domain.allowed_actions(HazardParty.UNIT)
    return []


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """WHERE clause keeping hazards inside ``scope`` (and a unit manager's own units)."""
    return scope.within(Hazard.jurisdiction_id) & scope.units.within(Hazard.unit_id)


def snapshot(row: Hazard) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in Hazard.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def to_domain(row: Hazard) -> hazards.Hazard:
    listing = None
    if row.listed_at is not None:
        assert row.listing_department is not None and row.listing_deadline is not None
        listing = hazards.Listing(
            row.listing_department, row.listing_deadline, row.listing_published, row.listed_at
        )
    return hazards.Hazard(
        code=row.code,
        found_at=row.found_at,
        is_major=row.is_major,
        state=HazardState(row.state),
        deadline=row.deadline,
        last_at=row.last_at,
        listing=listing,
        delisted_at=row.delisted_at,
        overdue_noticed_for=row.overdue_noticed_for,
        self_found=row.self_found,
        recheck_due=row.recheck_due,
    )


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in detail.items()}


def save(
    session: Session,
    actor: Actor,
    row: Hazard,
    hazard: hazards.Hazard,
) -> None:
    """Copy the domain state onto the row and write each recorded event: history and audit."""
    # A new hazard's first event is its creation: the audit entry has no "before".
    before = None if hazard.events and hazard.events[0].from_state is None else snapshot(row)
    row.state = hazard.state.value
    row.deadline = hazard.deadline
    row.last_at = hazard.last_at
    row.is_major = hazard.is_major
    if hazard.listing is not None:
        row.listing_department = hazard.listing.department
        row.listing_deadline = hazard.listing.deadline
        row.listing_published = hazard.listing.published
        row.listed_at = hazard.listing.listed_at
    row.delisted_at = hazard.delisted_at
    row.overdue_noticed_for = hazard.overdue_noticed_for
    row.self_found = hazard.self_found
    row.recheck_due = hazard.recheck_due
    session.add(row)
    session.flush()
    path = row_path(session, row)
    for event in hazard.events:
        detail = _jsonable(event.detail())
        session.add(
            HazardEventRow(
                hazard_id=row.id,
                event=event.name,
                from_state=event.from_state.value if event.from_state else None,
                to_state=event.to_state.value,
                at=event.at,
                by=event.by,
                detail=detail,
            )
        )
        after = snapshot(row) | {"event": event.name, "at": event.at, **detail}
        audit.record(session, actor, event.name, SLUG, row.id, before, after, scope_path=path)
        before = snapshot(row)
    hazard.events.clear()
    session.flush()


def new_hazard(
    session: Session,
    actor: Actor,
    unit: Unit,
    description: str,
    found_at: datetime,
    is_major: bool = False,
    deadline: date | None = None,
    inspection: Inspection | None = None,
    self_found: bool = False,
) -> Hazard:
    """发现 (and 责令整改 when ``deadline`` is given): a new hazard of ``unit`` (audit lock held);
    ``self_found`` when the unit found it on its own patrol (自查发现)."""
    domain = hazards.Hazard.find("", found_at, actor.username, is_major, self_found)
    if deadline is not None:
        domain.order(deadline, found_at, actor.username)
    row = Hazard(
        code=f"tmp-{uuid.uuid4().hex[:20]}",
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        inspection_id=inspection.id if inspection else None,
        description=description,
        found_at=found_at,
        state=domain.state.value,
        self_found=self_found,
    )
    session.add(row)
    session.flush()
    local = to_local(found_at)
    assert local is not None
    # 隐患编号: YH + local date + the row id, unique because the id is.
    row.code = f"YH{local:%Y%m%d}{row.id:06d}"
    domain.code = row.code
    save(session, actor, row, domain)
    return row


def get_hazard(session: Session, scope: Scope, hazard_id: int, lock: bool = False) -> Hazard:
    stmt = select(Hazard).where(Hazard.id == hazard_id, in_scope(scope))
    return one_or_not_found(
        session, stmt, f"hazard {hazard_id} does not exist or is outside your jurisdiction", lock
    )


def _need(value: Any, field: str, action: HazardAction) -> Any:
    if value is None or value == "":
        raise ValidationFailed(
            f"{action.zh} ({action.value}) needs {field}",
            [FieldProblem(field, f"is required for {action.value}")],
        )
    return value


def apply(
    hazard: hazards.Hazard,
    move: HazardMove,
    at: datetime,
    by: str,
    party: HazardParty = HazardParty.AUTHORITY,
    photos: int = 0,
) -> None:
    """Call the domain method the action names, with the fields it needs."""
    a = move.action
    hazards.check_party(party, a)
    if a is HazardAction.ORDER:
        hazard.order(_need(move.deadline, "deadline", a), at, by)
    elif a is HazardAction.START:
        hazard.start(at, by, move.note, party)
    elif a is HazardAction.REQUEST_RECHECK:
        hazard.request_recheck(at, by, move.note, party, photos)
    elif a is HazardAction.PASS_RECHECK:
        hazard.pass_recheck(at, by, move.note)
    elif a is HazardAction.FAIL_RECHECK:
        hazard.fail_recheck(_need(move.deadline, "deadline", a), at, by, move.note)
    elif a is HazardAction.CLOSE:
        hazard.close(at, by)
    elif a is HazardAction.LIST:
        hazard.list_for_supervision(
            _need(move.department, "department", a),
            _need(move.deadline, "deadline", a),
            move.published,
            at,
            by,
        )
    elif a is HazardAction.DELIST:
        hazard.delist(at, by)


def move(
    session: Session,
    actor: Actor,
    scope: Scope,
    hazard_id: int,
    payload: HazardMove,
    held: frozenset[HazardParty] = frozenset({HazardParty.AUTHORITY}),
) -> Hazard:
    """Apply one action to a hazard inside ``scope`` as the party the user acts as (``held``);
    refused actions write nothing."""
    party = acting_party(held, payload.action)
    audit.begin_write(session)
    row = get_hazard(session, scope, hazard_id, lock=True)
    domain = to_domain(row)
    photos = len(rectification_photos(session, row.id))
    apply(domain, payload, payload.at or utcnow(), actor.username, party, photos)
    save(session, actor, row, domain)
    if payload.action is HazardAction.LIST:
        unit = session.get(Unit, row.unit_id)
        exchange.emit(
            session,
            EventType.HAZARD_LISTED,
            {
                "code": row.code,
                "unit_code": unit.code if unit else None,
                "description": row.description,
                "is_major": row.is_major,
                "department": row.listing_department,
                "deadline": row.listing_deadline,
                "published": row.listing_published,
                "listed_at": row.listed_at,
                "jurisdiction_id": row.jurisdiction_id,
            },
            row.listed_at,
        )
    return row


def add_rectification_photo(
    session: Session,
    actor: Actor,
    scope: Scope,
    held: frozenset[HazardParty],
    hazard_id: int,
    filename: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    note: str = "",
) -> Attachment:
    """整改照片: a photo (by content: JPEG, PNG or WebP) of the rectified hazard, added while
    整改中; the unit's 申请复查 needs at least one."""
    if not held:
        raise Forbidden("you may not add rectification photos")
    audit.begin_write(session)
    row = get_hazard(session, scope, hazard_id, lock=True)
    to_domain(row).check_rectification_photo()
    return attachments.attach(
        session,
        actor,
        scope,
        SLUG,
        row.id,
        filename,
        data,
        root,
        max_bytes,
        note,
        allowed=attachments.IMAGE_TYPES,
        purpose=PHOTO_PURPOSE,
    )


def rectification_photos(session: Session, hazard_id: int) -> list[Attachment]:
    """The unit's rectification photos of a hazard (整改照片), oldest first."""
    return list(
        session.execute(
            select(Attachment)
            .where(
                Attachment.object_type == SLUG,
                Attachment.object_id == hazard_id,
                Attachment.purpose == PHOTO_PURPOSE,
            )
            .order_by(Attachment.id)
        ).scalars()
    )


def evidence(session: Session, hazard_id: int) -> list[Attachment]:
    """Every file attached to a hazard (inspection photos and the unit's), oldest first."""
    return list(
        session.execute(
            select(Attachment)
            .where(Attachment.object_type == SLUG, Attachment.object_id == hazard_id)
            .order_by(Attachment.id)
        ).scalars()
    )


def overdue_clause(today: date) -> ColumnElement[bool]:
    waiting = [s.value for s in hazards.AWAITING_UNIT]
    return and_(Hazard.state.in_(waiting), Hazard.deadline < today)


def list_hazards(
    session: Session,
    scope: Scope,
    state: HazardState | None = None,
    overdue: bool | None = None,
    listed: bool | None = None,
    unit_code: str | None = None,
    today: date | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Hazard], int]:
    """Hazards inside ``scope``, newest finding first; ``overdue`` as of ``today`` (local)."""
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if state is not None:
        where.append(Hazard.state == state.value)
    if overdue is not None:
        day = today or hazards.local_date(utcnow())
        clause = overdue_clause(day)
        where.append(clause if overdue else or_(~clause, Hazard.deadline.is_(None)))
    if listed is not None:
        on_list = and_(Hazard.listed_at.is_not(None), Hazard.delisted_at.is_(None))
        where.append(on_list if listed else ~on_list)
    if unit_code:
        where.append(Hazard.unit_id.in_(select(Unit.id).where(Unit.code == unit_code)))
    return paginate(
        session,
        select(Hazard).where(*where).order_by(Hazard.found_at.desc(), Hazard.id.desc()),
        page,
        size,
    )


def sweep_overdue(
    session: Session,
    actor: Actor,
    scope: Scope,
    now: datetime | None = None,
) -> list[Hazard]:
    """Record 逾期 once per lapsed deadline on every overdue hazard in ``scope``."""
    audit.begin_write(session)
    now = now or utcnow()
    today = hazards.local_date(now)
    rows = (
        session.execute(
            select(Hazard)
            .where(in_scope(scope), overdue_clause(today))
            .order_by(Hazard.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    noticed = []
    for row in rows:
        domain = to_domain(row)
        if domain.check_overdue(now, actor.username):
            save(session, actor, row, domain)
            noticed.append(row)
    return noticed


def ids_by_code(session: Session, codes: list[str]) -> dict[str, int]:
    """Hazard code -> id, for the codes that exist."""
    if not codes:
        return {}
    return dict(session.execute(select(Hazard.code, Hazard.id).where(Hazard.code.in_(codes))).all())


def ids_of_inspection(session: Session, inspection_id: int) -> list[int]:
    """The hazards an inspection found, in the order of its findings."""
    return list(
        session.execute(
            select(Hazard.id).where(Hazard.inspection_id == inspection_id).order_by(Hazard.id)
        ).scalars()
    )


def delisted(session: Session, scope: Scope, limit: int = 100) -> list[Hazard]:
    """Hazards taken off the list (摘牌) inside ``scope``, latest first."""
    return list(
        session.execute(
            select(Hazard)
            .where(in_scope(scope), Hazard.listed_at.is_not(None), Hazard.delisted_at.is_not(None))
            .order_by(Hazard.delisted_at.desc())
            .limit(limit)
        ).scalars()
    )


def history(session: Session, hazard_id: int) -> list[HazardEventRow]:
    return list(
        session.execute(
            select(HazardEventRow)
            .where(HazardEventRow.hazard_id == hazard_id)
            .order_by(HazardEventRow.id)
        )
        .scalars()
        .all()
    )


def public(session: Session, row: Hazard, today: date | None = None) -> dict[str, Any]:
    """The hazard as its API shape, with its history."""
    unit_code = session.execute(select(Unit.code).where(Unit.id == row.unit_id)).scalar_one()
    jcode = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
    ).scalar_one()
    inspection_code = (
        session.execute(
            select(Inspection.code).where(Inspection.id == row.inspection_id)
        ).scalar_one()
        if row.inspection_id
        else None
    )
    domain = to_domain(row)
    day = today or hazards.local_date(utcnow())
    listing = None
    if domain.listing is not None:
        listing = {
            "department": domain.listing.department,
            "deadline": domain.listing.deadline,
            "published": domain.listing.published,
            "listed_at": domain.listing.listed_at,
            "delisted_at": domain.delisted_at,
        }
    return {
        "id": row.id,
        "code": row.code,
        "unit_code": unit_code,
        "jurisdiction_code": jcode,
        "inspection_code": inspection_code,
        "description": row.description,
        "is_major": row.is_major,
        "state": domain.state,
        "state_zh": domain.state.zh,
        "found_at": row.found_at,
        "deadline": row.deadline,
        "overdue": domain.is_overdue(day),
        "self_found": domain.self_found,
        "recheck_due": domain.recheck_due,
        "recheck_days_left": domain.recheck_days_left(day),
        "recheck_late": domain.recheck_late(day),
        "listing": listing,
        "evidence": [attachments.public(a) for a in evidence(session, row.id)],
        "history": [
            {
                "event": e.event,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": e.at,
                "by": e.by,
                "detail": e.detail,
            }
            for e in history(session, row.id)
        ],
    }
