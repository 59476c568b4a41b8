"""A 查岗 round over 2,000 units: send, answers recorded one by one, the missed ones marked, the
round's report.

Simulated control rooms answer with a seeded delay distribution (log-normal, median 90 s, 6 % of
them never answer); the clock is simulated (each answer carries its simulated time), the work is
real: every answer is the service's ``duty_check_service.answer`` in its own transaction
(row lock, state machine, audit entry, commit) on a migrated SQLite file. Printed:

* time to send all: one ``start_round`` drawing the sample and inserting 2,000 checks, committed;
* answer → recorded: wall time of each answer's transaction, p50 and p99;
* missed marking: the housekeeping's ``missed_checks`` after the missed line;
* report: the round's counts by state plus the first result page (50 rows), both in SQL.

Anchor, in the same run: the same writes in plain ``sqlite3`` (one ``executemany`` of 2,000
rows; one UPDATE + commit per answer; one UPDATE for the missed; one GROUP BY) — the floor the
database itself sets, without the ORM, the rules or the audit chain. The host reference
(``bench/hostref.py``) is printed too.

    python bench/duty_check.py [--units 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hostref import host_line  # bench/hostref.py, beside this script
from sqlalchemy import insert, select

from lanyan.core.errors import Conflict
from lanyan.monitoring import duty_check_service
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.models import DutyCheck
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, Actor
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
NEVER = 0.06  # share of control rooms that never answer


def delays(n: int, seed: int) -> list[float | None]:
    """Seconds each control room takes to answer (None: never)."""
    rng = random.Random(seed)
    return [None if rng.random() < NEVER else rng.lognormvariate(4.5, 0.9) for _ in range(n)]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run_lanyan(folder: Path, n: int, answer_after: list[float | None]) -> dict[str, float]:
    url = f"sqlite:///{folder / 'lanyan.db'}"
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with unit_of_work(factory) as s:
        county = Jurisdiction(code="320982", name="大丰区", level="county", path="/")
        s.add(county)
        s.flush()
        county.path = f"/{county.id}/"
        jid = county.id
        s.execute(
            insert(Unit),
            [
                {
                    "code": f"9132098{i:011d}",
                    "name": f"单位{i}",
                    "category": "general",
                    "lon": 120.47,
                    "lat": 33.2,
                    "jurisdiction_id": jid,
                }
                for i in range(n)
            ],
        )
    operator = Actor("kzs")
    # Warm-up (mappers, statement caches): one round of one unit, answered at once.
    with unit_of_work(factory) as s:
        warm = duty_check_service.start_round(
            s, SYSTEM, EVERYWHERE, T0, sample_size=1, seed="warm-up"
        ).id
    with unit_of_work(factory) as s:
        (warm_check,) = s.execute(select(DutyCheck.id).where(DutyCheck.round_id == warm)).scalars()
        duty_check_service.answer(s, operator, EVERYWHERE, warm_check, T0)
    with factory() as s:
        duty_check_service.round_report(s, EVERYWHERE, warm)
        duty_check_service.checks(s, EVERYWHERE, 1, 50, warm)
    t = time.perf_counter()
    with unit_of_work(factory) as s:
        round_id = duty_check_service.start_round(
            s, SYSTEM, EVERYWHERE, T0, sample_size=n, seed="bench"
        ).id
    send_s = time.perf_counter() - t
    with factory() as s:
        ids = list(
            s.execute(
                select(DutyCheck.id).where(DutyCheck.round_id == round_id).order_by(DutyCheck.id)
            ).scalars()
        )
    order = sorted(
        ((d, cid) for cid, d in zip(ids, answer_after, strict=True) if d is not None),
        key=lambda pair: pair[0],
    )
    answer_ms = []
    late = 0
    for delay, cid in order:
        t = time.perf_counter()
        try:
            with unit_of_work(factory) as s:
                duty_check_service.answer(
                    s, operator, EVERYWHERE, cid, T0 + timedelta(seconds=delay)
                )
        except Conflict:  # past the missed line: refused, as the rule says
            late += 1
        answer_ms.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    missed = Housekeeping().missed_checks(factory, T0 + timedelta(hours=1))
    missed_s = time.perf_counter() - t
    t = time.perf_counter()
    with factory() as s:
        report = duty_check_service.round_report(s, EVERYWHERE, round_id)
        duty_check_service.checks(s, EVERYWHERE, 1, 50, round_id)
    report_ms = (time.perf_counter() - t) * 1000
    engine.dispose()
    counts = report["counts"]
    print(
        f"  states: answered {counts['answered']}, late {counts['late']}, "
        f"missed {counts['missed']} (refused answers past the missed line: {late}; "
        f"marked missed by the housekeeping: {missed})"
    )
    return {
        "send_s": send_s,
        "p50": pct(answer_ms, 0.5),
        "p99": pct(answer_ms, 0.99),
        "missed_s": missed_s,
        "report_ms": report_ms,
    }


def run_anchor(folder: Path, n: int, answer_after: list[float | None]) -> dict[str, float]:
    db = sqlite3.connect(folder / "anchor.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(
        "CREATE TABLE checks (id INTEGER PRIMARY KEY, unit_id INT, sent_at TEXT, deadline TEXT,"
        " missed_at TEXT, state TEXT, answered_at TEXT, answered_by TEXT)"
    )
    db.execute("CREATE INDEX ix_state ON checks (state, missed_at)")
    t = time.perf_counter()
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO checks (unit_id, sent_at, deadline, missed_at, state) VALUES (?,?,?,?,?)",
        [(i, "2026-12-07 02:00", "02:05", "02:10", "pending") for i in range(n)],
    )
    db.execute("COMMIT")
    send_s = time.perf_counter() - t
    ms = []
    for i, d in enumerate(answer_after):
        if d is None:
            continue
        t = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute(
            "UPDATE checks SET state='answered', answered_at=?, answered_by='kzs' WHERE id=?",
            (str(d), i + 1),
        )
        db.execute("COMMIT")
        ms.append((time.perf_counter() - t) * 1000)
    db.execute("UPDATE checks SET state='missed' WHERE state='pending'")
    t = time.perf_counter()
    db.execute("SELECT state, count(*) FROM checks GROUP BY state").fetchall()
    db.execute("SELECT * FROM checks ORDER BY id LIMIT 50").fetchall()
    report_ms = (time.perf_counter() - t) * 1000
    db.close()
    return {"send_s": send_s, "p50": pct(ms, 0.5), "p99": pct(ms, 0.99), "report_ms": report_ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    answer_after = delays(args.units, args.seed)
    answered = [d for d in answer_after if d is not None]
    print(host_line())
    print(
        f"查岗 round over {args.units:,} units; simulated answers: {len(answered):,} "
        f"(median {statistics.median(answered):.0f} s), never {args.units - len(answered):,}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        lan = run_lanyan(Path(tmp), args.units, answer_after)
        anc = run_anchor(Path(tmp), args.units, answer_after)
    print(
        f"  send all:        {lan['send_s'] * 1000:8.1f} ms   anchor {anc['send_s'] * 1000:7.1f} ms"
        f"   ratio {lan['send_s'] / anc['send_s']:.1f}×"
    )
    print(
        f"  answer→recorded: p50 {lan['p50']:6.2f} ms, p99 {lan['p99']:6.2f} ms   "
        f"anchor p50 {anc['p50']:.2f} ms, p99 {anc['p99']:.2f} ms   "
        f"ratio p99 {lan['p99'] / anc['p99']:.1f}×"
    )
    print(f"  missed marking:  {lan['missed_s'] * 1000:8.1f} ms")
    print(
        f"  round report:    {lan['report_ms']:8.1f} ms   anchor {anc['report_ms']:7.2f} ms"
        f"   ratio {lan['report_ms'] / anc['report_ms']:.1f}×"
    )


if __name__ == "__main__":
    main()
