"""The record of scheduled backups (备份记录): one row per attempt, good or failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, UTCDateTime


class BackupRun(Base):
    """A backup made by ``lanyan serve`` and its restore drill: ``ok`` only if both passed."""

    __tablename__ = "backup_runs"
    __table_args__ = (Index("ix_backup_runs_ok_finished", "ok", "finished_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    archive: Mapped[str] = mapped_column(String(500))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text, default="")
