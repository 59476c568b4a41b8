"""Benchmark: import 100,000 hydrants (消防水源) from CSV, the way ``lanyan import`` does.

Generates the rows with a seeded RNG in a temporary folder, imports them into a fresh SQLite
database through ``registry.io.import_file`` (read → validate → bulk insert with one audit entry
per row → commit), and prints rows/s. In the same run it measures the floor: the same CSV read
with ``csv.reader`` and inserted with plain ``sqlite3.executemany`` into an identical table (same
DDL, indexes and PRAGMAs), without validation or audit. It prints both figures, their ratio and
the ratio to the 20,000 rows/s target.

Each figure is the best of ``--repeat`` runs (default 3), each into a fresh database: on a
shared machine the fastest run is the one least disturbed by other processes.

    python bench/import_hydrants.py [--rows 100000] [--crs wgs84|gcj02|bd09] [--repeat 3]
                                    [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import pstats
import random
import sqlite3
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lanyan.core.geo import Crs, from_wgs84
from lanyan.registry import service
from lanyan.registry.io import CRS_NAMES, Format, import_file
from lanyan.registry.models import Jurisdiction, WaterSource
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

TARGET_ROWS_PER_S = 20_000
JURISDICTIONS = [
    {"code": "320000", "name": "江苏省", "level": "province"},
    {"code": "320900", "name": "盐城市", "level": "city", "parent_code": "320000"},
    {"code": "320904", "name": "大丰区", "level": "county", "parent_code": "320900"},
    *(
        {"code": f"320904{100 + i:03d}", "name": f"镇{i}", "level": "town", "parent_code": "320904"}
        for i in range(12)
    ),
]
COLUMNS = [
    "code",
    "kind",
    "status",
    "lon",
    "lat",
    "address",
    "jurisdiction_code",
    "pressure_mpa",
    "flow_lps",
    "capacity_m3",
    "is_smart",
    "installed_year",
    "last_inspected_on",
    "crs",
]


def write_csv(path: Path, n: int, crs: Crs, seed: int = 20251124) -> None:
    """``n`` valid hydrant rows around Dafeng (大丰区), coordinates written in ``crs``."""
    rng = random.Random(seed)
    towns = [j["code"] for j in JURISDICTIONS if j["level"] == "town"]
    kinds = ["municipal_hydrant"] * 17 + ["water_crane", "fire_pool", "natural_intake"]
    statuses = ["intact"] * 8 + ["damaged", "missing"]
    roads = ["幸福大道", "健康路", "永泰路", "大中路", "常新路", "西康路"]
    start = date(2020, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COLUMNS)
        for i in range(n):
            kind = rng.choice(kinds)
            lon, lat = from_wgs84(rng.uniform(120.2, 120.9), rng.uniform(32.9, 33.5), crs)
            pool = kind == "fire_pool"
            w.writerow(
                [
                    f"H{i:07d}",
                    kind,
                    rng.choice(statuses),
                    f"{lon:.6f}",
                    f"{lat:.6f}",
                    f"{rng.choice(roads)}{rng.randint(1, 999)}号",
                    rng.choice(towns),
                    "" if pool else f"{rng.uniform(0.1, 0.6):.2f}",
                    f"{rng.uniform(10, 40):.1f}",
                    f"{rng.uniform(100, 500):.0f}" if pool else "",
                    rng.choice(["true", "false", "false", "false"]),
                    rng.randint(1995, 2024),
                    (start + timedelta(days=rng.randint(0, 1800))).isoformat(),
                    CRS_NAMES[crs],
                ]
            )


def import_through_lanyan(db: Path, csv_path: Path, profile: bool) -> float:
    """Seconds for read → validate → insert with audit → commit (what ``lanyan import`` runs)."""
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    jurisdictions = get_type("jurisdictions")
    with unit_of_work(sessions) as s:
        for j in JURISDICTIONS:
            service.create(s, jurisdictions, audit.SYSTEM, EVERYWHERE, j)
    profiler = cProfile.Profile() if profile else None
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    with unit_of_work(sessions) as s:
        result = import_file(
            s,
            get_type("water-sources"),
            Actor("system:cli"),
            EVERYWHERE,
            csv_path.read_bytes(),
            Format.CSV,
        )
    elapsed = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    commit = elapsed - sum(result.seconds.values())
    print(f"  run: {elapsed:.2f} s wall, {cpu:.2f} s CPU; stages: {stages}, commit {commit:.2f} s")
    with sessions() as s:
        check = audit.verify(s)
        assert check.ok and check.checked == result.rows + len(JURISDICTIONS), check
    engine.dispose()
    return elapsed


def import_floor(db: Path, csv_path: Path) -> float:
    """Seconds for csv.reader + sqlite3.executemany + commit into the same table, nothing else."""
    engine = make_engine(f"sqlite:///{db}")
    tables = [Jurisdiction.__table__, WaterSource.__table__]
    Jurisdiction.metadata.create_all(engine, tables=tables)  # the same DDL and indexes
    engine.dispose()
    conn = sqlite3.connect(db)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    conn.executemany(
        "INSERT INTO jurisdictions (id, code, name, level, path, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, '/', ?, ?)",
        [(i, j["code"], j["name"], j["level"], now, now) for i, j in enumerate(JURISDICTIONS, 1)],
    )
    conn.commit()
    jid = {j["code"]: i for i, j in enumerate(JURISDICTIONS, 1)}
    sql = (
        "INSERT INTO water_sources (code, kind, status, lon, lat, address, jurisdiction_id, "
        "pressure_mpa, flow_lps, capacity_m3, is_smart, installed_year, last_inspected_on, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )

    def num(text: str) -> float | None:
        return float(text) if text else None

    t0 = time.perf_counter()
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        params = [
            (
                code,
                kind,
                status,
                float(lon),
                float(lat),
                address,
                jid[j],
                num(p),
                num(fl),
                num(cap),
                smart == "true",
                int(year),
                inspected,
                now,
                now,
            )
            for code, kind, status, lon, lat, address, j, p, fl, cap, smart, year, inspected, _ in rows
        ]
    conn.executemany(sql, params)
    conn.commit()
    elapsed = time.perf_counter() - t0
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--crs", default="wgs84", help="CRS the CSV's coordinates are in")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best counts")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the import")
    args = parser.parse_args()
    crs = Crs.parse(args.crs)
    with tempfile.TemporaryDirectory(prefix="lanyan-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "hydrants.csv"
        write_csv(csv_path, args.rows, crs)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"{args.rows:,} hydrant rows, {size_mb:.1f} MB CSV in {CRS_NAMES[crs]}, best of {args.repeat}"
        )
        lanyan_s = floor_s = float("inf")
        for run in range(max(1, args.repeat)):
            lanyan_s = min(
                lanyan_s,
                import_through_lanyan(folder / f"lanyan{run}.db", csv_path, args.profile),
            )
            floor_s = min(floor_s, import_floor(folder / f"floor{run}.db", csv_path))
    lanyan_rate, floor_rate = args.rows / lanyan_s, args.rows / floor_s
    print(f"lanyan import (validate + audit): {lanyan_s:6.2f} s  {lanyan_rate:9,.0f} rows/s")
    print(f"floor (csv + executemany):        {floor_s:6.2f} s  {floor_rate:9,.0f} rows/s")
    print(
        f"ratio lanyan / floor: {lanyan_rate / floor_rate:.2f}  "
        f"(lanyan takes {lanyan_s / floor_s:.1f}x the floor's time)"
    )
    print(
        f"ratio lanyan / target {TARGET_ROWS_PER_S:,} rows/s: {lanyan_rate / TARGET_ROWS_PER_S:.2f}"
    )


if __name__ == "__main__":
    main()
