"""Machine clients (机器接入): other departments' systems that call the API with a token of
their own, e.g. the 12345 hotline's work-order platform (12345 政务服务便民热线).

A client is made by an administrator (``lanyan client add``), which prints its token once; only
the token's SHA-256 is kept. The client is bound to one jurisdiction (it acts only inside it)
and holds only the permissions in :data:`PERMISSIONS` it was given — never a person's role.
It sends ``Authorization: Bearer <token>`` like a signed-in user; ``api.deps.require_client``
lets it through where its permission is needed. Tokens start with ``lyc_`` so they are told
apart from log-in tokens at a glance (and by secret scanners).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lanyan.accounts.models import ApiClient
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.store import audit
from lanyan.store.audit import Actor

SLUG = "api-clients"  # the audit object type
PREFIX = "lyc_"
HOTLINE_12345 = "hotline-12345"
# What a client may be given: slug → (zh, en).
PERMISSIONS: dict[str, tuple[str, str]] = {
    HOTLINE_12345: ("12345工单接入（建单、查询）", "12345 work orders (create, read)"),
}


@dataclass(frozen=True)
class ClientIdentity:
    """A machine client as the API sees it."""

    id: int
    name: str
    jurisdiction_id: int
    jurisdiction_path: str
    permissions: frozenset[str]

    @property
    def scope(self) -> Scope:
        return Scope(self.jurisdiction_path)

    @property
    def actor(self) -> Actor:
        return Actor(f"client:{self.name}", None, "api_client", self.jurisdiction_path)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_client(
    session: Session, actor: Actor, name: str, jurisdiction_code: str, permissions: list[str]
) -> tuple[ApiClient, str]:
    """A new client and its token (returned this once; audited without it)."""
    audit.begin_write(session)
    problems = []
    name = name.strip()
    if not name or len(name) > 100:
        problems.append(FieldProblem("name", "must be 1–100 characters"))
    bad = [p for p in permissions if p not in PERMISSIONS]
    if bad or not permissions:
        problems.append(
            FieldProblem("permissions", f"must be one or more of {', '.join(sorted(PERMISSIONS))}")
        )
    place = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == jurisdiction_code)
    ).scalar_one_or_none()
    if place is None:
        problems.append(
            FieldProblem("jurisdiction_code", f"no jurisdiction has code {jurisdiction_code}")
        )
    if problems:
        raise ValidationFailed("the client is not valid", problems)
    assert place is not None
    if session.execute(select(ApiClient.id).where(ApiClient.name == name)).first():
        raise Conflict(f"a client named {name} exists", [FieldProblem("name", "must be unique")])
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiClient(
        name=name,
        token_hash=token_hash(token),
        jurisdiction_id=place.id,
        permissions=sorted(set(permissions)),
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    after = {"name": name, "jurisdiction_code": place.code, "permissions": row.permissions}
    audit.record(session, actor, "create", SLUG, row.id, None, after, scope_path=place.path)
    return row, token


def set_active(session: Session, actor: Actor, name: str, active: bool) -> ApiClient:
    """Switch a client off (its token stops working at once) or on again (audited)."""
    audit.begin_write(session)
    row = session.execute(select(ApiClient).where(ApiClient.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no client is named {name}")
    before = {"active": row.active}
    row.active = active
    session.flush()
    audit.record(session, actor, "update", SLUG, row.id, before, {"active": active})
    return row


def list_clients(session: Session) -> list[tuple[ApiClient, str]]:
    """Every client with its jurisdiction's code, by name (a deployment has a handful)."""
    return [
        (c, code)
        for c, code in session.execute(
            select(ApiClient, Jurisdiction.code)
            .join(Jurisdiction, Jurisdiction.id == ApiClient.jurisdiction_id)
            .order_by(ApiClient.name)
        ).all()
    ]


def client_for_token(session: Session, token: str) -> ClientIdentity | None:
    """The active client holding ``token``, or None (also for any log-in token)."""
    if not token.startswith(PREFIX):
        return None
    row = session.execute(
        select(ApiClient, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == ApiClient.jurisdiction_id)
        .where(ApiClient.token_hash == token_hash(token), ApiClient.active.is_(True))
    ).first()
    if row is None:
        return None
    client, path = row
    return ClientIdentity(
        client.id, client.name, client.jurisdiction_id, path, frozenset(client.permissions)
    )


def touch(session: Session, client_id: int) -> None:
    """Note when the client last called (in the request's own transaction)."""
    session.execute(
        update(ApiClient).where(ApiClient.id == client_id).values(last_used_at=utcnow())
    )
