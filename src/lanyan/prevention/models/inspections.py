"""Tables of supervision (监督管理): inspector certificates, recusals, inspections, hazards,
the hazard history, and random draws."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
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
    # 自查发现: found on the unit's own patrol, so the unit starts rectifying without an order.
    self_found: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    recheck_due: Mapped[date | None] = mapped_column(Date)  # 复查时限 (local day)


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
    # Commit–reveal (issue #20): the earliest time the draw may run, published with the seed's
    # hash; the server-generated seed is held here, never shown, until the draw runs.
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    secret_seed: Mapped[str | None] = mapped_column(String(128))


class InspectionResult(Base):
    """One checklist item's result (检查表) on an inspection; a failed hazard item names its hazard."""

    __tablename__ = "prevention_inspection_results"
    __table_args__ = (UniqueConstraint("inspection_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inspection_id: Mapped[int] = mapped_column(ForeignKey("prevention_inspections.id"), index=True)
    checklist: Mapped[str] = mapped_column(String(40))  # the checklist's code (its unit category)
    item_code: Mapped[str] = mapped_column(String(40))
    # The item's words and legal basis as they stood that day: editing the YAML later does not
    # rewrite a past inspection's record.
    item_zh: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_hazards.id"))


class EnforcementAction(Timestamped, Base):
    """三停, 临时查封 or 罚款 decided against a unit, with its legal basis and its lifting (解除)."""

    __tablename__ = "prevention_enforcement_actions"
    __table_args__ = (
        CheckConstraint("amount_yuan IS NULL OR amount_yuan > 0", name="amount_positive"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 执法编号
    kind: Mapped[str] = mapped_column(String(20), index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    hazard_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_hazards.id"), index=True)
    inspection_id: Mapped[int | None] = mapped_column(
        ForeignKey("prevention_inspections.id"), index=True
    )
    basis: Mapped[str] = mapped_column(String(40))  # a key of the legal-basis catalogue
    decision_no: Mapped[str] = mapped_column(String(60), unique=True)  # 决定书文号
    decided_on: Mapped[date] = mapped_column(Date)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    amount_yuan: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    facts: Mapped[str] = mapped_column(Text, default="")
    lifted_on: Mapped[date | None] = mapped_column(Date)
    lift_decision_no: Mapped[str | None] = mapped_column(String(60))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    lift_inspection_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_inspections.id"))


class Attachment(Base):
    """Evidence (证据材料) attached to a hazard, inspection, enforcement action or complaint.

    The bytes live under the data folder, named by their SHA-256; the row is what the API lists."""

    __tablename__ = "prevention_attachments"
    __table_args__ = (Index("ix_prevention_attachments_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # "evidence" (证据材料), or "rectification": a unit's photo of its rectified hazard (整改照片).
    purpose: Mapped[str] = mapped_column(String(20), default="evidence", server_default="evidence")


class Commitment(Timestamped, Base):
    """告知承诺: a public-gathering place opens on its manager's commitment, checked later."""

    __tablename__ = "prevention_commitments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 承诺编号
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    venue: Mapped[str] = mapped_column(String(200))  # the place's name (场所名称)
    address: Mapped[str] = mapped_column(String(255), default="")
    floor_area_m2: Mapped[float] = mapped_column()
    opens_on: Mapped[date] = mapped_column(Date)
    statements: Mapped[list[str]] = mapped_column(JSON)  # what the manager commits to
    state: Mapped[str] = mapped_column(String(12), index=True)
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_inspections.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_note: Mapped[str] = mapped_column(Text, default="")
    # The post-check (核查) is due by this local day (a portal commitment accepted by an officer).
    check_due_on: Mapped[date | None] = mapped_column(Date)


class CommitmentApplication(Timestamped, Base):
    """A 告知承诺 sent through the public portal with its documents, waiting for an officer.
    Accepted, it becomes a :class:`Commitment` (published, with its post-check due)."""

    __tablename__ = "prevention_commitment_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(40), unique=True)
    state: Mapped[str] = mapped_column(String(12), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    venue: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(255))
    floor_area_m2: Mapped[float] = mapped_column()
    opens_on: Mapped[date] = mapped_column(Date)
    applicant_name: Mapped[str] = mapped_column(String(50))
    applicant_phone: Mapped[str] = mapped_column(String(30))
    signatory: Mapped[str] = mapped_column(String(50))  # who signed the 承诺书
    documents: Mapped[list[dict[str, object]]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    reviewed_by: Mapped[str] = mapped_column(String(100), default="")
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str] = mapped_column(Text, default="")
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_commitments.id"))


class Complaint(Timestamped, Base):
    """A report of a fire hazard (举报投诉) from 12345, 96119 or the web, verified by a deadline."""

    __tablename__ = "prevention_complaints"
    # A work order a machine client (the 12345 platform) sent is one complaint per its order id.
    __table_args__ = (UniqueConstraint("api_client_id", "external_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 举报编号
    channel: Mapped[str] = mapped_column(String(8), index=True)
    external_no: Mapped[str] = mapped_column(String(60), default="")  # the hotline's ticket no.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    content: Mapped[str] = mapped_column(Text)
    reporter_name: Mapped[str] = mapped_column(String(100), default="")
    reporter_phone: Mapped[str] = mapped_column(String(30), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(12), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)  # 核查期限 (local day)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    inspection_id: Mapped[int | None] = mapped_column(ForeignKey("prevention_inspections.id"))
    result: Mapped[str | None] = mapped_column(String(16))
    result_note: Mapped[str] = mapped_column(Text, default="")
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feedback: Mapped[str] = mapped_column(Text, default="")
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reward: Mapped[bool] = mapped_column(Boolean, default=False)  # 举报奖励
    # 查询码: the number a reporter on the public portal looks the report up by (with the last
    # four digits of their phone); random, so one report's number says nothing of another's.
    tracking_no: Mapped[str | None] = mapped_column(String(40), unique=True, index=True)
    # The machine client that sent it (12345 工单, ``prevention.hotline``): its status changes
    # are called back to that client's webhook; and the order's category (HotlineCategory).
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)
    category: Mapped[str] = mapped_column(String(24), default="", server_default="")


class EnforcementApplication(Timestamped, Base):
    """解除临时查封 or 恢复使用 applied for through the public portal: in the officers' queue until
    one of them handles it (the lifting itself is ``enforcement.lift``)."""

    __tablename__ = "prevention_enforcement_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_no: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    enforcement_id: Mapped[int] = mapped_column(
        ForeignKey("prevention_enforcement_actions.id"), index=True
    )
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(50))
    applicant_phone: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply: Mapped[str] = mapped_column(Text, default="")


class CreditRecord(Timestamped, Base):
    """A unit's credit record (信用记录): a penalty (negative points) or a reward (positive)."""

    __tablename__ = "prevention_credit_records"
    __table_args__ = (CheckConstraint("points <> 0", name="points_nonzero"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    source_type: Mapped[str] = mapped_column(String(20), default="")  # e.g. commitments
    source_id: Mapped[int | None] = mapped_column(Integer)
    recorded_on: Mapped[date] = mapped_column(Date)
    repaired_on: Mapped[date | None] = mapped_column(Date)  # 信用修复
    repair_note: Mapped[str] = mapped_column(Text, default="")


class BlacklistEntry(Timestamped, Base):
    """失信黑名单: a unit on the list, with its 联合惩戒 measures, until it is taken off."""

    __tablename__ = "prevention_blacklist"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    decision_no: Mapped[str] = mapped_column(String(60), default="")
    listed_on: Mapped[date] = mapped_column(Date)
    measures: Mapped[list[str]] = mapped_column(JSON)  # JointPunishment values
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_note: Mapped[str] = mapped_column(Text, default="")
