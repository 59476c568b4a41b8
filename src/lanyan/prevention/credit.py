"""Credit (信用): penalty and reward records per unit, a score, the blacklist with its joint
punishments (联合惩戒), and repair (信用修复) after rectification.

The score of a unit is ``BASE_SCORE`` plus the points of its records not repaired (penalties
count negative, rewards positive), held within 0–100. A unit is *credit-listed* — weighed up in
the 双随机 draw and the risk score — when it is on the blacklist or its score is below
``LISTED_BELOW``. :func:`credit_summary` is the one read other code uses.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.prevention import lookup
from lanyan.prevention.choices import CreditKind, HazardState, JointPunishment
from lanyan.prevention.models.inspections import BlacklistEntry, CreditRecord, Hazard
from lanyan.prevention.schemas.records import (
    BlacklistCreate,
    BlacklistRemove,
    CreditRecordCreate,
    CreditRepair,
)
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found

SLUG = "credit"
BASE_SCORE = 90
MAX_SCORE = 100
LISTED_BELOW = 60
# 查岗 results into credit (this platform's rule, not a standard's): every
# ``MISSED_CHECKS_PER_PENALTY`` remote duty checks a unit's control room missed within
# ``MISSED_CHECKS_DAYS`` days is one 失信 record of ``MISSED_CHECKS_POINTS`` points.
MISSED_CHECKS_PER_PENALTY = 3
MISSED_CHECKS_DAYS = 90
MISSED_CHECKS_POINTS = 5
DUTY_CHECKS_SOURCE = "duty_checks"
# A unit asks for repair only when every hazard of it is in one of these states.
RECTIFIED = frozenset({HazardState.RECHECK_PASSED.value, HazardState.CLOSED.value})


@dataclass(frozen=True)
class CreditStanding:
    """A unit's credit as other domains read it (the risk score, the random draw)."""

    score: int
    blacklisted: bool
    measures: tuple[str, ...] = field(default=())

    @property
    def listed(self) -> bool:
        """Credit-listed (信用监管名单): blacklisted or scoring below ``LISTED_BELOW``."""
        return self.blacklisted or self.score < LISTED_BELOW


def score_of(points: Iterable[int]) -> int:
    return max(0, min(MAX_SCORE, BASE_SCORE + sum(points)))


def credit_summary(session: Session, unit_ids: Iterable[int]) -> dict[int, CreditStanding]:
    """Score, blacklist flag and joint-punishment measures of each unit in ``unit_ids``
    (units with no record score ``BASE_SCORE``)."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    sums: dict[int, int] = {}
    measures: dict[int, set[str]] = {}
    for chunk in (ids[i : i + 900] for i in range(0, len(ids), 900)):
        for unit_id, total in session.execute(
            select(CreditRecord.unit_id, func.sum(CreditRecord.points))
            .where(CreditRecord.unit_id.in_(chunk), CreditRecord.repaired_on.is_(None))
            .group_by(CreditRecord.unit_id)
        ):
            sums[unit_id] = int(total or 0)
        for unit_id, listed in session.execute(
            select(BlacklistEntry.unit_id, BlacklistEntry.measures).where(
                BlacklistEntry.unit_id.in_(chunk), BlacklistEntry.removed_on.is_(None)
            )
        ):
            measures.setdefault(unit_id, set()).update(listed)
    return {
        uid: CreditStanding(
            score_of([sums.get(uid, 0)]),
            uid in measures,
            tuple(sorted(measures.get(uid, ()))),
        )
        for uid in ids
    }


def listed_unit_codes(session: Session, unit_ids: Iterable[int]) -> set[str]:
    """Codes of the credit-listed units among ``unit_ids`` (for the random draw)."""
    standing = credit_summary(session, unit_ids)
    listed = [uid for uid, s in standing.items() if s.listed]
    if not listed:
        return set()
    return set(session.execute(select(Unit.code).where(Unit.id.in_(listed))).scalars())


def add_record(
    session: Session,
    actor: Actor,
    unit: Unit,
    kind: CreditKind,
    points: int,
    reason: str,
    recorded_on: date,
    source: tuple[str, int] | None = None,
) -> CreditRecord:
    """Write a penalty (``points`` taken off) or a reward (added), audited (lock held)."""
    if points <= 0:
        raise ValidationFailed(
            "credit points must be positive", [FieldProblem("points", "must be at least 1")]
        )
    row = CreditRecord(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        kind=kind.value,
        points=-points if kind is CreditKind.PENALTY else points,
        reason=reason,
        source_type=source[0] if source else "",
        source_id=source[1] if source else None,
        recorded_on=recorded_on,
    )
    session.add(row)
    session.flush()
    lookup.record_created(session, actor, SLUG, row, unit)
    return row


def create_record(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: CreditRecordCreate,
) -> CreditRecord:
    audit.begin_write(session)
    unit = lookup.unit(session, scope, payload.unit_code)
    return add_record(
        session,
        actor,
        unit,
        payload.kind,
        payload.points,
        payload.reason,
        payload.recorded_on or lookup.today(),
        None,
    )


def get_record(session: Session, scope: Scope, record_id: int, lock: bool = False) -> CreditRecord:
    stmt = select(CreditRecord).where(
        CreditRecord.id == record_id,
        scope.within(CreditRecord.jurisdiction_id),
        scope.units.within(CreditRecord.unit_id),
    )
    return one_or_not_found(
        session,
        stmt,
        f"credit record {record_id} does not exist or is outside your jurisdiction",
        lock,
    )


def repair(
    session: Session,
    actor: Actor,
    scope: Scope,
    record_id: int,
    payload: CreditRepair,
) -> CreditRecord:
    """信用修复 of a penalty: the unit must have rectified — a later inspection of the unit is
    named, and every hazard of the unit is rectified (复查通过 or 销案)."""
    audit.begin_write(session)
    row = get_record(session, scope, record_id, lock=True)
    if row.kind != CreditKind.PENALTY.value:
        raise Conflict(
            "only a penalty is repaired", [FieldProblem("record", "must be a penalty record")]
        )
    if row.repaired_on is not None:
        raise Conflict(
            f"credit record {row.id} was already repaired on {row.repaired_on}",
            [FieldProblem("record", "is already repaired")],
        )
    inspection = lookup.inspection(
        session, scope, payload.inspection_code, "inspection_code", row.unit_id
    )
    problems = []
    if lookup.local_day(inspection.inspected_at) < row.recorded_on:
        problems.append(
            FieldProblem("inspection_code", f"must be an inspection on or after {row.recorded_on}")
        )
    repaired_on = payload.repaired_on or lookup.today()
    if repaired_on < row.recorded_on:
        problems.append(FieldProblem("repaired_on", f"must not be before {row.recorded_on}"))
    open_hazards = session.execute(
        select(Hazard.code).where(
            Hazard.unit_id == row.unit_id,
            Hazard.state.not_in(RECTIFIED),
        )
    ).scalars()
    still_open = sorted(open_hazards)
    if still_open:
        problems.append(
            FieldProblem(
                "record", f"the unit has hazards not yet rectified: {', '.join(still_open)}"
            )
        )
    if problems:
        raise ValidationFailed("the credit record cannot be repaired yet", problems)
    before = lookup.snapshot(row)
    row.repaired_on = repaired_on
    row.repair_note = f"{payload.note} (复查 {inspection.code})"
    session.flush()
    audit.record(
        session,
        actor,
        "repair",
        SLUG,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def blacklist(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: BlacklistCreate,
) -> BlacklistEntry:
    """Put a unit on the blacklist (失信黑名单) with its 联合惩戒 measures."""
    audit.begin_write(session)
    unit = lookup.unit(session, scope, payload.unit_code)
    on_list = session.execute(
        select(BlacklistEntry.id).where(
            BlacklistEntry.unit_id == unit.id, BlacklistEntry.removed_on.is_(None)
        )
    ).first()
    if on_list:
        raise Conflict(
            f"unit {unit.code} is already on the blacklist",
            [FieldProblem("unit_code", "one open blacklist entry per unit")],
        )
    row = BlacklistEntry(
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        reason=payload.reason,
        decision_no=payload.decision_no,
        listed_on=payload.listed_on or lookup.today(),
        measures=sorted({m.value for m in payload.measures}),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "blacklist",
        SLUG,
        f"blacklist-{row.id}",
        None,
        lookup.snapshot(row) | {"unit_code": unit.code},
        scope_path=row_path(session, row),
    )
    return row


def remove_from_blacklist(
    session: Session,
    actor: Actor,
    scope: Scope,
    entry_id: int,
    payload: BlacklistRemove,
) -> BlacklistEntry:
    audit.begin_write(session)
    row = session.execute(
        select(BlacklistEntry)
        .where(BlacklistEntry.id == entry_id, scope.within(BlacklistEntry.jurisdiction_id))
        .with_for_update()
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"blacklist entry {entry_id} does not exist or is outside your jurisdiction")
    if row.removed_on is not None:
        raise Conflict(
            f"blacklist entry {entry_id} was already removed on {row.removed_on}",
            [FieldProblem("entry", "is already removed")],
        )
    removed_on = payload.removed_on or lookup.today()
    if removed_on < row.listed_on:
        raise ValidationFailed(
            "a unit cannot leave the blacklist before it was put on it",
            [FieldProblem("removed_on", f"must not be before {row.listed_on}")],
        )
    before = lookup.snapshot(row)
    row.removed_on = removed_on
    row.removal_note = payload.note
    session.flush()
    audit.record(
        session,
        actor,
        "unblacklist",
        SLUG,
        f"blacklist-{row.id}",
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def record_public(row: CreditRecord, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "kind": row.kind,
        "points": row.points,
        "reason": row.reason,
        "source_type": row.source_type,
        "source_id": row.source_id,
        "recorded_on": row.recorded_on,
        "repaired_on": row.repaired_on,
        "repair_note": row.repair_note,
    }


def blacklist_public(row: BlacklistEntry, unit_code: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "unit_code": unit_code,
        "reason": row.reason,
        "decision_no": row.decision_no,
        "listed_on": row.listed_on,
        "measures": [JointPunishment(m) for m in row.measures],
        "removed_on": row.removed_on,
        "removal_note": row.removal_note,
    }


def standing_public(session: Session, scope: Scope, unit_code: str) -> dict[str, Any]:
    """A unit's whole credit file: score, flags, records and blacklist entries."""
    unit = lookup.unit(session, scope, unit_code)
    standing = credit_summary(session, [unit.id])[unit.id]
    records = session.execute(
        select(CreditRecord).where(CreditRecord.unit_id == unit.id).order_by(CreditRecord.id)
    ).scalars()
    entries = session.execute(
        select(BlacklistEntry).where(BlacklistEntry.unit_id == unit.id).order_by(BlacklistEntry.id)
    ).scalars()
    return {
        "unit_code": unit.code,
        "score": standing.score,
        "blacklisted": standing.blacklisted,
        "listed": standing.listed,
        "measures": list(standing.measures),
        "records": [record_public(r, unit.code) for r in records],
        "blacklist": [blacklist_public(e, unit.code) for e in entries],
    }


def list_blacklist(
    session: Session, scope: Scope, current: bool = True
) -> list[tuple[BlacklistEntry, str]]:
    """Blacklist entries inside ``scope`` (only those in force when ``current``)."""
    stmt = (
        select(BlacklistEntry, Unit.code)
        .join(Unit, Unit.id == BlacklistEntry.unit_id)
        .where(
            scope.within(BlacklistEntry.jurisdiction_id), scope.units.within(BlacklistEntry.unit_id)
        )
        .order_by(BlacklistEntry.listed_on.desc(), BlacklistEntry.id.desc())
    )
    if current:
        stmt = stmt.where(BlacklistEntry.removed_on.is_(None))
    return [(e, c) for e, c in session.execute(stmt).all()]


def of_unit(session: Session, step: str, row_id: int, unit_code: str) -> bool:
    """Whether credit record (``step`` "repair") or blacklist entry ``row_id`` is the unit's."""
    model = CreditRecord if step == "repair" else BlacklistEntry
    found = session.execute(
        select(model.id)
        .join(Unit, Unit.id == model.unit_id)
        .where(model.id == row_id, Unit.code == unit_code)
    ).first()
    return found is not None


def penalise_missed_duty_checks(
    session: Session, actor: Actor, missed: dict[int, tuple[int, int]], today: date
) -> list[CreditRecord]:
    """Apply the 查岗 rule to units' missed checks in the last ``MISSED_CHECKS_DAYS`` days,
    given as unit id → (count, id of the latest missed check): one 失信 record per full
    ``MISSED_CHECKS_PER_PENALTY`` missed, less the records this rule already wrote within the
    window (so calling it again adds nothing). The caller holds the audit lock."""
    since = date.fromordinal(today.toordinal() - MISSED_CHECKS_DAYS)
    if not missed:
        return []
    written = dict(
        session.execute(
            select(CreditRecord.unit_id, func.count())
            .where(
                CreditRecord.unit_id.in_(list(missed)),
                CreditRecord.source_type == DUTY_CHECKS_SOURCE,
                CreditRecord.recorded_on > since,
            )
            .group_by(CreditRecord.unit_id)
        ).all()
    )
    out = []
    for unit_id, (count, latest) in sorted(missed.items()):
        due = count // MISSED_CHECKS_PER_PENALTY - int(written.get(unit_id, 0))
        if due <= 0:
            continue
        unit = session.get(Unit, unit_id)
        if unit is None:
            continue
        reason = (
            f"{MISSED_CHECKS_DAYS}日内远程查岗未应答{count}次"
            f"（每{MISSED_CHECKS_PER_PENALTY}次记失信一次，平台规则）"
        )
        for _ in range(due):
            out.append(
                add_record(
                    session,
                    actor,
                    unit,
                    CreditKind.PENALTY,
                    MISSED_CHECKS_POINTS,
                    reason,
                    today,
                    (DUTY_CHECKS_SOURCE, latest),
                )
            )
    return out
