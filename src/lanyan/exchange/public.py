"""What data exchange offers other domains: :func:`emit`, called in the writer's transaction,
and :func:`warnings_in_force`, the CAP weather warnings the risk index reads."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import utcnow
from lanyan.exchange.choices import EventType
from lanyan.exchange.models import ExchangeEvent, WeatherWarning
from lanyan.store.base import table_of


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def emit(
    session: Session,
    event_type: EventType,
    payload: dict[str, Any],
    at: datetime | None = None,
    target_client_id: int | None = None,
) -> None:
    """Record ``event_type`` with ``payload`` for the webhooks, in the caller's transaction: a
    row, no network call, so a slow or failing receiver never holds up the writer. With
    ``target_client_id`` only that machine client's subscriptions get it (a callback)."""
    emit_many(session, event_type, [payload], at, target_client_id)


def emit_many(
    session: Session,
    event_type: EventType,
    payloads: list[dict[str, Any]],
    at: datetime | None = None,
    target_client_id: int | None = None,
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
            "target_client_id": target_client_id,
        }
        for p in payloads
    ]
    session.connection().execute(insert(table_of(ExchangeEvent)), rows)


@dataclass(frozen=True)
class WarningFact:
    """A weather warning's facts another domain needs: event, colour level, area (GeoJSON
    Polygon/MultiPolygon, WGS84) and when it is in force."""

    identifier: str
    event: str
    level: str
    geometry: dict[str, Any]
    begins: datetime
    ends: datetime


def warnings_in_force(session: Session, since: datetime, until: datetime) -> list[WarningFact]:
    """Actual warnings with an area that are in force at some moment of [since, until]: begun
    (onset, else sent) by ``until`` and not expired or ended by ``since``."""
    rows = session.execute(
        select(WeatherWarning).where(
            WeatherWarning.status == "Actual",
            WeatherWarning.geometry.is_not(None),
            WeatherWarning.expires > since,
            or_(WeatherWarning.ended_at.is_(None), WeatherWarning.ended_at > since),
            or_(
                WeatherWarning.onset <= until,
                WeatherWarning.onset.is_(None) & (WeatherWarning.sent <= until),
            ),
        )
    ).scalars()
    out = []
    for w in rows:
        assert w.expires is not None and w.geometry is not None
        ends = min(w.expires, w.ended_at) if w.ended_at else w.expires
        out.append(WarningFact(w.identifier, w.event, w.level, w.geometry, w.onset or w.sent, ends))
    return out
