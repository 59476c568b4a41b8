"""Benchmark: ``lanyan backup`` and ``lanyan restore`` on the demo region, against the bare tools.

Takes a fresh copy of the Dafeng demo (``lanyan demo``, built once into ``var/bench-cache/``)
as a SQLite file, then in the same run:

SQLite
    backup: ``create_backup`` (online backup API + manifest + audit verify + evidence + tar)
    against the sqlite3 online backup API alone (what ``sqlite3 .backup`` does); restore:
    ``restore`` into a new SQLite file (checks + per-table copy + checks) against copying the
    snapshot back with the backup API alone.
PostgreSQL (``--pg-url``, an admin URL; skipped if unreachable)
    the SQLite archive restored into a new database (cross-backend), then backup of that
    database (``pg_dump -Fc`` + the portable snapshot + checks) against ``pg_dump -Fc`` alone,
    and restore into another new database against ``pg_restore`` alone.

``--scale N`` runs the same measurements on a region N times the demo (``lanyan demo --scale
N``), built once and then reused from ``var/bench-cache/`` (``bench/demo_cache.py``).

    python bench/backup.py [--scale 10] [--pg-url postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from demo_cache import demo_copy
from hostref import host_line

from lanyan.ops.backup import create_backup, libpq_url
from lanyan.ops.backup_restore import restore


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def sqlite_backup_alone(src: Path, dst: Path) -> None:
    a, b = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        a.backup(b, pages=-1)
    finally:
        b.close()
        a.close()


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"lanyan_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MiB"


def line(what: str, ours: float, anchor: float, anchor_name: str) -> None:
    print(
        f"  {what:<28} lanyan {ours:7.2f} s   {anchor_name} {anchor:7.2f} s   "
        f"ratio {ours / anchor:5.1f}×"
    )


def sqlite_part(folder: Path, url: str, data_dir: Path) -> Path:
    db = Path(url.split("///", 1)[1])
    print(f"SQLite demo: {mib(db.stat().st_size)} database file")  # the cache's copy: no WAL
    t_ours, result = timed(lambda: create_backup(url, data_dir, folder / "ours.tar"))
    t_bare, _ = timed(lambda: sqlite_backup_alone(db, folder / "bare.db"))
    print(
        f"  archive {mib(result.size_bytes)} ({result.manifest['rows']:,} rows, "
        f"{result.manifest['attachments']} evidence files); bare snapshot "
        f"{mib((folder / 'bare.db').stat().st_size)}"
    )
    line("backup", t_ours, t_bare, "sqlite3 backup API")
    target = f"sqlite:///{folder / 'restored.db'}"
    t_ours, _ = timed(lambda: restore(result.path, target, folder / "restored-data"))
    t_bare, _ = timed(lambda: sqlite_backup_alone(folder / "bare.db", folder / "copied-back.db"))
    line("restore (checked)", t_ours, t_bare, "sqlite3 backup API")
    return result.path


def pg_part(folder: Path, archive: Path, admin_url: str) -> None:
    with pg_database(admin_url) as source, pg_database(admin_url) as again:
        t, _ = timed(lambda: restore(archive, source, folder / "pg-data"))
        print(f"PostgreSQL: the SQLite archive restored into PostgreSQL in {t:.2f} s")
        t_ours, result = timed(lambda: create_backup(source, folder / "pg-data", folder / "pg.tar"))
        dump = folder / "bare.pgdump"
        t_bare, _ = timed(
            lambda: subprocess.run(
                ["pg_dump", "-Fc", "-f", str(dump), f"--dbname={libpq_url(source)}"], check=True
            )
        )
        print(f"  archive {mib(result.size_bytes)}; pg_dump -Fc alone {mib(dump.stat().st_size)}")
        line("backup", t_ours, t_bare, "pg_dump -Fc")
        t_ours, _ = timed(lambda: restore(result.path, again, folder / "pg-again"))
        with pg_database(admin_url) as bare_target:
            t_bare, _ = timed(
                lambda: subprocess.run(
                    [
                        "pg_restore",
                        "--single-transaction",
                        f"--dbname={libpq_url(bare_target)}",
                        str(dump),
                    ],
                    check=True,
                )
            )
        line("restore (checked)", t_ours, t_bare, "pg_restore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--scale", type=int, default=1, help="region N× the demo (1–50)")
    args = parser.parse_args()
    print(host_line())
    with tempfile.TemporaryDirectory(prefix="lanyan-bench-backup-") as tmp:
        folder = Path(tmp)
        url, data_dir = demo_copy(args.scale, folder)
        archive = sqlite_part(folder, url, data_dir)
        if not args.no_pg:
            try:
                pg_part(folder, archive, args.pg_url)
            except Exception as exc:  # an unreachable server: the SQLite figures stand
                print(f"PostgreSQL part skipped: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
