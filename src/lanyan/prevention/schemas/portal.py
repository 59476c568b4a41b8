"""API shapes of the public portal (公众服务, no log-in): a citizen's report and its status
lookup, and the published lists. Nothing here carries another person's data: no reporter's
name or phone, no officer's name, no free-text facts of an enforcement decision."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from lanyan.prevention.choices import (
    ApplicationKind,
    ApplicationState,
    CommitmentApplicationState,
    CommitmentState,
    ComplaintState,
    EnforcementKind,
    EnforcementState,
)

MOBILE = r"^1[3-9][0-9]{9}$"  # a mainland mobile number, 11 digits


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicComplaintCreate(_In):
    """A report sent by a citizen through the portal (网上举报)."""

    jurisdiction_code: str = Field(
        min_length=1, max_length=12, description="where the hazard is: a code from the places list"
    )
    address: str = Field(min_length=2, max_length=255, description="the place, as exact as known")
    content: str = Field(min_length=5, max_length=2000, description="what was seen")
    reporter_name: str = Field("", max_length=50, description="optional; shown to no one public")
    reporter_phone: str = Field(
        pattern=MOBILE,
        description="an 11-digit mobile number; its last four digits look the report up later",
    )


class PublicComplaintReceipt(BaseModel):
    """What the reporter keeps: the tracking number (查询码) to look the report up by."""

    tracking_no: str
    received_at: datetime
    state: ComplaintState
    state_zh: str


class PublicComplaintLookup(_In):
    """A status lookup: the tracking number and the last four digits of the reporter's phone."""

    tracking_no: str = Field(min_length=1, max_length=40)
    phone_last4: str = Field(pattern=r"^[0-9]{4}$", description="the phone's last four digits")


class PublicComplaintStatus(BaseModel):
    """Where a report stands, as its reporter may see it (the phone masked)."""

    tracking_no: str
    received_at: datetime
    address: str
    content: str
    reporter_phone: str = Field(description="masked: 138****1234")
    state: ComplaintState
    state_zh: str
    due_on: date
    verified_at: datetime | None
    feedback: str = Field(description="what the handling officer tells the reporter")
    feedback_at: datetime | None


class PublicPlace(BaseModel):
    code: str
    name: str
    level: str


class PublishedHazard(BaseModel):
    """A hazard under 挂牌督办 (listed for supervision), as published."""

    code: str
    unit_name: str
    address: str
    jurisdiction_name: str
    description: str
    is_major: bool
    listing_department: str | None
    listing_deadline: date | None
    listed_at: datetime | None


class PublishedEnforcement(BaseModel):
    """An enforcement decision as published: the unit, never a person; no free-text facts."""

    decision_no: str
    kind: EnforcementKind
    kind_zh: str
    state: EnforcementState
    unit_name: str
    jurisdiction_name: str
    basis_zh: str
    decided_on: date
    amount_yuan: Decimal | None
    lifted_on: date | None


class PublishedCommitment(BaseModel):
    """A place opened on a 告知承诺 and what its check found."""

    code: str
    venue: str
    unit_name: str
    address: str
    jurisdiction_name: str
    opens_on: date
    state: CommitmentState
    state_zh: str


class PublicApplicationCreate(_In):
    """解除临时查封 or 恢复使用 applied for by the unit the decision was against."""

    kind: ApplicationKind
    decision_no: str = Field(
        min_length=1, max_length=60, description="the 决定书文号 of the decision in force"
    )
    applicant_name: str = Field(min_length=1, max_length=50)
    applicant_phone: str = Field(pattern=MOBILE, description="an 11-digit mobile number")
    reason: str = Field(min_length=5, max_length=2000, description="what was rectified")


class PublicApplicationReceipt(BaseModel):
    tracking_no: str
    kind: ApplicationKind
    received_at: datetime
    state: ApplicationState


class ApplicationHandle(_In):
    reply: str = Field(min_length=1, max_length=2000, description="what the applicant is told")


class ApplicationPublic(BaseModel):
    """An application in the officers' queue; the phone masked except for an officer who may
    act on it (the enforcement writer who calls the applicant back)."""

    id: int
    tracking_no: str
    kind: ApplicationKind
    kind_zh: str
    decision_no: str
    unit_code: str
    applicant_name: str
    applicant_phone: str
    reason: str
    received_at: datetime
    state: ApplicationState
    handled_by: str | None
    handled_at: datetime | None
    reply: str


class PublicCommitmentCreate(_In):
    """公众聚集场所投入使用、营业前消防安全检查 告知承诺, sent by the place's unit (no log-in); the
    documents come as files beside these fields."""

    unit_code: str = Field(
        min_length=18, max_length=18, description="the unit's 统一社会信用代码 (18 characters)"
    )
    venue: str = Field(min_length=2, max_length=200, description="the place's name (场所名称)")
    address: str = Field(min_length=2, max_length=255)
    floor_area_m2: float = Field(gt=0, le=1_000_000, description="floor area in m²")
    opens_on: date = Field(description="the day the place is to open (投入使用/营业)")
    applicant_name: str = Field(min_length=1, max_length=50)
    applicant_phone: str = Field(pattern=MOBILE, description="an 11-digit mobile number")
    signatory: str = Field(
        min_length=1, max_length=50, description="who signs the commitment (承诺人)"
    )
    agreed: bool = Field(description="the applicant commits to every statement (must be true)")


class PublicCommitmentReceipt(BaseModel):
    tracking_no: str
    received_at: datetime
    state: CommitmentApplicationState
    state_zh: str


class CommitmentReview(_In):
    accept: bool = Field(description="true: accept (已受理); false: reject with the reply")
    reply: str = Field("", max_length=2000, description="required when rejecting")


class CommitmentApplicationPublic(BaseModel):
    id: int
    tracking_no: str
    state: CommitmentApplicationState
    state_zh: str
    unit_code: str
    unit_name: str
    venue: str
    address: str
    floor_area_m2: float
    opens_on: date
    applicant_name: str
    applicant_phone: str
    signatory: str
    documents: list[dict[str, object]]
    received_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    reply: str
    commitment_code: str | None
    check_due_on: date | None


class PublicLookup(_In):
    """A status lookup of anything sent through the portal: its tracking number and the last
    four digits of the sender's phone."""

    tracking_no: str = Field(min_length=1, max_length=40)
    phone_last4: str = Field(pattern=r"^[0-9]{4}$", description="the phone's last four digits")


class PublicStatus(BaseModel):
    """Where a submission stands, as its sender may see it (the phone masked)."""

    kind: str = Field(description="complaint, lift_seal, resume_use, commitment or fire_loss")
    tracking_no: str
    received_at: datetime
    state: str
    state_zh: str
    state_en: str
    summary: str
    phone: str = Field(description="masked: 138****1234")
    reply: str = Field(description="what the officer tells the sender, once there is a reply")
    handled_at: datetime | None
