"""The five seed plans as data: they load, every indicator says how it gets a value, and every
source reference quotes the plan's own Chinese text on the line it names."""

from __future__ import annotations

import copy

import pytest
import yaml

from lanyan.core.errors import NotFound, ValidationFailed
from lanyan.plans.catalog import list_plans, load_plan, parse_plan, plan_ids, plan_text_lines
from lanyan.plans.choices import Attribute, Averaging, Comparison, Computation, Unit
from lanyan.plans.schema import Indicator, Plan

SEED_PLANS = ["dafeng", "kaifeng", "lianzhou", "tongzhou", "xiuwu"]
REGIONS = {
    "dafeng": "320904",
    "kaifeng": "410200",
    "xiuwu": "410821",
    "tongzhou": "110112",
    "lianzhou": "441882",
}


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {plan.id: plan for plan in list_plans()}


def _indicator(**overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "hydrant_intact_rate",
        "name_zh": "市政消火栓完好率",
        "name_en": "Municipal hydrant intact rate",
        "unit": "%",
        "comparison": "at_least",
        "target": 95,
        "deadline": 2025,
        "source": [{"line": "L207", "quote": "市政消火栓完好率"}],
        "computation": "hydrant_intact_rate",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def _plan_text(**indicator_overrides: object) -> str:
    raw = {
        "id": "demo",
        "title_zh": "示例规划",
        "title_en": "Demo plan",
        "level": "district",
        "region": "110112",
        "region_name_zh": "北京市通州区",
        "period_start": 2021,
        "period_end": 2025,
        "source_file": "tongzhou.zh.txt",
        "indicators": [_indicator(**indicator_overrides)],
    }
    return yaml.safe_dump(raw, allow_unicode=True)


# --- loading ---------------------------------------------------------------------------------


def test_all_five_plans_load(plans: dict[str, Plan]) -> None:
    assert plan_ids() == SEED_PLANS
    assert sorted(plans) == SEED_PLANS
    for plan_id, plan in plans.items():
        assert plan.region == REGIONS[plan_id]
        assert (plan.period_start, plan.period_end) == (2021, 2025)
        assert plan.source_file == f"{plan_id}.zh.txt"
        assert plan.indicators and plan.projects


def test_unknown_plan_is_not_found() -> None:
    with pytest.raises(NotFound, match="no plan 'nowhere'"):
        load_plan("nowhere")


def test_ids_unique_within_each_plan(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        for items in (plan.indicators, plan.projects):
            ids = [item.id for item in items]
            assert len(ids) == len(set(ids)), plan.id


# --- computation or manual -------------------------------------------------------------------


def test_every_indicator_has_exactly_one_way_to_a_value(plans: dict[str, Plan]) -> None:
    for plan in plans.values():
        for ind in plan.indicators:
            assert (ind.computation is None) != (not ind.manual), f"{plan.id}.{ind.id}"
            if ind.manual:
                assert ind.evidence_required, f"{plan.id}.{ind.id}"


@pytest.mark.parametrize(
    ("overrides", "rule"),
    [
        ({"computation": None}, "exactly one of 'computation' or 'manual: true'"),
        ({"manual": True, "evidence_required": "x"}, "exactly one of 'computation'"),
        ({"computation": None, "manual": True}, "'evidence_required' must say"),
        ({"computation": "hydrant_census"}, "Input should be"),
        ({"comparison": "fall_by_percent"}, "'baseline' is required"),
        ({"milestones": {2026: 90}}, "fall after the deadline"),
        ({"unit": "percent"}, "Input should be"),
        ({"source": [{"line": "207", "quote": "市政消火栓完好率"}]}, "String should match"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_validator_rejects_a_broken_indicator(overrides: dict[str, object], rule: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_plan(_plan_text(**overrides), "demo.yaml")
    problem = caught.value.problems[0]
    # The error names the file, the indicator by its id, and (where it is one) the field.
    assert problem.field.startswith("demo.yaml: indicators[hydrant_intact_rate]")
    assert rule in problem.rule


def test_error_names_the_field_of_a_bad_value() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_plan(_plan_text(unit="percent"), "demo.yaml")
    assert caught.value.problems[0].field == "demo.yaml: indicators[hydrant_intact_rate].unit"
    assert "demo.yaml" in str(caught.value)


def test_a_valid_in_memory_plan_passes() -> None:
    plan = parse_plan(_plan_text(), "demo.yaml")
    assert plan.indicator("hydrant_intact_rate").computation is Computation.HYDRANT_INTACT_RATE


def test_broken_yaml_names_the_file_and_line() -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_plan("id: demo\nindicators: [\n", "demo.yaml")
    assert caught.value.problems[0].field == "demo.yaml"
    assert caught.value.problems[0].row is not None


def test_a_seed_plan_with_its_manual_flag_removed_fails(plans: dict[str, Plan]) -> None:
    raw = plans["dafeng"].model_dump(mode="json", exclude_none=True)
    broken = copy.deepcopy(raw)
    target = next(i for i in broken["indicators"] if i.get("manual"))
    del target["manual"]
    del target["evidence_required"]
    with pytest.raises(ValidationFailed) as caught:
        parse_plan(yaml.safe_dump(broken, allow_unicode=True), "dafeng.yaml")
    assert caught.value.problems[0].field == f"dafeng.yaml: indicators[{target['id']}]"
    # The untouched dump round-trips, so the failure above is the removed flag and nothing else.
    assert parse_plan(yaml.safe_dump(raw, allow_unicode=True), "dafeng.yaml") == plans["dafeng"]


def test_counted_projects_must_exist() -> None:
    text = _plan_text(computation="project_quantity_delivered", counts_projects=["station_nowhere"])
    with pytest.raises(ValidationFailed, match="unknown projects"):
        parse_plan(text, "demo.yaml")


def test_every_computation_declares_meaning_and_records() -> None:
    for comp in Computation:
        assert comp.meaning and comp.records, comp.value


# --- sources against the Chinese text --------------------------------------------------------


def test_every_source_quote_occurs_on_its_line(plans: dict[str, Plan]) -> None:
    missing: list[str] = []
    for plan in plans.values():
        lines = plan_text_lines(plan)
        for item in [*plan.indicators, *plan.projects]:
            params = getattr(item, "parameters", None)
            for ref in [*item.source, *(params.source if params is not None else [])]:
                n = ref.number
                assert 1 <= n <= len(lines), f"{plan.id}.{item.id}: {ref.line} beyond the text"
                window = lines[max(0, n - 2) : n + 1]  # the named line and one either side
                if not any(ref.quote in line for line in window):
                    missing.append(f"{plan.id}.{item.id} {ref.line}: {ref.quote}")
    assert not missing, "quotes not found on their lines:\n" + "\n".join(missing)


def test_quote_check_catches_a_wrong_line(plans: dict[str, Plan]) -> None:
    lines = plan_text_lines(plans["tongzhou"])
    quote = plans["tongzhou"].indicator("fire_deaths_per_100k").source[0].quote
    assert quote in lines[204 - 1]
    assert not any(quote in line for line in lines[100 - 2 : 100 + 1])


def test_reference_text_is_the_published_plan(plans: dict[str, Plan]) -> None:
    assert plan_text_lines(plans["tongzhou"])[201 - 1].startswith(
        "表2：“十四五”时期消防事业主要指标"
    )
    assert plan_text_lines(plans["lianzhou"])[348 - 1] == "连州市消防“十四五”规划主要指标表"


# --- the figures the issue names -------------------------------------------------------------


def test_tongzhou_headline_indicators(plans: dict[str, Plan]) -> None:
    tz = plans["tongzhou"]
    deaths = tz.indicator("fire_deaths_per_100k")
    assert (deaths.comparison, deaths.target, deaths.attribute) == (
        Comparison.BELOW,
        0.33,
        Attribute.BINDING,
    )
    assert deaths.unit is Unit.DEATHS_PER_100K
    assert deaths.computation is Computation.DEATHS_PER_100K
    hydrants = tz.indicator("hydrant_intact_rate")
    assert (hydrants.comparison, hydrants.target, hydrants.attribute) == (
        Comparison.AT_LEAST,
        95,
        Attribute.BINDING,
    )
    awareness = tz.indicator("public_awareness_rate")
    assert (awareness.target, awareness.attribute) == (85, Attribute.BINDING)
    table = [i for i in tz.indicators if any(201 <= s.number <= 209 for s in i.source)]
    assert len(table) == 6  # 表2 has six rows
    assert {i.attribute for i in table} == {Attribute.BINDING, Attribute.EXPECTED}


def test_lianzhou_headline_indicators(plans: dict[str, Plan]) -> None:
    lz = plans["lianzhou"]
    deaths = lz.indicator("fire_deaths_per_100k")
    assert (deaths.comparison, deaths.target, deaths.averaging, deaths.attribute) == (
        Comparison.AT_MOST,
        0.15,
        Averaging.YEARLY_MEAN,
        Attribute.BINDING,
    )
    stations = lz.indicator("stations_per_100k")
    assert (stations.comparison, stations.target, stations.unit) == (
        Comparison.AT_LEAST,
        1.7,
        Unit.STATIONS_PER_100K,
    )
    rescuers = lz.indicator("fulltime_rescuers_share")
    assert (rescuers.target, rescuers.unit) == (0.45, Unit.PER_MILLE)
    larger = lz.indicator("larger_fire_share")
    assert larger.comparison is Comparison.FALL_BY_PERCENT
    assert larger.baseline is not None and larger.baseline.year == 2020
    assert lz.indicator("new_hydrants_yearly").milestones == {
        2021: 20,
        2022: 30,
        2023: 40,
        2024: 50,
        2025: 50,
    }


def test_dafeng_has_26_headline_rates_and_yearly_hydrants(plans: dict[str, Plan]) -> None:
    df = plans["dafeng"]
    headline = [i for i in df.indicators if any(71 <= s.number <= 75 for s in i.source)]
    assert len(headline) == 26
    assert {i.unit for i in headline} >= {Unit.PERCENT, Unit.PER_MILLE}
    assert df.indicator("major_hazard_rectification_rate").target == 100
    assert df.indicator("station_open_rate").computation is Computation.STATION_OPEN_RATE
    assert df.indicator("public_awareness_rate").target == 90
    yearly = df.indicator("new_hydrants_yearly")
    assert (yearly.target, yearly.averaging, yearly.computation) == (
        185,
        Averaging.PER_YEAR,
        Computation.NEW_HYDRANTS_PER_YEAR,
    )
    stations = [p for p in df.projects if p.kind == "station"]
    assert len(stations) == 18  # the table's 20 rows less the two kept as they are


def test_xiuwu_coverage_rates_and_firefighters(plans: dict[str, Plan]) -> None:
    xw = plans["xiuwu"]
    coverage = [
        xw.indicator(i).target
        for i in (
            "monitoring_warning_coverage",
            "iot_monitoring_coverage",
            "grassroots_governance_coverage",
        )
    ]
    assert coverage == [80, 83, 85]
    assert all(
        xw.indicator(i).denominator_note
        for i in (
            "monitoring_warning_coverage",
            "iot_monitoring_coverage",
            "grassroots_governance_coverage",
        )
    )
    firefighters = xw.indicator("professional_firefighters_share")
    assert (firefighters.target, firefighters.unit) == (0.08, Unit.PERCENT)


def test_kaifeng_project_boxes(plans: dict[str, Plan]) -> None:
    kf = plans["kaifeng"]
    new_stations = kf.indicator("new_urban_stations")
    assert new_stations.target == 10 and len(new_stations.counts_projects) == 10
    special = next(p for p in kf.projects if p.id == "station_new_special")
    assert [(m.name, m.year) for m in special.milestones] == [
        ("立项征地", 2021),
        ("主体完工", 2022),
        ("投入执勤", 2023),
    ]
    teams = kf.indicator("township_teams_built")
    projects = {p.id: p for p in kf.projects}
    assert teams.target == 70
    assert sum(projects[p].quantity or 0 for p in teams.counts_projects) == 70
    assert kf.indicator("new_hydrants").target == 1500
    assert kf.indicator("registered_volunteers").target == 50000


def test_rates_with_unstated_denominators_say_which_one(plans: dict[str, Plan]) -> None:
    needs_note = {
        Computation.TRAINING_RATE,
        Computation.FULLTIME_FIREFIGHTERS_PER_POPULATION,
        Computation.PROFESSIONAL_FIREFIGHTERS_PER_POPULATION,
        Computation.STATIONS_PER_100K,
        Computation.IOT_MONITORING_COVERAGE_RATE,
        Computation.GRID_COVERAGE_RATE,
    }
    for plan in plans.values():
        for ind in plan.indicators:
            if ind.computation in needs_note:
                assert ind.denominator_note, f"{plan.id}.{ind.id}"


def test_indicator_model_is_usable_without_files() -> None:
    ind = Indicator.model_validate(_indicator(manual=True, computation=None, evidence_required="x"))
    assert ind.manual and ind.computation is None
