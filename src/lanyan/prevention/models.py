"""Tables of supervision (监督管理): inspector certificates, recusals, inspections, hazards,
the hazard history, and random draws."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class InspectorCertificate(Timestamped, Base):
    """执法资格证: a user may lead an inspection only on days their certificate is valid."""

    __tablename__ = "prevention_inspector_certificates"
    __table_args__ = (CheckConstraint("valid_until >= valid_from", name="valid_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Recusal(Timestamped, Base):
    """回避: an inspector linked to a unit (kin, former employer, interest) never inspects it."""

    __tablename__ = "prevention_recusals"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    reason: Mapped[str] = mapped_column(String(255))


class Inspection(Timestamped, Base):
    """One inspection of a unit (监督检查) by two or more certified inspectors."""

    __tablename__ = "prevention_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 检查编号
    kind: Mapped[str] = mapped_column(String(16), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    inspected_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    draw_code: Mapped[str | None] = mapped_column(String(32))  # the 双随机 draw it came from


class InspectionInspector(Base):
    """An inspector on an inspection, with the certificate they held that day."""

    __tablename__ = "prevention_inspection_inspectors"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("prevention_inspections.id"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(40))


class Hazard(Timestamped, Base):
    """A fire hazard (火灾隐患) and where it stands; ``prevention.hazards`` holds the rules."""

    __tablename__ = "prevention_hazards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 隐患编号
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("prevention_inspections.id"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    is_major: Mapped[bool] = mapped_column(Boolean, default=False)  # 重大火灾隐患
    state: Mapped[str] = mapped_column(String(20), index=True)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)  # 整改期限 (local day)
    last_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    listing_department: Mapped[str | None] = mapped_column(String(100))  # 挂牌督办 责任部门
    listing_deadline: Mapped[date | None] = mapped_column(Date)
    listing_published: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # 摘牌
    overdue_noticed_for: Mapped[date | None] = mapped_column(Date)


class HazardEventRow(Base):
    """One step of a hazard's history (全程留痕), written from a domain event."""

    __tablename__ = "prevention_hazard_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("prevention_hazards.id"), index=True)
    event: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    by: Mapped[str] = mapped_column(String(100))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Draw(Timestamped, Base):
    """A 双随机 draw: announced with the SHA-256 of its seed, drawn, then the seed revealed."""

    __tablename__ = "prevention_draws"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    seed_sha256: Mapped[str] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(128))  # revealed after the draw
    record: Mapped[dict[str, Any]] = mapped_column(JSON)  # the published record (see draw.py)
    announced_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
