"""One page of a query, counted and sliced in SQL: the helper every paged list uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def paginate(
    session: Session, stmt: Select[*tuple[Any, ...]], page: int, size: int
) -> tuple[list[Any], int]:
    """The ``page``-th slice of ``size`` rows of ``stmt`` (1-based), and how many rows it has.

    ``stmt`` carries its own filters and ORDER BY; the total is a ``COUNT(*)`` over the same
    statement without its ordering, the slice a ``LIMIT``/``OFFSET`` on it, both in SQL. A
    statement of one column or entity gives its values (``select(Hazard)`` gives ``Hazard``
    rows), a wider one gives its row tuples.
    """
    total = session.execute(
        select(func.count()).select_from(stmt.order_by(None).subquery())
    ).scalar_one()
    result = session.execute(stmt.offset((page - 1) * size).limit(size))
    rows = result.scalars().all() if len(stmt.column_descriptions) == 1 else result.all()
    return list(rows), int(total)
