"""Helpers of the backup tests (tests/ops): a small database with audited rows and evidence."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select

from lanyan.ops.backup import ATTACHMENT_TABLE, blob_path
from lanyan.registry.models import Jurisdiction
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade
from lanyan.store.models_all import metadata

from support import DAFENG, add_user, seed_region


def png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (seed % 256, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def evidence(uow: Any, data_dir: Path, seeds: range) -> list[str]:
    """Evidence rows and their files (as prevention.attachments stores them); their SHA-256."""
    table = metadata.tables[ATTACHMENT_TABLE]
    hashes = []
    with uow() as s:
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).scalar_one()
        for seed in seeds:
            data = png(seed)
            sha = hashlib.sha256(data).hexdigest()
            path = blob_path(data_dir, sha)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            s.execute(
                table.insert().values(
                    object_type="complaints",
                    object_id=seed,
                    jurisdiction_id=jid,
                    filename=f"{seed}.png",
                    content_type="image/png",
                    size_bytes=len(data),
                    sha256=sha,
                    description="",
                    uploaded_by="test",
                    uploaded_at=datetime.now(UTC),
                )
            )
            hashes.append(sha)
    return hashes


def small_sqlite(folder: Path) -> tuple[str, Path]:
    """A new SQLite database with the test region, a user (audited) and two evidence files."""
    url = f"sqlite:///{folder / 'lanyan.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))

    def uow() -> Any:
        return unit_of_work(factory)

    seed_region(uow)
    add_user(uow, "backup_admin", "admin", DAFENG)
    data_dir = folder / "data"
    evidence(uow, data_dir, range(2))
    factory.kw["bind"].dispose()
    return url, data_dir


def start_serve(db_url: str, port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    """``lanyan serve`` in its own process, without background chores (as in test_durable_writes)."""
    env = os.environ | {
        "LANYAN_DATABASE_URL": db_url,
        "LANYAN_DATA_DIR": str(data_dir),
        "LANYAN_MONITOR_HOUSEKEEPING_EVERY_S": "0",
        "LANYAN_INCIDENTS_FROM_ALARMS_INTERVAL_S": "0",
    }
    command = [sys.executable, "-m", "lanyan.cli.main", "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def until_serving(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 180  # a loaded host takes tens of seconds to import the app
    while time.monotonic() < deadline:
        assert process.poll() is None, "lanyan serve exited before it listened"
        try:
            if httpx.get(base + "/api/health", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError("lanyan serve never answered /api/health")
