"""Administrator pages: the users of the jurisdiction and the audit log (newest first)."""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from lanyan.api import roles
from lanyan.api.deps import SessionDep, UserDep
from lanyan.api.users import CurrentUser, list_users
from lanyan.core.errors import Forbidden
from lanyan.store.audit import AuditEntry
from lanyan.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_PAGE = 50


def admin(user: UserDep) -> CurrentUser:
    if not roles.can_manage_users(user.role):
        raise Forbidden(f"role {user.role} may not administer users or read the audit log")
    return user


AdminDep = Annotated[CurrentUser, Depends(admin)]


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, user: AdminDep) -> HTMLResponse:
    return render(request, "admin/users.html", user, users=list_users(session, user.scope))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request, session: SessionDep, user: AdminDep, page: int = 1
) -> HTMLResponse:
    # An admin reads the entries of their own jurisdiction's subtree (a root admin reads all).
    inside = AuditEntry.scope_path.startswith(user.scope.path, autoescape=True)
    total = session.execute(select(func.count()).select_from(AuditEntry).where(inside)).scalar_one()
    pages = max(1, math.ceil(total / AUDIT_PAGE))
    page = min(max(1, page), pages)
    entries = (
        session.execute(
            select(AuditEntry)
            .where(inside)
            .order_by(AuditEntry.seq.desc())
            .offset((page - 1) * AUDIT_PAGE)
            .limit(AUDIT_PAGE)
        )
        .scalars()
        .all()
    )
    return render(
        request,
        "admin/audit.html",
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
