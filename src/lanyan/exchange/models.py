"""Tables of data exchange: subscriptions, emitted events, deliveries and their attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.store.base import Base, Timestamped, UTCDateTime


class Subscription(Timestamped, Base):
    """A receiver of other departments (URL) and the event types it wants, with its own secret
    (HMAC key, shown once when created)."""

    __tablename__ = "exchange_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failing: Mapped[bool] = mapped_column(Boolean, default=False)  # a delivery gave up
    # A machine client's own callback (e.g. the 12345 platform's status callback): it gets the
    # events addressed to that client (``ExchangeEvent.target_client_id``), and no other client's.
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), index=True)


class ExchangeEvent(Base):
    """An event as the writer emitted it, in its transaction; fanned out later."""

    __tablename__ = "exchange_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_type: Mapped[str] = mapped_column(String(40), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fanned_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Set: only the subscriptions of this machine client get it (a 12345 status callback).
    target_client_id: Mapped[int | None] = mapped_column(Integer)


class Delivery(Base):
    """One event to one subscription: pending until a 2xx, retried with backoff, failing after
    the last attempt."""

    __tablename__ = "exchange_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id"),
        Index("ix_exchange_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("exchange_events.id"), index=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_subscriptions.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(Base):
    """The delivery log: one row per attempt with what the receiver answered."""

    __tablename__ = "exchange_delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("exchange_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="")
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)


class WeatherWarning(Base):
    """A CAP 1.2 weather warning (气象预警) as imported, one row per CAP identifier (a repeat is
    ignored). An Update or Cancel ends the warnings it references (``ended_at``, ``ended_by``);
    ``geometry`` is a GeoJSON Polygon/MultiPolygon (WGS84) of its polygons and circles."""

    __tablename__ = "exchange_weather_warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(200))
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    sent: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12))
    msg_type: Mapped[str] = mapped_column(String(12))
    event: Mapped[str] = mapped_column(String(100))
    severity: Mapped[str] = mapped_column(String(12))
    urgency: Mapped[str] = mapped_column(String(12))
    certainty: Mapped[str] = mapped_column(String(12))
    level: Mapped[str] = mapped_column(String(8))
    headline: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    area_desc: Mapped[str] = mapped_column(String(500), default="")
    onset: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpinionFeed(Timestamped, Base):
    """An RSS or Atom feed watched for public opinion (舆情监测): on an intranet, point it at
    internal feeds (the government portal, a news mirror)."""

    __tablename__ = "exchange_opinion_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class OpinionKeyword(Base):
    """A word of the keyword rules beside the built-in ones: ``topic`` (火灾, 爆炸 …) or
    ``place`` (a place or unit name the registry does not hold)."""

    __tablename__ = "exchange_opinion_keywords"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(50), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OpinionAlert(Base):
    """A feed item that matched the keyword rules: one per item (``item_key``: the SHA-256 of
    its guid, else its link), so an item seen again never alerts twice; handled by a person."""

    __tablename__ = "exchange_opinion_alerts"
    __table_args__ = (Index("ix_exchange_opinion_alerts_open", "handled_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("exchange_opinion_feeds.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(1000), default="")
    source: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    matched: Mapped[list[str]] = mapped_column(JSON)
    jurisdiction_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handled_by: Mapped[str] = mapped_column(String(50), default="")
    handled_note: Mapped[str] = mapped_column(Text, default="")
