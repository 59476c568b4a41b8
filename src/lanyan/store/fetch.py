"""Reading one row the way every domain's ``get_*`` does: optionally row-locked, else NotFound."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from lanyan.core.errors import NotFound

T = TypeVar("T")


def one_or_not_found(session: Session, stmt: Select[T], missing: str, lock: bool = False) -> T:
    """The single row ``stmt`` selects, locked with SELECT ... FOR UPDATE when ``lock`` (the
    caller is about to change it); :class:`NotFound` with the ``missing`` message when there is
    none (the statement's WHERE carries the caller's scope, so "outside your jurisdiction" and
    "does not exist" look the same)."""
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(missing)
    return row
