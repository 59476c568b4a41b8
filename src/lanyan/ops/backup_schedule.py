"""Scheduled backups inside ``lanyan serve`` (``LANYAN_BACKUP_DIR``): every interval one archive,
its restore drill, a ``backup_runs`` row, and old archives pruned to N daily and M weekly."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.ops import backup_crypto
from lanyan.ops.backup import create_backup
from lanyan.ops.backup_restore import drill
from lanyan.ops.models import BackupRun
from lanyan.store.db import unit_of_work
from lanyan.store.paging import paginate

log = logging.getLogger("lanyan.ops.backup")
ARCHIVE_NAME = re.compile(r"^lanyan-backup-(\d{8}T\d{6}Z)\.tar$")
# How often the loop looks whether a backup is due (the interval itself is hours).
POLL_S = 60.0


def last_good_backup_at(session: Session) -> datetime | None:
    """When the newest backup whose restore drill passed finished (for the metrics)."""
    return session.execute(
        select(func.max(BackupRun.finished_at)).where(BackupRun.ok.is_(True))
    ).scalar_one_or_none()


def last_attempt_at(session: Session) -> datetime | None:
    return session.execute(select(func.max(BackupRun.started_at))).scalar_one_or_none()


def recent_runs(session: Session, page: int, size: int) -> tuple[list[BackupRun], int]:
    """Backup attempts, newest first, one page (paged in SQL)."""
    stmt = select(BackupRun).order_by(BackupRun.started_at.desc(), BackupRun.id.desc())
    return paginate(session, stmt, page, size)


def archive_time(path: Path) -> datetime | None:
    m = ARCHIVE_NAME.match(path.name)
    return datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC) if m else None


def to_prune(archives: list[Path], keep_daily: int, keep_weekly: int) -> list[Path]:
    """Archives outside the retention: kept are the newest of each of the ``keep_daily`` latest
    days (UTC) that have one, and the newest of each of the ``keep_weekly`` latest ISO weeks."""
    dated = sorted(
        ((t, p) for p in archives if (t := archive_time(p)) is not None),
        key=lambda tp: tp[0],
        reverse=True,
    )
    keep: set[Path] = set()
    days: set[Any] = set()
    weeks: set[Any] = set()
    for at, path in dated:
        day, week = at.date(), at.isocalendar()[:2]
        if day not in days and len(days) < keep_daily:
            days.add(day)
            keep.add(path)
        if week not in weeks and len(weeks) < keep_weekly:
            weeks.add(week)
            keep.add(path)
    return [p for _t, p in dated if p not in keep]


@dataclass(frozen=True)
class RunOutcome:
    ok: bool
    archive: Path | None
    detail: str


@contextlib.contextmanager
def _exclusive(folder: Path) -> Iterator[bool]:
    """True for the one process (of several ``serve`` workers) that may back up now."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lanyan-backup.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def backup_once(settings: Settings, factory: sessionmaker[Session]) -> RunOutcome:
    """One scheduled backup: the archive, its drill, the ``backup_runs`` row, the pruning."""
    folder = settings.backup_dir
    assert folder is not None
    started = utcnow()
    archive: Path | None = None
    size = 0
    try:
        key = backup_crypto.load_key(settings.backup_key_file) if settings.backup_key_file else None
        result = create_backup(settings.resolved_database_url, settings.data_dir, folder, key=key)
        archive, size = result.path, result.size_bytes
        report = drill(archive, key=key)
        ok, detail = True, "; ".join(report.checks)
    except Exception as exc:  # recorded and logged: the next round tries again
        log.exception("scheduled backup failed")
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    with unit_of_work(factory) as session:
        session.add(
            BackupRun(
                started_at=started,
                finished_at=utcnow(),
                archive=str(archive or folder),
                size_bytes=size,
                ok=ok,
                detail=detail[:4000],
            )
        )
    if ok:
        for old in to_prune(
            list(folder.glob("lanyan-backup-*.tar")),
            settings.backup_keep_daily,
            settings.backup_keep_weekly,
        ):
            old.unlink(missing_ok=True)
    return RunOutcome(ok, archive, detail)


def due(factory: sessionmaker[Session], now: datetime, interval: timedelta) -> bool:
    with factory() as session:
        last = last_attempt_at(session)
    return last is None or now - last >= interval


def run_if_due(settings: Settings, factory: sessionmaker[Session]) -> RunOutcome | None:
    folder = settings.backup_dir
    if folder is None:
        return None
    interval = timedelta(hours=settings.backup_interval_hours)
    if not due(factory, utcnow(), interval):
        return None
    with _exclusive(folder) as mine:
        if not mine or not due(factory, utcnow(), interval):
            return None
        return backup_once(settings, factory)


async def run_backups(app: Any, poll_s: float = POLL_S) -> None:
    """The backup loop of ``lanyan serve`` (started when ``LANYAN_BACKUP_DIR`` is set)."""
    settings: Settings = app.state.settings
    while True:
        try:
            await asyncio.to_thread(run_if_due, settings, app.state.sessions)
        except Exception:
            log.exception("scheduled backup round failed; retrying next round")
        await asyncio.sleep(poll_s)
