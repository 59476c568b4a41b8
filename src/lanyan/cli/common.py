"""What every CLI command shares: settings, the database, the acting user, error printing."""

from __future__ import annotations

import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from typer.core import TyperGroup

from lanyan.accounts.models import UNIT_BOUND_ROLES, bound_unit_ids
from lanyan.accounts.service import User
from lanyan.core.config import Settings
from lanyan.core.errors import LanyanError
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE, Scope, UnitScope
from lanyan.store.audit import Actor
from lanyan.store.db import make_engine, make_session_factory
from lanyan.store.readiness import not_ready

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
    units = UnitScope(bound_unit_ids(session, user.id) if user.role in UNIT_BOUND_ROLES else None)
    return Actor(user.username, user.id, user.role, path), Scope(path, units)


def print_problems(exc: LanyanError, limit: int = 50) -> None:
    err_console.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
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


class LanyanGroup(TyperGroup):
    """The ``lanyan`` command group: any error a subcommand lets through becomes one line on
    stderr and exit code 1, never a stack trace (see :func:`report`)."""

    def invoke(self, ctx: typer.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):  # usage errors, --help, exits
            raise
        except Exception as exc:
            report(exc)
            raise typer.Exit(1) from None


def report(exc: Exception) -> None:
    """Print ``exc`` as one line that names the fix where one is known.

    Domain errors print their message (and their field problems); a database error first asks
    whether the database is ready (reachable, initialised, at this version's schema) and says
    what to run if not; anything else prints its type and first line, and where the full trace
    was written.
    """
    if isinstance(exc, SQLAlchemyError):
        exc = _database_problem() or exc
    if isinstance(exc, LanyanError):
        print_problems(exc)
        return
    lines = str(exc).strip().splitlines()
    first = lines[0] if lines else ""
    log = _write_trace(exc)
    err_console.print(
        f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(first)} "
        f"(full trace in {escape(str(log))})",
        soft_wrap=True,
        highlight=False,
    )


def _database_problem() -> LanyanError | None:
    try:
        engine = make_engine(Settings().resolved_database_url)
    except Exception:  # settings that load_settings refuses, a URL SQLAlchemy cannot parse
        return None
    try:
        return not_ready(engine)
    finally:
        engine.dispose()


def _write_trace(exc: Exception) -> Path:
    """Append the command line and the full trace to the CLI's error log; return its path."""
    try:
        folder = Settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
    except Exception:
        folder = Path(tempfile.gettempdir())
    path = folder / "lanyan-cli-errors.log"
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(exc))
    try:
        with path.open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp} lanyan {' '.join(sys.argv[1:])}\n{text}")
    except OSError:
        path = Path(tempfile.mkstemp(prefix="lanyan-cli-error-", suffix=".log", text=True)[1])
        path.write_text(text, encoding="utf-8")
    return path.resolve()
