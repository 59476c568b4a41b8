"""Jurisdiction scoping: a user sees and changes only rows inside their jurisdiction's subtree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from lanyan.registry.models import Jurisdiction
from lanyan.registry.types import ObjectType


@dataclass(frozen=True)
class Scope:
    """The materialised path of the user's jurisdiction (``/3/7/``); ``/`` means everywhere."""

    path: str = "/"

    @property
    def unrestricted(self) -> bool:
        return self.path == "/"

    def jurisdictions(self) -> ColumnElement[bool]:
        if self.unrestricted:
            return true()
        return Jurisdiction.path.startswith(self.path, autoescape=True)

    def within(self, jurisdiction_id: Any) -> ColumnElement[bool]:
        """The WHERE clause keeping rows whose ``jurisdiction_id`` column lies in this scope."""
        if self.unrestricted:
            return true()
        return jurisdiction_id.in_(select(Jurisdiction.id).where(self.jurisdictions()))

    def clause(self, ot: ObjectType) -> ColumnElement[bool]:
        """The WHERE clause that keeps ``ot``'s rows inside this scope."""
        if ot.model is Jurisdiction:
            return self.jurisdictions()
        return self.within(ot.model.jurisdiction_id)  # type: ignore[attr-defined]

    def contains(self, session: Session, jurisdiction_id: int | None) -> bool:
        if self.unrestricted:
            return True
        if jurisdiction_id is None:
            return False
        path = session.execute(
            select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)
        ).scalar_one_or_none()
        return path is not None and path.startswith(self.path)


EVERYWHERE = Scope("/")


def row_path(session: Session, row: object) -> str:
    """The jurisdiction path a row belongs to ("/" if it has none), e.g. to scope its audit entry."""
    if isinstance(row, Jurisdiction):
        return row.path
    jid = getattr(row, "jurisdiction_id", None)
    if jid is None:
        return "/"
    return session.execute(select(Jurisdiction.path).where(Jurisdiction.id == jid)).scalar_one()
