"""Audited writes per second with 1, 4 and 16 concurrent writers in different counties, on
PostgreSQL: one audit chain for the whole deployment (the anchor) against one chain per
county (issue #16), in the same run.

Each writer is a process (no shared interpreter lock) with its own engine, creating hydrants
(消火栓, ``registry.service.create``: validation, insert and its audit entry, one transaction
each, committed) in its own county for a fixed time. The anchor runs the same code with every
entry forced into the global chain (``store.audit.SINGLE_CHAIN`` in the sessions' info):
``begin_write``, the write's first statement, then locks that one head, so every write waits
for it from its first statement to its commit, as before #16.

The machine is printed with the figures: its cores, the host reference (bench/hostref.py), the
load average, and for every run the CPU time spent per committed write by the writer processes
and by their PostgreSQL backends (from /proc: the bench and the server share the host) and how
busy the host's cores were during the run (/proc/stat, everyone's work): a row whose cores were
near 100% busy is bound by the CPU, not by the chains' locks.

    python bench/audit_concurrency.py [--seconds 4] [--pg postgresql://postgres@127.0.0.1/postgres]

A fresh database is created and dropped. This machine is shared, so figures compare only
within one run.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import uuid
from dataclasses import dataclass
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


TICK = os.sysconf("SC_CLK_TCK")


def proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) process ``pid`` has used, or None if /proc cannot tell."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


def host_cpu() -> tuple[float, float]:
    """(busy, total) clock ticks of all the host's cores so far (/proc/stat)."""
    with open("/proc/stat") as f:
        ticks = [int(v) for v in f.readline().split()[1:]]
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle, iowait
    total = sum(ticks[:8])  # without guest time, already counted in user
    return total - idle, total


@dataclass
class Run:
    per_second: float
    writes: int
    writer_cpu: float  # seconds, all writer processes
    backend_cpu: float | None  # seconds, their PostgreSQL backends (None: not readable)
    host_busy: float  # fraction of all cores busy during the run (everyone's work)
    share: float | None  # fraction of all cores the writers and their backends used

    def cores_used(self) -> str:
        return "?" if self.share is None else f"{self.share:.0%}"

    def ms_per_write(self) -> str:
        if not self.writes:
            return "-"
        client = 1e3 * self.writer_cpu / self.writes
        if self.backend_cpu is None:
            return f"{client:.2f}+?"
        return f"{client:.2f}+{1e3 * self.backend_cpu / self.writes:.2f}"


def times(a: Run, b: Run) -> str:
    """``a``'s rate over ``b``'s ("-" if ``b`` committed nothing)."""
    return f"{a.per_second / b.per_second:.2f}×" if b.per_second else "-"


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
    from sqlalchemy import select, text
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
        backend = int(s.execute(text("SELECT pg_backend_pid()")).scalar_one())

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
    start.wait()  # all warmed up: the deadline is set now
    start.wait()
    deadline = stop_at.value
    mine, theirs = time.process_time(), proc_cpu(backend)
    while time.time() < deadline:
        one(n)
        n += 1
    mine = time.process_time() - mine
    after = proc_cpu(backend)  # the pool's one connection: the same backend throughout
    engine.dispose()
    out.put((n, mine, None if theirs is None or after is None else after - theirs))


def run(url: str, writers: int, single: bool, seconds: float, kind: str) -> Run:
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
    # Every writer warms up and waits (the first crossing); the deadline is set once all are
    # ready, however long a loaded host takes, and they start together (the second).
    start.wait()
    stop_at.value = time.time() + seconds
    began, host_before = time.time(), host_cpu()
    start.wait()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    elapsed = max(time.time() - began, seconds)
    busy, total = (a - b for a, b in zip(host_cpu(), host_before, strict=True))
    for p in procs:
        p.join()
    writes = sum(r[0] for r in results)
    backends = [r[2] for r in results]
    backend_cpu = None if None in backends else sum(backends)
    writer_cpu = sum(r[1] for r in results)
    cores = os.cpu_count() or 1
    share = None if backend_cpu is None else (writer_cpu + backend_cpu) / (elapsed * cores)
    return Run(
        writes / elapsed,
        writes,
        writer_cpu,
        backend_cpu,
        busy / total if total else 0.0,
        share,
    )


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
        load = os.getloadavg()
        print(
            f"cores: {os.cpu_count()}; load average at start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        print(
            "CPU ms/write: writer process + its PostgreSQL backend, CPU time per committed write; "
            "host busy: all cores, everyone's work, during the run (ours: the share of all "
            "cores the writers and their backends used)"
        )
        for kind, what in KINDS.items():
            print(f"PostgreSQL, {args.seconds:g} s per run: {what}, committed per second")
            print(
                f"{'writers':>8} {'one chain':>10} {'per county':>11} {'ratio':>7}   "
                f"{'CPU ms/write one | per county':>30} {'host busy (ours) one | per county':>34}"
            )
            rows: dict[int, tuple[Run, Run]] = {}
            for n in WRITERS:
                anchor = run(url, n, True, args.seconds, kind)
                chains = run(url, n, False, args.seconds, kind)
                rows[n] = (anchor, chains)
                ratio = times(chains, anchor)
                cpu = f"{anchor.ms_per_write()} | {chains.ms_per_write()}"
                busy = (
                    f"{anchor.host_busy:.0%} ({anchor.cores_used()}) | "
                    f"{chains.host_busy:.0%} ({chains.cores_used()})"
                )
                print(
                    f"{n:>8} {anchor.per_second:>10.1f} {chains.per_second:>11.1f} {ratio:>7}"
                    f"   {cpu:>30} {busy:>34}"
                )
            for n in WRITERS[1:]:
                anchor, chains = rows[n]
                print(
                    f"  {n} writers: per county / one chain {times(chains, anchor)}; "
                    f"per county {n} writers / 1 writer {times(chains, rows[1][1])}; "
                    f"one chain {n} / 1 {times(anchor, rows[1][0])}"
                )
        load = os.getloadavg()
        print(f"load average at the end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
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
