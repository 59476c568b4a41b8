"""A device's reporting history (设备在线记录): for each local day of a period, how many
messages the centre received from it, the first and the last.

Two sources make one answer. Stored frames (``monitoring_events``) are counted where they are
still kept; running-state frames past the retention period live on as one ``HeartbeatDay``
row per sender and day (``monitoring.retention``), and the alarm and fault frames of those
days are still stored, so a day's figure is the sum of both. Frames are found by the device's
addresses (an operator's binding, else its code), the prefix of the events' unique key, so no
index is spent on the hot insert path for this page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ
from lanyan.monitoring.models import DeviceAddress, HeartbeatDay, MonitoringEvent
from lanyan.registry.models import Device
from lanyan.store.base import UTCDateTime

MAX_DAYS = 366
DEFAULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class DayReport:
    """Messages received from a device on one local (Asia/Shanghai) day."""

    day: date
    frames: int
    first_seen: datetime | None
    last_seen: datetime | None


def check_days(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed(
            f"days must be between 1 and {MAX_DAYS}",
            [FieldProblem("days", f"must be an integer from 1 to {MAX_DAYS}")],
        )
    return days


def addresses(session: Session, device: Device) -> list[str]:
    """Every address the device's messages may carry as their source."""
    bound = session.scalars(
        select(DeviceAddress.address).where(
            DeviceAddress.device_id == device.id, DeviceAddress.protocol == device.protocol
        )
    ).all()
    return sorted({*bound, device.code, device.code.lower()})


def _local_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The Asia/Shanghai calendar day of a stored UTC time, computed by the database."""
    # Literals, not parameters: the same expression is grouped by, and PostgreSQL does not
    # take two parameters for one.
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        # Stored as naive UTC text; China has kept UTC+8 without daylight saving since 1991.
        return func.date(column, literal_column("'+8 hours'"))
    return func.date(func.timezone(literal_column(f"'{CHINA_TZ.key}'"), column))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def day_reports(
    session: Session, device: Device, sources: list[str], days: int, today: date
) -> list[DayReport]:
    """One ``DayReport`` per day from ``today - days + 1`` to ``today``, oldest first, of the
    messages from ``sources`` (the device's ``addresses``); days with nothing received have
    ``frames == 0``."""
    check_days(days)
    first_day = today - timedelta(days=days - 1)
    start = datetime.combine(first_day, time(0), CHINA_TZ).astimezone(UTC)
    ours = or_(MonitoringEvent.device_id == device.id, MonitoringEvent.device_id.is_(None))
    day = _local_day(session, MonitoringEvent.received_at).label("day")
    totals: dict[date, list[Any]] = {}
    for row in session.execute(
        select(
            day,
            func.count(),
            type_coerce(func.min(MonitoringEvent.received_at), UTCDateTime),
            type_coerce(func.max(MonitoringEvent.received_at), UTCDateTime),
        )
        .where(
            MonitoringEvent.protocol == device.protocol,
            MonitoringEvent.source.in_(sources),
            MonitoringEvent.received_at >= start,
            ours,
        )
        .group_by(day)
    ):
        totals[_as_date(row[0])] = [row[1], row[2], row[3]]
    for folded in session.scalars(
        select(HeartbeatDay).where(
            HeartbeatDay.protocol == device.protocol,
            HeartbeatDay.source.in_(sources),
            HeartbeatDay.day >= first_day,
            HeartbeatDay.day <= today,
            or_(HeartbeatDay.device_id == device.id, HeartbeatDay.device_id.is_(None)),
        )
    ):
        seen = totals.setdefault(folded.day, [0, folded.first_seen, folded.last_seen])
        if seen[0]:
            seen[1] = min(seen[1], folded.first_seen)
            seen[2] = max(seen[2], folded.last_seen)
        seen[0] += folded.frames
    out = []
    for n in range(days):
        on = first_day + timedelta(days=n)
        frames, first, last = totals.get(on, (0, None, None))
        out.append(DayReport(on, frames, first, last))
    return out
