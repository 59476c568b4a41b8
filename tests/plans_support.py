"""Loading the indicator-engine fixture (``fixtures/plans_engine/records.json``) into a database.

Records name what they refer to by code (``jurisdiction_code``, ``station_code`` …); derived
columns (a fire's year and grade) are filled as the domain would."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from lanyan.registry import service
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.stats.choices import fire_grade
from lanyan.stats.records import time_fields
from lanyan.store.audit import SYSTEM
from lanyan.store.models_all import metadata

from conftest import FIXTURES

RECORDS = json.loads((FIXTURES / "plans_engine" / "records.json").read_text(encoding="utf-8"))
REFS = {
    "jurisdiction_code": ("jurisdiction_id", "jurisdictions"),
    "station_code": ("station_id", "stations"),
    "unit_code": ("unit_id", "units"),
    "water_source_code": ("water_source_id", "water_sources"),
    "grid_code": ("grid_id", "grids"),
    "person_code": ("person_id", "outreach_people"),
    "hazard_code": ("hazard_id", "prevention_hazards"),
}
DATES = {
    "opened_on",
    "as_of",
    "installed_on",
    "occurred_on",
    "joined_on",
    "left_on",
    "issued_on",
    "valid_until",
    "held_on",
    "surveyed_on",
    "found_on",
    "deadline",
    "rectified_on",
    "checked_on",
    "reported_on",
}
DATETIMES = {"found_at", "at"}
FILL = {
    "stations": {"lon": 120.5, "lat": 33.2},
    "units": {"lon": 120.5, "lat": 33.2},
    "water_sources": {"lon": 120.5, "lat": 33.2},
    "buildings": {"lon": 120.5, "lat": 33.2, "height_m": 30.0, "floors_above": 10, "use": "public"},
    "devices": {"protocol": "mqtt"},
    "prevention_patrols": {
        "kind": "daily_patrol",
        "patroller": "fixture",
        "started_at": datetime(2022, 1, 1, tzinfo=UTC),
        "finished_at": datetime(2022, 1, 1, tzinfo=UTC),
    },
}
YEAR_OF = {
    "outreach_training_records": "held_on",
    "outreach_surveys": "surveyed_on",
    "prevention_patrols": "checked_on",
    "outreach_events": "held_on",
}


def _ids(session: Any, table: str) -> dict[str, int]:
    t = metadata.tables[table]
    return {code: id_ for id_, code in session.execute(select(t.c.id, t.c.code))}


def _expand(table: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    if table == "outreach_open_days":
        out = []
        for month, days in enumerate(row.pop("days_per_month"), start=1):
            for day in range(1, days + 1):
                out.append({**row, "month": month, "day": date(row["year"], month, day)})
        return out
    for key in DATES & row.keys():
        row[key] = date.fromisoformat(row[key]) if row[key] else None
    for key in DATETIMES & row.keys():
        row[key] = datetime.fromisoformat(row[key])
    if table in YEAR_OF:
        row["year"] = row[YEAR_OF[table]].year
    if table == "stats_fire_records":
        row.update(time_fields(row["occurred_on"], None))
        row["grade"] = fire_grade(
            row["occurred_on"], row["deaths"], row["serious_injuries"], row["direct_loss_yuan"]
        ).value
    return [{**FILL.get(table, {}), **row}]


def load_engine_fixture(uow: Any) -> None:
    with uow() as s:
        for j in RECORDS["jurisdictions"]:
            service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)
    with uow() as s:
        for table, rows in RECORDS.items():
            if table in ("comment", "jurisdictions"):
                continue
            lookups = {
                key: (column, _ids(s, target))
                for key, (column, target) in REFS.items()
                if any(key in r for r in rows)
            }
            values: list[dict[str, Any]] = []
            for raw in rows:
                row = dict(raw)
                for key, (column, ids) in lookups.items():
                    if key in row:
                        row[column] = ids[row.pop(key)]
                values.extend(_expand(table, row))
            for value in values:  # one by one: the rows leave out different optional columns
                s.execute(metadata.tables[table].insert(), value)


def jurisdiction(session: Any, code: str) -> Jurisdiction:
    return session.execute(select(Jurisdiction).where(Jurisdiction.code == code)).scalar_one()
