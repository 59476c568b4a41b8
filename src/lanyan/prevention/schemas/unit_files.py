"""Request and response models of the unit's file: the filing fields and the monthly checks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class FilingIn(BaseModel):
    """The 户籍化 filing fields of one unit (every field; lists as lists of strings)."""

    model_config = ConfigDict(extra="forbid")

    responsible_name: str = Field(description="消防安全责任人")
    responsible_phone: str = Field(description="mobile (11 digits) or 0xx-xxxxxxxx")
    responsible_id: str = Field("", description="18-character ID or a certificate number")
    manager_name: str = Field("", description="消防安全管理人")
    manager_phone: str = ""
    manager_id: str = ""
    key_parts: list[str] = Field(default_factory=list, description="重点部位")
    systems: list[str] = Field(
        default_factory=list, description="消防设施: FireSystem values or their names"
    )
    station_members: list[str] = Field(default_factory=list, description="微型消防站 members")
    station_equipment: list[str] = Field(default_factory=list, description="微型消防站 equipment")


class FilingPublic(FilingIn):
    unit_code: str
    updated_by: str
    updated_at: datetime | None


class ItemAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="checklist item code (m01–m12)")
    ok: bool
    note: str = Field("", max_length=255, description="what is wrong (required when not ok)")


class MonthlyCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unit_code: str
    checked_on: date
    items: list[ItemAnswer]


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signer_name: str = Field(description="the 消防安全责任人 on the unit's file")


class ItemResultPublic(BaseModel):
    code: str
    ok: bool
    note: str
    hazard_id: int | None


class MonthlyCheckPublic(BaseModel):
    id: int
    unit_code: str
    year: int
    month: int
    checked_on: date
    checker: str
    results: list[ItemResultPublic]
    findings: int
    state: Literal["pending", "signed"]
    signed_by_name: str
    signed_by: str
    signed_at: datetime | None


class CheckCompliancePublic(BaseModel):
    unit_code: str
    unit_name: str
    check_id: int | None
    findings: int
    state: Literal["signed", "pending", "missing"]


class ImportResult(BaseModel):
    created: int
    updated: int
