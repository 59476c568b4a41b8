"""Tables of fire statistics (火灾统计) and fire investigation (火灾调查).

A fire record (火灾统计记录) is one fire: when and where it happened, what burned, why, and the
four figures (起数, 死亡, 受伤, 直接财产损失). Columns the analyses group on (year, month, hour,
weekday in Asia/Shanghai) are stored rather than extracted from the time, so every GROUP BY is a
plain integer comparison on SQLite and PostgreSQL and can use an index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class FireRecord(Timestamped, Base):
    """A fire in the statistics, or a 简易登记 (simplified on-site registration) of a minor fire.

    ``occurred_at`` is the time of the fire when known (records carried over from before the
    statistics domain, or imported with a date only, have none: their ``hour`` is unknown).
    ``grade`` is derived from the figures and the date by :func:`lanyan.stats.choices.fire_grade`.
    """

    __tablename__ = "stats_fire_records"
    __table_args__ = (
        CheckConstraint("(lon IS NULL) = (lat IS NULL)", name="point_complete"),
        CheckConstraint(
            "deaths >= 0 AND injuries >= 0 AND serious_injuries >= 0 AND direct_loss_yuan >= 0",
            name="figures_not_negative",
        ),
        # Covering the yearly figures: the plans engine's GROUP BY year reads only this index.
        Index("ix_stats_fire_records_year_figures", "year", "jurisdiction_id", "deaths", "grade"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 火灾编号
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)  # local date (Asia/Shanghai)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday … 6 Sunday
    hour: Mapped[int | None] = mapped_column(Integer)  # local hour, None when the time is unknown
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(255), default="")
    incident_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_incidents.id"), unique=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"))
    place: Mapped[str] = mapped_column(String(32), default="other")  # FirePlace
    cause: Mapped[str] = mapped_column(String(32), default="undetermined")  # FireCause
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)  # all injured, serious included
    serious_injuries: Mapped[int] = mapped_column(Integer, default=0)
    direct_loss_yuan: Mapped[float] = mapped_column(Float, default=0.0)
    burned_area_m2: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str] = mapped_column(String(16))  # FireGrade
    simplified: Mapped[bool] = mapped_column(Boolean, default=False)  # 简易登记
    major_social_impact: Mapped[bool] = mapped_column(Boolean, default=False)  # 重大社会影响
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    # The incident's vehicles as the crew terminal timed them (出动, 到场, 归队 …; one dict per
    # dispatch, times ISO 8601), copied when the record is made from an incident, and the
    # response time (出动 → 到场, seconds) of the first vehicle on scene.
    vehicle_times: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON(none_as_null=True))
    first_response_s: Mapped[float | None] = mapped_column(Float)


class InvestigationCase(Timestamped, Base):
    """A fire investigation case (火灾调查案件), one per fire record."""

    __tablename__ = "stats_investigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 案件编号
    fire_record_id: Mapped[int] = mapped_column(ForeignKey("stats_fire_records.id"), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    state: Mapped[str] = mapped_column(String(24), index=True)  # CaseState
    investigator: Mapped[str] = mapped_column(String(100), default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 延伸调查: required when the fire killed, was 较大 or larger, or had major social impact.
    extended_required: Mapped[bool] = mapped_column(Boolean, default=False)
    extended_reasons: Mapped[str] = mapped_column(String(255), default="")
    extended_done: Mapped[bool] = mapped_column(Boolean, default=False)
    extended_findings: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str | None] = mapped_column(String(32))  # FireCause once determined
    cause_statement: Mapped[str] = mapped_column(Text, default="")  # 火灾事故认定 text
    determined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    criminal: Mapped[bool] = mapped_column(Boolean, default=False)
    police_case_no: Mapped[str] = mapped_column(String(60), default="")
    transferred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closing_note: Mapped[str] = mapped_column(Text, default="")


class Responsibility(Timestamped, Base):
    """A responsibility finding (责任认定) of a case: who, in which link of the chain, what."""

    __tablename__ = "stats_responsibilities"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("stats_investigations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # ResponsibilityKind
    party: Mapped[str] = mapped_column(String(200))
    finding: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Evidence(Timestamped, Base):
    """An evidence item (证据) with the SHA-256 of its content and its current holder."""

    __tablename__ = "stats_evidence"
    __table_args__ = (Index("uq_stats_evidence_case_code", "case_id", "code", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("stats_investigations.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # 证据编号 within the case
    kind: Mapped[str] = mapped_column(String(24))  # EvidenceKind
    description: Mapped[str] = mapped_column(Text)
    file_name: Mapped[str] = mapped_column(String(255), default="")
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime)
    collected_by: Mapped[str] = mapped_column(String(100))
    holder: Mapped[str] = mapped_column(String(100))  # who has it now (保管人)


class CustodyTransfer(Base):
    """One hand-over of an evidence item (证据移交): the chain of custody, oldest first."""

    __tablename__ = "stats_custody_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("stats_evidence.id"), index=True)
    from_holder: Mapped[str] = mapped_column(String(100))
    to_holder: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(String(255), default="")
    recorded_by: Mapped[str] = mapped_column(String(100))


class FireLossDeclaration(Timestamped, Base):
    """火灾损失申报: a citizen's or unit's declaration of a fire's loss through the public portal.

    It is the *draft* of a fire record: nothing here is counted in the statistics (every
    analysis and indicator reads :class:`FireRecord` only) until an officer accepts it, which
    writes the record (``fire_record_id``), linked to the matching fire incident if there is one.
    """

    __tablename__ = "stats_fire_declarations"
    __table_args__ = (
        CheckConstraint(
            "deaths >= 0 AND injuries >= 0 AND direct_loss_yuan >= 0",
            name="declared_figures_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(12), index=True)  # DeclarationState
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(255))
    burned: Mapped[str] = mapped_column(Text)  # what burned (燃烧物品)
    direct_loss_yuan: Mapped[float] = mapped_column(Float)
    deaths: Mapped[int] = mapped_column(Integer, default=0)
    injuries: Mapped[int] = mapped_column(Integer, default=0)
    declarant_name: Mapped[str] = mapped_column(String(100), default="")
    declarant_phone: Mapped[str] = mapped_column(String(30))
    photos: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    fire_record_id: Mapped[int | None] = mapped_column(ForeignKey("stats_fire_records.id"))
