"""Weather warnings (气象预警) imported from CAP 1.2: store, end by Update/Cancel, list active.

A repeated identifier is ignored; an Update or Cancel ends every stored warning its
``references`` name (an Update is then stored as the warning in force). Everything one
document changes is written in the caller's transaction, or nothing is."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from lanyan.core.timeutil import utcnow
from lanyan.exchange.cap import CapAlert, read_alert
from lanyan.exchange.models import WeatherWarning
from lanyan.store.db import rowcount
from lanyan.store.paging import paginate

log = logging.getLogger(__name__)
CIRCLE_SIDES = 32
KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class CapResult:
    """What one document did: ``outcome`` is imported, duplicate, updated or cancelled;
    ``ended`` the number of earlier warnings it ended."""

    identifier: str
    outcome: str
    ended: int


def _circle_ring(lon: float, lat: float, radius_km: float) -> list[list[float]]:
    ring = []
    for k in range(CIRCLE_SIDES + 1):
        angle = 2 * math.pi * (k % CIRCLE_SIDES) / CIRCLE_SIDES
        dlat = radius_km * math.sin(angle) / KM_PER_DEGREE
        dlon = radius_km * math.cos(angle) / (KM_PER_DEGREE * math.cos(math.radians(lat)))
        ring.append([round(lon + dlon, 6), round(lat + dlat, 6)])
    return ring


def geometry_of(alert: CapAlert) -> dict[str, Any] | None:
    """The alert's areas as one GeoJSON MultiPolygon (circles drawn as 32-gons), or None."""
    rings = [[[lon, lat] for lon, lat in ring] for ring in alert.polygons]
    rings += [_circle_ring(lon, lat, r) for lon, lat, r in alert.circles]
    if not rings:
        return None
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}


def store_alert(session: Session, alert: CapAlert, now: datetime | None = None) -> CapResult:
    """Store ``alert`` in the caller's transaction (see the module docstring)."""
    at = now or utcnow()
    known = session.scalar(
        select(WeatherWarning.id).where(WeatherWarning.identifier == alert.identifier)
    )
    if known is not None:
        return CapResult(alert.identifier, "duplicate", 0)
    ended = 0
    if alert.references:
        ended = rowcount(
            session.execute(
                update(WeatherWarning)
                .where(
                    WeatherWarning.identifier.in_(alert.references),
                    WeatherWarning.ended_at.is_(None),
                )
                .values(ended_at=at, ended_by=alert.identifier)
            )
        )
    session.add(
        WeatherWarning(
            identifier=alert.identifier,
            sender=alert.sender,
            sender_name=alert.sender_name,
            sent=alert.sent,
            status=alert.status,
            msg_type=alert.msg_type,
            event=alert.event,
            severity=alert.severity,
            urgency=alert.urgency,
            certainty=alert.certainty,
            level=alert.level,
            headline=alert.headline,
            description=alert.description,
            area_desc=alert.area_desc,
            onset=alert.onset,
            expires=alert.expires,
            geometry=geometry_of(alert),
            # a Cancel is kept for its identifier (repeats ignored) but is never in force
            ended_at=at if alert.msg_type == "Cancel" else None,
            ended_by=alert.identifier if alert.msg_type == "Cancel" else None,
            imported_at=at,
        )
    )
    session.flush()
    outcome = {"Update": "updated", "Cancel": "cancelled"}.get(alert.msg_type, "imported")
    return CapResult(alert.identifier, outcome, ended)


def import_document(session: Session, data: bytes, now: datetime | None = None) -> CapResult:
    """Parse, check and store one CAP document; ValidationFailed (nothing written) if bad."""
    return store_alert(session, read_alert(data), now)


def active(
    session: Session, page: int, size: int, now: datetime | None = None
) -> tuple[list[WeatherWarning], int]:
    """Warnings in force at ``now`` (actual, not ended, not expired, begun), newest first."""
    at = now or utcnow()
    stmt = (
        select(WeatherWarning)
        .where(
            WeatherWarning.status == "Actual",
            WeatherWarning.ended_at.is_(None),
            WeatherWarning.expires > at,
            or_(WeatherWarning.onset.is_(None), WeatherWarning.onset <= at),
        )
        .order_by(WeatherWarning.sent.desc(), WeatherWarning.id.desc())
    )
    return paginate(session, stmt, page, size)
