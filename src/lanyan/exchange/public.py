"""What data exchange offers other domains: :func:`emit`, called in the writer's transaction."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from lanyan.core.timeutil import utcnow
from lanyan.exchange.choices import EventType
from lanyan.exchange.models import ExchangeEvent
from lanyan.store.base import table_of


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def emit(
    session: Session, event_type: EventType, payload: dict[str, Any], at: datetime | None = None
) -> None:
    """Record ``event_type`` with ``payload`` for the webhooks, in the caller's transaction: a
    row, no network call, so a slow or failing receiver never holds up the writer."""
    emit_many(session, event_type, [payload], at)


def emit_many(
    session: Session,
    event_type: EventType,
    payloads: list[dict[str, Any]],
    at: datetime | None = None,
) -> None:
    """:func:`emit` for several events of one type, in one statement."""
    if not payloads:
        return
    when = at or utcnow()
    rows = [
        {
            "event_type": event_type.value,
            "payload": json.loads(json.dumps(p, default=_plain)),
            "created_at": when,
        }
        for p in payloads
    ]
    session.connection().execute(insert(table_of(ExchangeEvent)), rows)
