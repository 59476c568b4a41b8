"""Draw service: freeze a jurisdiction's pool and inspectors, announce, draw, verify; audited.

Commit–reveal (issue #20): planning a draw generates its seed on the server (``secrets``), holds
it unpublished, and publishes at once the seed's SHA-256, the unit list digest, the weights, the
sample size and ``run_after`` — the earliest time the draw may run (``draw_delay_hours`` later).
The draw then runs only once that time has come, with the held seed, and reveals it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import local_text, to_local, utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.prevention import credit, draw
from lanyan.prevention.choices import DrawOutcome
from lanyan.prevention.inspections import valid_certificate
from lanyan.prevention.models.inspections import (
    Draw,
    EnforcementAction,
    Hazard,
    Inspection,
    InspectionInspector,
    Recusal,
)
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.risk import public as risk_public
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "draws"
HIGH_RISK_CATEGORIES = frozenset({UnitCategory.HIGH_RISK.value})


def _jurisdiction(session: Session, scope: Scope, code: str) -> Jurisdiction:
    row = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == code)
    ).scalar_one_or_none()
    if row is None or not scope.contains(session, row.id):
        raise ValidationFailed(
            f"jurisdiction {code} does not exist or is outside your jurisdiction",
            [FieldProblem("jurisdiction", f"no jurisdiction {code} inside your jurisdiction")],
        )
    return row


def build_input(
    session: Session,
    place: Jurisdiction,
    rates: draw.Rates,
    on: date,
    credit_listed: Iterable[str] = (),
    high_risk_categories: Iterable[str] = HIGH_RISK_CATEGORIES,
    sample_size: int = 0,
) -> dict[str, Any]:
    """The draw input: every unit and every inspector certified on ``on`` inside ``place``.

    A unit is credit-listed when :func:`credit.credit_summary` says so (blacklisted or a low
    score) or its code is in ``credit_listed`` (a list from outside, e.g. the city's platform).
    Each unit carries its risk grade (I–IV) from the latest risk snapshot on or before ``on``,
    which ``rates.grade_rates`` turns into a higher sampling rate."""
    inside = select(Jurisdiction.id).where(Jurisdiction.path.startswith(place.path))
    units = session.execute(
        select(Unit.id, Unit.code, Unit.category).where(Unit.jurisdiction_id.in_(inside))
    ).all()
    listed = set(credit_listed) | credit.listed_unit_codes(session, [uid for uid, _, _ in units])
    risky = set(high_risk_categories)
    grades = risk_grades(session, place, on)
    pool = [
        draw.PoolUnit(code, cat in risky, code in listed, grades.get(code))
        for _, code, cat in units
    ]
    users = session.execute(
        select(User).where(User.jurisdiction_id.in_(inside), User.is_active.is_(True))
    ).scalars()
    inspectors = {u.id: u.username for u in users if valid_certificate(session, u.id, on)}
    unit_codes = {uid: code for uid, code, _ in units}
    recusals = [
        (inspectors[uid], unit_codes[unit_id])
        for uid, unit_id in session.execute(select(Recusal.user_id, Recusal.unit_id))
        if uid in inspectors and unit_id in unit_codes
    ]
    return draw.draw_input(
        pool, list(inspectors.values()), rates, recusals, sample_size=sample_size
    )


def risk_grades(session: Session, place: Jurisdiction, on: date) -> dict[str, str]:
    """Unit code → risk grade (I–IV) of the latest snapshot on or before ``on`` in ``place``."""
    return risk_public.unit_grades_on(session, Scope(place.path), on)


def announce(
    session: Session,
    actor: Actor,
    scope: Scope,
    jurisdiction_code: str,
    seed: str | None = None,
    rates: draw.Rates | None = None,
    credit_listed: Iterable[str] = (),
    high_risk_categories: Iterable[str] = HIGH_RISK_CATEGORIES,
    *,
    sample_size: int = 0,
    delay: timedelta = timedelta(0),
    now: datetime | None = None,
) -> Draw:
    """公示 (commit): freeze the input, publish its hashes and the seed's, and the earliest run
    time ``now + delay``. ``seed`` None: a fresh one from ``secrets``, held unpublished until
    the draw runs (callers let a person choose it only outside production)."""
    audit.begin_write(session)
    place = _jurisdiction(session, scope, jurisdiction_code)
    now = now or utcnow()
    local = to_local(now)
    assert local is not None
    secret = seed if seed is not None else draw.new_seed()
    if not secret:
        raise ValidationFailed("the seed is empty", [FieldProblem("seed", "must not be empty")])
    input_ = build_input(
        session,
        place,
        rates or draw.Rates(),
        local.date(),
        credit_listed,
        high_risk_categories,
        sample_size,
    )
    run_after = now + delay
    row = Draw(
        code=f"tmp-{now.timestamp()}",
        jurisdiction_id=place.id,
        seed_sha256=draw.sha256_hex(secret),
        record={},
        announced_at=now,
        run_after=run_after,
        secret_seed=secret,
    )
    session.add(row)
    session.flush()
    row.code = f"SJ{local:%Y%m%d}{row.id:04d}"  # unique because the id is
    row.record = draw.announce(
        input_,
        secret,
        code=row.code,
        jurisdiction=place.code,
        announced_at=now.isoformat(),
        run_after=run_after.isoformat(),
    )
    session.flush()
    audit.record(
        session,
        actor,
        "announce",
        SLUG,
        row.code,
        None,
        {k: v for k, v in row.record.items() if k != "input"},
        scope_path=row_path(session, row),
    )
    exchange.emit(
        session,
        EventType.DRAW_PUBLISHED,
        {k: v for k, v in row.record.items() if k != "input"} | {"stage": "committed"},
        now,
    )
    return row


def get_draw(session: Session, code: str, lock: bool = False) -> Draw:
    stmt = select(Draw).where(Draw.code == code)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"draw {code} does not exist")
    return row


def perform(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    seed: str | None = None,
    now: datetime | None = None,
) -> Draw:
    """Run an announced draw once its ``run_after`` has come, with the seed held since it was
    planned (a ``seed`` given must match the published hash), and reveal the seed."""
    audit.begin_write(session)
    row = get_draw(session, code, lock=True)
    if not scope.contains(session, row.jurisdiction_id):
        raise NotFound(f"draw {code} does not exist or is outside your jurisdiction")
    now = now or utcnow()
    if row.run_after is not None and now < row.run_after:
        raise Conflict(
            f"draw {code} may not run before {local_text(row.run_after)} (Beijing time)",
            [FieldProblem("run_after", "a draw runs only after its published earliest time")],
        )
    secret = seed if seed is not None else row.secret_seed  # a given seed must match the hash
    if secret is None:
        raise ValidationFailed(
            f"draw {code} holds no seed", [FieldProblem("seed", "this draw needs its seed")]
        )
    record = draw.perform(row.record, secret)
    record["drawn_at"] = now.isoformat()
    row.record = record
    row.seed = secret
    row.secret_seed = None
    row.drawn_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "draw",
        SLUG,
        row.code,
        None,
        {"seed": secret, "seed_sha256": row.seed_sha256, "result": record["result"]},
        scope_path=row_path(session, row),
    )
    exchange.emit(
        session,
        EventType.DRAW_PUBLISHED,
        {k: v for k, v in record.items() if k != "input"} | {"stage": "revealed"},
        now,
    )
    return row


def verify_stored(session: Session, code: str) -> list[str]:
    """:func:`draw.verify` on a stored draw, also checking the columns against its record."""
    row = get_draw(session, code)
    problems = draw.verify(row.record)
    if row.seed_sha256 != row.record.get("seed_sha256"):
        problems.append("the stored seed hash differs from the published record")
    if row.seed is not None and row.seed != row.record.get("seed"):
        problems.append("the stored seed differs from the published record")
    return problems


# ---- what the public sees (一公开) -------------------------------------------------------------

PUBLIC_KEYS = (
    "code",
    "jurisdiction",
    "announced_at",
    "run_after",
    "drawn_at",
    "seed_sha256",
    "units_sha256",
    "input_sha256",
    "seed",
    "result",
)


def public_record(row: Draw) -> dict[str, Any]:
    """The record as published: for a version-2 draw the whole record (the pool carries codes
    and weights only). A version-1 record carried grades and credit flags: those are withheld,
    so it verifies on the server only (``verifiable_by_anyone`` false)."""
    record = row.record
    input_ = record.get("input") or {}
    if input_.get("version") == 2:
        return {**record, "verifiable_by_anyone": True}
    out = {k: record[k] for k in PUBLIC_KEYS if k in record}
    out["input"] = {
        "team_size": input_.get("team_size"),
        "pool": [{"code": u["code"]} for u in input_.get("pool", [])],
        "inspectors": input_.get("inspectors", []),
    }
    return {**out, "verifiable_by_anyone": False}


def commitment(row: Draw, place_name: str) -> dict[str, Any]:
    """One draw as the public list shows it: what was committed, and whether it has run."""
    input_ = row.record.get("input") or {}
    return {
        "code": row.code,
        "jurisdiction": row.record.get("jurisdiction", ""),
        "jurisdiction_name": place_name,
        "announced_at": row.announced_at,
        "run_after": row.run_after,
        "drawn_at": row.drawn_at,
        "seed_sha256": row.seed_sha256,
        "units_sha256": row.record.get("units_sha256"),
        "input_sha256": row.record.get("input_sha256", ""),
        "sample_size": input_.get("sample_size"),
        "pool_size": len(input_.get("pool", [])),
        "seed": row.seed,
        "drawn": len(row.record.get("result") or []) if row.drawn_at else None,
    }


def public_page(session: Session, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """Announced draws, newest first, one page of them (public)."""
    stmt = (
        select(Draw, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == Draw.jurisdiction_id)
        .order_by(Draw.announced_at.desc(), Draw.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    return [commitment(d, name) for d, name in rows], total


def published_results(session: Session, row: Draw) -> list[dict[str, Any]]:
    """Inspections made from the draw (一公开), published once done: unit, local date,
    inspectors, outcome (合格/责令整改/处罚). Nothing about risk grades or credit."""
    inspections_ = session.execute(
        select(Inspection.id, Unit.code, Unit.name, Inspection.inspected_at)
        .join(Unit, Unit.id == Inspection.unit_id)
        .where(Inspection.draw_code == row.code)
        .order_by(Unit.code, Inspection.inspected_at)
    ).all()
    ids = [i for i, _, _, _ in inspections_]
    if not ids:
        return []
    hazards = dict(
        session.execute(
            select(Hazard.inspection_id, func.count())
            .where(Hazard.inspection_id.in_(ids))
            .group_by(Hazard.inspection_id)
        ).all()
    )
    actions = dict(
        session.execute(
            select(EnforcementAction.inspection_id, func.count())
            .where(EnforcementAction.inspection_id.in_(ids))
            .group_by(EnforcementAction.inspection_id)
        ).all()
    )
    team: dict[int, list[str]] = {}
    for iid, username in session.execute(
        select(InspectionInspector.inspection_id, User.username)
        .join(User, User.id == InspectionInspector.user_id)
        .where(InspectionInspector.inspection_id.in_(ids))
        .order_by(User.username)
    ):
        team.setdefault(iid, []).append(username)
    out = []
    for iid, code, name, at in inspections_:
        outcome = DrawOutcome.of(hazards.get(iid, 0), actions.get(iid, 0))
        out.append(
            {
                "unit": code,
                "unit_name": name,
                "inspected_on": local_text(at, "%Y-%m-%d"),
                "inspectors": team.get(iid, []),
                "outcome": outcome.value,
                "outcome_zh": outcome.zh,
                "outcome_en": outcome.en,
            }
        )
    return out
