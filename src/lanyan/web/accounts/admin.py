"""Administrator pages: the users of the jurisdiction (with the units each unit safety manager is
bound to, bound and unbound here) and the audit log (newest first)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lanyan.accounts.roles import Role
from lanyan.accounts.service import (
    CurrentUser,
    audit_entries,
    bind_user_unit,
    bindings_in,
    list_users,
    unbind_user_unit,
)
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import LanyanError
from lanyan.store.audit import AuditEntry
from lanyan.store.db import unit_of_work
from lanyan.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_PAGE = 50


AdminDep = Annotated[CurrentUser, require("users", "manage")]


def _users_page(
    request: Request,
    session: Any,
    user: CurrentUser,
    error: tuple[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    response = render(
        request,
        "accounts/users.html",
        user,
        users=list_users(session, user.scope),
        bindings=bindings_in(session, user.scope),
        unit_bound_roles=(Role.UNIT_MANAGER.value, Role.CONTROL_ROOM_OPERATOR.value),
        error=error,
        flash=request.query_params.get("flash"),
    )
    response.status_code = status
    return response


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, user: AdminDep) -> HTMLResponse:
    return _users_page(request, session, user)


def _binding_write(
    request: Request, session: Any, user: CurrentUser, username: str, action: Any, flash: str
) -> Response:
    """One binding change in its own unit of work; a refusal re-renders the page with the reason."""
    try:
        with unit_of_work(request.app.state.sessions) as s:
            action(s)
    except LanyanError as exc:
        detail = "; ".join(f"{p.field}: {p.rule}" for p in exc.problems) or exc.message
        return _users_page(request, session, user, (username, detail), exc.status)
    return RedirectResponse(f"/admin/users?flash={flash}#user-{username}", status_code=303)


@router.post("/users/{username}/units", response_class=HTMLResponse)
def bind_submit(
    request: Request,
    username: str,
    session: SessionDep,
    user: AdminDep,
    unit_code: Annotated[str, Form()] = "",
) -> Response:
    """Bind a unit safety manager to a unit (单位绑定)."""
    code = unit_code.strip()
    return _binding_write(
        request,
        session,
        user,
        username,
        lambda s: bind_user_unit(s, user.actor, user.scope, username, code),
        "bound",
    )


@router.post("/users/{username}/units/{unit_code}/unbind", response_class=HTMLResponse)
def unbind_submit(
    request: Request,
    username: str,
    unit_code: str,
    session: SessionDep,
    user: AdminDep,
) -> Response:
    """Remove a unit safety manager's binding to a unit."""
    return _binding_write(
        request,
        session,
        user,
        username,
        lambda s: unbind_user_unit(s, user.actor, user.scope, username, unit_code),
        "unbound",
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: SessionDep, user: AdminDep, page: int = 1
) -> HTMLResponse:
    entries, total, page = audit_entries(session, user.scope, page, AUDIT_PAGE)
    pages = max(1, math.ceil(total / AUDIT_PAGE))
    return render(
        request,
        "accounts/audit.html",
        user,
        entries=[(e, *summarise(e)) for e in entries],
        total=total,
        page=page,
        pages=pages,
    )


def summarise(entry: AuditEntry) -> tuple[str, list[str]]:
    """What an auditor reads first: the record's code or name, and the fields an update changed."""
    before: dict[str, Any] = json.loads(entry.before) if entry.before else {}
    after: dict[str, Any] = json.loads(entry.after) if entry.after else {}
    state = after or before
    label = str(state.get("code") or state.get("username") or state.get("name") or "")
    changed = sorted(k for k in after if before and before.get(k) != after.get(k))
    return label, changed
