"""The 6-byte time label 时间标签 (§8.2.2, 图17): second, minute, hour, day, month, year − 2000.

Plain binary bytes, not BCD; the standard has no time zone, so Lanyan reads every device time
as Asia/Shanghai (reference §3). Panel clocks are often wrong (reference §13 D4): a time that is
not a calendar date is kept as its raw bytes, never rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from lanyan.core.timeutil import CHINA_TZ


@dataclass(frozen=True, slots=True)
class DeviceTime:
    """A device clock reading as sent (6 raw bytes) and, when it is a real date, its value."""

    raw: bytes

    def __post_init__(self) -> None:
        if len(self.raw) != 6:
            raise ValueError(f"a time label is 6 bytes, got {len(self.raw)}")

    @property
    def value(self) -> datetime | None:
        """The time in Asia/Shanghai, or None when the bytes are no calendar date."""
        return _reading(self.raw)[0]

    def iso(self) -> str | None:
        return _reading(self.raw)[1]

    @classmethod
    def of(cls, when: datetime) -> DeviceTime:
        """Encode an aware datetime (naive means Asia/Shanghai); years 2000–2099 only."""
        local = when.replace(tzinfo=CHINA_TZ) if when.tzinfo is None else when.astimezone(CHINA_TZ)
        if not 2000 <= local.year <= 2099:
            raise ValueError(f"year {local.year} does not fit the 1-byte year (2000–2099)")
        return cls(
            bytes(
                (local.second, local.minute, local.hour, local.day, local.month, local.year - 2000)
            )
        )


@lru_cache(maxsize=4096)
def _reading(raw: bytes) -> tuple[datetime | None, str | None]:
    """A time label's value and ISO text, computed once per distinct label: a gateway sees the
    same few labels (this second, the last ones) in frame after frame."""
    second, minute, hour, day, month, year = raw
    try:
        value = datetime(2000 + year, month, day, hour, minute, second, tzinfo=CHINA_TZ)
    except ValueError:
        return None, None
    return value, value.isoformat()
