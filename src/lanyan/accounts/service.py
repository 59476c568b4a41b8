"""Users, sign-in sessions, Argon2 password hashing and lock-out after repeated failures."""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lanyan.accounts.login_limits import LoginLimits, TooManyAttempts
from lanyan.accounts.models import (
    UNIT_BOUND_ROLES,
    AccountUnit,
    LoginSession,
    User,
    bind_unit,
    bound_unit_ids,
    bound_units,
    unbind_unit,
)
from lanyan.accounts.roles import Role
from lanyan.core.errors import Conflict, FieldProblem, NotFound, Unauthorized, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, UnitScope
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

__all__ = [
    "CurrentUser",
    "LoginSession",
    "User",
    "authenticate",
    "bind_user_unit",
    "create_user",
    "current_user_of",
    "hash_password",
    "list_users",
    "logout",
    "unbind_user_unit",
    "user_for_token",
    "user_units",
]

_hasher = PasswordHasher()
MIN_PASSWORD = 10


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    username: str = Field(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(default="", max_length=100)
    password: str = Field(min_length=MIN_PASSWORD, max_length=200)
    role: Role
    jurisdiction_code: str
    language: str = Field(default="zh", pattern=r"^(zh|en)$")


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    role: str
    jurisdiction_code: str
    is_active: bool
    language: str


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in user as the API and pages see them."""

    id: int
    username: str
    display_name: str
    role: str
    jurisdiction_id: int
    jurisdiction_code: str
    jurisdiction_name: str
    jurisdiction_path: str
    language: str
    # The units a unit safety manager is bound to (None for every other role).
    unit_ids: frozenset[int] | None = None

    @property
    def scope(self) -> Scope:
        return Scope(self.jurisdiction_path, UnitScope(self.unit_ids))

    @property
    def unit_bound(self) -> bool:
        return self.unit_ids is not None

    @property
    def actor(self) -> Actor:
        return Actor(self.username, self.id, self.role, self.jurisdiction_path)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_user(
    session: Session,
    actor: Actor,
    scope: Scope,
    data: dict[str, Any],
) -> User:
    """Create a user bound to a jurisdiction inside the creator's scope."""
    audit.begin_write(session)
    try:
        payload = UserCreate.model_validate(data)
    except PydanticValidationError as exc:
        from lanyan.registry.service import pydantic_problems

        raise ValidationFailed("user: invalid input", pydantic_problems(exc)) from None
    jur = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == payload.jurisdiction_code)
    ).scalar_one_or_none()
    if jur is None:
        raise ValidationFailed(
            "user: invalid input",
            [
                FieldProblem(
                    "jurisdiction_code", f"no jurisdiction has code {payload.jurisdiction_code}"
                )
            ],
        )
    if not jur.path.startswith(scope.path):
        raise ValidationFailed(
            "user: invalid input",
            [FieldProblem("jurisdiction_code", "is outside your jurisdiction")],
        )
    if session.execute(select(User.id).where(User.username == payload.username)).first():
        raise Conflict("user: username taken", [FieldProblem("username", "must be unique")])
    user = User(
        username=payload.username,
        display_name=payload.display_name or payload.username,
        password_hash=hash_password(payload.password),
        role=payload.role.value,
        jurisdiction_id=jur.id,
        language=payload.language,
    )
    session.add(user)
    session.flush()
    after = {"username": user.username, "role": user.role, "jurisdiction_code": jur.code}
    audit.record(session, actor, "create", "users", user.id, None, after, scope_path=jur.path)
    return user


def current_user_of(session: Session, user: User) -> CurrentUser:
    jur = session.get(Jurisdiction, user.jurisdiction_id)
    assert jur is not None
    return CurrentUser(
        user.id,
        user.username,
        user.display_name,
        user.role,
        jur.id,
        jur.code,
        jur.name,
        jur.path,
        user.language,
        bound_unit_ids(session, user.id) if user.role in UNIT_BOUND_ROLES else None,
    )


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    limits: LoginLimits,
    session_hours: int,
) -> tuple[str, CurrentUser]:
    """Check a password from ``address``; return a new bearer token.

    Raises ``Unauthorized`` with one text for an unknown user, an inactive one and a wrong
    password, and ``TooManyAttempts`` while a rate limit (``api.login_limits``) refuses this
    username or address — for any username, existing or not. Every path costs one Argon2 hash.
    The failure counts are written in ``session``: the caller commits it even when this raises.
    """
    audit.begin_write(session)
    now = utcnow()
    until = limits.refused_until(session, username, address, now)
    if until is not None:
        _hasher.hash("timing-equaliser")  # same cost as a checked password
        raise TooManyAttempts(until)
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    try:
        if user is None or not user.is_active:
            _hasher.hash("timing-equaliser")  # same cost whether or not the user exists
            raise VerifyMismatchError
        _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        limits.failed(session, username, address, now)
        raise Unauthorized("username or password is wrong") from None
    limits.succeeded(session, username, address)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            expires_at=now + timedelta(hours=session_hours),
        )
    )
    audit.record(
        session,
        Actor(user.username, user.id, user.role),
        "login",
        "users",
        user.id,
        None,
        None,
        scope_path=_path_of(session, user),
    )
    return token, current_user_of(session, user)


def _path_of(session: Session, user: User) -> str:
    return session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == user.jurisdiction_id)
    ).scalar_one()


def user_for_token(session: Session, token: str) -> CurrentUser | None:
    row = session.execute(
        select(User, LoginSession.expires_at)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.token_hash == _token_hash(token))
    ).first()
    if row is None:
        return None
    user, expires = row
    if expires <= utcnow() or not user.is_active:
        return None
    return current_user_of(session, user)


def logout(session: Session, token: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def get_user(session: Session, scope: Scope, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not scope.contains(session, user.jurisdiction_id):
        raise NotFound(f"user {user_id} does not exist or is outside your jurisdiction")
    return user


def audit_entries(
    session: Session, scope: Scope, page: int, size: int
) -> tuple[list[audit.AuditEntry], int, int]:
    """An admin's page of the audit log, newest first: the entries of ``scope``'s subtree (a
    root admin reads all), the total, and the page shown (``page`` kept within 1..last)."""
    inside = audit.AuditEntry.scope_path.startswith(scope.path, autoescape=True)
    newest_first = select(audit.AuditEntry).where(inside).order_by(audit.AuditEntry.seq.desc())
    page = max(1, page)
    entries, total = paginate(session, newest_first, page, size)
    last = max(1, math.ceil(total / size))
    if page > last:  # past the end: show the last page
        page = last
        entries, total = paginate(session, newest_first, page, size)
    return list(entries), total, page


def list_users(session: Session, scope: Scope) -> list[UserPublic]:
    rows = session.execute(
        select(User, Jurisdiction.code)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(scope.jurisdictions())
        .order_by(User.username)
    ).all()
    return [
        UserPublic(
            id=u.id,
            username=u.username,
            display_name=u.display_name,
            role=u.role,
            jurisdiction_code=code,
            is_active=u.is_active,
            language=u.language,
        )
        for u, code in rows
    ]


class UnitBinding(BaseModel):
    """A user ↔ unit binding (单位绑定) as the API shows it."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    unit_code: str
    unit_name: str


def _binding_target(
    session: Session, scope: Scope, username: str, unit_code: str
) -> tuple[User, Unit]:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not scope.contains(session, user.jurisdiction_id):
        raise ValidationFailed(
            f"user {username} does not exist or is outside your jurisdiction",
            [FieldProblem("username", f"no user {username} inside your jurisdiction")],
        )
    if user.role not in UNIT_BOUND_ROLES:
        raise ValidationFailed(
            f"{username} is a {user.role}: only unit safety managers and control-room "
            "operators are bound to units",
            [
                FieldProblem(
                    "username", "must be a unit manager (单位管理人) or control-room operator"
                )
            ],
        )
    unit = session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one_or_none()
    if unit is None or not scope.contains(session, unit.jurisdiction_id):
        raise ValidationFailed(
            f"unit {unit_code} does not exist or is outside your jurisdiction",
            [FieldProblem("unit_code", f"no unit {unit_code} inside your jurisdiction")],
        )
    return user, unit


def bind_user_unit(
    session: Session,
    actor: Actor,
    scope: Scope,
    username: str,
    unit_code: str,
) -> UnitBinding:
    """Bind a unit safety manager to a unit, both inside the binder's scope."""
    user, unit = _binding_target(session, scope, username, unit_code)
    bind_unit(session, actor, user, unit)
    return UnitBinding(username=user.username, unit_code=unit.code, unit_name=unit.name)


def unbind_user_unit(
    session: Session,
    actor: Actor,
    scope: Scope,
    username: str,
    unit_code: str,
) -> None:
    """Remove a unit safety manager's binding to a unit."""
    user, unit = _binding_target(session, scope, username, unit_code)
    unbind_unit(session, actor, user, unit)


def user_units(session: Session, scope: Scope, username: str) -> list[UnitBinding]:
    """The units a user inside ``scope`` is bound to."""
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not scope.contains(session, user.jurisdiction_id):
        raise NotFound(f"user {username} does not exist or is outside your jurisdiction")
    return [
        UnitBinding(username=user.username, unit_code=u.code, unit_name=u.name)
        for u in bound_units(session, user.id)
    ]


def bindings_in(session: Session, scope: Scope) -> dict[int, list[Unit]]:
    """Every binding of users inside ``scope``: user id → bound units, by code."""
    out: dict[int, list[Unit]] = {}
    for user_id, unit in session.execute(
        select(AccountUnit.user_id, Unit)
        .join(Unit, Unit.id == AccountUnit.unit_id)
        .join(User, User.id == AccountUnit.user_id)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(scope.jurisdictions())
        .order_by(Unit.code)
    ).all():
        out.setdefault(user_id, []).append(unit)
    return out
