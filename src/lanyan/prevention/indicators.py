"""What supervision tells the plans' indicator engine: its public read functions.

``major_hazard_rectification``: major hazards (重大火灾隐患) whose rectification deadline (the one in
force: a failed recheck's new deadline replaces the first) falls in a year, and how many of them
passed their recheck (复查通过) by the end of that year, Asia/Shanghai time. The passing is read
from the hazard's history (全程留痕), so a hazard closed later still counts in the year it was
rectified.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from lanyan.core.timeutil import CHINA_TZ
from lanyan.prevention.choices import HazardAction
from lanyan.prevention.models.inspections import Hazard, HazardEventRow

TABLE = Hazard.__tablename__


@dataclass(frozen=True)
class YearCount:
    """Major hazards due in a year (``due``), those rectified by its end, and a query of the
    due hazards' ids (for the indicator's sources)."""

    due: int
    rectified: int
    due_ids: Select[Any]


def _due_in(year: int) -> ColumnElement[bool]:
    return and_(Hazard.deadline >= date(year, 1, 1), Hazard.deadline <= date(year, 12, 31))


def _rectified_by_end_of(year: int) -> ColumnElement[bool]:
    end = datetime(year + 1, 1, 1, tzinfo=CHINA_TZ)
    return exists(
        select(HazardEventRow.id).where(
            HazardEventRow.hazard_id == Hazard.id,
            HazardEventRow.event == HazardAction.PASS_RECHECK.value,
            HazardEventRow.at < end,
        )
    )


def major_hazard_rectification(
    session: Session,
    inside: Callable[[Any], ColumnElement[bool]],
    years: Sequence[int],
) -> dict[int, YearCount]:
    """Per year: major hazards due, and rectified by the year's end; ``inside`` turns the
    hazards' jurisdiction column into the WHERE clause of the area evaluated."""
    base = (inside(Hazard.jurisdiction_id), Hazard.is_major.is_(True))
    columns = []
    for y in years:
        columns.append(func.sum(case((_due_in(y), 1), else_=0)).label(f"d{y}"))
        columns.append(
            func.sum(case((and_(_due_in(y), _rectified_by_end_of(y)), 1), else_=0)).label(f"n{y}")
        )
    row = session.execute(select(*columns).where(*base)).one()._mapping
    return {
        y: YearCount(
            int(row[f"d{y}"] or 0),
            int(row[f"n{y}"] or 0),
            select(Hazard.id).where(*base, _due_in(y)),
        )
        for y in years
    }
