"""Whether the database can serve this version of Lanyan, said in one line that names the fix.

Commands and requests do not check before they run; when one fails with a database error,
:func:`not_ready` tells a database that is unreachable, empty (never initialised) or at another
schema revision apart from a real fault, so the user reads ``run lanyan init`` instead of a
stack trace.
"""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from lanyan.core.errors import LanyanError
from lanyan.store.migrate import MIGRATIONS


class DatabaseNotReady(LanyanError):
    """The database cannot serve requests yet; the message names the fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 503, "Database not ready")


class DatabaseUnreachable(DatabaseNotReady):
    """No connection: the server is down, the URL is wrong, or the file cannot be opened."""


class DatabaseEmpty(DatabaseNotReady):
    """Reachable, but ``lanyan init`` has never run on it."""


class DatabaseOutdated(DatabaseNotReady):
    """Initialised at a schema revision other than this version's."""


def where(engine: Engine) -> str:
    """The database's URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return lines[0] if lines else type(orig).__name__


def not_ready(engine: Engine) -> DatabaseNotReady | None:
    """Why ``engine``'s database cannot serve this version of Lanyan, or None if it can."""
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return DatabaseUnreachable(
            f"cannot reach the database {where(engine)} ({_first_line(exc)}): "
            "check LANYAN_DATABASE_URL and that the database server is running"
        )
    if current is None:
        return DatabaseEmpty(f"database {where(engine)} has no tables: run lanyan init")
    script = ScriptDirectory(str(MIGRATIONS))
    heads = script.get_heads()
    if current in heads:
        return None
    try:
        script.get_revision(current)
    except CommandError:
        return DatabaseOutdated(
            f"database {where(engine)} has schema revision {current}, which this version of "
            "Lanyan does not know (a newer version wrote it): upgrade Lanyan"
        )
    return DatabaseOutdated(
        f"database {where(engine)} has schema revision {current}, this version needs "
        f"{', '.join(heads)}: run lanyan init to migrate"
    )
