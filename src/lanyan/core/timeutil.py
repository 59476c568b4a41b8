"""Time: stored timezone-aware in UTC, shown in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

CHINA_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_today() -> date:
    """Today in Asia/Shanghai, whatever the server's own time zone: a day-based rule (a patrol
    due today, a lot expiring, a report's period) means the local calendar day."""
    return datetime.now(CHINA_TZ).date()


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
@overload
def to_local(value: datetime | None) -> datetime | None: ...
def to_local(value: datetime | None) -> datetime | None:
    """Convert an aware datetime to Asia/Shanghai for display."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(CHINA_TZ)


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    """A time as people read it: in Asia/Shanghai whatever the server's zone; "—" for none.
    Every page, message and export shown to a person formats times through this."""
    local = to_local(value)
    return local.strftime(fmt) if local else "—"


def local_clock(value: datetime | None) -> str:
    """Hours and minutes in Asia/Shanghai (e.g. a lock-out's end), "—" for none."""
    return local_text(value, "%H:%M")
