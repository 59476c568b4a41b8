"""City-scale registry rows for the picker tests: thousands of units in one statement."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from lanyan.registry.models import Jurisdiction, Unit

from support import REGION, uscc


def unit_name(n: int) -> str:
    return f"批量单位{n:05d}"


def bulk_units(uow: Any, county: str, count: int, first: int = 1) -> list[str]:
    """Insert units ``first`` … ``first + count - 1`` in ``county`` with one executemany (not
    one API call each); return their codes in order."""
    place = REGION["places"][county]
    codes = [uscc(county, n) for n in range(first, first + count)]
    with uow() as s:
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == county)).scalar_one()
        s.execute(
            insert(Unit),
            [
                {
                    "code": code,
                    "name": unit_name(n),
                    "category": "key",
                    "lon": place["lon"] + (n % 100) * 0.0005,
                    "lat": place["lat"] + (n // 100) * 0.0005,
                    "jurisdiction_id": jid,
                }
                for n, code in zip(range(first, first + count), codes, strict=True)
            ],
        )
    return codes
