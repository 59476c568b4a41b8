"""Accounts: the user and sign-in session tables, and the units a unit safety manager is bound to.

They sit below the domains (beside the registry, whose jurisdictions they reference) so that a
domain can name its users — inspectors, assigned officers, unit managers — without importing the
API layer. ``lanyan.accounts.service`` holds the behaviour (passwords, log-in, the signed-in user) and
re-exports these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    delete,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from lanyan.core.errors import Conflict, FieldProblem, NotFound
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.base import Base, Timestamped, UTCDateTime

UNIT_BOUND_ROLE = "unit_manager"  # api.roles.Role.UNIT_MANAGER: sees only the units bound to it
# Roles that see only the units bound to them: the unit safety manager and the unit's
# control-room operator (消控室值班员, api.roles.Role.CONTROL_ROOM_OPERATOR).
UNIT_BOUND_ROLES = frozenset({UNIT_BOUND_ROLE, "control_room_operator"})
BINDINGS = "account-units"  # the audit object type of a binding


class User(Timestamped, Base):
    """A person who signs in, bound to one jurisdiction; ``role`` is a ``api.roles.Role`` value."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(24))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    language: Mapped[str] = mapped_column(String(4), default="zh")


class LoginSession(Base):
    """A signed-in session; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiClient(Base):
    """Another department's system that calls the API by itself (机器接入, e.g. the 12345
    hotline's work-order platform): one bearer token each, of which only the SHA-256 is kept,
    bound to a jurisdiction (it reads and writes only inside it) and to the permissions it was
    given (``accounts.clients.PERMISSIONS``), nothing a person's role grants."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    permissions: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginThrottle(Base):
    """Failed log-ins counted per key (see ``lanyan.accounts.login_limits``): ``kind`` is ``pair``
    (typed username + client address), ``address`` or ``account`` (typed username, whether or
    not such a user exists). Kept in the database so every worker and a restart see them."""

    __tablename__ = "login_throttles"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_login_throttles_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(300))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccountUnit(Base):
    """A unit a unit safety manager (单位消防安全管理人) manages: they read and write that unit's
    devices, hazards, commitments, credit and patrols, and no other unit's (自知、自查、自改).
    A manager may be bound to several units; one with none sees no unit-owned data."""

    __tablename__ = "account_units"
    __table_args__ = (UniqueConstraint("user_id", "unit_id", name="uq_account_units"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    bound_by: Mapped[str] = mapped_column(String(50), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def bound_unit_ids(session: Session, user_id: int) -> frozenset[int]:
    """Ids of the units ``user_id`` is bound to."""
    return frozenset(
        session.execute(select(AccountUnit.unit_id).where(AccountUnit.user_id == user_id))
        .scalars()
        .all()
    )


def bound_units(session: Session, user_id: int) -> list[Unit]:
    """The units ``user_id`` is bound to, by code."""
    return list(
        session.execute(
            select(Unit)
            .join(AccountUnit, AccountUnit.unit_id == Unit.id)
            .where(AccountUnit.user_id == user_id)
            .order_by(Unit.code)
        ).scalars()
    )


def _unit_path(session: Session, unit: Unit) -> str:
    return session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == unit.jurisdiction_id)
    ).scalar_one()


def bind_unit(session: Session, actor: Actor, user: User, unit: Unit) -> AccountUnit:
    """Bind a unit safety manager to a unit (audited). Callers check scope and role first."""
    audit.begin_write(session)
    if session.execute(
        select(AccountUnit.id).where(AccountUnit.user_id == user.id, AccountUnit.unit_id == unit.id)
    ).first():
        raise Conflict(
            f"{user.username} is already bound to unit {unit.code}",
            [FieldProblem("unit_code", "this binding exists")],
        )
    row = AccountUnit(user_id=user.id, unit_id=unit.id, bound_by=actor.username)
    session.add(row)
    session.flush()
    after = {"username": user.username, "unit_code": unit.code, "unit_name": unit.name}
    audit.record(
        session,
        actor,
        "bind",
        BINDINGS,
        row.id,
        None,
        after,
        scope_path=_unit_path(session, unit),
    )
    return row


def unbind_unit(session: Session, actor: Actor, user: User, unit: Unit) -> None:
    """Remove a user's binding to a unit (audited); their access to it ends with this request."""
    audit.begin_write(session)
    row = session.execute(
        select(AccountUnit).where(AccountUnit.user_id == user.id, AccountUnit.unit_id == unit.id)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{user.username} is not bound to unit {unit.code}")
    before = {"username": user.username, "unit_code": unit.code, "unit_name": unit.name}
    row_id = row.id
    session.execute(delete(AccountUnit).where(AccountUnit.id == row_id))
    audit.record(
        session,
        actor,
        "unbind",
        BINDINGS,
        row_id,
        before,
        None,
        scope_path=_unit_path(session, unit),
    )
