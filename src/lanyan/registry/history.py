"""Registry facts as of a past date (历史状态), read back from the audit log.

Every change to a registry row goes through ``registry.service`` and is written to the audit
chain with the whole row before and after it (``store/audit.py``). The chain is therefore the
history of each row: the value of a field at an instant is the ``after`` of the last change made
at or before it, or — when the first change came later — that change's ``before``. No second
copy of the rows is kept (no valid-from/valid-to table to keep in step), and the history covers
every change since the platform's first day, including those made before this module existed.

Only changes recorded as ``update`` count; a row's existence in a past year is a matter of its
own dates (a station's ``opened_on``, a hydrant's ``installed_year``, a device's
``installed_on``), which the callers read from the rows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ
from lanyan.store.audit import AuditEntry


def end_of_day(day: date) -> datetime:
    """The instant a local (Asia/Shanghai) day ends, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(), CHINA_TZ).astimezone(UTC)


def field_changes(
    session: Session, slug: str, field: str
) -> dict[int, list[tuple[datetime, Any, Any]]]:
    """Per row id of registry type ``slug``: (when, before, after) of every update that changed
    ``field``, oldest first."""
    rows = session.execute(
        select(AuditEntry.object_id, AuditEntry.at, AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.object_type == slug, AuditEntry.action == "update")
        .order_by(AuditEntry.seq)
    )
    out: dict[int, list[tuple[datetime, Any, Any]]] = {}
    for object_id, at, before, after in rows:
        old = json.loads(before).get(field) if before else None
        new = json.loads(after).get(field) if after else None
        if old != new:
            when = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
            out.setdefault(int(object_id), []).append((when, old, new))
    return out


def value_at(changes: list[tuple[datetime, Any, Any]], instant: datetime) -> Any:
    """The field's value at ``instant`` from a row's changes (oldest first, at least one)."""
    value = changes[0][1]
    for when, _old, new in changes:
        if when > instant:
            break
        value = new
    return value


def flipped(
    session: Session,
    slug: str,
    field: str,
    test: Callable[[Any], bool],
    days: Mapping[int, date],
) -> dict[int, tuple[int, ...]]:
    """For each key of ``days`` (a year, say), the ids of ``slug`` rows for which ``test`` of the
    field's value at the end of that day differs from ``test`` of its value now. A caller counts
    ``test(current) XOR id in flipped[key]`` to count as of that day."""
    return flipped_in(field_changes(session, slug, field), test, days)


def flipped_in(
    changes: Mapping[int, list[tuple[datetime, Any, Any]]],
    test: Callable[[Any], bool],
    days: Mapping[int, date],
) -> dict[int, tuple[int, ...]]:
    """``flipped`` over changes already read with ``field_changes``."""
    out: dict[int, tuple[int, ...]] = {}
    for key, day in days.items():
        instant = end_of_day(day)
        out[key] = tuple(
            sorted(
                row_id
                for row_id, ch in changes.items()
                if test(value_at(ch, instant)) != test(ch[-1][2])
            )
        )
    return out
