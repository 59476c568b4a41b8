"""Request and response shapes of fire statistics that are not plain record dictionaries: the
public portal's 火灾损失申报 (fire-loss declaration) and its review."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.core.timeutil import CHINA_TZ
from lanyan.stats.choices import DeclarationState

MOBILE = r"^1[3-9][0-9]{9}$"  # a mainland mobile number, 11 digits


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FireLossDeclare(_In):
    """A fire's loss declared by a citizen or unit (no log-in). Times without a zone are
    Asia/Shanghai."""

    jurisdiction_code: str = Field(min_length=1, max_length=12, description="a places-list code")
    occurred_at: datetime = Field(description="when the fire happened (YYYY-MM-DDTHH:MM)")
    address: str = Field(min_length=2, max_length=255)
    burned: str = Field(min_length=2, max_length=2000, description="what burned (燃烧物品)")
    direct_loss_yuan: float = Field(ge=0, le=10_000_000_000, description="direct loss in 元")
    deaths: int = Field(0, ge=0, le=1000, description="persons killed")
    injuries: int = Field(0, ge=0, le=10000, description="persons injured")
    declarant_name: str = Field("", max_length=50)
    declarant_phone: str = Field(
        pattern=MOBILE, description="an 11-digit mobile number; its last four digits look it up"
    )

    @field_validator("occurred_at")
    @classmethod
    def _local(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=CHINA_TZ)


class FireLossReceipt(BaseModel):
    tracking_no: str
    received_at: datetime
    state: DeclarationState
    state_zh: str


class DeclarationAccept(_In):
    incident: str = Field(
        "", max_length=40, description="the fire incident's code; empty: the nearest match, if any"
    )


class DeclarationReject(_In):
    reason: str = Field(min_length=2, max_length=2000, description="what the declarant is told")


class DeclarationPublic(BaseModel):
    """A declaration in the officers' review queue (the phone masked unless they may write)."""

    id: int
    tracking_no: str
    state: DeclarationState
    state_zh: str
    jurisdiction_code: str
    occurred_at: datetime
    address: str
    burned: str
    direct_loss_yuan: float
    deaths: int
    injuries: int
    declarant_name: str
    declarant_phone: str
    photos: list[dict[str, object]]
    received_at: datetime
    reviewed_by: str
    reviewed_at: datetime | None
    reject_reason: str
    record_code: str | None
    incident_code: str | None
