"""Tables of the unit's file (单位户籍化档案): the filing fields of each unit and its monthly fire
checks (每月防火检查). Rules are ``prevention/unit_files.py``.

The people are plain columns (search and export by name or phone in SQL); the lists (重点部位,
消防设施, 微型消防站 members and equipment) are JSON lists of strings, read whole with the unit.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class UnitFiling(Timestamped, Base):
    """The 户籍化 filing fields of one unit: 消防安全责任人/管理人, 重点部位, 消防设施, 微型消防站."""

    __tablename__ = "prevention_unit_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    responsible_name: Mapped[str] = mapped_column(String(40), index=True)
    responsible_phone: Mapped[str] = mapped_column(String(20))
    responsible_id: Mapped[str] = mapped_column(String(32), default="")
    manager_name: Mapped[str] = mapped_column(String(40), default="", index=True)
    manager_phone: Mapped[str] = mapped_column(String(20), default="")
    manager_id: Mapped[str] = mapped_column(String(32), default="")
    key_parts: Mapped[list[str]] = mapped_column(JSON, default=list)
    systems: Mapped[list[str]] = mapped_column(JSON, default=list)  # FireSystem values
    station_members: Mapped[list[str]] = mapped_column(JSON, default=list)
    station_equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class MonthlyFireCheck(Timestamped, Base):
    """A unit's 每月防火检查 (公安部令第61号 第二十六条): one per unit and month, with a result per
    checklist item; pending until the 消防安全责任人 signs it off."""

    __tablename__ = "prevention_monthly_checks"
    __table_args__ = (
        UniqueConstraint("unit_id", "year", "month", name="uq_prevention_monthly_checks_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    checked_on: Mapped[date] = mapped_column(Date)
    checker: Mapped[str] = mapped_column(String(100))
    # [{"code": "m01", "ok": true, "note": "", "hazard_id": null}, ...]
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    signed_by_name: Mapped[str] = mapped_column(String(40), default="")
    signed_by: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
