"""Scheduled backups inside ``lanyan serve``: each verified by its drill, recorded, pruned to N
daily and M weekly, the last good one shown to administrators (zh-CN first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from lanyan.core.config import Settings
from lanyan.ops.backup_schedule import last_good_backup_at, run_if_due, to_prune

from support import DAFENG, add_user, login, seed_region


def test_retention_keeps_the_newest_of_n_days_and_m_weeks() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)  # a Sunday; the 30th is a Monday
    names = [
        Path(f"lanyan-backup-{(start + timedelta(hours=6 * i)).strftime('%Y%m%dT%H%M%SZ')}.tar")
        for i in range(4 * 30)  # four a day for 30 days
    ]
    pruned = to_prune([*names, Path("notes.txt")], keep_daily=3, keep_weekly=3)
    kept = sorted(set(names) - set(pruned))
    assert Path("notes.txt") not in pruned
    # The newest of each of the last 3 days (28th, 29th, 30th) and of the last 3 ISO weeks:
    # the 30th (this week), Sunday the 29th and Sunday the 22nd (the two weeks before).
    assert [p.name for p in kept] == [
        "lanyan-backup-20261122T180000Z.tar",
        "lanyan-backup-20261128T180000Z.tar",
        "lanyan-backup-20261129T180000Z.tar",
        "lanyan-backup-20261130T180000Z.tar",
    ]


def test_a_scheduled_backup_is_drilled_recorded_and_shown(
    settings: Settings, client: TestClient, sessions: Any, uow: Any, tmp_path: Path
) -> None:
    seed_region(uow)
    add_user(uow, "bk_admin", "admin", DAFENG)
    add_user(uow, "bk_dispatch", "dispatcher", DAFENG)
    scheduled = settings.model_copy(update={"backup_dir": tmp_path / "backups"})
    outcome = run_if_due(scheduled, sessions)
    assert outcome is not None and outcome.ok, outcome
    assert outcome.archive is not None and outcome.archive.is_file()
    assert "audit verify passes" in outcome.detail
    with sessions() as s:
        good = last_good_backup_at(s)
    assert good is not None and datetime.now(UTC) - good < timedelta(minutes=5)
    assert run_if_due(scheduled, sessions) is None  # not due again within the interval

    # A failing one (its key file is missing) is recorded as failed and does not count.
    broken = scheduled.model_copy(
        update={"backup_interval_hours": 1e-9, "backup_key_file": tmp_path / "no-such.key"}
    )
    failed = run_if_due(broken, sessions)
    assert failed is not None and not failed.ok and "no-such.key" in failed.detail
    with sessions() as s:
        assert last_good_backup_at(s) == good

    page = client.get("/admin/backups", headers=login(client, "bk_admin"))
    assert page.status_code == 200
    assert "最近一次成功备份" in page.text and "已通过恢复演练" in page.text
    assert "失败" in page.text and "Backup" not in page.text.split("<main", 1)[-1]
    refused = client.get("/admin/backups", headers=login(client, "bk_dispatch"))
    assert refused.status_code == 403
