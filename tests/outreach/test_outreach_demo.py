"""The outreach demo records feed the Dafeng plan's people, open-day and awareness indicators,
and the same seed writes the same records."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from lanyan.demo import outreach
from lanyan.demo.build import DEMO_ACTOR
from lanyan.outreach.models import OpenDay, Person, Survey
from lanyan.plans.catalog import load_plan
from lanyan.plans.engine import evaluate
from lanyan.registry import service as registry
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, sample, seed_region

FED = {
    "rescuer_certification_rate",
    "rescuer_specialised_training_rate",
    "practitioner_certification_rate",
    "station_open_rate",
    "public_awareness_rate",
    "fulltime_firefighters_recruited",
}


def test_demo_records_give_the_dafeng_indicators_values(uow: Any) -> None:
    seed_region(uow)
    with uow() as s:
        for n in (1, 2):
            registry.create(
                s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", DAFENG, n)
            )
            registry.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, n))
    with uow() as s:
        written = outreach.build(s, DEMO_ACTOR, seed=7)
    # One Dafeng town, one survey a year from 2021 to the build day (each taken in the summer).
    today = date.today()
    years = sum(1 for y in range(2021, 2027) if date(y, 8, 1) <= today)
    assert written["people"] == 683 and written["surveys"] == years
    with uow() as s:
        county = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        result = evaluate(s, load_plan("dafeng"), county, 2025)
        values = {r.indicator.id: r.value for r in result.results if r.indicator.id in FED}
        assert set(values) == FED
        assert all(v is not None for v in values.values()), values
        # The last on-duty station misses months in 2025: one of two stations is open enough.
        assert values["station_open_rate"] == 50.0
        assert 80 <= values["public_awareness_rate"] <= 100
        audited = s.execute(
            select(func.count()).where(AuditEntry.actor == DEMO_ACTOR.username)
        ).scalar_one()
        rows = sum(
            s.execute(select(func.count(m.id))).scalar_one() for m in (Person, OpenDay, Survey)
        )
        assert audited > rows

    def surveys_again() -> list[tuple[int, int, int]]:
        with uow() as s:
            for table in ("outreach_survey_responses", "outreach_surveys"):
                s.execute(Survey.metadata.tables[table].delete())
            outreach._Builder(s, DEMO_ACTOR, 7, None).surveys()
            return sorted(
                tuple(r) for r in s.execute(select(Survey.year, Survey.passed, Survey.educated))
            )

    first = surveys_again()
    assert len(first) == years and first == surveys_again()
