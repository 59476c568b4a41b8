"""API shapes of webhook subscriptions, the delivery log and CAP weather warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

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


class FeedCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500, description="an RSS or Atom feed (http/https)")


class FeedPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    url: str
    active: bool
    last_polled_at: datetime | None
    last_error: str


class KeywordCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    word: str = Field(min_length=1, max_length=50)
    kind: Literal["topic", "place"] = Field(
        description="topic: a word like 火灾; place: a place or unit name"
    )


class KeywordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    word: str
    kind: str


class AlertPublic(BaseModel):
    """A feed item that matched the keyword rules (舆情预警)."""

    id: int
    title: str
    link: str
    source: str
    feed: str
    published_at: datetime | None
    matched: list[str]
    created_at: datetime
    handled_at: datetime | None
    handled_by: str
    handled_note: str


class AlertHandle(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field("", max_length=2000, description="what was done (核实、回应 …)")
