"""What fire statistics (火灾统计) tell the plans' indicator engine: its public read functions.

``yearly_figures``: per year, the fires recorded (起数), their deaths and how many were larger
fires or above (较大及以上), for the area the caller's ``inside`` clause keeps; ``record_ids``:
the query of one year's record ids (the indicator's sources).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import Session

from lanyan.stats.choices import LARGER_OR_ABOVE
from lanyan.stats.models import FireRecord

TABLE = FireRecord.__tablename__


@dataclass(frozen=True)
class YearFigures:
    """One year's fires (records), deaths (persons) and larger-or-above fires (records)."""

    year: int
    fires: int
    deaths: int | None  # as the database sums them (callers read None as 0)
    larger: int


def yearly_figures(
    session: Session,
    inside: Callable[[Any], ColumnElement[bool]],
    years: Sequence[int],
) -> dict[int, YearFigures]:
    """``{year: figures}`` for the years in ``years`` that have at least one record; ``inside``
    turns the records' jurisdiction column into the WHERE clause of the area evaluated."""
    rows = session.execute(
        select(
            FireRecord.year,
            func.count().label("fires"),
            func.sum(FireRecord.deaths).label("deaths"),
            func.sum(case((FireRecord.grade.in_(LARGER_OR_ABOVE), 1), else_=0)).label("larger"),
        )
        .where(inside(FireRecord.jurisdiction_id), FireRecord.year.in_(years))
        .group_by(FireRecord.year)
    ).all()
    return {r.year: YearFigures(r.year, r.fires, r.deaths, r.larger) for r in rows}


def record_ids(inside: Callable[[Any], ColumnElement[bool]], year: int) -> Select[Any]:
    """The query of the ids of ``year``'s records inside the area."""
    return select(FireRecord.id).where(inside(FireRecord.jurisdiction_id), FireRecord.year == year)
