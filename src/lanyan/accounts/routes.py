"""Sign-in, sign-out, the current user and user management."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import BaseModel

from lanyan.accounts import roles
from lanyan.accounts.login_limits import LoginLimits, TooManyAttempts, client_address
from lanyan.accounts.service import (
    UnitBinding,
    UserPublic,
    authenticate,
    bind_user_unit,
    create_user,
    list_users,
    logout,
    unbind_user_unit,
    user_units,
)
from lanyan.api.deps import COOKIE, SessionDep, UserDep, bearer_token
from lanyan.api.problems import problem
from lanyan.core.config import Settings
from lanyan.core.errors import Forbidden, LanyanError
from lanyan.core.timeutil import utcnow

router = APIRouter(prefix="/api", tags=["Auth"])


class LoginIn(BaseModel):
    username: str
    password: str


class LoginOut(BaseModel):
    token: str
    username: str
    role: str
    jurisdiction_code: str


def sign_in(request: Request, username: str, password: str) -> tuple[str, Any]:
    """Authenticate in a transaction that is committed even when the password is wrong."""
    settings = request.app.state.settings
    session = request.app.state.sessions()
    try:
        result = authenticate(
            session,
            username,
            password,
            address=client_address(request, settings.trusted_proxy_header),
            limits=LoginLimits.of(settings),
            session_hours=settings.session_hours,
        )
        session.commit()
        return result
    except LanyanError:
        session.commit()  # keep the failure counts and any block
        raise
    finally:
        session.close()


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The session cookie: never readable by scripts, kept off cross-site sub-requests, and in
    production sent over HTTPS only."""
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )


@router.post("/auth/login", response_model=LoginOut, summary="Sign in and get a bearer token")
def login(request: Request, response: Response, body: Annotated[LoginIn, Body()]) -> Any:
    try:
        token, user = sign_in(request, body.username, body.password)
    except TooManyAttempts as exc:
        wait = max(1, math.ceil((exc.until - utcnow()).total_seconds()))
        refused = problem(429, exc.title, exc.message)
        refused.headers["Retry-After"] = str(wait)
        return refused
    set_session_cookie(response, token, request.app.state.settings)
    return LoginOut(
        token=token,
        username=user.username,
        role=user.role,
        jurisdiction_code=user.jurisdiction_code,
    )


@router.post("/auth/logout", status_code=204, summary="Sign out")
def do_logout(request: Request, session: SessionDep) -> Response:
    token = bearer_token(request)
    if token:
        logout(session, token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE)
    return response


@router.get("/me", summary="The signed-in user")
def me(user: UserDep) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "jurisdiction_code": user.jurisdiction_code,
        "jurisdiction_name": user.jurisdiction_name,
        "language": user.language,
        "unit_ids": sorted(user.unit_ids) if user.unit_ids is not None else None,
    }


@router.get("/users", response_model=list[UserPublic], summary="Users in your jurisdiction")
def users(session: SessionDep, user: UserDep) -> Any:
    if not roles.can_manage_users(user.role):
        raise Forbidden(f"role {user.role} may not manage users")
    return list_users(session, user.scope)


@router.post("/users", response_model=UserPublic, status_code=201, summary="Create a user")
def add_user(
    body: Annotated[dict[str, Any], Body()],
    session: SessionDep,
    user: UserDep,
) -> Any:
    if not roles.can_manage_users(user.role):
        raise Forbidden(f"role {user.role} may not manage users")
    new = create_user(session, user.actor, user.scope, body)
    return UserPublic(
        id=new.id,
        username=new.username,
        display_name=new.display_name,
        role=new.role,
        jurisdiction_code=body["jurisdiction_code"],
        is_active=new.is_active,
        language=new.language,
    )


class UnitBindingIn(BaseModel):
    unit_code: str


def _manager(user: Any) -> None:
    if not roles.can_manage_users(user.role):
        raise Forbidden(f"role {user.role} may not manage users")


@router.get(
    "/users/{username}/units",
    response_model=list[UnitBinding],
    summary="Units a unit safety manager is bound to (单位绑定)",
)
def units_of(username: str, session: SessionDep, user: UserDep) -> Any:
    _manager(user)
    return user_units(session, user.scope, username)


@router.post(
    "/users/{username}/units",
    response_model=UnitBinding,
    status_code=201,
    summary="Bind a unit safety manager to a unit",
)
def bind_unit(
    username: str,
    body: Annotated[UnitBindingIn, Body()],
    session: SessionDep,
    user: UserDep,
) -> Any:
    _manager(user)
    return bind_user_unit(session, user.actor, user.scope, username, body.unit_code)


@router.delete(
    "/users/{username}/units/{unit_code}", status_code=204, summary="Unbind a unit from a user"
)
def unbind_unit(username: str, unit_code: str, session: SessionDep, user: UserDep) -> Response:
    _manager(user)
    unbind_user_unit(session, user.actor, user.scope, username, unit_code)
    return Response(status_code=204)
