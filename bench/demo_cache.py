"""A demo database at ``--scale N`` for the benches, built once and reused.

``lanyan demo --scale N`` takes minutes at 10×, so the built SQLite file is kept in
``var/bench-cache/`` (git-ignored) under a name carrying the scale, the seed and a digest of
the code that shapes it (the demo builder, the fire-record seeder and the migrations): a change
to any of them builds afresh. A bench gets its own copy (the backup API, a consistent
snapshot), so what it writes never reaches the cache.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "var" / "bench-cache"
SHAPERS = ("src/lanyan/demo", "src/lanyan/stats/demo.py", "src/lanyan/store/migrations/versions")
SEED = 20251  # lanyan.demo.generate.DEFAULT_SEED


def code_digest() -> str:
    h = hashlib.sha256()
    for top in SHAPERS:
        path = ROOT / top
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:12]


def build(db: Path, scale: int, data_dir: Path) -> float:
    """Run ``lanyan demo --scale`` into ``db``; returns the seconds it took."""
    env = os.environ | {"LANYAN_DATABASE_URL": f"sqlite:///{db}", "LANYAN_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-m", "lanyan.cli.main", "demo", "--scale", str(scale)]
    t = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def demo_copy(scale: int, folder: Path) -> tuple[str, Path]:
    """A fresh copy of the cached N× demo in ``folder`` (building the cache first if needed);
    returns its database URL and an empty data folder (the demo writes no evidence files)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    cached = CACHE / f"demo-x{scale}-seed{SEED}-{code_digest()}.db"
    if cached.exists():
        print(f"{scale}× demo: reusing {cached.relative_to(ROOT)}", flush=True)
    else:
        partial = cached.with_suffix(".building")
        partial.unlink(missing_ok=True)
        took = build(partial, scale, folder / "build-data")
        con = sqlite3.connect(partial)
        try:  # fold the WAL in, so the one file is the whole database
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            con.close()
        for extra in ("-wal", "-shm"):
            Path(f"{partial}{extra}").unlink(missing_ok=True)
        partial.rename(cached)
        mib = cached.stat().st_size / 2**20
        print(f"{scale}× demo built in {took:.1f} s ({mib:.1f} MiB SQLite file)", flush=True)
    copy = folder / "demo.db"
    src, dst = sqlite3.connect(cached), sqlite3.connect(copy)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    data_dir = folder / "data"
    data_dir.mkdir(exist_ok=True)
    return f"sqlite:///{copy}", data_dir
