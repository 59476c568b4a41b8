"""Fast multi-row inserts through the driver's ``executemany`` (imports, audit of imports).

SQLAlchemy's per-value bind processing dominates a 100,000-row import; here each column gets one
plain converter chosen from its type, and the rows go to the driver in one ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

from lanyan.store.base import UTCDateTime


class _Memo:
    """Converts a value once and reuses the result while the same object repeats (a batch's
    shared timestamp)."""

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        self.fn = fn
        self.last_in: Any = None
        self.last_out: Any = None

    def __call__(self, value: Any) -> Any:
        if value is None:
            return None
        if value is not self.last_in:
            self.last_in, self.last_out = value, self.fn(value)
        return self.last_out


def _converter(column: Any, dialect: str) -> Callable[[Any], Any] | None:
    if isinstance(column.type, JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if isinstance(column.type, UTCDateTime):
        # Imports stamp every row with one shared ``now``: convert it once, not per row.
        if dialect == "sqlite":
            return _Memo(lambda v: v.astimezone(UTC).replace(tzinfo=None).isoformat(" "))
        return _Memo(lambda v: v.astimezone(UTC))
    if dialect == "sqlite" and column.type.python_type is datetime:
        return lambda v: None if v is None else v.isoformat(" ")
    if dialect == "sqlite" and column.type.__class__.__name__ == "Date":
        return lambda v: None if v is None else v.isoformat()
    return None


def insert_rows(
    session: Session, table: Table, rows: list[dict[str, Any]], chunk: int = 20000
) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) into ``table``."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect.name
    names = list(rows[0])
    columns = [table.c[n] for n in names]
    converters = [_converter(c, dialect) for c in columns]
    marker = "?" if dialect == "sqlite" else "%s"
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({', '.join([marker] * len(names))})"
    # itemgetter pulls a row's values in column order in C; only the few columns that need a
    # converter are touched in Python.
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converted = [(i, conv) for i, conv in enumerate(converters) if conv is not None]
    driver = conn.connection.driver_connection
    assert driver is not None  # None only once the connection is invalidated
    cursor = driver.cursor()
    try:
        for start in range(0, len(rows), chunk):
            batch = rows[start : start + chunk]
            if not converted:
                cursor.executemany(sql, [get(row) for row in batch])
                continue
            params = []
            for row in batch:
                values = list(get(row))
                for i, conv in converted:
                    values[i] = conv(values[i])
                params.append(values)
            cursor.executemany(sql, params)
    finally:
        cursor.close()
