"""Each indicator whose definition the plan's own text fixes is computed as that text says: the
figures the test expects are read from the plan's line (the 6/4/2 vehicles of Xiuwu L122, the 19
areas of Dafeng L29, the one year of Tongzhou L408 …), not copied from the YAML."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from lanyan.plans.catalog import load_plan, plan_text_lines
from lanyan.plans.choices import Computation
from lanyan.plans.engine import COMPUTATIONS, Context, Evaluator
from lanyan.plans.schema import Indicator, Plan
from lanyan.store.db import make_session_factory, unit_of_work
from lanyan.store.models_all import metadata

from conftest import _empty_tables
from plans_support import REFS, _expand, _ids, jurisdiction, load_engine_fixture

COUNTY = "320904"  # the fixture's district: towns 320904100 and 320904101


def _add(session: Any, table: str, *rows: dict[str, Any]) -> None:
    """Rows in the fixture's own notation (references by code)."""
    for raw in rows:
        row = dict(raw)
        for key, (column, target) in REFS.items():
            if key in row:
                row[column] = _ids(session, target)[row.pop(key)]
        for value in _expand(table, row):
            session.execute(metadata.tables[table].insert(), value)


EXTRA = {
    # A fifth duty vehicle at S1 (class 1): enough for 建标152's 5, short of Xiuwu's 6.
    "vehicles": [
        {"code": "V10", "vehicle_type": "pumper", "station_code": "S1",
         "jurisdiction_code": "320904100", "status": "available"},
    ],
    # A county-level government full-time station (registered to the district itself).
    "stations": [
        {"code": "S5", "name": "区专职队", "station_class": "class2",
         "force_type": "government_fulltime", "status": "existing", "opened_on": "2020-01-01",
         "jurisdiction_code": "320904"},
    ],
}  # fmt: skip
PEOPLE = [
    {"code": "E1", "kind": "enterprise_fulltime", "jurisdiction_code": "320904100",
     "joined_on": "2021-03-01"},
    {"code": "G21A", "kind": "government_fulltime", "jurisdiction_code": "320904",
     "station_code": "S5", "joined_on": "2021-04-01"},
    {"code": "G21B", "kind": "government_fulltime", "jurisdiction_code": "320904",
     "station_code": "S5", "joined_on": "2021-09-01"},
    {"code": "G23C", "kind": "government_fulltime", "jurisdiction_code": "320904",
     "station_code": "S5", "joined_on": "2023-05-01"},
    {"code": "G23T", "kind": "government_fulltime", "jurisdiction_code": "320904101",
     "station_code": "S2", "joined_on": "2023-08-01"},
]  # fmt: skip


@pytest.fixture(scope="module")
def region(engine: Engine) -> Iterator[Any]:
    _empty_tables(engine)
    factory = make_session_factory(engine)
    load_engine_fixture(lambda: unit_of_work(factory))
    with unit_of_work(factory) as s:
        for table, rows in EXTRA.items():
            _add(s, table, *rows)
        _add(s, "outreach_people", *PEOPLE)
    yield factory
    _empty_tables(engine)


def _line(plan: Plan, n: int) -> str:
    return plan_text_lines(plan)[n - 1]


def _value(region: Any, plan: Plan, ind: Indicator, year: int) -> Any:
    with region() as s:
        return Evaluator(s).indicator(Context.build(s, plan, jurisdiction(s, COUNTY)), ind, year)


def _cites(ind: Indicator, line: str) -> None:
    assert ind.parameters is not None
    assert line in [ref.line for ref in ind.parameters.source]


def test_xiuwu_duty_vehicles_per_class_as_l122_says(region: Any) -> None:
    plan = load_plan("xiuwu")
    text = _line(plan, 122)
    six, four, two = (int(n) for n in re.search(r"不少于(\d)辆、(\d)辆、(\d)辆", text).groups())  # type: ignore[union-attr]
    assert "一级站、二级站、小型站" in text
    ind = plan.indicator("station_duty_vehicles")
    _cites(ind, "L122")
    assert ind.parameters.min_vehicles == {"class1": six, "class2": four, "small": two}  # type: ignore[union-attr]
    got = _value(region, plan, ind, 2023)
    # 2023: S1 (class 1) has 5 duty vehicles, S2 (small) 2, S5 (class 2) none. Only S2 meets the
    # plan's minimums; 建标152's 5/2/2 would pass S1 as well.
    assert (got.figure.numerator, got.figure.denominator) == (1, 3)
    national = _value(region, plan, ind.model_copy(update={"parameters": None}), 2023)
    assert (national.figure.numerator, national.figure.denominator) == (2, 3)


def test_dafeng_town_coverage_over_the_19_areas_of_l29(region: Any) -> None:
    plan = load_plan("dafeng")
    areas = int(re.search(r"全区(\d+)个镇（街道）、区（园）", _line(plan, 29)).group(1))  # type: ignore[union-attr]
    ind = plan.indicator("town_station_coverage_rate")
    _cites(ind, "L29")
    got = _value(region, plan, ind, 2023)
    # Both fixture towns have a national or government full-time station by 2023.
    assert got.figure.denominator == areas == 19 and got.figure.numerator == 2
    assert got.value == pytest.approx(200 / 19)


def test_dafeng_fulltime_share_counts_enterprise_teams_on_the_roster(region: Any) -> None:
    plan = load_plan("dafeng")
    assert "专职消防队员占总人口比例" in _line(plan, 72)
    ind = plan.indicator("fulltime_firefighters_share")
    _cites(ind, "L72")
    got = _value(region, plan, ind, 2023)
    # In post at 2023-12-31 on the roster: G1 G2 G3 G21A G21B G23C G23T (government) + E1
    # (enterprise) = 8 over 720,000 people, in ‰. The per-station counts (PC3 100, PC4 20) are not
    # a second source.
    assert got.figure.numerator == 8 and got.figure.denominator == 720_000
    assert got.value == pytest.approx(8 / 720_000 * 1000)
    assert got.figure.sources[0].table == "outreach_people"
    in_post = _value(region, plan, plan.indicator("fulltime_firefighters_in_post"), 2023)
    assert in_post.value == 7  # the same roster, government full-time only


def test_dafeng_rescuer_rates_cover_national_and_government_fulltime(region: Any) -> None:
    plan = load_plan("dafeng")
    assert "专业救援人员持证率100%" in _line(plan, 73)
    cert = plan.indicator("rescuer_certification_rate")
    training = plan.indicator("rescuer_specialised_training_rate")
    _cites(cert, "L73")
    _cites(training, "L73")
    # In post at 2023-12-31: rescuers P1 P2 P4 and government full-time G1 G2 G3 G21A G21B G23C
    # G23T = 10. Certified: P2 (P1's ended mid-2023, P4's issued 2024). Trained in 2023: P2.
    c = _value(region, plan, cert, 2023)
    assert (c.figure.numerator, c.figure.denominator) == (1, 10)
    t = _value(region, plan, training, 2023)
    assert (t.figure.numerator, t.figure.denominator) == (1, 10)


def test_tongzhou_recruits_scored_on_2021_only(region: Any) -> None:
    plan = load_plan("tongzhou")
    text = _line(plan, 408)
    year, target = (int(n) for n in re.search(r"(\d{4}) 年招录 (\d+) 名", text).groups())  # type: ignore[union-attr]
    ind = plan.indicator("fulltime_firefighters_recruited_2021")
    _cites(ind, "L408")
    assert ind.parameters.only_year == year == 2021 and ind.target == target  # type: ignore[union-attr]
    # 2021: G21A G21B joined. 2023 had four recruits (G3 G23C G23T …) — never scored.
    for evaluated in (2021, 2023, 2025):
        got = _value(region, plan, ind, evaluated)
        assert got.value == 2, evaluated
        assert got.target_due == target
    assert _value(region, plan, ind.model_copy(update={"parameters": None}), 2023).value == 3


def test_kaifeng_new_fulltime_firefighters_of_county_level_teams_only(region: Any) -> None:
    plan = load_plan("kaifeng")
    assert "新增县级政府专职消防队员" in _line(plan, 270)
    ind = plan.indicator("new_county_fulltime_firefighters")
    _cites(ind, "L270")
    with region() as s:
        ctx = Context.build(s, plan, jurisdiction(s, COUNTY))
        figures = COMPUTATIONS[Computation.FULLTIME_FIREFIGHTERS_RECRUITED](ctx, ind, [2021, 2023])
    # S5 is registered to the district (county level): G21A G21B in 2021, G23C in 2023. G23T
    # joined S2, a town's station; G1–G3 have no station.
    assert figures[2021].value == 2 and figures[2023].value == 1
    assert "county-level" in figures[2023].sources[0].where


def test_personnel_counts_only_where_the_roster_names_nobody(region: Any) -> None:
    plan = load_plan("dafeng")
    ind = plan.indicator("fulltime_firefighters_in_post")
    with region() as s:
        ctx = Context.build(s, plan, jurisdiction(s, "320902"))  # roster: one rescuer, P99
        figures = COMPUTATIONS[Computation.FULLTIME_FIREFIGHTERS_IN_POST](ctx, ind, [2022])
    assert figures[2022].value == 50  # PC9, the one government full-time count of 亭湖区
    assert figures[2022].sources[0].table == "personnel_counts"
