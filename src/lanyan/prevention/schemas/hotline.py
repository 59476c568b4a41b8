"""API shapes of the 12345 work-order interface (12345 政务服务便民热线 → 消防)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lanyan.prevention.choices import ComplaintState


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("must carry a time zone, e.g. 2025-03-01T10:00:00+08:00")
    return value


class HotlineOrderCreate(BaseModel):
    """A work order the 12345 platform hands to the fire service (派单)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    order_id: str = Field(
        min_length=1, max_length=60, description="the 12345 platform's own order number (工单号)"
    )
    received_at: datetime = Field(description="when the caller called (来电时间), with time zone")
    address: str = Field(
        min_length=1, max_length=255, description="the address the caller reported (反映地址)"
    )
    category: str = Field(
        min_length=1,
        max_length=40,
        description="a HotlineCategory value or its Chinese label (an unknown one is a 422 "
        "listing the allowed ones)",
    )
    content: str = Field(min_length=1, max_length=4000, description="诉求内容")
    deadline: datetime | None = Field(
        None, description="办理时限, with time zone; default: 3 days after received_at"
    )
    caller_name: str = Field("", max_length=100)
    caller_phone: str = Field("", max_length=30)
    jurisdiction_code: str | None = Field(
        None, description="the place (inside the client's jurisdiction); default: the client's"
    )

    @field_validator("received_at", "deadline")
    @classmethod
    def _times_aware(cls, value: datetime | None) -> datetime | None:
        return _aware(value)


class HotlineOrderPublic(BaseModel):
    """The complaint a work order became, as the 12345 platform sees it (and in callbacks)."""

    id: int
    code: str = Field(description="举报编号 in the fire service's queue")
    order_id: str
    category: str
    category_zh: str
    state: ComplaintState
    state_zh: str
    received_at: datetime
    due_on: date
    result: str | None
    result_note: str
    verified_at: datetime | None
    feedback: str
    feedback_at: datetime | None
