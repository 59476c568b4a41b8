"""Jurisdiction scoping: a user sees and changes only rows inside their jurisdiction's subtree.

A unit safety manager (单位管理人) is further bound to the units they manage (``UnitScope``):
unit-owned rows — devices, buildings, hazards, commitments, credit, patrols, monitoring figures —
of other units are out of their scope even inside their jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry.models import Building, Device, Jurisdiction, Unit
from lanyan.registry.types import ObjectType


@dataclass(frozen=True)
class UnitScope:
    """The units a user is bound to; ``None`` means not unit-bound (every unit in the jurisdiction).

    Bound users with no unit see no unit-owned rows at all."""

    unit_ids: frozenset[int] | None = None

    @property
    def unrestricted(self) -> bool:
        return self.unit_ids is None

    def within(self, unit_id: Any) -> ColumnElement[bool]:
        """The WHERE clause keeping rows whose ``unit_id`` column is one of the bound units."""
        if self.unit_ids is None:
            return true()
        if not self.unit_ids:
            return false()
        return unit_id.in_(sorted(self.unit_ids))

    def contains(self, unit_id: int | None) -> bool:
        return self.unit_ids is None or (unit_id is not None and unit_id in self.unit_ids)

    def check(self, unit_id: int | None, code: str, field: str = "unit_code") -> None:
        """Refuse, naming ``field``, a write for a unit the user is not bound to."""
        if not self.contains(unit_id):
            raise ValidationFailed(
                f"unit {code} is not one of the units you manage",
                [FieldProblem(field, f"unit {code} is not bound to your account")],
            )


ALL_UNITS = UnitScope()

# Registry object types owned by a unit, and the column naming it.
_UNIT_OWNED: dict[type, Any] = {Unit: Unit.id, Building: Building.unit_id, Device: Device.unit_id}


@dataclass(frozen=True)
class Scope:
    """The materialised path of the user's jurisdiction (``/3/7/``); ``/`` means everywhere.

    ``units`` narrows a unit safety manager to the units bound to them."""

    path: str = "/"
    units: UnitScope = ALL_UNITS

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
        clause = self.within(ot.model.jurisdiction_id)  # type: ignore[attr-defined]
        unit_column = _UNIT_OWNED.get(ot.model)
        if unit_column is not None and not self.units.unrestricted:
            clause = clause & self.units.within(unit_column)
        return clause

    def unit_owned(self, ot: ObjectType) -> bool:
        """Whether ``ot``'s rows belong to a unit (so a unit-bound user writes only their own)."""
        return ot.model in _UNIT_OWNED

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
