"""Tables of patrols (巡查): QR checkpoints, who patrols what, patrol rounds and their scans, and
grid workers' patrol tasks.

Units patrol themselves (自知、自查、自改: 每日防火巡查, 每月防火检查); grid workers patrol their grids
(网格巡查). Both walk QR checkpoints, and both turn what they find into hazards of the supervision
domain.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class Checkpoint(Timestamped, Base):
    """A QR checkpoint (巡查点): a unit's (消防控制室, 疏散楼梯 3F) or a grid's (a 九小 shop's door).

    ``token`` is what the printed QR code carries: random, so a code cannot be guessed from
    another, and scanning it proves the patroller stood there."""

    __tablename__ = "prevention_checkpoints"
    __table_args__ = (
        CheckConstraint("unit_id IS NOT NULL OR grid_id IS NOT NULL", name="has_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PatrolDuty(Timestamped, Base):
    """Who patrols what: a unit safety manager's unit or a grid worker's grid (巡查责任)."""

    __tablename__ = "prevention_patrol_duties"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (grid_id IS NULL)", name="one_target"),
        UniqueConstraint("user_id", "unit_id", "grid_id", name="uq_prevention_patrol_duty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)


class GridTask(Timestamped, Base):
    """A patrol task given to a grid worker (网格巡查任务): patrol this grid by this day."""

    __tablename__ = "prevention_grid_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)  # a place
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    assigned_by: Mapped[str] = mapped_column(String(100))


class PatrolRound(Timestamped, Base):
    """One patrol (一次巡查): a unit's daily patrol or monthly check, or a grid patrol, with the
    checkpoints it should cover and what it found. ``year`` and ``unit_id`` feed the plans'
    "key units using the platform" indicator."""

    __tablename__ = "prevention_patrols"
    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (grid_id IS NULL)", name="one_target"),
        Index("ix_prevention_patrols_year_unit", "year", "unit_id", "jurisdiction_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_grid_tasks.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    patroller: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_on: Mapped[date] = mapped_column(Date)  # the local day of the patrol
    year: Mapped[int] = mapped_column(Integer)
    expected: Mapped[int] = mapped_column(Integer, default=0)  # active checkpoints at the start
    scanned: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[int] = mapped_column(Integer, default=0)


class PatrolScan(Base):
    """A checkpoint scanned on a patrol, its result and the hazard it reported, if any."""

    __tablename__ = "prevention_patrol_scans"
    __table_args__ = (
        UniqueConstraint("patrol_id", "checkpoint_id", name="uq_prevention_patrol_scans_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patrol_id: Mapped[int] = mapped_column(ForeignKey("prevention_patrols.id"), index=True)
    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("prevention_checkpoints.id"), index=True)
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(255), default="")
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_hazards.id"))
    lon: Mapped[float | None] = mapped_column(Float)  # where the phone was (WGS-84)
    lat: Mapped[float | None] = mapped_column(Float)
    place_kind: Mapped[str | None] = mapped_column(String(32))  # a 九小场所 kind
    checklist: Mapped[list[str] | None] = mapped_column(JSON)  # the checklist items failed
