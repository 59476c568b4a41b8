"""The page number every paged list takes: bounded, so its offset stays a small number."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# Ten million pages of the largest page (500 rows) is 5·10⁹ rows, beyond any table here, and
# keeps ``(page - 1) * size`` far inside the 64 bits SQLite and PostgreSQL take as an OFFSET
# (the 32-bit column range alone would not: 2³¹ pages of 500 rows is 2⁴⁰).
MAX_PAGE = 10_000_000

PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="1-based page number")]
