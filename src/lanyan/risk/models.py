"""Risk tables: unit and area snapshots by date, and the warnings raised from them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, UTCDateTime


class UnitRiskScore(Base):
    """A unit's risk score on a date (风险快照) with every factor's contribution."""

    __tablename__ = "risk_unit_scores"
    __table_args__ = (UniqueConstraint("as_of", "unit_id", name="one_score_per_unit_and_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    h3_cell: Mapped[str | None] = mapped_column(String(16), index=True)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(4), index=True)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    config_sha256: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AreaRiskScore(Base):
    """An area's risk on a date: a grid (网格), an H3 cell or a jurisdiction."""

    __tablename__ = "risk_area_scores"
    __table_args__ = (
        UniqueConstraint("as_of", "kind", "area_key", "jurisdiction_id", name="one_area_per_day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    area_key: Mapped[str] = mapped_column(String(32))  # grid code, H3 index or GB/T 2260 code
    name: Mapped[str] = mapped_column(String(200), default="")
    # The jurisdiction the area's units belong to (an H3 cell across a border has one row per
    # jurisdiction, so scoping stays exact).
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    units: Mapped[int] = mapped_column(Integer)
    mean_score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(4))
    grade_counts: Mapped[dict[str, int]] = mapped_column(JSON)


class RiskWarning(Base):
    """A warning (风险预警) recorded when an area or a group crossed its line on a date."""

    __tablename__ = "risk_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    target: Mapped[str] = mapped_column(String(64))  # "grid:CODE", "h3:CELL", "category:KEY@JUR"
    target_name: Mapped[str] = mapped_column(String(200), default="")
    audience: Mapped[str] = mapped_column(String(200))  # who is told: grid workers, officers …
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
