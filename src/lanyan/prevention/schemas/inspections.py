"""API shapes of supervision: inspector certificates, recusals, inspections, hazards."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.prevention.choices import HazardAction, HazardState, InspectionKind, ItemResult


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2025-03-01T10:00:00+08:00")
    return value


class CertificateCreate(BaseModel):
    """执法资格证 of a user (by username)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str
    certificate_no: str = Field(min_length=1, max_length=40)
    valid_from: date
    valid_until: date


class CertificatePublic(BaseModel):
    username: str
    certificate_no: str
    valid_from: date
    valid_until: date
    revoked: bool


class RecusalCreate(BaseModel):
    """回避: ``username`` is linked to the unit and must not inspect it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str
    unit_code: str
    reason: str = Field(min_length=1, max_length=255)


class FindingCreate(BaseModel):
    """A finding of an inspection; it becomes a hazard, ordered at once when a deadline is set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = Field(min_length=1, max_length=2000)
    is_major: bool = False
    deadline: date | None = Field(None, description="整改期限 (local day); orders rectification")


class ChecklistResultCreate(BaseModel):
    """The result of one checklist item (检查表) of the unit's category."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    item_code: str = Field(min_length=1, max_length=40)
    result: ItemResult
    note: str = Field("", max_length=2000)


class InspectionCreate(BaseModel):
    """An inspection as the inspectors record it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: InspectionKind
    unit_code: str = Field(description="统一社会信用代码 of the unit")
    inspected_at: datetime | None = Field(None, description="default: now")
    inspectors: list[str] = Field(description="usernames; at least two certified (双人执法)")
    notes: str = Field("", max_length=4000)
    findings: list[FindingCreate] = Field(default_factory=list)
    checklist: list[ChecklistResultCreate] = Field(
        default_factory=list, description="results by item; a failed hazard item becomes a hazard"
    )
    rectify_by: date | None = Field(
        None, description="整改期限 for the hazards of failed checklist items (orders them)"
    )

    @field_validator("inspected_at")
    @classmethod
    def _inspected_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class HazardMove(BaseModel):
    """One action on a hazard; which fields are needed depends on the action."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: HazardAction
    at: datetime | None = Field(None, description="default: now")
    deadline: date | None = Field(None, description="for order, fail_recheck and list: a local day")
    note: str = Field("", max_length=2000)
    department: str = Field("", max_length=100, description="for list: 责任部门")
    published: bool = Field(False, description="for list: publish the listing (向社会公布)")

    @field_validator("at")
    @classmethod
    def _at_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class HazardStepPublic(BaseModel):
    event: str
    from_state: HazardState | None
    to_state: HazardState
    at: datetime
    by: str
    detail: dict[str, object]


class ListingPublic(BaseModel):
    department: str
    deadline: date
    published: bool
    listed_at: datetime
    delisted_at: datetime | None


class HazardPhotoPublic(BaseModel):
    """A file attached to a hazard; ``url`` serves its bytes to a signed-in reader."""

    id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: datetime
    purpose: str
    url: str


class HazardPublic(BaseModel):
    id: int
    code: str
    unit_code: str
    jurisdiction_code: str
    inspection_code: str | None
    description: str
    is_major: bool
    state: HazardState
    state_zh: str
    found_at: datetime
    deadline: date | None
    overdue: bool
    self_found: bool = Field(description="自查发现: found on the unit's own patrol")
    recheck_due: date | None = Field(
        description="复查时限: 3 working days after the application (weekends excluded, "
        "public holidays not known)"
    )
    recheck_days_left: int | None = Field(
        description="working days left to recheck while an application waits (negative: late)"
    )
    recheck_late: bool
    listing: ListingPublic | None
    evidence: list[HazardPhotoPublic]
    history: list[HazardStepPublic]


class ChecklistResultPublic(BaseModel):
    checklist: str
    item_code: str
    item_zh: str
    basis: str
    result: ItemResult
    note: str
    hazard_code: str | None


class InspectorOnDuty(BaseModel):
    username: str
    certificate_no: str


class InspectionPublic(BaseModel):
    id: int
    code: str
    kind: InspectionKind
    unit_code: str
    jurisdiction_code: str
    inspected_at: datetime
    notes: str
    draw_code: str | None
    inspectors: list[InspectorOnDuty]
    hazard_codes: list[str]
    checklist: list[ChecklistResultPublic] = []
