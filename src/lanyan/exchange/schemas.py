"""API shapes of webhook subscriptions, the delivery log and CAP weather warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lanyan.exchange.choices import EventType


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500, description="http:// or https:// receiver")
    event_types: list[EventType] = Field(min_length=1)


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str | None = Field(None, min_length=1, max_length=500)
    event_types: list[EventType] | None = Field(None, min_length=1)
    active: bool | None = Field(None, description="true again clears the failing mark")


class SubscriptionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    url: str
    event_types: list[str]
    active: bool
    failing: bool


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="the HMAC key, shown this once")


class AttemptPublic(BaseModel):
    delivery_id: int
    subscription: str
    event_id: int
    event_type: str
    at: datetime
    status_code: int | None
    error: str
    duration_ms: int
    delivery_state: str
    attempts: int


class CapImported(BaseModel):
    """What one CAP document did: imported, duplicate, updated or cancelled."""

    identifier: str
    outcome: str
    ended: int


class WeatherWarningPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    identifier: str
    sender_name: str
    event: str
    severity: str
    level: str
    headline: str
    description: str
    area_desc: str
    onset: datetime | None
    expires: datetime | None
    geometry: dict[str, Any] | None
