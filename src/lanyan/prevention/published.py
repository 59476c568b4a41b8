"""What the public portal publishes (信息公开), each list paged in SQL, no log-in:

* 挂牌督办 hazards: listed for supervision, published, not yet taken off the list (摘牌);
* enforcement decisions (行政强制与处罚), anonymised by this policy: the decision's number, kind,
  legal basis, dates, fine and the *unit's* name are published; nothing that names a person
  is (no officer, no reporter, no party's representative) and the free-text facts (案情) are
  withheld, since they may name people. A decision is a unit's, and units are published by name
  as the 行政处罚信息公示 rules ask;
* 告知承诺 places: the venue, its unit and address, the day it opened and what its check found;
* 双随机 results are the draws' own public pages (``/public/draws``, :mod:`draw_service`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.prevention.choices import CommitmentState, EnforcementKind
from lanyan.prevention.enforcement import legal_bases
from lanyan.prevention.models.inspections import Commitment, EnforcementAction, Hazard
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.store.paging import paginate


def places(session: Session, q: str, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """Places (jurisdictions) whose name or code contains ``q``: the portal's place picker."""
    stmt = select(Jurisdiction.code, Jurisdiction.name, Jurisdiction.level)
    if q:
        stmt = stmt.where(
            Jurisdiction.name.contains(q, autoescape=True)
            | Jurisdiction.code.startswith(q, autoescape=True)
        )
    rows, total = paginate(session, stmt.order_by(Jurisdiction.path), page, size)
    return [{"code": c, "name": n, "level": lv} for c, n, lv in rows], total


def listed_hazards(session: Session, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """Hazards under published 挂牌督办, the newest listing first."""
    stmt = (
        select(Hazard, Unit.name, Unit.address, Jurisdiction.name)
        .join(Unit, Unit.id == Hazard.unit_id)
        .join(Jurisdiction, Jurisdiction.id == Hazard.jurisdiction_id)
        .where(
            Hazard.listing_published.is_(True),
            Hazard.listed_at.is_not(None),
            Hazard.delisted_at.is_(None),
        )
        .order_by(Hazard.listed_at.desc(), Hazard.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "code": h.code,
            "unit_name": unit,
            "address": address,
            "jurisdiction_name": place,
            "description": h.description,
            "is_major": h.is_major,
            "listing_department": h.listing_department,
            "listing_deadline": h.listing_deadline,
            "listed_at": h.listed_at,
        }
        for h, unit, address, place in rows
    ], total


def enforcement_decisions(
    session: Session, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Enforcement decisions, the newest first, anonymised as the module says."""
    stmt = (
        select(EnforcementAction, Unit.name, Jurisdiction.name)
        .join(Unit, Unit.id == EnforcementAction.unit_id)
        .join(Jurisdiction, Jurisdiction.id == EnforcementAction.jurisdiction_id)
        .order_by(EnforcementAction.decided_on.desc(), EnforcementAction.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    bases = legal_bases()
    out = []
    for a, unit, place in rows:
        kind = EnforcementKind(a.kind)
        basis = bases.get(a.basis)
        out.append(
            {
                "decision_no": a.decision_no,
                "kind": kind,
                "kind_zh": kind.zh,
                "state": a.state,
                "unit_name": unit,
                "jurisdiction_name": place,
                "basis_zh": basis.zh if basis else a.basis,
                "decided_on": a.decided_on,
                "amount_yuan": a.amount_yuan,
                "lifted_on": a.lifted_on,
            }
        )
    return out, total


def commitments(session: Session, page: int, size: int) -> tuple[list[dict[str, Any]], int]:
    """Places opened on a 告知承诺, the newest submission first."""
    stmt = (
        select(Commitment, Unit.name, Jurisdiction.name)
        .join(Unit, Unit.id == Commitment.unit_id)
        .join(Jurisdiction, Jurisdiction.id == Commitment.jurisdiction_id)
        .order_by(Commitment.submitted_at.desc(), Commitment.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    out = []
    for c, unit, place in rows:
        state = CommitmentState(c.state)
        out.append(
            {
                "code": c.code,
                "venue": c.venue,
                "unit_name": unit,
                "address": c.address,
                "jurisdiction_name": place,
                "opens_on": c.opens_on,
                "state": state,
                "state_zh": state.zh,
            }
        )
    return out, total
