"""What every CLI command shares: settings, the database, the acting user, error printing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.accounts import UNIT_BOUND_ROLE, bound_unit_ids
from lanyan.api.users import User
from lanyan.core.config import Settings
from lanyan.core.errors import LanyanError
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE, Scope, UnitScope
from lanyan.store.audit import Actor
from lanyan.store.db import make_engine, make_session_factory

console = Console()
err_console = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValueError as exc:
        err_console.print(f"[red]settings error:[/red] {exc}")
        raise typer.Exit(2) from None


def sessions(settings: Settings) -> sessionmaker[Session]:
    return make_session_factory(make_engine(settings.resolved_database_url), settings.audit_hash)


def actor_for(session: Session, username: str | None, system_name: str) -> tuple[Actor, Scope]:
    """The named user (their role and scope), or an unrestricted system actor."""
    if not username:
        return Actor(f"system:{system_name}"), EVERYWHERE
    row = session.execute(
        select(User, Jurisdiction.path)
        .join(Jurisdiction, Jurisdiction.id == User.jurisdiction_id)
        .where(User.username == username)
    ).first()
    if row is None:
        raise LanyanError(f"no user named {username}", status=404, title="Not found")
    user, path = row
    units = UnitScope(bound_unit_ids(session, user.id) if user.role == UNIT_BOUND_ROLE else None)
    return Actor(user.username, user.id, user.role, path), Scope(path, units)


def print_problems(exc: LanyanError, limit: int = 50) -> None:
    err_console.print(f"[red]error:[/red] {exc.message}")
    for p in exc.problems[:limit]:
        where = f"line {p.row}: " if p.row is not None else ""
        err_console.print(f"  {where}[bold]{p.field}[/bold] {p.rule}")
    if len(exc.problems) > limit:
        err_console.print(f"  … and {len(exc.problems) - limit} more")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn domain errors into a message and exit code 1 instead of a stack trace."""
    try:
        yield
    except LanyanError as exc:
        print_problems(exc)
        raise typer.Exit(1) from None


def as_dict(obj: Any) -> dict[str, Any]:
    return {c.name: getattr(obj, c.key) for c in obj.__table__.columns}
