"""The public portal (issue #20 item 2): report submissions per second through
``POST /api/public/complaints`` with the per-address limit off, and the p99 server time of the
published-lists pages with 10,000 published records in each list.

A fresh database (SQLite in a temporary folder, or ``LANYAN_DATABASE_URL`` — an *empty*
PostgreSQL database it may fill) is migrated, given one district, one unit and 10,000 rows each
of 挂牌督办 hazards, enforcement decisions and 告知承诺; the app runs in-process (Starlette's
TestClient: the app's own work, no network). Anchors from the same run:

* the host reference (bench/hostref.py);
* submissions with the limit *on* (its count in the database is one more short transaction);
* the portal's home page (no query) for the lists' p99, and the first page of the same lists
  against their last page (OFFSET 9,980: paging in SQL costs more the deeper it goes).

    python bench/public_portal.py [--submissions 300] [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hostref import host_line  # bench/hostref.py, beside this script

RECORDS = 10_000
REPORT = {
    "jurisdiction_code": "320904",
    "address": "大丰区幸福路18号",
    "content": "楼道堆放大量纸箱，安全出口被锁",
    "reporter_phone": "13812345678",
}


def seed(url: str) -> None:
    from sqlalchemy import insert, select

    from lanyan.prevention.models.inspections import Commitment, EnforcementAction, Hazard
    from lanyan.registry import service
    from lanyan.registry.models import Jurisdiction, Unit
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.registry.types import get_type
    from lanyan.store.audit import SYSTEM
    from lanyan.store.db import make_engine, make_session_factory, unit_of_work
    from lanyan.store.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with unit_of_work(sessions) as s:
        for row in (
            {"code": "320000", "name": "江苏省", "level": "province"},
            {"code": "320900", "name": "盐城市", "level": "city", "parent_code": "320000"},
            {
                "code": "320904",
                "name": "大丰区",
                "level": "county",
                "parent_code": "320900",
                "lon": 120.5,
                "lat": 33.2,
            },
        ):
            service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, row)
    with unit_of_work(sessions) as s:
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == "320904")).scalar_one()
        unit = Unit(
            code="91320904BENCH00001",
            name="大丰星光商贸有限公司",
            category="crowded",
            address="幸福路1号",
            lon=120.46,
            lat=33.2,
            jurisdiction_id=jid,
        )
        s.add(unit)
        s.flush()
        uid = unit.id
    at = datetime(2026, 1, 1, tzinfo=UTC)
    with unit_of_work(sessions) as s:
        common = {"unit_id": uid, "jurisdiction_id": jid}
        s.execute(
            insert(Hazard),
            [
                {
                    "code": f"YH{i:08d}",
                    "description": "疏散通道堆放杂物",
                    "is_major": True,
                    "state": "ordered",
                    "found_at": at,
                    "listing_published": True,
                    "listing_department": "区安委办",
                    "listed_at": at + timedelta(minutes=i),
                    "created_at": at,
                    "updated_at": at,
                    **common,
                }
                for i in range(RECORDS)
            ],
        )
        s.execute(
            insert(EnforcementAction),
            [
                {
                    "code": f"ZF{i:08d}",
                    "kind": "fine",
                    "state": "in_force",
                    "basis": "xfl_60",
                    "decision_no": f"大消罚决字〔2026〕{i}号",
                    "decided_on": date(2026, 1, 1) + timedelta(days=i % 300),
                    "starts_on": date(2026, 1, 1),
                    "amount_yuan": Decimal("5000"),
                    "facts": "",
                    "created_at": at,
                    "updated_at": at,
                    **common,
                }
                for i in range(RECORDS)
            ],
        )
        s.execute(
            insert(Commitment),
            [
                {
                    "code": f"CN{i:08d}",
                    "venue": f"星光KTV{i}号店",
                    "address": "幸福路1号",
                    "floor_area_m2": 300.0,
                    "opens_on": date(2026, 1, 1),
                    "statements": ["已配置灭火器"],
                    "state": "submitted",
                    "submitted_by": "bench",
                    "submitted_at": at + timedelta(minutes=i),
                    "created_at": at,
                    "updated_at": at,
                    **common,
                }
                for i in range(RECORDS)
            ],
        )
    engine.dispose()


def submissions(client: Any, n: int) -> float:
    """Reports per second over ``n`` sequential submissions."""
    client.post("/api/public/complaints", json=REPORT)  # warm-up
    t = time.perf_counter()
    for _ in range(n):
        r = client.post("/api/public/complaints", json=REPORT)
        assert r.status_code == 201, r.text
    return n / (time.perf_counter() - t)


def p99_ms(client: Any, path: str, n: int) -> tuple[float, float]:
    """p99 and median server time of ``n`` GETs of ``path``, in ms, after 3 warm-up calls."""
    for _ in range(3):
        client.get(path)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (path, r.status_code)
    times.sort()
    return times[min(n - 1, int(n * 0.99))] * 1e3, statistics.median(times) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from lanyan.app import create_app
    from lanyan.core.config import Settings

    print(host_line())
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("LANYAN_DATABASE_URL") or f"sqlite:///{Path(folder) / 'bench.db'}"
        t = time.perf_counter()
        seed(url)
        print(f"seeded 3 × {RECORDS:,} published records in {time.perf_counter() - t:.1f} s")
        base = Settings(environment="test", database_url=url, data_dir=Path(folder))
        off = base.model_copy(update={"public_submit_max": 0})
        on = base.model_copy(update={"public_submit_max": 10 * args.submissions})
        with TestClient(create_app(off)) as client:
            rate_off = submissions(client, args.submissions)
        with TestClient(create_app(on)) as client:
            rate_on = submissions(client, args.submissions)
        print(f"submissions, limit off         {rate_off:8.1f} /s  ({args.submissions} reports)")
        print(f"anchor: limit on (counted)     {rate_on:8.1f} /s")
        print(f"ratio off / on                 {rate_off / rate_on:8.2f} ×")
        with TestClient(create_app(off)) as client:
            home, _ = p99_ms(client, "/portal", args.requests)
            print(f"anchor: /portal (no query)     p99 {home:7.1f} ms")
            last = RECORDS // 20
            for name in ("hazards", "enforcement", "commitments"):
                first, med = p99_ms(client, f"/portal/lists/{name}", args.requests)
                deep, _ = p99_ms(client, f"/portal/lists/{name}?page={last}", args.requests)
                api, _ = p99_ms(client, f"/api/public/{name}?size=50", args.requests)
                print(
                    f"/portal/lists/{name:<12} p99 {first:7.1f} ms (median {med:.1f}); "
                    f"page {last} p99 {deep:7.1f} ms; /api/public/{name} p99 {api:7.1f} ms; "
                    f"ratio p99 / home {first / home:5.1f} ×"
                )


if __name__ == "__main__":
    main()
