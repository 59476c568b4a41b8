"""Done when (issue 16): a running server under write load is backed up, its database destroyed
and restored, and every acknowledged row, every evidence file and the audit chain are back — on
SQLite and PostgreSQL; and an archive of one backend restores into the other."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import Session

from lanyan.ops.backup import ATTACHMENT_TABLE, blob_path, create_backup, sha256_file
from lanyan.ops.backup_restore import restore
from lanyan.response.models import Incident
from lanyan.store import audit
from lanyan.store.models_all import metadata

from conftest import _pg_database
from ops_support import png, small_sqlite, start_serve, until_serving
from support import DAFENG, PASSWORD, add_user, free_port, seed_region


class Writer(threading.Thread):
    """Incidents, and complaints with a photo, as fast as the server acknowledges them; each
    acknowledgement (a 201) noted with the time it was read."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        self.stop = threading.Event()
        self.incidents: list[tuple[float, str]] = []
        self.files: list[tuple[float, str]] = []
        self.tried: set[str] = set()

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            marker = f"备份路{uuid.uuid4().hex[:12]}号"
            self.tried.add(marker)
            call = {"incident_type": "fire", "address": marker, "jurisdiction_code": DAFENG}
            r = self.client.post("/api/incidents", json=call)
            assert r.status_code == 201, r.text
            self.incidents.append((time.monotonic(), marker))
            time.sleep(0.02)  # steady load, leaving the two CI cores room for the backup itself
            if n % 3:
                continue
            body = {
                "channel": "12345",
                "jurisdiction_code": DAFENG,
                "content": marker,
                "anonymous": True,
            }
            r = self.client.post("/api/complaints", json=body)
            assert r.status_code == 201, r.text
            photo = png(n)
            r = self.client.post(
                f"/api/complaints/{r.json()['id']}/attachments",
                files={"file": (f"{n}.png", photo, "image/png")},
            )
            assert r.status_code == 201, r.text
            self.files.append((time.monotonic(), hashlib.sha256(photo).hexdigest()))


def _destroy(engine: Engine, db_url: str, data_dir: Path) -> None:
    engine.dispose()
    if db_url.startswith("sqlite"):
        db = Path(db_url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    else:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    shutil.rmtree(data_dir / "attachments")


def test_a_serving_platform_backed_up_under_load_restores_whole(
    db_url: str, engine: Engine, uow: Any, tmp_path: Path
) -> None:
    seed_region(uow)
    add_user(uow, "bk_admin", "admin", DAFENG)
    data_dir = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_serve(db_url, port, data_dir)
    try:
        until_serving(base, server)
        login = {"username": "bk_admin", "password": PASSWORD}
        token = httpx.post(base + "/api/auth/login", json=login, timeout=30).json()["token"]
        writer = Writer(base, token)
        writer.start()
        while len(writer.files) < 3 and writer.is_alive():
            time.sleep(0.05)
        started = time.monotonic()
        env = os.environ | {"LANYAN_DATABASE_URL": db_url, "LANYAN_DATA_DIR": str(data_dir)}
        archive = tmp_path / "serving.tar"
        done = subprocess.run(
            [sys.executable, "-m", "lanyan.cli.main", "backup", "--out", str(archive)],
            env=env,
            capture_output=True,
            text=True,
        )
        finished = time.monotonic()
        writer.stop.set()
        writer.join(60)
        assert done.returncode == 0, done.stderr
        assert "backup written" in done.stdout
    finally:
        server.kill()
        server.wait()
    acknowledged = [m for at, m in writer.incidents if at < started]
    files = {sha for at, sha in writer.files if at < started}
    during = [m for at, m in writer.incidents if started <= at < finished]
    assert len(acknowledged) >= 3 and files and during, "the server was not writing throughout"

    _destroy(engine, db_url, data_dir)
    report = restore(archive, db_url, data_dir)

    check = create_engine(engine.url)
    try:
        with Session(check) as s:
            stored = set(s.execute(select(Incident.address)).scalars())
            hashes = set(s.execute(select(metadata.tables[ATTACHMENT_TABLE].c.sha256)).scalars())
            chain = audit.verify(s)
            # Writes after the restore take keys after the restored ones (on PostgreSQL: every
            # sequence moved, the audit log's seq counter and the heads' ids included).
            audit.record(s, audit.SYSTEM, "probe", "restore", 1, None, {"ok": True})
            s.commit()
            assert audit.verify(s).ok
    finally:
        check.dispose()
    assert set(acknowledged) <= stored, "an incident acknowledged before the backup is missing"
    assert stored <= writer.tried, "the restored database holds an incident never sent"
    assert files <= hashes
    assert all(sha256_file(blob_path(data_dir, sha)) == sha for sha in hashes)
    assert chain.ok and chain.checked > len(acknowledged), chain
    assert report.attachments == len(hashes)


def test_a_sqlite_archive_restores_into_postgresql(tmp_path: Path) -> None:
    """A county grows from the embedded SQLite database into service mode on PostgreSQL (the
    PostgreSQL → SQLite direction is the drill of every PostgreSQL backup: ``backup verify``)."""
    url, data_dir = small_sqlite(tmp_path)
    archive = create_backup(url, data_dir, tmp_path / "a.tar").path
    other = _pg_database()
    target = next(other)
    try:
        report = restore(archive, target, tmp_path / "restored")
        assert "2 restored evidence files match" in " ".join(report.checks)
        check = create_engine(target.replace("postgresql://", "postgresql+psycopg://"))
        try:
            with Session(check) as s:  # new rows take keys after the copied ones
                assert audit.verify(s).checked == report.manifest["audit"]["entries"] > 0
                audit.record(s, audit.SYSTEM, "probe", "restore", 1, None, {"ok": True})
                s.commit()
                assert audit.verify(s).ok
        finally:
            check.dispose()
    finally:
        next(other, None)
