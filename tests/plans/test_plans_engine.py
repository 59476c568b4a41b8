"""The indicator engine against a hand-computed fixture, the status rule, and the guarantee that
every indicator of every plan is either computed by the engine or entered by hand."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.plans import records
from lanyan.plans.catalog import list_plans, load_plan
from lanyan.plans.choices import Averaging, Comparison, Computation, Unit
from lanyan.plans.engine import COMPUTATIONS, Context, Evaluator, Status, evaluate, judge
from lanyan.plans.engine.evaluate import projection
from lanyan.plans.records import FireGrade, fire_grade
from lanyan.plans.schema import Indicator
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_session_factory, unit_of_work

from conftest import FIXTURES, _empty_tables
from plans_support import jurisdiction, load_engine_fixture

with (FIXTURES / "plans_engine" / "expected.csv").open(encoding="utf-8") as fh:
    EXPECTED = list(csv.DictReader(fh))
BY_COMPUTATION: dict[str, list[dict[str, str]]] = {}
for _row in EXPECTED:
    BY_COMPUTATION.setdefault(_row["computation"], []).append(_row)


def probe(computation: Computation, unit: str, **extra: Any) -> Indicator:
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
        **extra,
    )


@pytest.fixture(scope="module")
def loaded(engine: Engine) -> Iterator[Any]:
    """The fixture region, loaded once per backend for this module's read-only tests."""
    _empty_tables(engine)
    factory = make_session_factory(engine)
    load_engine_fixture(lambda: unit_of_work(factory))
    yield factory
    _empty_tables(engine)


# --- coverage guarantees -----------------------------------------------------------------------


def test_every_computation_is_implemented_and_has_a_hand_computed_fixture() -> None:
    assert set(COMPUTATIONS) == set(Computation)
    assert set(BY_COMPUTATION) == {c.value for c in Computation}


def test_every_plan_indicator_is_computed_or_manual() -> None:
    missing = [
        f"{plan.id}.{ind.id}"
        for plan in list_plans()
        for ind in plan.indicators
        if not ind.manual and ind.computation not in COMPUTATIONS
    ]
    assert missing == []


# --- computations against the fixture -------------------------------------------------------------


def _close(actual: float | None, expected: str) -> bool:
    if expected == "":
        return actual is None
    return actual is not None and math.isclose(actual, float(expected), rel_tol=1e-6, abs_tol=1e-9)


@pytest.mark.parametrize("computation", sorted(c.value for c in Computation))
def test_computation_matches_hand_computed_fixture(loaded: Any, computation: str) -> None:
    rows = BY_COMPUTATION[computation]
    comp = Computation(computation)
    extra: dict[str, Any] = {}
    plan = load_plan("tongzhou")
    if comp == Computation.PROJECT_QUANTITY_DELIVERED:
        extra["counts_projects"] = plan.indicator("new_rescue_stations").counts_projects
    ind = probe(comp, rows[0]["unit"], **extra)
    with loaded() as s:
        ctx = Context.build(s, plan, jurisdiction(s, "320904"))
        figures = COMPUTATIONS[comp](ctx, ind, [2022, 2023])
    for row in rows:
        fig = figures[int(row["year"])]
        got = (fig.value, fig.numerator, fig.denominator)
        assert _close(fig.value, row["value"]), (row, got, fig.note)
        assert _close(fig.numerator, row["numerator"]), (row, got)
        assert _close(fig.denominator, row["denominator"]), (row, got)
        assert fig.sources, "every figure names the records it came from"


def test_lineage_lists_the_ids_of_small_record_sets(loaded: Any) -> None:
    ind = probe(Computation.HYDRANT_INTACT_RATE, "%")
    with loaded() as s:
        ctx = Context.build(s, load_plan("tongzhou"), jurisdiction(s, "320904"))
        fig = COMPUTATIONS[Computation.HYDRANT_INTACT_RATE](ctx, ind, [2023])[2023]
        (source,) = fig.sources
        assert source.table == "water_sources" and source.records == 4
        assert source.ids is not None and len(source.ids) == 4


def test_a_town_sees_only_its_own_subtree(loaded: Any) -> None:
    ind = probe(Computation.AWARENESS_RATE, "%")
    with loaded() as s:
        ctx = Context.build(s, load_plan("tongzhou"), jurisdiction(s, "320904101"))
        fig = COMPUTATIONS[Computation.AWARENESS_RATE](ctx, ind, [2022])[2022]
    assert (fig.numerator, fig.denominator, fig.value) == (45, 50, 90.0)


def test_missing_activity_records_are_no_data_not_zero(loaded: Any) -> None:
    ind = probe(Computation.AWARENESS_RATE, "%")
    with loaded() as s:
        ctx = Context.build(s, load_plan("tongzhou"), jurisdiction(s, "320904"))
        fig = COMPUTATIONS[Computation.AWARENESS_RATE](ctx, ind, [2021])[2021]
    assert fig.value is None and "no survey records" in fig.note


# --- fire grade -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "deaths", "serious", "loss", "grade"),
    [
        ("2022-01-01", 2, 9, 9_999_999, FireGrade.GENERAL),
        ("2022-01-01", 3, 0, 0, FireGrade.LARGER),
        ("2022-01-01", 0, 10, 0, FireGrade.LARGER),
        ("2022-01-01", 0, 0, 10_000_000, FireGrade.LARGER),
        ("2025-05-01", 0, 0, 10_000_000, FireGrade.GENERAL),
        ("2025-05-01", 0, 0, 30_000_000, FireGrade.LARGER),
        ("2022-01-01", 10, 0, 0, FireGrade.MAJOR),
        ("2022-01-01", 0, 100, 0, FireGrade.EXTRAORDINARY),
    ],
)
def test_fire_grade_takes_the_highest_criterion(
    day: str, deaths: int, serious: int, loss: float, grade: FireGrade
) -> None:
    from datetime import date

    assert fire_grade(date.fromisoformat(day), deaths, serious, loss) == grade


# --- status rule ----------------------------------------------------------------------------------


def _ind(**kw: Any) -> Indicator:
    base: dict[str, Any] = {
        "id": "x",
        "name_zh": "x",
        "name_en": "x",
        "unit": "%",
        "comparison": "at_least",
        "target": 90,
        "deadline": 2025,
        "source": [{"line": "L1", "quote": "xx"}],
        "computation": "awareness_rate",
    }
    base.update(kw)
    return Indicator.model_validate(base)


def test_status_no_data() -> None:
    assert judge(_ind(), 2025, None, {}) == (Status.NO_DATA, None)


def test_status_at_deadline_is_met_or_not_met() -> None:
    assert judge(_ind(), 2025, 90, {2025: 90})[0] == Status.MET
    assert judge(_ind(), 2025, 89.9, {2025: 89.9})[0] == Status.NOT_MET


def test_status_milestone_and_per_year_targets_are_due() -> None:
    ind = _ind(milestones={2023: 50})
    assert judge(ind, 2023, 55, {2023: 55})[0] == Status.MET
    assert judge(ind, 2023, 45, {2023: 45})[0] == Status.NOT_MET
    yearly = _ind(averaging="per_year", comparison="below", target=0.33)
    assert judge(yearly, 2022, 0.33, {2022: 0.33})[0] == Status.NOT_MET


def test_status_interim_year_follows_the_trend() -> None:
    ind = _ind()
    # Rising 10 points a year from 60: projected 90 in 2025, not met yet → 未达标 (on course).
    assert judge(ind, 2022, 70, {2021: 60, 2022: 70}) == (Status.NOT_MET, pytest.approx(100))
    # Rising 2 points a year from 70: projected 78 < 90 → 有风险.
    status, projected = judge(ind, 2022, 72, {2021: 70, 2022: 72})
    assert status == Status.AT_RISK and projected == pytest.approx(78)
    # Met today but falling 3 a year: projected 89 → 有风险.
    assert judge(ind, 2022, 95, {2021: 98, 2022: 95})[0] == Status.AT_RISK
    # Met today and flat → 达标.
    assert judge(ind, 2022, 95, {2021: 95, 2022: 95})[0] == Status.MET
    # One point: the projection is the value itself.
    assert judge(ind, 2021, 95, {2021: 95}) == (Status.MET, 95)


def test_status_fall_by_percent_uses_the_threshold() -> None:
    ind = _ind(comparison="fall_by_percent", target=10, baseline={"year": 2020, "from_year": 2016})
    assert judge(ind, 2025, 8.9, {2025: 8.9}, threshold=9.0)[0] == Status.MET
    assert judge(ind, 2025, 9.5, {2025: 9.5}, threshold=9.0)[0] == Status.NOT_MET
    assert judge(ind, 2025, 9.5, {2025: 9.5}, threshold=None)[0] == Status.NO_DATA


def test_projection_is_least_squares() -> None:
    assert projection({2021: 1, 2022: 2, 2023: 3}, 2025) == pytest.approx(5)
    assert projection({}, 2025) is None


# --- whole-plan evaluation ------------------------------------------------------------------------


def test_evaluate_tongzhou_for_the_fixture_county(uow: Any) -> None:
    load_engine_fixture(uow)
    with uow() as s:
        records.adopt(s, SYSTEM, EVERYWHERE, "tongzhou", "320904")
        with pytest.raises(Conflict):
            records.adopt(s, SYSTEM, EVERYWHERE, "tongzhou", "320904")
    with uow() as s:
        records.add_manual_entry(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "plan": "tongzhou",
                "indicator": "no_major_social_impact_fire_admin_area",
                "jurisdiction": "320904",
                "year": 2023,
                "value": 0,
                "evidence": "区消委会 2023 年度声明",
                "evidence_file": "statement-2023.pdf",
            },
        )
    with uow() as s:
        result = evaluate(s, load_plan("tongzhou"), jurisdiction(s, "320904"), 2023)
    rows = {r["id"]: r for r in result.as_dicts()}
    for row in rows.values():
        assert {"id", "name", "value", "target", "comparison", "status", "unit", "lineage"} <= set(
            row
        )
    deaths = rows["fire_deaths_per_100k"]  # per_year, below 0.33: 0 deaths in 2023
    assert (deaths["value"], deaths["status"]) == (0.0, "met")
    awareness = rows["public_awareness_rate"]  # 2022 83.3 → 2023 95: flat-out above 85
    assert awareness["value"] == 95.0 and awareness["status"] == "met"
    # 50 % (2021: W1 W3) → 66.7 → 75: below 95 today, but the line reaches 101.4 by 2025.
    hydrants = rows["hydrant_intact_rate"]
    assert hydrants["status"] == "not_met"
    assert hydrants["projected_at_deadline"] == pytest.approx(101.388889)
    manual = rows["no_major_social_impact_fire_admin_area"]
    assert manual["value"] == 0.0 and manual["status"] == "met"
    assert manual["evidence"][0]["file"] == "statement-2023.pdf"
    assert rows["town_science_education_bases"]["status"] == "no_data"
    recruited = rows["fulltime_firefighters_recruited_2021"]  # deadline 2021, 2023 recruited 1
    assert recruited["status"] == "not_met"


def test_cumulative_and_yearly_mean_combine_the_years(uow: Any) -> None:
    load_engine_fixture(uow)
    dafeng, lianzhou = load_plan("dafeng"), load_plan("lianzhou")
    with uow() as s:
        county = jurisdiction(s, "320904")
        ev = Evaluator(s)
        total = ev.indicator(
            Context.build(s, dafeng, county), dafeng.indicator("new_hydrants_total"), 2023
        )
        mean = ev.indicator(
            Context.build(s, lianzhou, county), lianzhou.indicator("fire_deaths_per_100k"), 2023
        )
    assert dafeng.indicator("new_hydrants_total").averaging == Averaging.CUMULATIVE
    assert total.value == 3  # 2022: 1 + 2023: 2 (no hydrants installed in 2021)
    assert mean.value == pytest.approx((4 / 700000 * 1e5 + 0) / 2)  # 2021 has no fire records


def test_manual_entry_refuses_bad_input(uow: Any) -> None:
    load_engine_fixture(uow)
    with uow() as s, pytest.raises(ValidationFailed) as err:
        records.add_manual_entry(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "plan": "tongzhou",
                "indicator": "hydrant_intact_rate",
                "jurisdiction": "320904",
                "year": 2023,
                "value": 1,
                "evidence": "",
            },
        )
    fields = {p.field for p in err.value.problems}
    assert fields == {"indicator", "evidence"}
