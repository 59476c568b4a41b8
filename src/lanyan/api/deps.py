"""Typed dependencies: the database session, the signed-in user, and the permission checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from lanyan.accounts import roles
from lanyan.accounts.clients import ClientIdentity, client_for_token
from lanyan.accounts.service import CurrentUser, user_for_token
from lanyan.core.config import Settings
from lanyan.core.errors import Forbidden, Unauthorized
from lanyan.store.db import unit_of_work

COOKIE = "lanyan_session"


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request: committed when the handler returns, rolled back on any error.

    ``SessionDep`` gives it ``scope="function"``, so the commit runs after the handler and
    before the response is sent: a reply means the write is durable, and a commit that fails
    (``unit_of_work`` raises ``Conflict`` or ``NotSaved``) becomes an error reply instead of the
    handler's success.
    """
    with unit_of_work(request.app.state.sessions) as session:
        yield session


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE)


def optional_user(request: Request) -> CurrentUser | None:
    """The signed-in user, looked up in a short session of its own (so writes start fresh)."""
    token = bearer_token(request)
    if not token:
        return None
    session = request.app.state.sessions()
    try:
        return user_for_token(session, token)
    finally:
        session.close()


def current_user(user: Annotated[CurrentUser | None, Depends(optional_user)]) -> CurrentUser:
    if user is None:
        raise Unauthorized(
            "sign in first: send 'Authorization: Bearer <token>' from /api/auth/login"
        )
    return user


# scope="function": commit before the reply. (FastAPI's default for a dependency with yield,
# scope="request", runs the commit after the response has been sent.)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
UserDep = Annotated[CurrentUser, Depends(current_user)]


def permit(user: CurrentUser, slug: str, action: str) -> CurrentUser:
    """``user`` if their role may do ``action`` ("read", "write", or "manage" for slug "users":
    administer users and read the audit log) on ``slug``, else Forbidden. ``require`` is this
    as a dependency; call it directly only where the slug is known at request time (a map
    layer named in the path)."""
    if action == "manage":
        if not roles.can_manage_users(user.role):
            raise Forbidden(f"role {user.role} may not administer users or read the audit log")
        return user
    allowed = roles.can_write if action == "write" else roles.can_read
    if not allowed(user.role, slug):
        verb = "change" if action == "write" else "read"
        raise Forbidden(f"role {user.role} may not {verb} {slug}")
    return user


def require(slug: str, action: str) -> object:
    """A dependency that lets the request through only if the user's role may do ``action``."""

    def check(user: UserDep) -> CurrentUser:
        return permit(user, slug, action)

    return Depends(check)


class ClientCheck:
    """The dependency of :func:`require_client` (a class, so the OpenAPI builder can tell it
    asks for a token and documents 401 and 403)."""

    def __init__(self, permission: str) -> None:
        self.permission = permission

    def __call__(self, request: Request) -> ClientIdentity:
        token = bearer_token(request) if request.headers.get("authorization") else None
        client = None
        if token:
            session = request.app.state.sessions()
            try:
                client = client_for_token(session, token)
            finally:
                session.close()
        if client is None:
            raise Unauthorized(
                "send 'Authorization: Bearer <client token>' (a token from 'lanyan client add')"
            )
        if self.permission not in client.permissions:
            raise Forbidden(f"client {client.name} does not hold the permission {self.permission}")
        return client


def require_client(permission: str) -> object:
    """A dependency that lets through only a machine client (``accounts.clients``) holding
    ``permission``: 401 without a valid client token, 403 without the permission."""
    return Depends(ClientCheck(permission))
