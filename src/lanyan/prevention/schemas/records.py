"""API shapes of the supervision records: enforcement actions, evidence attachments, 告知承诺,
complaints and credit."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.prevention.choices import (
    CommitmentState,
    ComplaintChannel,
    ComplaintResult,
    ComplaintState,
    CreditKind,
    EnforcementKind,
    EnforcementState,
    JointPunishment,
)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2025-03-01T10:00:00+08:00")
    return value


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# ---- enforcement (三停, 临时查封, 罚款) ------------------------------------------------------


class EnforcementCreate(_In):
    """An enforcement decision against a unit."""

    kind: EnforcementKind
    unit_code: str
    basis: str = Field(description="key of the legal-basis catalogue, e.g. xfl_60 (消防法第六十条)")
    decision_no: str = Field(min_length=1, max_length=60, description="决定书文号")
    decided_on: date
    starts_on: date
    ends_on: date | None = None
    amount_yuan: Decimal | None = Field(None, description="for a fine (罚款), in yuan")
    hazard_code: str | None = None
    inspection_code: str | None = None
    facts: str = Field("", max_length=4000, description="违法事实")


class EnforcementLift(_In):
    """解除: the decision is lifted after rectification."""

    lifted_on: date
    decision_no: str = Field(min_length=1, max_length=60, description="解除决定书文号")
    reason: str = Field(min_length=1, max_length=2000)
    inspection_code: str | None = Field(
        None, description="the inspection that found the rectification (needed for 三停)"
    )


class LegalBasisPublic(BaseModel):
    key: str
    zh: str
    en: str
    kinds: list[EnforcementKind]
    fine_min: Decimal | None
    fine_max: Decimal | None


class EnforcementPublic(BaseModel):
    id: int
    code: str
    kind: EnforcementKind
    kind_zh: str
    state: EnforcementState
    unit_code: str
    jurisdiction_code: str
    hazard_code: str | None
    inspection_code: str | None
    basis: str
    basis_zh: str
    decision_no: str
    decided_on: date
    starts_on: date
    ends_on: date | None
    amount_yuan: Decimal | None
    facts: str
    lifted_on: date | None
    lift_decision_no: str | None
    lift_reason: str | None
    lift_inspection_code: str | None


# ---- attachments ----------------------------------------------------------------------------


class AttachmentPublic(BaseModel):
    id: int
    object_type: str
    object_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: datetime
    purpose: str = Field(description="evidence, or rectification: a unit's 整改照片")
    url: str


# ---- 告知承诺 --------------------------------------------------------------------------------


class CommitmentCreate(_In):
    """告知承诺 of a public-gathering place before it opens."""

    unit_code: str
    venue: str = Field(min_length=1, max_length=200, description="场所名称")
    address: str = Field("", max_length=255)
    floor_area_m2: float = Field(gt=0, description="使用面积, m²")
    opens_on: date = Field(description="投入使用、营业日期")
    statements: list[str] = Field(
        min_length=1, description="what the manager commits to (承诺内容), one per line"
    )

    @field_validator("statements")
    @classmethod
    def _no_blank(cls, value: list[str]) -> list[str]:
        cleaned = [s.strip() for s in value]
        if any(not s for s in cleaned):
            raise ValueError("must not contain an empty statement")
        return cleaned


class CommitmentCheck(_In):
    """告知承诺核查: the finding of an inspection of kind 告知承诺核查 (commitment)."""

    inspection_code: str
    truthful: bool = Field(description="false: the place differs from the commitment (虚假承诺)")
    note: str = Field("", max_length=2000)
    penalty_points: int = Field(20, ge=1, le=100, description="credit points a false one costs")


class CommitmentPublic(BaseModel):
    id: int
    code: str
    unit_code: str
    jurisdiction_code: str
    venue: str
    address: str
    floor_area_m2: float
    opens_on: date
    statements: list[str]
    state: CommitmentState
    state_zh: str
    submitted_by: str
    submitted_at: datetime
    inspection_code: str | None
    checked_at: datetime | None
    check_note: str


# ---- complaints (举报投诉) -------------------------------------------------------------------


class ComplaintCreate(_In):
    """A report from 12345, 96119 or the web."""

    channel: ComplaintChannel
    external_no: str = Field("", max_length=60, description="the hotline's ticket number")
    received_at: datetime | None = Field(None, description="default: now")
    jurisdiction_code: str | None = Field(None, description="default: the unit's")
    unit_code: str | None = None
    address: str = Field("", max_length=255)
    content: str = Field(min_length=1, max_length=4000)
    reporter_name: str = Field("", max_length=100)
    reporter_phone: str = Field("", max_length=30)
    anonymous: bool = False
    due_on: date | None = Field(None, description="核查期限 (local day); default: 3 days")

    @field_validator("received_at")
    @classmethod
    def _received_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class ComplaintAssign(_In):
    assignee: str = Field(description="username of the officer who verifies it")
    due_on: date | None = Field(None, description="a new 核查期限, if changed")


class ComplaintVerify(_In):
    result: ComplaintResult
    note: str = Field(min_length=1, max_length=4000)
    inspection_code: str | None = Field(None, description="the 举报核查 inspection")
    at: datetime | None = None

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class ComplaintFeedback(_In):
    feedback: str = Field(min_length=1, max_length=4000, description="what the reporter is told")
    reward: bool = Field(False, description="举报奖励: only for a (partly) substantiated report")
    at: datetime | None = None

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class ComplaintPublic(BaseModel):
    id: int
    code: str
    channel: ComplaintChannel
    external_no: str
    received_at: datetime
    jurisdiction_code: str
    unit_code: str | None
    address: str
    content: str
    reporter_name: str
    reporter_phone: str = Field(description="masked (138****1234) except for the assigned officer")
    anonymous: bool
    state: ComplaintState
    state_zh: str
    due_on: date
    overdue: bool
    assignee: str | None
    assigned_at: datetime | None
    inspection_code: str | None
    result: ComplaintResult | None
    result_note: str
    verified_at: datetime | None
    feedback: str
    feedback_at: datetime | None
    reward: bool
    tracking_no: str | None = Field(description="查询码 of a report sent through the portal")
    category: str = Field("", description="a 12345 work order's category (HotlineCategory)")


# ---- credit (信用) ---------------------------------------------------------------------------


class CreditRecordCreate(_In):
    unit_code: str
    kind: CreditKind
    points: int = Field(ge=1, le=100, description="size of the penalty or reward, in points")
    reason: str = Field(min_length=1, max_length=2000)
    recorded_on: date | None = None


class CreditRepair(_In):
    """信用修复 of a penalty after the unit rectified, shown by a later inspection."""

    inspection_code: str
    note: str = Field(min_length=1, max_length=2000)
    repaired_on: date | None = None


class BlacklistCreate(_In):
    unit_code: str
    reason: str = Field(min_length=1, max_length=2000)
    decision_no: str = Field("", max_length=60)
    listed_on: date | None = None
    measures: list[JointPunishment] = Field(min_length=1, description="联合惩戒 measures")


class BlacklistRemove(_In):
    note: str = Field(min_length=1, max_length=2000)
    removed_on: date | None = None


class CreditRecordPublic(BaseModel):
    id: int
    unit_code: str
    kind: CreditKind
    points: int
    reason: str
    source_type: str
    source_id: int | None
    recorded_on: date
    repaired_on: date | None
    repair_note: str


class BlacklistPublic(BaseModel):
    id: int
    unit_code: str
    reason: str
    decision_no: str
    listed_on: date
    measures: list[JointPunishment]
    removed_on: date | None
    removal_note: str


class CreditStandingPublic(BaseModel):
    unit_code: str
    score: int
    blacklisted: bool
    listed: bool
    measures: list[JointPunishment]
    records: list[CreditRecordPublic]
    blacklist: list[BlacklistPublic]
