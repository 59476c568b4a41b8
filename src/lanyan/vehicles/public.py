"""What other domains read from the vehicles domain: each vehicle's latest reported position
and whether it is fresh by the same stale rule the positions API shows (``STALE_MINUTES``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.vehicles.models import VehicleLive
from lanyan.vehicles.service import STALE_MINUTES


@dataclass(frozen=True)
class LiveFix:
    """A vehicle's latest position: ``stale`` as in the positions API (received longer than
    ``STALE_MINUTES`` ago); ``age_s`` counts from the terminal's report time (never negative)."""

    vehicle_id: int
    lon: float
    lat: float
    reported_at: datetime
    age_s: float
    stale: bool


def latest_fixes(
    session: Session,
    vehicle_ids: Sequence[int],
    now: datetime,
    stale_minutes: int = STALE_MINUTES,
) -> dict[int, LiveFix]:
    """The latest position of each given vehicle that has reported (by vehicle id)."""
    if not vehicle_ids:
        return {}
    cutoff = now - timedelta(minutes=stale_minutes)
    out: dict[int, LiveFix] = {}
    ids = list(vehicle_ids)
    for start in range(0, len(ids), 500):  # bounded IN lists
        rows = session.execute(
            select(VehicleLive).where(VehicleLive.vehicle_id.in_(ids[start : start + 500]))
        ).scalars()
        for live in rows:
            out[live.vehicle_id] = LiveFix(
                live.vehicle_id,
                live.lon,
                live.lat,
                live.reported_at,
                max(0.0, (now - live.reported_at).total_seconds()),
                live.received_at < cutoff,
            )
    return out
