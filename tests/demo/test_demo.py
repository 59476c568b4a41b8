"""The Dafeng demo county: deterministic, faithful to the plan's figures, geographically sound.

Two full builds go into SQLite files (one through the CLI, one through the library) and are
compared row by row; one more build runs on every configured backend (``db_url``).
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from shapely.geometry import LineString, Point, shape
from shapely.prepared import prep
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.accounts.models import AccountUnit
from lanyan.accounts.service import User
from lanyan.cli.main import app
from lanyan.core.geo import Crs, area_km2, from_wgs84, to_metric, to_wgs84
from lanyan.core.timeutil import to_local, utcnow
from lanyan.demo import history, live
from lanyan.demo.build import (
    DEMO_ACTOR,
    DEMO_PASSWORD,
    DEMO_USERS,
    bind_demo_unit_manager,
    create_users,
    load,
)
from lanyan.demo.generate import DEFAULT_SEED, DemoData, generate
from lanyan.demo.plan import STATION_TABLE, adopt_dafeng
from lanyan.demo.region import county_boundary, county_boundary_gcj02
from lanyan.monitoring.alarms import sweep_offline
from lanyan.monitoring.models import DeviceHealth
from lanyan.plans.catalog import load_plan
from lanyan.plans.engine.evaluate import evaluate
from lanyan.plans.models import ManualEntry
from lanyan.prevention.models.inspections import Hazard
from lanyan.registry import models as m
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import OBJECT_TYPES
from lanyan.store import audit
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs
from lanyan.vehicles.models import VehicleLive

POINT_MODELS = (m.Unit, m.Building, m.Station, m.WaterSource)


def _today() -> date:
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _cli(url: str, *args: str) -> Any:
    return CliRunner().invoke(app, ["demo", *args], env={"LANYAN_DATABASE_URL": url})


def _sessions(url: str) -> Any:
    return make_session_factory(make_engine(url))


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every registry table as Create-shaped rows (references as codes), ordered by code;
    ids and timestamps are left out, so two builds compare by content. A device's status is
    left out too: monitoring writes it from what the device sent (issue #14), and only
    ``lanyan demo`` (A) feeds the demo's monitoring history."""
    out = {}
    with _sessions(url)() as s:
        for ot in OBJECT_TYPES:
            rows = [r for batch in service.iter_all(s, ot, EVERYWHERE) for r in batch]
            public = service.public_rows(s, ot, rows, input_only=True)
            if ot.slug == "devices":
                public = [{k: v for k, v in r.items() if k != "status"} for r in public]
            out[ot.slug] = sorted(public, key=lambda r: r["code"])
    return out


@pytest.fixture(scope="module")
def demo_data() -> DemoData:
    return generate(DEFAULT_SEED)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, demo_data: DemoData) -> tuple[str, str, Any]:
    """Database A built by ``lanyan demo``, database B by the library (the registry and its
    history, ``demo.history.build_registry``); both the default seed."""
    url_a = f"sqlite:///{tmp_path_factory.mktemp('demo_a') / 'a.db'}"
    result = _cli(url_a)
    assert result.exit_code == 0, result.output
    url_b = f"sqlite:///{tmp_path_factory.mktemp('demo_b') / 'b.db'}"
    upgrade(url_b)
    with unit_of_work(_sessions(url_b)) as s:
        load(s, demo_data)
        create_users(s)
        bind_demo_unit_manager(s)
        adopt_dafeng(s, DEMO_ACTOR)
        history.build_registry(s, DEFAULT_SEED, _today())  # the registry's years 2021–today
    return url_a, url_b, result


@pytest.fixture(scope="module")
def county(built: tuple[str, str, Any]) -> Any:
    with _sessions(built[0])() as s:
        text = s.execute(
            select(m.Jurisdiction.boundary).where(m.Jurisdiction.code == "320904")
        ).scalar_one()
    return shape(json.loads(text))


def test_gcj02_conversion_matches_a_published_pair() -> None:
    # Amap's coordinate-convert API documents GPS 116.481499,39.990475 -> GCJ-02
    # 116.487585177952,39.991754014757; both directions must agree to ~5 cm.
    lon, lat = to_wgs84(116.487585177952, 39.991754014757, Crs.GCJ02)
    assert (lon, lat) == pytest.approx((116.481499, 39.990475), abs=5e-7)
    assert from_wgs84(116.481499, 39.990475, Crs.GCJ02) == pytest.approx(
        (116.487585177952, 39.991754014757), abs=5e-7
    )


def test_dafeng_outline_moves_a_few_hundred_metres() -> None:
    gcj, wgs = county_boundary_gcj02(), county_boundary()
    shift_m = to_metric(LineString([gcj.centroid, wgs.centroid])).length
    assert 300 < shift_m < 700
    # GCJ-02 lies east of WGS84 in eastern China: converting moves the outline west.
    assert wgs.centroid.x < gcj.centroid.x
    # L29 gives 3,059 km² of administrative area; the land outline is a little smaller.
    assert 2700 < area_km2(wgs) < 3100


def test_same_seed_builds_the_same_county(built: tuple[str, str, Any]) -> None:
    a, b = dump(built[0]), dump(built[1])
    assert {slug: len(rows) for slug, rows in a.items()} == {
        slug: len(rows) for slug, rows in b.items()
    }
    for slug in a:
        assert a[slug] == b[slug], slug


def test_cli_prints_the_log_ins(built: tuple[str, str, Any]) -> None:
    output = built[2].output
    assert "admin" in output and DEMO_PASSWORD in output
    with _sessions(built[0])() as s:
        roles = dict(s.execute(select(User.username, User.role)).all())
    assert roles == {u.username: u.role.value for u in DEMO_USERS}


def test_demo_unit_manager_manages_one_key_unit(built: tuple[str, str, Any]) -> None:
    for url in built[:2]:
        with _sessions(url)() as s:
            rows = s.execute(
                select(m.Unit.code, m.Unit.category)
                .join(AccountUnit, AccountUnit.unit_id == m.Unit.id)
                .join(User, User.id == AccountUnit.user_id)
                .where(User.username == "unit-manager")
            ).all()
            assert len(rows) == 1 and rows[0].category == "key"
            devices = s.execute(
                select(func.count(m.Device.id))
                .join(m.Unit, m.Unit.id == m.Device.unit_id)
                .where(m.Unit.code == rows[0].code)
            ).scalar_one()
            assert devices > 0  # the monitoring pages show the manager something
            if url == built[0]:  # ``lanyan demo`` also writes supervision records
                hazards = s.execute(
                    select(func.count(Hazard.id))
                    .join(m.Unit, m.Unit.id == Hazard.unit_id)
                    .where(m.Unit.code == rows[0].code)
                ).scalar_one()
                assert hazards > 0  # and their hazard pages too


def test_station_table_is_encoded(built: tuple[str, str, Any]) -> None:
    with _sessions(built[0])() as s:
        stations = {st.name: st for st in s.execute(select(m.Station)).scalars()}
        fleets = Counter(s.execute(select(m.Vehicle.station_id)).scalars())
        staff = Counter()
        for sid, n in s.execute(select(m.PersonnelCount.station_id, m.PersonnelCount.count)):
            staff[sid] += n
    assert len(STATION_TABLE) == 20
    expected = {
        # Built since 2020 (demo.history): opened in the table year, or late (西团 2023).
        "大丰港经济开发区特勤政府专职消防站": ("special_service", "", "government_fulltime", "existing", 2022),
        "幸福路消防站": ("class1", "", "national", "existing", None),
        "刘庄镇政府专职消防站": ("class1", "省规一级站", "government_fulltime", "existing", 2021),
        "西团镇政府专职消防站": ("class2", "省规二级站", "government_fulltime", "existing", 2022),
        "丰华街道（高新区）政府专职消防站": ("class2", "省规二级站", "government_fulltime", "existing", None),
        "经开区政府专职消防站": ("class1", "省规一级站", "government_fulltime", "existing", None),
        "临港产业园政府专职消防站": ("class1", "省规一级站", "government_fulltime", "existing", 2022),
        "白驹镇政府专职消防站": ("class2", "省规二级站", "government_fulltime", "existing", 2022),
        "常州盐城工业园政府专职消防站": ("class2", "省规二级站", "government_fulltime", "under_construction", 2022),
    }  # fmt: skip
    for name, want in expected.items():
        st = stations[name]
        got = (st.station_class, st.local_class, st.force_type, st.status, st.planned_year)
        assert got == want, name
    table = [stations[row.name] for row in STATION_TABLE]
    assert Counter(st.status for st in table) == {"existing": 19, "under_construction": 1}
    assert stations["西团镇政府专职消防站"].opened_on.year == 2023  # late: the table says 2022
    assert Counter(st.station_class for st in table) == {
        "special_service": 1,
        "class1": 7,
        "class2": 12,
    }
    minimum = {"special_service": 45, "class1": 24, "class2": 16}  # L357
    vehicles = {"special_service": (8, 11), "class1": (5, 7), "class2": (2, 4)}
    for st in table:
        if st.status == "existing" and (st.opened_on is None or st.opened_on.year < 2021):
            lo, hi = vehicles[st.station_class]
            assert lo <= fleets[st.id] <= hi, st.name
            assert staff[st.id] >= minimum[st.station_class], st.name
        else:  # planned in 2020: no fleet or staff registered (the registry has no history)
            assert fleets[st.id] == 0 and staff[st.id] == 0, st.name
    micro = [st for st in stations.values() if st.force_type == "micro"]
    assert len(micro) == 167 + 185  # L17
    assert sum(1 for st in micro if st.unit_id is not None) == 167


def test_hydrants_match_the_plan(built: tuple[str, str, Any]) -> None:
    with _sessions(built[0])() as s:
        rows = s.execute(
            select(m.WaterSource.status, m.WaterSource.pressure_mpa).where(
                m.WaterSource.kind == "municipal_hydrant", m.WaterSource.installed_year <= 2020
            )
        ).all()
        intakes = s.execute(
            select(func.count()).where(m.WaterSource.kind == "natural_intake")
        ).scalar_one()
    statuses = Counter(st for st, _ in rows)
    assert 1450 <= len(rows) <= 1550  # L17, L29: 1,503
    assert 0.015 <= statuses["damaged"] / len(rows) <= 0.03
    assert statuses["missing"] > 0
    intact = [p for st, p in rows if st == "intact"]
    assert all(0.14 <= p <= 0.35 for p in intact)
    assert intakes == 5  # L17


def test_every_record_lies_inside_the_county(built: tuple[str, str, Any], county: Any) -> None:
    inside = prep(county)
    with _sessions(built[0])() as s:
        for model in POINT_MODELS:
            for lon, lat in s.execute(select(model.lon, model.lat)):
                assert inside.contains(Point(lon, lat)), model.__tablename__
        for (geometry,) in s.execute(select(m.Road.geometry)):
            assert inside.contains(shape(json.loads(geometry)))
        towns = s.execute(select(m.Jurisdiction).where(m.Jurisdiction.level == "town")).scalars()
        towns = list(towns)
    assert len(towns) == 2 + 11 + 7
    assert all(t.code.startswith("320904") and len(t.code) == 9 for t in towns)
    assert sum(t.area_km2 for t in towns) == pytest.approx(area_km2(county), rel=1e-3)
    for t in towns:
        assert shape(json.loads(t.boundary)).contains(Point(t.lon, t.lat)), t.name


def test_road_graph_is_connected(built: tuple[str, str, Any]) -> None:
    parent: dict[tuple[float, float], tuple[float, float]] = {}

    def find(p: tuple[float, float]) -> tuple[float, float]:
        parent.setdefault(p, p)
        while parent[p] != p:
            parent[p] = parent[parent[p]]
            p = parent[p]
        return p

    with _sessions(built[0])() as s:
        roads = s.execute(select(m.Road.geometry, m.Road.road_class)).all()
    for geometry, _ in roads:
        coords = json.loads(geometry)["coordinates"]
        parent[find(tuple(coords[0]))] = find(tuple(coords[-1]))
    assert len({find(p) for p in list(parent)}) == 1
    assert 1000 <= len(roads) <= 5000
    assert {"expressway", "arterial", "secondary", "local", "rural"} == {c for _, c in roads}


def test_audit_chain_holds(built: tuple[str, str, Any]) -> None:
    for url in built[:2]:
        with _sessions(url)() as s:
            result = audit.verify(s)
            actors = set(s.execute(select(audit.AuditEntry.actor).distinct()).scalars())
        assert result.ok, result.problem
        # Everything is the demo's, except the patrols the demo records as the demo grid worker's
        # and unit manager's own (their "my patrols" pages list what they walked).
        assert "system:demo" in actors
        assert actors <= {"system:demo", "grid-worker", "unit-manager"}


def test_if_empty_leaves_a_built_database_alone(built: tuple[str, str, Any]) -> None:
    url = built[0]
    with _sessions(url)() as s:
        before = audit.verify(s).checked
    result = _cli(url, "--if-empty")
    assert result.exit_code == 0, result.output
    assert "demo not built" in result.output and "admin" in result.output
    refused = _cli(url)
    assert refused.exit_code == 1
    assert "--if-empty" in refused.output
    with _sessions(url)() as s:
        assert audit.verify(s).checked == before


def test_units_carry_valid_credit_codes(built: tuple[str, str, Any]) -> None:
    from lanyan.core.codes import check_uscc

    with _sessions(built[0])() as s:
        units = s.execute(select(m.Unit.code, m.Unit.category, m.Unit.name)).all()
    assert all(check_uscc(code) == code for code, _, _ in units)
    assert len({name for _, _, name in units}) == len(units)
    assert {c for _, c, _ in units} == {
        "key",
        "high_risk",
        "crowded",
        "nine_small",
        "three_in_one",
        "general",
    }


def test_demo_loads_on_each_backend(uow: Any, db_url: str, demo_data: DemoData) -> None:
    with uow() as s:
        written = load(s, demo_data)
        create_users(s)
    with uow() as s:
        assert audit.verify(s).ok
        for ot in OBJECT_TYPES:
            count = s.execute(select(func.count()).select_from(ot.model)).scalar_one()
            assert count == written[ot.slug], ot.slug


# --- the years 2021 to today (demo.history) -------------------------------------------------


def _evaluate(url: str, year: int) -> Any:
    with _sessions(url)() as s:
        j = s.execute(select(m.Jurisdiction).where(m.Jurisdiction.code == "320904")).scalar_one()
        return evaluate(s, load_plan("dafeng"), j, year)


@pytest.mark.parametrize("year", [2023, 2025])
def test_dafeng_dashboard_has_a_value_for_every_computed_indicator(
    built: tuple[str, str, Any], year: int
) -> None:
    result = _evaluate(built[0], year)
    rows = result.as_dicts()
    computed = [r for r in rows if r["how"] != "manual"]
    assert len(computed) == 16
    assert [r["id"] for r in computed if r["value"] is None] == []
    statuses = Counter(r["status"] for r in rows)
    assert statuses["met"] and statuses["not_met"], statuses  # a mix, not one colour
    # Manual indicators: some entered (marked as demo entries), the rest 无数据.
    manual = [r for r in rows if r["how"] == "manual"]
    assert any(r["value"] is not None for r in manual)
    assert any(r["status"] == "no_data" for r in manual)


def test_history_gives_each_year_its_own_value(built: tuple[str, str, Any]) -> None:
    series = {r["id"]: r["series"] for r in _evaluate(built[0], 2025).as_dicts()}
    coverage = series["town_station_coverage_rate"]  # stations opened in their years
    assert coverage["2021"] < coverage["2022"] < coverage["2025"]
    assert series["new_hydrants_yearly"] == {
        str(y): float(n) for y, n in history.HYDRANTS_PER_YEAR.items() if y <= 2025
    }
    usage = series["key_unit_management_system_usage_rate"]
    assert usage["2021"] < usage["2025"]
    # Devices' connection, the key-unit flag and smart hydrants as of each year end (the audit
    # log): hydrants fitted with smart terminals year by year, key units designated and
    # networked over the years — each year its own value.
    smart = series["smart_hydrant_rate"]
    assert smart["2021"] < smart["2022"] < smart["2023"] < smart["2024"] < smart["2025"]
    for rate in ("control_room_connection_rate", "facility_monitoring_connection_rate"):
        values = [series[rate][str(y)] for y in range(2021, 2026)]
        assert len(set(values)) == 5 and values[0] < values[-1], (rate, values)
    with _sessions(built[0])() as s:
        marked = s.execute(select(ManualEntry.evidence)).scalars().all()
    assert marked and all(e.startswith(history.DEMO_MARK) for e in marked)


def test_live_feeder_keeps_the_devices_and_vehicles_reporting(
    built: tuple[str, str, Any], tmp_path: Any
) -> None:
    """Half an hour after the build, the offline sweep would raise an alarm for every online
    device; after one round of the demo feeder (``make run``) it raises none, and every vehicle
    not in the workshop has a fresh position."""
    copy = tmp_path / "live.db"
    with sqlite3.connect(built[0].removeprefix("sqlite:///")) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
    factory = _sessions(f"sqlite:///{copy}")
    later = utcnow() + timedelta(minutes=30)
    with factory() as s:
        online = s.execute(select(func.count()).where(DeviceHealth.online.is_(True))).scalar_one()
    assert online > 2000  # what the sweep would have flooded the desk with
    assert live.beat(factory, later, random.Random(1), set()) >= online - 5
    with unit_of_work(factory) as s:
        assert len(sweep_offline(s, later + timedelta(seconds=30), timedelta(minutes=1))) <= 5
    ours: dict[int, Any] = {}
    stored = live.drive(factory, later, random.Random(1), ours)
    with factory() as s:
        fresh = s.execute(select(func.count()).where(VehicleLive.reported_at == later)).scalar_one()
        in_service = s.execute(
            select(func.count()).where(m.Vehicle.status != "out_of_service")
        ).scalar_one()
    assert stored == fresh == in_service > 0
    # A vehicle another source reports for (the simulator, a real terminal) is left to it.
    with factory() as s:
        other = s.execute(select(VehicleLive).order_by(VehicleLive.vehicle_id)).scalars().first()
        assert other is not None
        vid, phone, lat, lon = other.vehicle_id, other.phone, other.lat, other.lon
    moved_at = later + timedelta(minutes=1)
    fix = Fix(phone, moved_at, moved_at, lat + 0.01, lon, speed_kmh=40.0, source="jt808")
    with unit_of_work(factory) as s:
        store_jobs(s, [Job(POSITIONS, phone, "sim", moved_at, [fix])], Bindings())
    again = live.drive(factory, later + timedelta(minutes=4), random.Random(2), ours)
    assert again == stored - 1
    with factory() as s:
        kept = s.get(VehicleLive, vid)
        assert kept is not None and kept.reported_at == moved_at
