"""Audited writes per second with 1, 4 and 16 concurrent writers in different counties, on
PostgreSQL: one audit chain for the whole deployment (the anchor) against one chain per
county (issue #16), in the same run.

Each writer is a process (no shared interpreter lock) with its own engine, creating hydrants
(消火栓, ``registry.service.create``: validation, insert and its audit entry, one transaction
each, committed) in its own county for a fixed time. The anchor runs the same code with every
entry forced into the global chain (``store.audit.SINGLE_CHAIN`` in the sessions' info), so
every write waits for the one chain head as before #16; it takes that lock at the write's
``record``, not at its first statement as the old ``begin_write`` did, so the anchor is if
anything faster than the old code and the ratio understates the gain.

    python bench/audit_concurrency.py [--seconds 4] [--pg postgresql://postgres@127.0.0.1/postgres]

A fresh database is created and dropped. The host reference (bench/hostref.py) is printed
with the figures; this machine is shared, so figures compare only within one run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from hostref import host_line  # bench/hostref.py, beside this script

COUNTIES = 16
WRITERS = (1, 4, 16)
KINDS = {
    "entry": "audited writes (begin_write, record, commit: the audit functions alone)",
    "hydrant": "hydrant creates (registry.service.create: validation, insert, audit)",
}


def county_code(i: int) -> str:
    return f"3209{i + 10:02d}"


def seed(url: str) -> None:
    from lanyan.registry import service
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.registry.types import get_type
    from lanyan.store.audit import SYSTEM
    from lanyan.store.db import make_engine, make_session_factory, unit_of_work

    engine = make_engine(url)
    sessions = make_session_factory(engine)
    ot = get_type("jurisdictions")
    rows = [
        {"code": "320000", "name": "江苏省", "level": "province"},
        {"code": "320900", "name": "盐城市", "level": "city", "parent_code": "320000"},
    ] + [
        {"code": county_code(i), "name": f"县{i}", "level": "county", "parent_code": "320900"}
        for i in range(COUNTIES)
    ]
    with unit_of_work(sessions) as s:
        for row in rows:
            service.create(s, ot, SYSTEM, EVERYWHERE, row)
    engine.dispose()


def writer(
    url: str, county: int, single: bool, start: Any, stop_at: Any, out: Any, kind: str
) -> None:
    from sqlalchemy import select
    from sqlalchemy.orm import sessionmaker

    from lanyan.registry import service
    from lanyan.registry.models import Jurisdiction
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.registry.types import get_type
    from lanyan.store import audit
    from lanyan.store.audit import SINGLE_CHAIN, SYSTEM
    from lanyan.store.db import make_engine, unit_of_work

    engine = make_engine(url, pool_size=1)
    sessions = sessionmaker(
        bind=engine, expire_on_commit=False, info={SINGLE_CHAIN: True} if single else {}
    )
    ot = get_type("water-sources")
    code = county_code(county)
    n = 0
    with sessions() as s:
        path = s.execute(select(Jurisdiction.path).where(Jurisdiction.code == code)).scalar_one()

    def entry(i: int) -> None:
        # The audit functions alone, as every service calls them: the lock first, then the
        # entry, then the commit (the part the one chain made every writer wait for).
        with unit_of_work(sessions) as s:
            audit.begin_write(s)
            audit.record(
                s, SYSTEM, "update", "water_sources", i, {"n": i}, {"n": i + 1}, scope_path=path
            )

    def hydrant(i: int) -> None:
        payload = {
            "code": f"H{code}-{uuid.uuid4().hex[:10]}",
            "kind": "municipal_hydrant",
            "status": "intact",
            "jurisdiction_code": code,
            "lon": 120.1 + county / 100,
            "lat": 33.3,
            "pressure_mpa": 0.2,
        }
        with unit_of_work(sessions) as s:
            service.create(s, ot, SYSTEM, EVERYWHERE, payload)

    one = hydrant if kind == "hydrant" else entry
    one(-1)  # warm up: imports, connection, statement caches
    start.wait()
    deadline = stop_at.value
    while time.time() < deadline:
        one(n)
        n += 1
    engine.dispose()
    out.put(n)


def run(url: str, writers: int, single: bool, seconds: float, kind: str) -> float:
    ctx = mp.get_context("fork")
    start = ctx.Barrier(writers + 1)
    stop_at = ctx.Value("d", 0.0)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=writer, args=(url, w % COUNTIES, single, start, stop_at, out, kind))
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    stop_at.value = time.time() + 1e9
    # Let every writer warm up, then start them together with a common deadline.
    time.sleep(0.5 + 0.1 * writers)
    stop_at.value = time.time() + seconds
    began = time.time()
    start.wait()
    total = sum(out.get(timeout=seconds + 120) for _ in procs)
    elapsed = max(time.time() - began, seconds)
    for p in procs:
        p.join()
    return total / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    from lanyan.store.migrate import upgrade

    name = f"lanyan_bench_audit_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.pg, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    try:
        upgrade(url)
        seed(url)
        print(host_line())
        for kind, what in KINDS.items():
            print(f"PostgreSQL, {args.seconds:g} s per run: {what}, committed per second")
            print(f"{'writers':>8} {'one chain':>11} {'per county':>11} {'ratio':>7}")
            for n in WRITERS:
                anchor = run(url, n, True, args.seconds, kind)
                chains = run(url, n, False, args.seconds, kind)
                print(f"{n:>8} {anchor:>11.1f} {chains:>11.1f} {chains / anchor:>6.2f}×")
        from lanyan.store.audit import verify
        from lanyan.store.db import make_engine, make_session_factory

        engine = make_engine(url)
        with make_session_factory(engine)() as s:
            result = verify(s)
        engine.dispose()
        print(
            f"audit verify after the runs: {'intact' if result.ok else result.problem}, "
            f"{result.checked} entries in {result.chains} chains"
        )
    finally:
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
