"""The administrator's backup page (数据备份): the schedule, the last good backup and its age,
and every scheduled attempt with its drill's outcome."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.timeutil import utcnow
from lanyan.ops.backup_schedule import last_good_backup_at, recent_runs
from lanyan.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
RUNS_PAGE = 30
AdminDep = Annotated[CurrentUser, require("users", "manage")]

WORDS: dict[str, tuple[str, str]] = {
    "ops_backups_nav": ("数据备份", "Backups"),
    "ops_backups_title": ("数据备份与恢复演练", "Backups and restore drills"),
    "ops_backup_dir": ("备份目录", "Backup folder"),
    "ops_backup_off": (
        "未设置 LANYAN_BACKUP_DIR：本服务不做定时备份",
        "LANYAN_BACKUP_DIR is not set: this server makes no scheduled backups",
    ),
    "ops_backup_every": ("备份间隔", "Interval"),
    "ops_hours": ("{n} 小时", "{n} h"),
    "ops_backup_keep": ("保留", "Kept"),
    "ops_keep_rule": ("每日 {d} 份，每周 {w} 份", "{d} daily, {w} weekly"),
    "ops_encrypted": ("加密（AES-256-GCM）", "Encrypted (AES-256-GCM)"),
    "ops_yes": ("是", "yes"),
    "ops_no": ("否", "no"),
    "ops_last_good": ("最近一次成功备份", "Last good backup"),
    "ops_age": ("距今", "Age"),
    "ops_age_value": ("{h} 小时 {m} 分", "{h} h {m} min"),
    "ops_never": ("尚无成功备份", "no good backup yet"),
    "ops_runs": ("备份记录", "Backup runs"),
    "ops_started": ("开始", "Started"),
    "ops_finished": ("结束", "Finished"),
    "ops_archive": ("备份文件", "Archive"),
    "ops_size": ("大小（字节）", "Size (bytes)"),
    "ops_outcome": ("结果", "Outcome"),
    "ops_good": ("成功（已通过恢复演练）", "good (restore drill passed)"),
    "ops_failed": ("失败（原因见服务器日志）", "failed (the reason is in the server log)"),
}


@router.get("/backups", response_class=HTMLResponse)
def backups_page(
    request: Request, session: SessionDep, user: AdminDep, page: PageNo = 1
) -> HTMLResponse:
    settings = request.app.state.settings
    runs, total = recent_runs(session, page, RUNS_PAGE)
    last = last_good_backup_at(session)
    age = None
    if last is not None:
        minutes = max(0, int((utcnow() - last).total_seconds() // 60))
        age = (minutes // 60, minutes % 60)
    return render(
        request,
        "ops/backups.html",
        user,
        settings=settings,
        runs=runs,
        total=total,
        page=page,
        pages=max(1, math.ceil(total / RUNS_PAGE)),
        last=last,
        age=age,
    )
