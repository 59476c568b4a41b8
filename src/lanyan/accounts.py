"""Accounts: the user and sign-in session tables.

They sit below the domains (beside the registry, whose jurisdictions they reference) so that a
domain can name its users — inspectors, assigned officers, unit managers — without importing the
API layer. ``lanyan.api.users`` holds the behaviour (passwords, log-in, the signed-in user) and
re-exports these models.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lanyan.core.timeutil import utcnow
from lanyan.store.base import Base, Timestamped, UTCDateTime


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
