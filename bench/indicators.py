"""Benchmark: evaluate every indicator of all five seed plans over a county of 1,000,000+ records.

Generates (seeded RNG) a county — 20 towns, 300 villages — with units, buildings, IoT devices,
hydrants, stations, vehicles, personnel, fire statistics records, hazards, self-inspections,
trainings, rosters, surveys, open days and outreach for 2016–2025, bulk-inserted with SQLAlchemy
core into a fresh database (SQLite by default, or ``--url``). Every plan is adopted by the county
and evaluated for ``--year`` (default 2025, the final year: the longest series, and Lianzhou's
2016–2020 baseline). The figure is the best of ``--repeat`` evaluations, each with a fresh
``Evaluator`` (no shared cache between runs). Target: at most 2 s.

The five-year series: every indicator of the five plans for each year 2021–2025 (one Evaluator
for the five years, as a dashboard's trend or the 规划实施考核 reads them), with the as-of-date
history included — the audit log holds a ``create`` entry per hydrant and station and ``update``
entries over 2021–2025 changing the condition of 5 % of hydrants, the status of a few stations,
the smartness of 10 % of hydrants, the category (key-unit flag) of 1 % of units and the status
(connection) of 2 % of devices, which the engine reads back (``registry.history``). Target: at most 3 s. The one-year
evaluation, run in the same process, is its anchor (ratio printed), with bench/hostref.py's host
reference.

    python bench/indicators.py [--scale 1.0] [--year 2025] [--repeat 3] [--url URL] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from hostref import host_line  # bench/hostref.py, beside this script
from sqlalchemy import Engine, select, text

from lanyan.plans.catalog import list_plans
from lanyan.plans.engine import Evaluator, Status
from lanyan.registry.models import Jurisdiction
from lanyan.stats.choices import FireCause, FirePlace, fire_grade
from lanyan.stats.records import time_fields
from lanyan.store.db import make_engine, make_session_factory
from lanyan.store.migrate import upgrade
from lanyan.store.models_all import metadata

TARGET_S = 2.0
SERIES_TARGET_S = 3.0
SERIES = range(2021, 2026)
TOWNS, VILLAGES_PER_TOWN = 20, 15
YEARS = range(2016, 2026)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
CHUNK = 20_000


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


class Region:
    """The generated county: jurisdiction ids by level, and the ids of what later tables refer
    to."""

    def __init__(self) -> None:
        self.county = 3
        self.towns: list[int] = []
        self.villages: list[int] = []
        self.places: list[int] = []
        self.units: list[int] = []
        self.stations: list[int] = []
        self.rescuers: list[int] = []


def jurisdictions(region: Region) -> Iterator[dict[str, Any]]:
    yield {"id": 1, "code": "320000", "name": "江苏省", "level": "province", "path": "/1/"}
    yield {
        "id": 2,
        "code": "320900",
        "name": "盐城市",
        "level": "city",
        "parent_id": 1,
        "path": "/1/2/",
    }
    yield {
        "id": 3,
        "code": "320904",
        "name": "大丰区",
        "level": "county",
        "parent_id": 2,
        "path": "/1/2/3/",
    }
    next_id = 4
    for t in range(TOWNS):
        town = next_id
        next_id += 1
        region.towns.append(town)
        town_path = f"/1/2/3/{town}/"
        yield {
            "id": town,
            "code": f"320904{100 + t:03d}",
            "name": f"镇{t}",
            "level": "town",
            "parent_id": 3,
            "path": town_path,
        }
        for v in range(VILLAGES_PER_TOWN):
            village = next_id
            next_id += 1
            region.villages.append(village)
            yield {
                "id": village,
                "code": f"320904{100 + t:03d}{v + 1:03d}",
                "name": f"镇{t}村{v}",
                "level": "village",
                "parent_id": town,
                "path": f"{town_path}{village}/",
            }
    region.places = [region.county, *region.towns, *region.villages]


def generate(engine: Engine, scale: float, seed: int) -> dict[str, int]:
    """Fill the database; returns rows per table."""
    rng = random.Random(seed)
    region = Region()
    counts: dict[str, int] = {}

    def put(table: str, rows: Iterator[dict[str, Any]]) -> None:
        t = metadata.tables[table]
        stamped = "created_at" in t.c
        # executemany needs every row to carry the same keys: absent optional columns are NULL.
        optional = [c.name for c in t.c if c.nullable and c.default is None and not c.primary_key]
        n = 0
        batch: list[dict[str, Any]] = []
        with engine.begin() as conn:
            for row in rows:
                if stamped:
                    row["created_at"] = row["updated_at"] = NOW
                for name in optional:
                    row.setdefault(name, None)
                batch.append(row)
                if len(batch) == CHUNK:
                    conn.execute(t.insert(), batch)
                    n += len(batch)
                    batch = []
            if batch:
                conn.execute(t.insert(), batch)
                n += len(batch)
        counts[table] = n

    def many(n: float) -> int:
        return max(1, int(n * scale))

    put("jurisdictions", jurisdictions(region))
    put(
        "jurisdiction_populations",
        (
            {
                "id": i + 1,
                "code": f"POP{y}",
                "jurisdiction_id": region.county,
                "year": y,
                "population": 700_000 + 2_000 * (y - 2016),
            }
            for i, y in enumerate(YEARS)
        ),
    )
    n_units = many(100_000)
    categories = (
        ["key"] * 3
        + ["high_risk"]
        + ["crowded"] * 6
        + ["nine_small"] * 40
        + ["three_in_one"] * 10
        + ["general"] * 40
    )
    region.units = list(range(1, n_units + 1))
    put(
        "units",
        (
            {
                "id": u,
                "code": f"U{u:08d}",
                "name": f"单位{u}",
                "category": rng.choice(categories),
                "lon": 120.3 + rng.random() * 0.5,
                "lat": 33.0 + rng.random() * 0.4,
                "jurisdiction_id": rng.choice(region.villages),
            }
            for u in region.units
        ),
    )
    unit_place = dict(
        engine.connect()
        .execute(select(metadata.tables["units"].c.id, metadata.tables["units"].c.jurisdiction_id))
        .all()
    )
    systems = [
        ["control_room", "automatic_alarm", "sprinkler"],
        ["sprinkler"],
        ["indoor_hydrant"],
        [],
    ]
    put(
        "buildings",
        (
            {
                "id": b,
                "code": f"B{b:08d}",
                "name": f"建筑{b}",
                "unit_id": (u := rng.choice(region.units)),
                "jurisdiction_id": unit_place[u],
                "lon": 120.5,
                "lat": 33.2,
                "height_m": 20.0 + rng.random() * 80,
                "floors_above": rng.randrange(2, 30),
                "use": "public",
                "fire_systems": rng.choice(systems),
            }
            for b in range(1, many(20_000) + 1)
        ),
    )
    kinds = [
        "user_info_transmission",
        "smoke_detector",
        "smoke_detector",
        "electrical_monitor",
        "camera",
    ]
    statuses = ["online"] * 6 + ["offline", "fault", "registered", "decommissioned"]
    put(
        "devices",
        (
            {
                "id": d,
                "code": f"D{d:09d}",
                "kind": rng.choice(kinds),
                "protocol": "mqtt",
                "status": rng.choice(statuses),
                "unit_id": (u := rng.choice(region.units)),
                "jurisdiction_id": unit_place[u],
                "installed_on": _day(rng, rng.choice(YEARS)) if rng.random() < 0.9 else None,
            }
            for d in range(1, many(250_000) + 1)
        ),
    )
    put(
        "water_sources",
        (
            {
                "id": w,
                "code": f"W{w:08d}",
                "kind": rng.choice(["municipal_hydrant"] * 8 + ["water_crane", "fire_pool"]),
                "status": rng.choice(["intact"] * 9 + ["damaged", "missing"]),
                "lon": 120.5,
                "lat": 33.2,
                "jurisdiction_id": rng.choice(region.places),
                "is_smart": rng.random() < 0.2,
                "installed_year": rng.choice([None, *range(2000, 2026)]),
            }
            for w in range(1, many(30_000) + 1)
        ),
    )
    n_stations = 60
    region.stations = list(range(1, n_stations + 1))
    classes = ["special_service", "class1", "class2", "small", "small"]
    station_place = {s: rng.choice(region.towns) for s in region.stations}
    put(
        "stations",
        (
            {
                "id": s,
                "code": f"S{s:04d}",
                "name": f"消防站{s}",
                "station_class": rng.choice(classes),
                "force_type": rng.choice(["national", "government_fulltime", "micro"]),
                "status": rng.choice(["existing"] * 8 + ["planned", "under_construction"]),
                "opened_on": _day(rng, rng.randrange(2000, 2025)),
                "lon": 120.5,
                "lat": 33.2,
                "jurisdiction_id": station_place[s],
            }
            for s in region.stations
        ),
    )
    put(
        "vehicles",
        (
            {
                "id": v,
                "code": f"V{v:05d}",
                "vehicle_type": "water_tender",
                "station_id": (s := rng.choice(region.stations)),
                "jurisdiction_id": station_place[s],
                "status": rng.choice(
                    ["available"] * 6 + ["dispatched", "maintenance", "out_of_service"]
                ),
                "in_service_year": rng.choice([None, *range(2010, 2026)]),
            }
            for v in range(1, 401)
        ),
    )
    put(
        "personnel_counts",
        (
            {
                "id": i,
                "code": f"PC{i:05d}",
                "station_id": s,
                "jurisdiction_id": station_place[s],
                "category": category,
                "count": rng.randrange(5, 40),
                "as_of": date(y, 12, 31),
            }
            for i, (s, y, category) in enumerate(
                (
                    (s, y, c)
                    for s in region.stations
                    for y in YEARS
                    for c in ("national", "government_fulltime", "clerk")
                ),
                start=1,
            )
        ),
    )
    put(
        "grids",
        (
            {"id": g, "code": f"G{g:04d}", "name": f"网格{g}", "jurisdiction_id": v}
            for g, v in enumerate(region.villages, start=1)
        ),
    )
    put(
        "grid_workers",
        (
            {
                "id": g,
                "code": f"GW{g:04d}",
                "name": f"网格员{g}",
                "grid_id": g,
                "jurisdiction_id": region.villages[g - 1],
            }
            for g in range(1, len(region.villages) + 1)
            if rng.random() < 0.85
        ),
    )

    PLACES = [p.value for p in FirePlace]
    CAUSES = [c.value for c in FireCause]

    def fires() -> Iterator[dict[str, Any]]:
        for f in range(1, many(200_000) + 1):
            y = rng.choice(YEARS)
            day = _day(rng, y)
            deaths = 1 if rng.random() < 0.002 else 0
            loss = rng.expovariate(1 / 20_000)
            yield {
                "id": f,
                "code": f"F{f:09d}",
                "jurisdiction_id": rng.choice(region.places),
                **time_fields(day, None),
                "hour": f % 24,  # not drawn from rng: the rest of the region stays as before
                "place": PLACES[f % len(PLACES)],
                "cause": CAUSES[f % len(CAUSES)],
                "deaths": deaths,
                "injuries": 0,
                "serious_injuries": 0,
                "direct_loss_yuan": loss,
                "grade": fire_grade(day, deaths, 0, loss).value,
            }

    put("stats_fire_records", fires())

    # Supervision's hazards (prevention_hazards) with the 复查通过 step of their history that the
    # major-hazard rectification rate reads.
    passed: list[tuple[int, date]] = []

    def hazards() -> Iterator[dict[str, Any]]:
        for h in range(1, many(150_000) + 1):
            y = rng.choice(YEARS)
            deadline = _day(rng, y)
            found = deadline - timedelta(days=60)
            rectified = rng.random() < 0.9
            if rectified:
                passed.append((h, deadline - timedelta(days=rng.randrange(-30, 50))))
            yield {
                "id": h,
                "code": f"H{h:09d}",
                "unit_id": (u := rng.choice(region.units)),
                "jurisdiction_id": unit_place[u],
                "description": "bench hazard",
                "is_major": rng.random() < 0.05,
                "state": "recheck_passed" if rectified else "rectifying",
                "found_at": datetime(found.year, found.month, found.day, 2, tzinfo=UTC),
                "deadline": deadline,
            }

    put("prevention_hazards", hazards())

    def hazard_events() -> Iterator[dict[str, Any]]:
        for i, (h, day) in enumerate(passed, start=1):
            yield {
                "id": i,
                "hazard_id": h,
                "event": "pass_recheck",
                "from_state": "recheck_requested",
                "to_state": "recheck_passed",
                "at": datetime(day.year, day.month, day.day, 8, tzinfo=UTC),
                "by": "bench",
                "detail": {},
            }

    put("prevention_hazard_events", hazard_events())

    def checks() -> Iterator[dict[str, Any]]:
        for c in range(1, many(200_000) + 1):
            u = rng.choice(region.units)
            y = rng.choice(YEARS)
            day = _day(rng, y)
            at = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
            yield {
                "id": c,
                "kind": "daily_patrol",
                "unit_id": u,
                "jurisdiction_id": unit_place[u],
                "patroller": "bench",
                "started_at": at,
                "finished_at": at,
                "checked_on": day,
                "year": y,
                "expected": 0,
                "scanned": 0,
                "problems": 0,
                "created_at": at,
                "updated_at": at,
            }

    put("prevention_patrols", checks())

    certificates: list[dict[str, Any]] = []

    def people() -> Iterator[dict[str, Any]]:
        pid = 0
        for kind, n in (
            ("rescuer", 3_000),
            ("practitioner", 5_000),
            ("volunteer", 20_000),
            ("government_fulltime", 800),
        ):
            for _ in range(many(n)):
                pid += 1
                joined = _day(rng, rng.randrange(2010, 2026))
                if kind == "rescuer":
                    region.rescuers.append(pid)
                row = {
                    "id": pid,
                    "code": f"P{pid:07d}",
                    "kind": kind,
                    "jurisdiction_id": rng.choice(region.places),
                    "joined_on": joined,
                    "left_on": joined + timedelta(days=rng.randrange(300, 4000))
                    if rng.random() < 0.2
                    else None,
                }
                if rng.random() < 0.7:
                    until = _day(rng, rng.randrange(2018, 2030))
                    certificates.append(
                        {
                            "person_id": pid,
                            "name": "职业技能证书",
                            "issued_on": until - timedelta(days=3 * 365),
                            "valid_until": until,
                        }
                    )
                yield row

    put("outreach_people", people())
    put("outreach_certifications", iter(certificates))

    def trainings() -> Iterator[dict[str, Any]]:
        for t in range(1, many(60_000) + 1):
            y = rng.choice(YEARS)
            if t % 6:
                u = rng.choice(region.units)
                yield {
                    "id": t,
                    "kind": "employee",
                    "jurisdiction_id": unit_place[u],
                    "unit_id": u,
                    "held_on": _day(rng, y),
                    "year": y,
                    "attendees": 20,
                }
            else:
                yield {
                    "id": t,
                    "kind": "specialised",
                    "jurisdiction_id": region.county,
                    "person_id": rng.choice(region.rescuers),
                    "held_on": _day(rng, y),
                    "year": y,
                    "attendees": 1,
                }

    put("outreach_training_records", trainings())
    put(
        "outreach_surveys",
        (
            {
                "id": i,
                "jurisdiction_id": rng.choice(region.villages),
                "surveyed_on": _day(rng, y := rng.choice(YEARS)),
                "year": y,
                "respondents": 100,
                "passed": rng.randrange(70, 100),
                "educated": rng.randrange(60, 100),
            }
            for i in range(1, many(2_000) + 1)
        ),
    )

    def open_days() -> Iterator[dict[str, Any]]:
        i = 0
        for s in region.stations:
            for y in YEARS:
                for month in range(1, 13):
                    for day in rng.sample(range(1, 29), rng.choice([1, 2, 3, 4])):
                        i += 1
                        yield {
                            "id": i,
                            "station_id": s,
                            "jurisdiction_id": station_place[s],
                            "day": date(y, month, day),
                            "year": y,
                            "month": month,
                        }

    put("outreach_open_days", open_days())
    put(
        "outreach_events",
        (
            {
                "id": i,
                "jurisdiction_id": rng.choice(region.places),
                "held_on": _day(rng, y := rng.choice(YEARS)),
                "year": y,
                "volunteer_person_times": rng.randrange(5, 200),
            }
            for i in range(1, many(3_000) + 1)
        ),
    )
    put(
        "plans_adoptions",
        (
            {"id": i, "plan_id": p.id, "jurisdiction_id": region.county, "adopted_by": "bench"}
            for i, p in enumerate(list_plans(), start=1)
        ),
    )

    def progress() -> Iterator[dict[str, Any]]:
        i = 0
        for plan in list_plans():
            for project in plan.projects:
                i += 1
                yield {
                    "id": i,
                    "plan_id": plan.id,
                    "project_id": project.id,
                    "jurisdiction_id": region.county,
                    "reported_on": date(2022, 6, 1),
                    "completed": rng.random() < 0.5,
                }

    put("plans_project_progress", progress())

    # The audit log as the registry would have written it: one create per hydrant and station,
    # then condition changes (5 % of hydrants) and status changes (stations) over 2021–2025.
    hydrant_ids = list(range(1, many(30_000) + 1))
    changed = rng.sample(hydrant_ids, len(hydrant_ids) // 20)
    # Devices' connection, the key-unit flag and smart hydrants (issue 21): their own seeded
    # draws, so the records above stay those of earlier runs.
    hist = random.Random(seed + 21)
    retrofitted = hist.sample(hydrant_ids, len(hydrant_ids) // 10)
    recategorised = hist.sample(region.units, len(region.units) // 100)
    device_ids = list(range(1, many(250_000) + 1))
    reconnected = hist.sample(device_ids, len(device_ids) // 50)

    def audit() -> Iterator[dict[str, Any]]:
        seq = 0

        def entry(slug: str, oid: int, action: str, at: datetime, before: Any, after: Any) -> Any:
            nonlocal seq
            seq += 1
            return {
                "id": seq,
                "seq": seq,
                "at": at,
                "actor": "bench",
                "action": action,
                "object_type": slug,
                "object_id": str(oid),
                "before": before,
                "after": after,
                "algorithm": "sha256",
                "prev_hash": "0" * 64,
                "hash": "0" * 64,
                "scope_path": "/",
            }

        born = datetime(2020, 12, 1, tzinfo=UTC)
        for w in hydrant_ids:
            yield entry("water-sources", w, "create", born, None, '{"status": "intact"}')
        for st in region.stations:
            yield entry("stations", st, "create", born, None, '{"status": "existing"}')
        for w in changed:
            at = datetime(rng.choice(SERIES), rng.randrange(1, 13), 1, tzinfo=UTC)
            old, new = rng.sample(["intact", "damaged", "missing"], 2)
            yield entry(
                "water-sources", w, "update", at, f'{{"status": "{old}"}}', f'{{"status": "{new}"}}'
            )
        for st in rng.sample(region.stations, 6):
            at = datetime(rng.choice(SERIES), 6, 1, tzinfo=UTC)
            yield entry(
                "stations",
                st,
                "update",
                at,
                '{"status": "existing"}',
                '{"status": "under_construction"}',
            )

        for w in retrofitted:
            at = datetime(hist.choice(SERIES), hist.randrange(1, 13), 15, tzinfo=UTC)
            yield entry(
                "water-sources", w, "update", at, '{"is_smart": false}', '{"is_smart": true}'
            )
        for u in recategorised:
            at = datetime(hist.choice(SERIES), hist.randrange(1, 13), 10, tzinfo=UTC)
            old, new = hist.sample(["key", "high_risk", "crowded", "general"], 2)
            yield entry(
                "units", u, "update", at, f'{{"category": "{old}"}}', f'{{"category": "{new}"}}'
            )
        for d in reconnected:
            at = datetime(hist.choice(SERIES), hist.randrange(1, 13), 5, tzinfo=UTC)
            old, new = hist.sample(["online", "offline", "decommissioned"], 2)
            yield entry(
                "devices", d, "update", at, f'{{"status": "{old}"}}', f'{{"status": "{new}"}}'
            )

    put("audit_log", audit())
    return counts


def evaluate_all(factory: Any, plans: list[Any], year: int) -> tuple[float, dict[str, int]]:
    start = time.perf_counter()
    with factory() as session:
        county = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == "320904")
        ).scalar_one()
        evaluator = Evaluator(session)
        results = [evaluator.plan(plan, county, year) for plan in plans]
    elapsed = time.perf_counter() - start
    tally = {s.value: sum(ev.counts()[s] for ev in results) for s in Status}
    return elapsed, tally


def evaluate_series(factory: Any, plans: list[Any]) -> tuple[float, int]:
    """Every indicator of ``plans`` for each year of SERIES, one Evaluator for the series."""
    start = time.perf_counter()
    n = 0
    with factory() as session:
        county = session.execute(
            select(Jurisdiction).where(Jurisdiction.code == "320904")
        ).scalar_one()
        evaluator = Evaluator(session)
        for plan in plans:
            for ev in evaluator.series(plan, county, SERIES).values():
                n += len(ev.results)
    return time.perf_counter() - start, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies the record counts")
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20211)
    parser.add_argument("--url", help="database URL (default: a fresh SQLite file)")
    parser.add_argument(
        "--reuse", action="store_true", help="evaluate what --url already holds; generate nothing"
    )
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile run")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        if not args.reuse:
            t0 = time.perf_counter()
            counts = generate(engine, args.scale, args.seed)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            total = sum(counts.values())
            took = time.perf_counter() - t0
            print(f"generated {total:,} records in {took:.1f} s ({engine.dialect.name})")
            for table, n in sorted(counts.items(), key=lambda kv: -kv[1]):
                print(f"  {table:28s} {n:>10,}")
        t0 = time.perf_counter()
        plans = list_plans()
        print(f"loaded the 5 plan files in {time.perf_counter() - t0:.3f} s (not in the figure)")
        indicators = sum(len(p.indicators) for p in plans)
        factory = make_session_factory(engine)
        times = []
        tally: dict[str, int] = {}
        for _ in range(args.repeat):
            elapsed, tally = evaluate_all(factory, plans, args.year)
            times.append(elapsed)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            evaluate_all(factory, plans, args.year)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        best = min(times)
        print(f"evaluated {indicators} indicators of 5 plans for {args.year}: statuses {tally}")
        print(f"seconds: best {best:.3f}, runs {', '.join(f'{t:.3f}' for t in times)}")
        print(f"target ≤ {TARGET_S:.1f} s: {'met' if best <= TARGET_S else 'NOT met'}")
        series = []
        results = 0
        for _ in range(args.repeat):
            elapsed, results = evaluate_series(factory, plans)
            series.append(elapsed)
        top = min(series)
        print(
            f"five-year series {SERIES.start}–{SERIES.stop - 1}: {results} indicator results "
            f"(as-of history included), best {top:.3f} s, runs "
            f"{', '.join(f'{t:.3f}' for t in series)}"
        )
        print(f"ratio series / one-year anchor: {top / best:.2f}")
        print(f"target ≤ {SERIES_TARGET_S:.1f} s: {'met' if top <= SERIES_TARGET_S else 'NOT met'}")
        print(host_line())
        engine.dispose()


if __name__ == "__main__":
    main()
