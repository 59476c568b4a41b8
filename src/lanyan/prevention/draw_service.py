"""Draw service: freeze a jurisdiction's pool and inspectors, announce, draw, verify; audited.

The announcement and the draw are separate transactions, so the seed's hash is on record (and in
the audit chain) before any unit is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.prevention import credit, draw
from lanyan.prevention.inspections import valid_certificate
from lanyan.prevention.models.inspections import Draw, Recusal
from lanyan.registry.choices import UnitCategory
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.risk import public as risk_public
from lanyan.store import audit
from lanyan.store.audit import Actor

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
    return draw.draw_input(pool, list(inspectors.values()), rates, recusals)


def risk_grades(session: Session, place: Jurisdiction, on: date) -> dict[str, str]:
    """Unit code → risk grade (I–IV) of the latest snapshot on or before ``on`` in ``place``."""
    return risk_public.unit_grades_on(session, Scope(place.path), on)


def announce(
    session: Session,
    actor: Actor,
    scope: Scope,
    jurisdiction_code: str,
    seed: str,
    rates: draw.Rates | None = None,
    credit_listed: Iterable[str] = (),
    high_risk_categories: Iterable[str] = HIGH_RISK_CATEGORIES,
) -> Draw:
    """公示: freeze the input and publish the hashes of input and seed (the seed is not stored)."""
    audit.begin_write(session)
    place = _jurisdiction(session, scope, jurisdiction_code)
    now = utcnow()
    local = to_local(now)
    assert local is not None
    input_ = build_input(
        session, place, rates or draw.Rates(), local.date(), credit_listed, high_risk_categories
    )
    row = Draw(
        code=f"tmp-{now.timestamp()}",
        jurisdiction_id=place.id,
        seed_sha256=draw.sha256_hex(seed),
        record={},
        announced_at=now,
    )
    session.add(row)
    session.flush()
    row.code = f"SJ{local:%Y%m%d}{row.id:04d}"  # unique because the id is
    row.record = draw.announce(
        input_, seed, code=row.code, jurisdiction=place.code, announced_at=now.isoformat()
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
    return row


def recent_draws(session: Session, limit: int = 200) -> list[tuple[Draw, str]]:
    """The latest announced draws with their jurisdiction's name, newest first (public)."""
    rows = session.execute(
        select(Draw, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == Draw.jurisdiction_id)
        .order_by(Draw.announced_at.desc())
        .limit(limit)
    ).all()
    return [(d, name) for d, name in rows]


def get_draw(session: Session, code: str, lock: bool = False) -> Draw:
    stmt = select(Draw).where(Draw.code == code)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"draw {code} does not exist")
    return row


def perform(session: Session, actor: Actor, scope: Scope, code: str, seed: str) -> Draw:
    """Draw an announced draw with its seed and publish the seed with the result."""
    audit.begin_write(session)
    row = get_draw(session, code, lock=True)
    if not scope.contains(session, row.jurisdiction_id):
        raise NotFound(f"draw {code} does not exist or is outside your jurisdiction")
    record = draw.perform(row.record, seed)
    now = utcnow()
    record["drawn_at"] = now.isoformat()
    row.record = record
    row.seed = seed
    row.drawn_at = now
    session.flush()
    audit.record(
        session,
        actor,
        "draw",
        SLUG,
        row.code,
        None,
        {"seed": seed, "seed_sha256": row.seed_sha256, "result": record["result"]},
        scope_path=row_path(session, row),
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
