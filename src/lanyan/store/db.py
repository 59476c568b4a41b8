"""Engine and session factory. Built by the app factory or the CLI, never at import time."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import Conflict, NotSaved
from lanyan.store.readiness import not_ready

# Pages of write-ahead log after which a committing SQLite connection checkpoints (~16 MiB).
SQLITE_AUTOCHECKPOINT = 4000
log = logging.getLogger("lanyan.store")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine. SQLite gets WAL, foreign keys and a busy timeout on every connection."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            # Up to 64 MiB of page cache per connection (allocated only as pages are used; the
            # default is 2 MiB): the device gateway's writer inserts into big indexes at
            # random keys, and each page read back from the OS costs a system call.
            cur.execute("PRAGMA cache_size=-65536")
            # Checkpoint the WAL every ~16 MiB instead of every ~4 MiB: pages written again
            # and again (index interiors, device health) are copied into the database once
            # per checkpoint, not once per commit.
            cur.execute(f"PRAGMA wal_autocheckpoint={SQLITE_AUTOCHECKPOINT}")
            cur.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine, audit_hash: str | None = None) -> sessionmaker[Session]:
    """Sessions on ``engine``; ``audit_hash`` (the deployment's ``LANYAN_AUDIT_HASH``) travels in
    every session's ``info`` so that each domain's audited writes use it without passing it."""
    info = {"audit_algorithm": audit_hash} if audit_hash else {}
    return sessionmaker(bind=engine, expire_on_commit=False, info=info)


def commit(session: Session) -> None:
    """Commit, or roll back and raise an error that says nothing was saved: ``Conflict`` (409)
    for a broken constraint, ``DatabaseNotReady`` (503) for a database that is unreachable,
    empty or outdated, ``NotSaved`` (503, logged) for any other failure."""
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "a constraint"
        raise Conflict(
            f"the change conflicts with saved data ({reason}); nothing was saved"
        ) from exc
    except Exception as exc:
        session.rollback()
        if isinstance(exc, SQLAlchemyError) and (problem := not_ready(session.get_bind().engine)):
            raise problem from exc
        log.exception("commit failed")
        raise NotSaved(
            "the database did not save this change; nothing was saved: try again"
        ) from exc


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends cleanly and rolls back on any error.

    A failed commit raises ``Conflict`` or ``NotSaved`` (see :func:`commit`).
    """
    session = factory()
    try:
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        commit(session)
    finally:
        session.close()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE run through ``Session.execute`` matched. The session returns a
    CursorResult for those but is typed to return any Result (sqlalchemy#12913)."""
    return cast("CursorResult[Any]", result).rowcount
