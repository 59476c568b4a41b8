"""查岗 results into credit: every 3 checks a unit missed within 90 days is one 失信 record of
5 points (the platform's rule, ``prevention.credit``), written by the housekeeping that marks
them missed, once. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.monitoring import duty_check_service
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.prevention import credit
from lanyan.prevention.models.inspections import CreditRecord
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region


def test_three_missed_checks_are_one_penalty(uow: Any, sessions: Any) -> None:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", "320904"))
        unit_id, code = unit.id, unit.code
    start = utcnow()

    def missed(rounds: int, at: Any) -> int:
        for _ in range(rounds):
            with uow() as s:
                duty_check_service.start_round(
                    s, SYSTEM, EVERYWHERE, at, answer_within_minutes=1, unit_code=code
                )
        return Housekeeping().missed_checks(sessions, at + timedelta(minutes=3))

    def records() -> list[CreditRecord]:
        with sessions() as s:
            return list(s.scalars(select(CreditRecord).where(CreditRecord.unit_id == unit_id)))

    assert missed(2, start) == 2
    assert records() == []  # two missed: no record yet
    assert missed(1, start + timedelta(minutes=5)) == 1
    (row,) = records()
    assert row.kind == "penalty" and row.points == -credit.MISSED_CHECKS_POINTS
    assert row.source_type == "duty_checks" and "查岗未应答3次" in row.reason
    assert Housekeeping().missed_checks(sessions, start + timedelta(hours=1)) == 0
    assert len(records()) == 1  # idempotent
    with sessions() as s:
        standing = credit.credit_summary(s, [unit_id])[unit_id]
    assert standing.score == credit.BASE_SCORE - credit.MISSED_CHECKS_POINTS
    assert missed(3, start + timedelta(minutes=10)) == 3
    assert len(records()) == 2  # six missed in 90 days: two records
