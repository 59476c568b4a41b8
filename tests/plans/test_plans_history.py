"""Registry facts as of a past year end: a hydrant's condition and a station's status are read
back from the audit log, so a year's value is that year's, not today's."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update

from lanyan.core.timeutil import local_today
from lanyan.plans.catalog import load_plan
from lanyan.plans.choices import Comparison, Computation, Unit
from lanyan.plans.engine import COMPUTATIONS, Context, Evaluator
from lanyan.plans.schema import Indicator
from lanyan.registry import service
from lanyan.registry.models import Station, WaterSource
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry

from plans_support import jurisdiction, load_engine_fixture


def probe(computation: Computation, unit: str) -> Indicator:
    return Indicator(
        id="probe",
        name_zh="探针",
        name_en="probe",
        unit=Unit(unit),
        comparison=Comparison.AT_LEAST,
        target=0,
        deadline=2025,
        source=[{"line": "L1", "quote": "探针"}],
        computation=computation,
    )


def _change(s: Any, slug: str, model: Any, code: str, **changes: Any) -> int:
    row_id = s.execute(select(model.id).where(model.code == code)).scalar_one()
    service.update(s, get_type(slug), SYSTEM, EVERYWHERE, row_id, changes)
    return int(row_id)


def test_hydrant_condition_and_station_status_as_of_each_year_end(uow: Any) -> None:
    load_engine_fixture(uow)
    with uow() as s:
        repaired = _change(s, "water-sources", WaterSource, "W3", status="intact")
        _change(s, "water-sources", WaterSource, "W2", status="damaged")  # broke today
        _change(s, "stations", Station, "S1", status="under_construction", planned_year=2027)
    with uow() as s:  # W3 was repaired in mid-2022, as if the change had been made then
        s.execute(
            update(AuditEntry)
            .where(AuditEntry.object_type == "water-sources")
            .where(AuditEntry.object_id == str(repaired), AuditEntry.action == "update")
            .values(at=datetime(2022, 6, 1, 2, 0, tzinfo=UTC))
        )
    this_year = local_today().year
    years = [2021, 2022, 2023, this_year]
    plan = load_plan("dafeng")
    with uow() as s:
        ctx = Context.build(s, plan, jurisdiction(s, "320904"))
        water = COMPUTATIONS[Computation.HYDRANT_INTACT_RATE](
            ctx, probe(Computation.HYDRANT_INTACT_RATE, "%"), years
        )
        stations = COMPUTATIONS[Computation.STATIONS_PER_100K](
            ctx, probe(Computation.STATIONS_PER_100K, "stations per 100,000 people"), years
        )
    got = {y: (water[y].numerator, water[y].denominator) for y in years}
    # 2021: W1 intact, W3 still damaged (W2 installed 2022). 2022: W1, W2 and the repaired W3.
    # 2023: W4 joins, all intact. Now: W2 is damaged.
    assert got == {2021: (1, 2), 2022: (3, 3), 2023: (4, 4), this_year: (3, 4)}
    # S1 was on duty at every past year end; today it is being rebuilt: S2 alone.
    assert [stations[y].numerator for y in years] == [1, 1, 2, 1]


def test_series_reads_back_what_the_latest_year_computed(uow: Any) -> None:
    load_engine_fixture(uow)
    with uow() as s:
        county = jurisdiction(s, "320904")
        for plan_id in ("dafeng", "lianzhou"):
            plan = load_plan(plan_id)
            series = Evaluator(s).series(plan, county, [2021, 2022, 2023])
            for year, ev in series.items():
                alone = Evaluator(s).plan(plan, county, year)  # a fresh cache per year
                assert ev.as_dicts() == alone.as_dicts(), (plan_id, year)
