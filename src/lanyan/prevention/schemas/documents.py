"""API shapes of enforcement documents (执法文书) and their legal review (法制审核)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from lanyan.prevention.choices import DocumentKind, DocumentState


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DocumentFields(_In):
    """What the case officer writes; which fields a kind needs is its template's ``fields``."""

    bases: list[str] = Field(
        min_length=1, description="citation keys of the kind's template, e.g. xfl_60"
    )
    facts: str = Field(min_length=1, max_length=4000, description="违法事实 / 检查情况")
    demands: str = Field("", max_length=4000, description="整改要求 / 意见")
    deadline: date | None = Field(None, description="责令改正的期限")
    amount_yuan: Decimal | None = Field(None, description="罚款金额（元）")
    seal_place: str = Field("", max_length=200, description="查封的部位或场所")
    starts_on: date | None = None
    ends_on: date | None = None
    hazard_code: str | None = None


class DocumentCreate(DocumentFields):
    kind: DocumentKind
    inspection_code: str = Field(min_length=1, description="the case's inspection (检查编号)")


class DocumentReview(_In):
    reason: str = Field("", max_length=2000, description="退回理由 / 审核意见")


class CitationPublic(BaseModel):
    key: str
    zh: str
    en: str


class DocumentEventPublic(BaseModel):
    action: str
    at: str
    by: str
    state: str
    reason: str = ""


class DocumentPublic(BaseModel):
    id: int
    kind: DocumentKind
    kind_zh: str
    state: DocumentState
    state_zh: str
    number: str | None
    unit_code: str
    unit_name: str
    inspection_code: str
    hazard_code: str | None
    officer: str
    reviewer: str | None
    bases: list[str]
    facts: str
    demands: str
    deadline: date | None
    amount_yuan: Decimal | None
    seal_place: str
    starts_on: date | None
    ends_on: date | None
    review_note: str
    issued_on: date | None
    enforcement_code: str | None
    history: list[DocumentEventPublic]
