"""Which reported positions are believable (pure rules, no tables).

A position is refused with a reason when it cannot be a Chinese fire engine's: (0, 0) — what
a terminal without a fix often sends —, outside China's bounding box (73–136 °E, 3–54 °N), or
a terminal time more than ``FUTURE_SLACK`` ahead of the platform's clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

MIN_LON, MAX_LON = 73.0, 136.0
MIN_LAT, MAX_LAT = 3.0, 54.0
FUTURE_SLACK = timedelta(minutes=10)

ZERO = "zero_coordinates"
OUTSIDE = "outside_china"
FUTURE = "future_time"

REASONS = {
    ZERO: "latitude and longitude are both 0 (no fix)",
    OUTSIDE: f"outside China's bounds ({MIN_LON:g}–{MAX_LON:g} E, {MIN_LAT:g}–{MAX_LAT:g} N)",
    FUTURE: f"terminal time more than {int(FUTURE_SLACK.total_seconds() // 60)} min in the future",
}


def position_problem(lat: float, lon: float, reported_at: datetime, now: datetime) -> str | None:
    """None for a believable position, else the reason code (a key of ``REASONS``)."""
    if lat == 0 and lon == 0:
        return ZERO
    if not (MIN_LAT <= lat <= MAX_LAT and MIN_LON <= lon <= MAX_LON):
        return OUTSIDE
    if reported_at - now > FUTURE_SLACK:
        return FUTURE
    return None
