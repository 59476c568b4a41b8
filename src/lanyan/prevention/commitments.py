"""告知承诺: a public-gathering place (公众聚集场所) opens on its manager's commitment, and an
inspection of kind 告知承诺核查 checks it later (消防法第十五条). A commitment found false writes a
credit penalty in the same transaction (消防法第五十八条第一款第四项 is the enforcement basis)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.prevention import credit, lookup
from lanyan.prevention.choices import CommitmentState, CreditKind, InspectionKind
from lanyan.prevention.models.inspections import Commitment, Inspection
from lanyan.prevention.schemas.records import CommitmentCheck, CommitmentCreate
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "commitments"
CHECK_SLUG = "commitment-checks"


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(Commitment.jurisdiction_id) & scope.units.within(Commitment.unit_id)


def submit(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: CommitmentCreate,
) -> Commitment:
    """A unit manager submits the commitment (承诺) of a place about to open."""
    audit.begin_write(session)
    unit = lookup.unit(session, scope, payload.unit_code)
    now = utcnow()
    row = Commitment(
        code=lookup.temporary_code(),
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        venue=payload.venue,
        address=payload.address,
        floor_area_m2=payload.floor_area_m2,
        opens_on=payload.opens_on,
        statements=payload.statements,
        state=CommitmentState.SUBMITTED.value,
        submitted_by=actor.username,
        submitted_at=now,
    )
    session.add(row)
    session.flush()
    row.code = lookup.dated_code("CN", now, row.id)
    session.flush()
    lookup.record_created(session, actor, SLUG, row, unit)
    return row


def get_commitment(
    session: Session, scope: Scope, commitment_id: int, lock: bool = False
) -> Commitment:
    stmt = select(Commitment).where(Commitment.id == commitment_id, in_scope(scope))
    return one_or_not_found(
        session,
        stmt,
        f"commitment {commitment_id} does not exist or is outside your jurisdiction",
        lock,
    )


def check(
    session: Session,
    actor: Actor,
    scope: Scope,
    commitment_id: int,
    payload: CommitmentCheck,
) -> Commitment:
    """告知承诺核查: record what the inspection found; a false commitment costs credit."""
    audit.begin_write(session)
    row = get_commitment(session, scope, commitment_id, lock=True)
    if row.state != CommitmentState.SUBMITTED.value:
        state = CommitmentState(row.state)
        raise Conflict(
            f"commitment {row.code} was already checked ({state.zh}, {state.value})",
            [FieldProblem("commitment", f"check is not allowed in state {state.value}")],
        )
    inspection = lookup.inspection(
        session, scope, payload.inspection_code, "inspection_code", row.unit_id
    )
    problems = []
    if inspection.kind != InspectionKind.COMMITMENT.value:
        problems.append(
            FieldProblem(
                "inspection_code",
                f"must be an inspection of kind {InspectionKind.COMMITMENT.value} (告知承诺核查)",
            )
        )
    if inspection.inspected_at < row.submitted_at:
        problems.append(
            FieldProblem("inspection_code", "must be an inspection after the commitment")
        )
    if problems:
        raise ValidationFailed("the inspection cannot check this commitment", problems)
    before = lookup.snapshot(row)
    row.state = (CommitmentState.CONFIRMED if payload.truthful else CommitmentState.FALSE).value
    row.inspection_id = inspection.id
    row.checked_at = inspection.inspected_at
    row.check_note = payload.note
    session.flush()
    audit.record(
        session,
        actor,
        "check",
        SLUG,
        row.id,
        before,
        lookup.snapshot(row) | {"inspection_code": inspection.code},
        scope_path=row_path(session, row),
    )
    if not payload.truthful:
        unit = session.get(Unit, row.unit_id)
        assert unit is not None
        credit.add_record(
            session,
            actor,
            unit,
            CreditKind.PENALTY,
            payload.penalty_points,
            f"虚假告知承诺 {row.code}（{row.venue}）：{payload.note}".rstrip("："),
            lookup.local_day(inspection.inspected_at),
            (SLUG, row.id),
        )
    return row


def list_commitments(
    session: Session,
    scope: Scope,
    state: CommitmentState | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Commitment], int]:
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if state is not None:
        where.append(Commitment.state == state.value)
    return paginate(
        session,
        select(Commitment)
        .where(*where)
        .order_by(Commitment.submitted_at.desc(), Commitment.id.desc()),
        page,
        size,
    )


def public(session: Session, row: Commitment) -> dict[str, Any]:
    state = CommitmentState(row.state)
    return {
        "id": row.id,
        "code": row.code,
        "unit_code": lookup.code_of(session, Unit, row.unit_id),
        "jurisdiction_code": lookup.code_of(session, Jurisdiction, row.jurisdiction_id),
        "venue": row.venue,
        "address": row.address,
        "floor_area_m2": row.floor_area_m2,
        "opens_on": row.opens_on,
        "statements": row.statements,
        "state": state,
        "state_zh": state.zh,
        "submitted_by": row.submitted_by,
        "submitted_at": row.submitted_at,
        "inspection_code": lookup.code_of(session, Inspection, row.inspection_id),
        "checked_at": row.checked_at,
        "check_note": row.check_note,
    }
