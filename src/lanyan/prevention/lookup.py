"""Small lookups the supervision services share: units, users and inspections by code, inside a
scope, each refusing with the field it came from; row snapshots for the audit log; record codes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.prevention.models.inspections import Hazard, Inspection
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor, AuditEntry


def today() -> date:
    """Today in Asia/Shanghai: deadlines are local days."""
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def local_day(at: datetime) -> date:
    local = to_local(at)
    assert local is not None
    return local.date()


def unit(session: Session, scope: Scope, code: str, field: str = "unit_code") -> Unit:
    row = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"unit {code} does not exist or is outside your jurisdiction",
            [FieldProblem(field, f"no unit {code} inside your jurisdiction")],
        )
    scope.units.check(row.id, code, field)  # a unit safety manager: their own units only
    return row


def unit_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Unit code -> name for the codes that exist (public facts: no scope)."""
    if not codes:
        return {}
    rows = session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return {code: name for code, name in rows}


def units_by_id(session: Session, ids: set[int] | list[int]) -> dict[int, Unit]:
    """Units by id (for showing rows already read inside a scope)."""
    if not ids:
        return {}
    return {u.id: u for u in session.execute(select(Unit).where(Unit.id.in_(ids))).scalars()}


def units_by_code(session: Session, codes: list[str]) -> dict[str, Unit]:
    """Units by code, for the codes that exist."""
    if not codes:
        return {}
    return {u.code: u for u in session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()}


def audit_trail(
    session: Session, scope: Scope, object_type: str, object_ids: list[str]
) -> list[AuditEntry]:
    """The audit entries of supervision records (ids as text) inside ``scope``, oldest first."""
    return audit.trail(session, object_type, object_ids, scope.path)


def jurisdiction_by_id(session: Session, jurisdiction_id: int | None) -> Jurisdiction | None:
    return session.get(Jurisdiction, jurisdiction_id) if jurisdiction_id is not None else None


def jurisdiction(session: Session, scope: Scope, code: str, field: str) -> Jurisdiction:
    row = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == code)
    ).scalar_one_or_none()
    if row is None or not scope.contains(session, row.id):
        raise ValidationFailed(
            f"jurisdiction {code} does not exist or is outside your jurisdiction",
            [FieldProblem(field, f"no jurisdiction {code} inside your jurisdiction")],
        )
    return row


def user(session: Session, username: str, field: str) -> User:
    row = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if row is None or not row.is_active:
        raise ValidationFailed(
            f"user {username} does not exist", [FieldProblem(field, f"no active user {username}")]
        )
    return row


def inspection(
    session: Session, scope: Scope, code: str, field: str, unit_id: int | None = None
) -> Inspection:
    """An inspection by code inside ``scope``; of ``unit_id`` when given."""
    row = session.execute(select(Inspection).where(Inspection.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"inspection {code} does not exist or is outside your jurisdiction",
            [FieldProblem(field, f"no inspection {code} inside your jurisdiction")],
        )
    if unit_id is not None and row.unit_id != unit_id:
        raise ValidationFailed(
            f"inspection {code} is of another unit",
            [FieldProblem(field, "must be an inspection of the same unit")],
        )
    return row


def hazard(
    session: Session, scope: Scope, code: str, field: str, unit_id: int | None = None
) -> Hazard:
    row = session.execute(select(Hazard).where(Hazard.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"hazard {code} does not exist or is outside your jurisdiction",
            [FieldProblem(field, f"no hazard {code} inside your jurisdiction")],
        )
    if unit_id is not None and row.unit_id != unit_id:
        raise ValidationFailed(
            f"hazard {code} is of another unit",
            [FieldProblem(field, "must be a hazard of the same unit")],
        )
    return row


def code_of(session: Session, model: type, id_: int | None) -> str | None:
    if id_ is None:
        return None
    return session.execute(select(model.code).where(model.id == id_)).scalar_one()  # type: ignore[attr-defined]


def snapshot(row: Any) -> dict[str, Any]:
    """The row's columns for the audit log (decimals as strings, timestamps left out)."""
    out = {}
    for c in type(row).__table__.columns:
        if c.name in ("created_at", "updated_at"):
            continue
        value = getattr(row, c.key)
        out[c.name] = str(value) if isinstance(value, Decimal) else value
    return out


def record_created(
    session: Session,
    actor: Actor,
    slug: str,
    row: Any,
    unit: Unit,
) -> None:
    """Audit the creation of a supervision record about ``unit``: the row's snapshot and the
    unit's code, scoped to the row's jurisdiction."""
    audit.record(
        session,
        actor,
        "create",
        slug,
        row.id,
        None,
        snapshot(row) | {"unit_code": unit.code},
        scope_path=row_path(session, row),
    )


def temporary_code() -> str:
    return f"tmp-{uuid.uuid4().hex[:20]}"


def dated_code(prefix: str, at: datetime, id_: int) -> str:
    """``prefix`` + local date + the row id: unique because the id is."""
    local = to_local(at)
    assert local is not None
    return f"{prefix}{local:%Y%m%d}{id_:06d}"


def recent_inspections(
    session: Session, scope: Scope, unit_id: int, kind: str | None = None, limit: int = 50
) -> list[tuple[str, str]]:
    """(code, kind) of the unit's latest inspections inside ``scope`` (of ``kind`` if given)."""
    stmt = select(Inspection.code, Inspection.kind).where(
        Inspection.unit_id == unit_id, scope.within(Inspection.jurisdiction_id)
    )
    if kind is not None:
        stmt = stmt.where(Inspection.kind == kind)
    rows = session.execute(stmt.order_by(Inspection.inspected_at.desc()).limit(limit))
    return [(code, k) for code, k in rows]
