"""The migration that adds incident calls (多次报警) gives every existing incident its opening
report as its first call, so the 接警 time and the alarm link survive the upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lanyan.store.migrate import upgrade

BEFORE = "c4a8e1f05d37"


def _insert(db: sqlite3.Connection, table: str, given: dict[str, object], at: str) -> None:
    """A row with ``given`` and a plain value in every other required column."""
    values = dict(given)
    for _cid, name, kind, notnull, default, _pk in db.execute(f"PRAGMA table_info({table})"):
        if name in values or not notnull or default is not None:
            continue
        kind = kind.upper()
        values[name] = (
            at if "DATE" in kind else 0 if kind in ("INTEGER", "FLOAT", "BOOLEAN") else "x"
        )
    names = ", ".join(values)
    db.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(values))})",
               list(values.values()))  # fmt: skip


def test_existing_incidents_get_their_first_call(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    upgrade(url, BEFORE)
    at = "2025-03-01 02:00:00.000000"
    with sqlite3.connect(path) as db:
        _insert(db, "jurisdictions", {"id": 1, "path": "/1/", "level": "county"}, at)
        _insert(db, "monitoring_alarms", {"id": 7, "kind": "fire", "jurisdiction_id": 1}, at)
        for n, alarm in ((1, None), (2, 7)):
            _insert(
                db,
                "response_incidents",
                {"id": n, "code": f"JQ{n}", "received_at": at, "status": "active",
                 "caller_phone": "13800000000", "alarm_level": 1, "jurisdiction_id": 1,
                 "alarm_id": alarm},
                at,
            )  # fmt: skip
    upgrade(url)
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT incident_id, kind, at, caller_phone, alarm_id FROM response_incident_calls"
            " ORDER BY incident_id"
        ).fetchall()
        assert rows == [(1, "call", at, "13800000000", None), (2, "alarm", at, "13800000000", 7)]
        assert db.execute("SELECT cancel_note FROM response_incidents").fetchall() == [("",), ("",)]
