"""Retention of running-state frames (运行状态信息).

A user information transmission device reports its running state (GB/T 26875.3 type 21)
every minute or so: with 10,000 devices that is 14 million stored frames a day, nearly all
saying "normal". Past the retention period (``Settings.monitor_keep_heartbeats_days``) such
frames are folded into one ``HeartbeatDay`` row per sender and local day (how many came, the
first and the last) and deleted. Kept whatever their age: every frame that opened an alarm
(the alarm record points at it) and every frame of any other type (alarms, faults, resets,
operations, component states). MQTT messages are not touched.

Runs in chunks, each its own short transaction, so the gateway's writer never waits long.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.timeutil import to_local
from lanyan.monitoring.ingest import GB26875
from lanyan.monitoring.models import HeartbeatDay, MonitoringAlarm, MonitoringEvent
from lanyan.store.base import table_of
from lanyan.store.db import unit_of_work

# Type flag 21, 上传用户信息传输装置运行状态 (GB/T 26875.3 Table 3).
RUNNING_STATE = 21
CHUNK = 5000


def _expired_chunk(
    session: Session, start: datetime | None, cutoff: datetime, limit: int
) -> list[Any]:
    referenced = select(MonitoringAlarm.event_id).where(MonitoringAlarm.event_id.is_not(None))
    return list(
        session.execute(
            select(
                MonitoringEvent.id,
                MonitoringEvent.protocol,
                MonitoringEvent.source,
                MonitoringEvent.device_id,
                MonitoringEvent.received_at,
            )
            .where(
                MonitoringEvent.received_at < cutoff,
                MonitoringEvent.received_at >= start if start is not None else true(),
                MonitoringEvent.protocol == GB26875,
                MonitoringEvent.type_flag == RUNNING_STATE,
                MonitoringEvent.id.not_in(referenced),
            )
            .order_by(MonitoringEvent.received_at)
            .limit(limit)
        ).all()
    )


def _fold(session: Session, rows: list[Any]) -> None:
    """Add ``rows`` (expired frames) to their senders' day rows, then delete them."""
    days: dict[tuple[str, str, Any], list[Any]] = {}
    for row in rows:
        key = (row.protocol, row.source, to_local(row.received_at).date())
        days.setdefault(key, []).append(row)
    existing = {
        (d.protocol, d.source, d.day): d
        for d in session.scalars(
            select(HeartbeatDay).where(
                HeartbeatDay.day.in_({day for _p, _s, day in days}),
                HeartbeatDay.source.in_({source for _p, source, _d in days}),
            )
        )
        if (d.protocol, d.source, d.day) in days
    }
    for key, group in days.items():
        first = min(r.received_at for r in group)
        last = max(r.received_at for r in group)
        device = next((r.device_id for r in group if r.device_id is not None), None)
        day = existing.get(key)
        if day is None:
            session.add(
                HeartbeatDay(
                    protocol=key[0],
                    source=key[1],
                    day=key[2],
                    device_id=device,
                    frames=len(group),
                    first_seen=first,
                    last_seen=last,
                )
            )
        else:
            day.frames += len(group)
            day.first_seen = min(day.first_seen, first)
            day.last_seen = max(day.last_seen, last)
            day.device_id = day.device_id or device
    ids = [r.id for r in rows]
    for at in range(0, len(ids), 500):
        session.execute(
            table_of(MonitoringEvent).delete().where(MonitoringEvent.id.in_(ids[at : at + 500]))
        )


class RunningStatePruner:
    """Folds expired running-state frames and remembers how far it got (``through``: every
    expired one received before it is folded), so that a round does not walk again over the
    old frames that are kept (alarms, other types): the first call in a process starts from
    the oldest frame, later ones where the last stopped."""

    def __init__(self) -> None:
        self.through: datetime | None = None

    def prune(
        self,
        factory: sessionmaker[Session],
        now: datetime,
        keep: timedelta,
        *,
        chunk: int = CHUNK,
        most: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Fold and delete running-state frames received before ``now - keep``, ``chunk`` at
        a time (each chunk one transaction), at most ``most`` in this call (None: all);
        returns how many were folded. ``progress`` hears the running total after each chunk."""
        cutoff = now - keep
        done = 0
        while most is None or done < most:
            limit = chunk if most is None else min(chunk, most - done)
            with unit_of_work(factory) as session:
                rows = _expired_chunk(session, self.through, cutoff, limit)
                if rows:
                    _fold(session, rows)
            done += len(rows)
            if progress is not None and rows:
                progress(done)
            if len(rows) < limit:
                self.through = cutoff
                break
            # Rows come oldest first: any not yet folded were received at or after this one.
            self.through = rows[-1].received_at
        return done


def prune_running_state(
    factory: sessionmaker[Session],
    now: datetime,
    keep: timedelta,
    *,
    chunk: int = CHUNK,
    most: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """One ``RunningStatePruner`` pass from the oldest frame (see its ``prune``)."""
    return RunningStatePruner().prune(factory, now, keep, chunk=chunk, most=most, progress=progress)


__all__ = ["CHUNK", "RUNNING_STATE", "RunningStatePruner", "prune_running_state"]
