"""The demo's supervision and risk records: built through the services, the same for the same
seed and day, with hazards in every stage of the loop, a verifiable draw and a risk snapshot."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select

from lanyan.demo import supervision
from lanyan.prevention import draw_service
from lanyan.prevention.models.inspections import (
    BlacklistEntry,
    Commitment,
    Complaint,
    CreditRecord,
    Draw,
    EnforcementAction,
    Hazard,
)
from lanyan.registry.models import Unit
from lanyan.risk.models import UnitRiskScore
from lanyan.store.audit import verify
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from support import DAFENG, add_user, create_sample, seed_region

DAY = date(2026, 3, 15)
CATEGORIES = ("high_risk", "key", "crowded", "nine_small", "general", "three_in_one")


def _build(folder: Path) -> dict[str, Any]:
    url = f"sqlite:///{folder / 'demo.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)

    def uow() -> Any:
        return unit_of_work(factory)

    try:
        seed_region(uow)
        for n in range(1, 13):
            create_sample(uow, "units", DAFENG, n)
        with uow() as s:
            for i, u in enumerate(s.execute(select(Unit).order_by(Unit.code)).scalars()):
                u.category = CATEGORIES[i % len(CATEGORIES)]
        add_user(uow, "prevention", "prevention_officer", DAFENG)
        add_user(uow, "inspector", "prevention_officer", DAFENG)
        with uow() as s:
            counts = supervision.build(s, 7, DAY, n_inspections=40, n_fires=5)
        with uow() as s:
            hazards = [
                (h.code, h.state, h.description, h.is_major, h.deadline, h.listed_at is not None)
                for h in s.execute(select(Hazard).order_by(Hazard.code)).scalars()
            ]
            scores = [
                (u.code, r.score, r.grade)
                for r, u in s.execute(
                    select(UnitRiskScore, Unit)
                    .join(Unit, Unit.id == UnitRiskScore.unit_id)
                    .order_by(Unit.code)
                )
            ]
            code = s.execute(select(Draw.code)).scalar_one()
            records = {
                "complaints": sorted(
                    (c.code, c.state, c.reward) for c in s.execute(select(Complaint)).scalars()
                ),
                "enforcement": sorted(
                    (e.code, e.state) for e in s.execute(select(EnforcementAction)).scalars()
                ),
                "commitments": sorted(c.state for c in s.execute(select(Commitment)).scalars()),
                "repaired": sum(
                    r.repaired_on is not None for r in s.execute(select(CreditRecord)).scalars()
                ),
                "blacklisted": len(list(s.execute(select(BlacklistEntry)).scalars())),
                # The published pool carries weights only (grades raise them, unseen).
                "pool_weights": {
                    (u["weight"], "grade" in u)
                    for u in s.execute(select(Draw)).scalar_one().record["input"]["pool"]
                },
            }
            problems = draw_service.verify_stored(s, code)
            chain = verify(s)
        return {
            "counts": counts,
            "hazards": hazards,
            "scores": scores,
            "draw": problems,
            "records": records,
            "chain": chain.ok,
        }
    finally:
        engine.dispose()


def test_supervision_demo_is_deterministic_and_complete(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a, b = _build(tmp_path / "a"), _build(tmp_path / "b")
    assert a["hazards"] == b["hazards"] and a["scores"] == b["scores"]
    assert a["counts"]["inspections"] == 40 and a["counts"]["fires"] == 5
    assert a["counts"]["risk_units"] == 12 and len(a["scores"]) == 12
    states = {h[1] for h in a["hazards"]}
    assert "closed" in states and len(states) >= 3, states
    assert a["draw"] == [] and a["chain"]
    assert max(s[1] for s in a["scores"]) > min(s[1] for s in a["scores"])
    # Complaints, enforcement, commitments and credit in every state their pages show.
    records = a["records"]
    assert records == b["records"]
    assert {c[1] for c in records["complaints"]} == {"received", "assigned", "verified", "closed"}
    assert any(c[2] for c in records["complaints"])  # a rewarded report
    assert {e[1] for e in records["enforcement"]} == {"in_force", "lifted"}
    assert set(records["commitments"]) == {"submitted", "confirmed", "false"}
    assert records["repaired"] == 1 and records["blacklisted"] == 1
    # The draw's pool carries the risk grades of the snapshot built just before it.
    weights = records["pool_weights"]
    assert len(weights) >= 2 and not any(graded for _, graded in weights)
    assert (300_000, False) in weights  # grade I units at 30 %
