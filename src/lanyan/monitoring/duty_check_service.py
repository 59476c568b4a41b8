"""Remote duty checks (查岗): the centre sends a round to one unit or to a random sample of
the units in its scope; each unit's control room answers on its duty page; the housekeeping
marks the unanswered ones missed. The states follow ``duty_checks`` (the pure rule); the
results per unit feed the unit's risk (``risk.features``: missed checks in 90 days).

The sample is drawn with ``random.Random(seed)`` over the units in scope ordered by id, the
seed taken from ``secrets`` and kept on the round, so anyone can re-draw and verify it."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, insert, select, update
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local
from lanyan.monitoring import duty_checks
from lanyan.monitoring.choices import CheckState
from lanyan.monitoring.duty_checks import DutyCheck as CheckRule
from lanyan.monitoring.duty_service import unit_in_scope
from lanyan.monitoring.models import DutyCheck, DutyCheckRound
from lanyan.prevention import credit
from lanyan.registry.models import Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import SYSTEM, Actor
from lanyan.store.paging import paginate

SLUG = "duty-checks"  # the centre's side; a control room answers under ``duty``
PAGE, DEVICE = "page", "device"  # how a check was answered (``answered_via``)
MAX_SAMPLE = 10_000


def _rule(row: DutyCheck) -> CheckRule:
    return CheckRule(
        row.id,
        row.sent_at,
        row.deadline,
        CheckState(row.state),
        row.answered_at,
        row.answered_by,
    )


def round_public(row: DutyCheckRound) -> dict[str, Any]:
    return {
        "id": row.id,
        "started_by": row.started_by,
        "started_at": row.started_at,
        "answer_within_minutes": row.answer_within_minutes,
        "sample_size": row.sample_size,
        "seed": row.seed,
        "units": row.units,
    }


def draw(unit_ids: list[int], size: int, seed: str) -> list[int]:
    """The sample of ``size`` unit ids drawn with ``seed`` (ids sorted first)."""
    ordered = sorted(unit_ids)
    return sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))


def start_round(
    session: Session,
    actor: Actor,
    scope: Scope,
    now: datetime,
    answer_within_minutes: int = duty_checks.DEFAULT_ANSWER_MINUTES,
    unit_code: str | None = None,
    sample_size: int | None = None,
    seed: str | None = None,
) -> DutyCheckRound:
    """Send a 查岗 to ``unit_code``, or to ``sample_size`` units drawn at random from the
    units in the caller's scope (all of them when there are fewer)."""
    if (unit_code is None) == (sample_size is None):
        raise ValidationFailed(
            "name one unit or a sample size, not both",
            [FieldProblem("unit_code", "give unit_code or sample_size")],
        )
    if sample_size is not None and not 1 <= sample_size <= MAX_SAMPLE:
        raise ValidationFailed(
            "the sample size is 1 to 10,000 units",
            [FieldProblem("sample_size", f"must be between 1 and {MAX_SAMPLE}")],
        )
    minutes = answer_within_minutes
    duty_checks.check_minutes(minutes)
    audit.begin_write(session)
    if unit_code is not None:
        unit = unit_in_scope(session, scope, unit_code)
        chosen = [(unit.id, unit.jurisdiction_id)]
        seed = None
    else:
        assert sample_size is not None
        pool = dict(
            session.execute(
                select(Unit.id, Unit.jurisdiction_id).where(
                    scope.within(Unit.jurisdiction_id), scope.units.within(Unit.id)
                )
            ).all()
        )
        seed = seed or secrets.token_hex(16)
        chosen = [(uid, pool[uid]) for uid in draw(list(pool), sample_size, seed)]
    if not chosen:
        raise ValidationFailed(
            "there is no unit in your scope to check", [FieldProblem("sample_size", "no units")]
        )
    row = DutyCheckRound(
        started_by=actor.username,
        started_at=now,
        answer_within_minutes=minutes,
        sample_size=sample_size,
        seed=seed,
        units=len(chosen),
    )
    session.add(row)
    session.flush()
    sent = CheckRule.send(None, now, minutes)
    values = [
        {
            "round_id": row.id,
            "unit_id": uid,
            "jurisdiction_id": jid,
            "sent_at": now,
            "deadline": sent.deadline,
            "missed_at": sent.missed_line,
            "state": CheckState.PENDING.value,
        }
        for uid, jid in chosen
    ]
    session.execute(insert(DutyCheck), values)
    audit.record(session, actor, "duty_check_round", SLUG, row.id, None, round_public(row))
    return row


def check_public(row: DutyCheck, unit_code: str, unit_name: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "round_id": row.round_id,
        "unit_code": unit_code,
        "unit_name": unit_name,
        "sent_at": row.sent_at,
        "deadline": row.deadline,
        "missed_at": row.missed_at,
        "state": row.state,
        "answered_at": row.answered_at,
        "answered_by": row.answered_by,
        "answered_via": row.answered_via,
        "device_sent_at": row.device_sent_at,
        "seconds": (row.answered_at - row.sent_at).total_seconds() if row.answered_at else None,
    }


def _checks(scope: Scope) -> Any:
    return (
        select(DutyCheck, Unit.code, Unit.name)
        .join(Unit, Unit.id == DutyCheck.unit_id)
        .where(scope.within(DutyCheck.jurisdiction_id), scope.units.within(DutyCheck.unit_id))
    )


def checks(
    session: Session,
    scope: Scope,
    page: int,
    size: int,
    round_id: int | None = None,
    state: CheckState | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Checks in scope, latest first (by round, then unit code), paged in SQL."""
    stmt = _checks(scope)
    if round_id is not None:
        stmt = stmt.where(DutyCheck.round_id == round_id)
    if state is not None:
        stmt = stmt.where(DutyCheck.state == state.value)
    rows, total = paginate(
        session, stmt.order_by(DutyCheck.sent_at.desc(), Unit.code, DutyCheck.id), page, size
    )
    return [check_public(r, code, name) for r, code, name in rows], total


def pending(session: Session, scope: Scope, now: datetime) -> list[dict[str, Any]]:
    """The pending checks of the caller's units not yet past their missed line: what the
    control room's page shows first (a control room has a handful of units, so no paging)."""
    rows = session.execute(
        _checks(scope)
        .where(DutyCheck.state == CheckState.PENDING.value, DutyCheck.missed_at >= now)
        .order_by(DutyCheck.deadline, DutyCheck.id)
        .limit(100)
    ).all()
    return [check_public(r, code, name) for r, code, name in rows]


def answer(
    session: Session, actor: Actor, scope: Scope, check_id: int, now: datetime
) -> dict[str, Any]:
    """The control room answers a check of one of its units: answered or late; refused (409)
    once it is missed or already answered."""
    audit.begin_write(session)
    found = session.execute(
        _checks(scope).where(DutyCheck.id == check_id).with_for_update(of=DutyCheck)
    ).first()
    if found is None:
        raise NotFound(f"duty check {check_id} does not exist or is not one of your units'")
    row, code, name = found
    rule = _rule(row)
    before = check_public(row, code, name)
    rule.answer(actor.username, now)
    row.state, row.answered_at, row.answered_by, row.answered_via = (
        rule.state.value,
        rule.answered_at,
        rule.answered_by,
        PAGE,
    )
    session.flush()
    after = check_public(row, code, name)
    audit.record(
        session, actor, "answer", SLUG, row.id, before, after, scope_path=row_path(session, row)
    )
    return after


def mark_missed(session: Session, now: datetime, chunk: int = 5000) -> int:
    """Housekeeping: pending checks past their missed line become missed (at most ``chunk``
    per call, in the caller's transaction); how many did. One UPDATE with the condition of
    ``duty_checks.DutyCheck.expire`` (``now`` past ``missed_at``), not a load per row."""
    return len(mark_missed_units(session, now, chunk))


def mark_missed_units(session: Session, now: datetime, chunk: int = 5000) -> list[int]:
    """``mark_missed``, returning the unit of each check it marked."""
    rows = session.execute(
        select(DutyCheck.id, DutyCheck.unit_id)
        .where(DutyCheck.state == CheckState.PENDING.value, DutyCheck.missed_at < now)
        .order_by(DutyCheck.id)
        .limit(chunk)
    ).all()
    if not rows:
        return []
    session.execute(
        update(DutyCheck)
        .where(DutyCheck.id.in_([r[0] for r in rows]), DutyCheck.state == CheckState.PENDING.value)
        .values(state=CheckState.MISSED.value)
    )
    return [int(r[1]) for r in rows]


def credit_missed(session: Session, unit_ids: list[int], now: datetime) -> int:
    """Feed the units' missed checks of the last 90 days to their credit
    (``credit.penalise_missed_duty_checks``: every 3 missed is one 失信 record); how many
    records it wrote."""
    units = sorted(set(unit_ids))
    if not units:
        return 0
    since = now - timedelta(days=credit.MISSED_CHECKS_DAYS)
    missed: dict[int, tuple[int, int]] = {}
    for at in range(0, len(units), 500):
        for unit_id, count, latest in session.execute(
            select(DutyCheck.unit_id, func.count(), func.max(DutyCheck.id))
            .where(
                DutyCheck.unit_id.in_(units[at : at + 500]),
                DutyCheck.state == CheckState.MISSED.value,
                DutyCheck.sent_at >= since,
            )
            .group_by(DutyCheck.unit_id)
        ):
            missed[int(unit_id)] = (int(count), int(latest))
    audit.begin_write(session)
    return len(credit.penalise_missed_duty_checks(session, SYSTEM, missed, to_local(now).date()))


def round_report(session: Session, scope: Scope, round_id: int) -> dict[str, Any]:
    """One round and how many of its checks (in scope) are in each state, counted in SQL."""
    row = session.get(DutyCheckRound, round_id)
    if row is None:
        raise NotFound(f"duty-check round {round_id} does not exist")
    counts = dict.fromkeys((s.value for s in CheckState), 0)
    for state, n in session.execute(
        select(DutyCheck.state, func.count())
        .where(
            DutyCheck.round_id == round_id,
            scope.within(DutyCheck.jurisdiction_id),
            scope.units.within(DutyCheck.unit_id),
        )
        .group_by(DutyCheck.state)
    ):
        counts[state] = int(n)
    return {**round_public(row), "counts": counts}


def rounds(
    session: Session, scope: Scope, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """The rounds with a check in the caller's scope, latest first, paged in SQL."""
    rows, total = paginate(
        session,
        select(DutyCheckRound)
        .where(
            exists().where(
                DutyCheck.round_id == DutyCheckRound.id,
                scope.within(DutyCheck.jurisdiction_id),
                scope.units.within(DutyCheck.unit_id),
            )
        )
        .order_by(DutyCheckRound.started_at.desc(), DutyCheckRound.id.desc()),
        page,
        size,
    )
    return [round_public(r) for r in rows], total


# --- GB/T 26875.3 type 91: the same checks sent down a device's link ------------------------


def unsent_to_devices(session: Session, now: datetime, limit: int = 10_000) -> list[DutyCheck]:
    """Pending checks not yet sent to any device and not past their missed line: what a
    gateway offers to the devices it holds (uses the state/missed_at index)."""
    return list(
        session.scalars(
            select(DutyCheck)
            .where(
                DutyCheck.state == CheckState.PENDING.value,
                DutyCheck.missed_at > now,
                DutyCheck.device_sent_at.is_(None),
            )
            .order_by(DutyCheck.id)
            .limit(limit)
        )
    )


def answer_minutes(row: DutyCheck) -> int:
    """The check's answer time in whole minutes, as type 91 carries it (1–255)."""
    minutes = int((row.deadline - row.sent_at).total_seconds() // 60)
    return max(1, min(duty_checks.MAX_ANSWER_MINUTES, minutes))


def mark_sent_to_devices(session: Session, check_ids: list[int], now: datetime) -> list[int]:
    """Claim checks for sending (only those nobody claimed yet, so two gateway processes
    never both send one); returns the ids this caller claimed."""
    claimed: list[int] = []
    for at in range(0, len(check_ids), 500):
        chunk = check_ids[at : at + 500]
        result = session.execute(
            update(DutyCheck)
            .where(DutyCheck.id.in_(chunk), DutyCheck.device_sent_at.is_(None))
            .values(device_sent_at=now)
            .returning(DutyCheck.id)
        )
        claimed += [int(i) for i in result.scalars()]
    return claimed


def answer_from_devices(session: Session, answers: list[tuple[int, str, datetime]]) -> int:
    """A UITD's operation record with bit 5 查岗应答 (type 24) answers the pending checks of
    its unit that were sent down a device link; (unit id, device address, received at).
    Answered or late by the same rule as the page's answer; an answer past the missed line
    is ignored (the check is missed). How many checks it answered."""
    done = 0
    audit.begin_write(session)
    for unit_id, source, at in answers:
        rows = session.scalars(
            select(DutyCheck)
            .where(
                DutyCheck.unit_id == unit_id,
                DutyCheck.state == CheckState.PENDING.value,
                DutyCheck.device_sent_at.is_not(None),
            )
            .with_for_update()
        ).all()
        for row in rows:
            rule = _rule(row)
            if at > rule.missed_line:
                continue
            before = {"state": row.state}
            rule.answer(f"UITD {source}"[:64], at)
            row.state, row.answered_at, row.answered_by, row.answered_via = (
                rule.state.value,
                rule.answered_at,
                rule.answered_by,
                DEVICE,
            )
            audit.record(
                session,
                SYSTEM,
                "answer",
                SLUG,
                row.id,
                before,
                {"state": row.state, "answered_by": row.answered_by, "answered_via": DEVICE},
                scope_path=row_path(session, row),
            )
            done += 1
    if done:
        session.flush()
    return done
