"""What the risk domain offers other domains to read (see tests/test_layering.py)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lanyan.registry.scope import Scope
from lanyan.risk import service
from lanyan.risk.choices import RiskGrade
from lanyan.risk.models import UnitRiskScore


def unit_grades_on(session: Session, scope: Scope, on: date) -> dict[str, str]:
    """Unit code → risk grade (I–IV) of the latest snapshot on or before ``on`` inside
    ``scope``; empty when no snapshot exists yet (e.g. for the random draw's weighting)."""
    day = session.execute(
        select(func.max(UnitRiskScore.as_of)).where(
            scope.within(UnitRiskScore.jurisdiction_id), UnitRiskScore.as_of <= on
        )
    ).scalar_one_or_none()
    if day is None:
        return {}
    return {
        code: grade.value
        for grade in RiskGrade
        for code in service.unit_codes_by_grade(session, scope, frozenset({grade}), day)
    }
