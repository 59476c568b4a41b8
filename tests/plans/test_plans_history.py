"""Registry facts as of a past year end: a hydrant's condition and smartness, a station's
status, a device's connection and a unit's key-unit flag are read back from the audit log, so a
year's value is that year's, not today's."""

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
from lanyan.registry.models import Device, Station, WaterSource
from lanyan.registry.models import Unit as SocialUnit
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store import audit
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


def _history(s: Any, slug: str, model: Any, code: str, day: str, **changes: Any) -> None:
    """Change a registry row and audit it with the whole row before and after, as made on
    ``day`` (the way registry.service and the demo's history write it)."""
    ot = get_type(slug)
    row = s.execute(select(model).where(model.code == code)).scalar_one()
    before = service.snapshot(ot, row)
    for key, value in changes.items():
        setattr(row, key, value)
    s.flush()
    when = datetime.fromisoformat(f"{day}T04:00:00+00:00")
    audit.record(s, SYSTEM, "update", slug, row.id, before, service.snapshot(ot, row), at=when)


def test_devices_key_units_and_smart_hydrants_as_of_each_year_end(uow: Any) -> None:
    """A hand-made history (tests/fixtures/plans_engine/records.json, then these changes):

    * U4 新丰影院 was a key unit until March 2024 (crowded since); U2 大中医院 was a crowded
      place until March 2024 (key since);
    * D3, U3 港区化工's transmission device (installed 2020), was online until its
      decommissioning in June 2024;
    * W1 became a smart hydrant in May 2024 (W3 carries the smart_hydrant sensor D7 of 2022).
    """
    load_engine_fixture(uow)
    with uow() as s:
        _history(s, "units", SocialUnit, "U4", "2019-01-10", category="key")
        _history(s, "units", SocialUnit, "U4", "2024-03-01", category="crowded")
        _history(s, "units", SocialUnit, "U2", "2019-01-10", category="crowded")
        _history(s, "units", SocialUnit, "U2", "2024-03-01", category="key")
        _history(s, "devices", Device, "D3", "2019-01-10", status="online")
        _history(s, "devices", Device, "D3", "2024-06-01", status="decommissioned")
        _history(s, "water-sources", WaterSource, "W1", "2019-01-10", is_smart=False)
        _history(s, "water-sources", WaterSource, "W1", "2024-05-01", is_smart=True)
    plan = load_plan("dafeng")
    years = [2022, 2025]

    def run(
        c: Computation, unit: str = "%"
    ) -> dict[int, tuple[float | None, int | None, int | None]]:
        with uow() as s:
            ctx = Context.build(s, plan, jurisdiction(s, "320904"))
            got = COMPUTATIONS[c](ctx, probe(c, unit), years)
        return {y: (got[y].value, got[y].numerator, got[y].denominator) for y in years}

    # 重点单位联网率: 2022 — key units U1 (D1 of 2021, connected) and U4 (no device): 1 of 2;
    # 2025 — U1 and U2 (D2 of 2023, offline but connected): 2 of 2.
    assert run(Computation.KEY_UNIT_CONNECTION_RATE) == {2022: (50.0, 1, 2), 2025: (100.0, 2, 2)}
    # 消防控制室联网率: units with a control room, U1 (key) and U3 (high risk). 2022 — D3 still
    # in service: 2 of 2; 2025 — D3 decommissioned: 1 of 2.
    assert run(Computation.CONTROL_ROOM_CONNECTION_RATE) == {
        2022: (100.0, 2, 2),
        2025: (50.0, 1, 2),
    }
    # 物联网监测覆盖率: the scope is U1–U4 both years (U5 is general). 2022 — online: D1 (U1),
    # D3 (U3, online then), D4 (U4): 3 of 4; 2025 — D1 and D4 (D2 offline, D3 gone): 2 of 4.
    assert run(Computation.IOT_MONITORING_COVERAGE_RATE) == {
        2022: (75.0, 3, 4),
        2025: (50.0, 2, 4),
    }
    # 智能消火栓比例: 2022 — W1, W2, W3 installed; smart: W3 by its sensor (W1 not yet): 1 of 3;
    # 2025 — W1 to W4; smart: W1 and W3: 2 of 4.
    smart = run(Computation.SMART_HYDRANT_RATE)
    assert smart[2022][1:] == (1, 3) and smart[2025] == (50.0, 2, 4)
