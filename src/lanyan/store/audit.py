"""Hash-chained audit log: who changed what, when, with the row before and after.

Every entry's hash covers its own content and the previous entry's hash, so editing or deleting
any entry breaks the chain at that point; ``verify`` finds the first break. A one-row head table
holds the last sequence number and hash: a write transaction locks it first (``begin_write``), which
orders all writers and keeps the chain linear on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from gmssl import sm3
from sqlalchemy import Index, Integer, String, Text, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from lanyan.core.timeutil import utcnow
from lanyan.store.base import Base, UTCDateTime
from lanyan.store.db import rowcount

GENESIS = "0" * 64
HashName = Literal["sha256", "sm3"]


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, or a named system process (``system:demo``)."""

    username: str
    user_id: int | None = None
    role: str = "admin"
    jurisdiction_path: str = "/"


SYSTEM = Actor("system")


class AuditEntry(Base):
    __tablename__ = "audit_log"
    # One composite index serves "the history of this object"; separate indexes on each column
    # cost every import a second index insert per row for no query that needs them.
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
    algorithm: Mapped[str] = mapped_column(String(8))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # Materialised path of the jurisdiction the change belongs to (see registry.scope): an admin
    # reads only the entries inside their own jurisdiction. "/" means "no place": root admins only.
    scope_path: Mapped[str] = mapped_column(String(255), default="/", index=True)


class AuditHead(Base):
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


AUDIT_ALGORITHM_KEY = "audit_algorithm"


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__} into the audit log")


# One encoder for every entry: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_default)


def dumps(value: Any) -> str | None:
    if value is None:
        return None
    return _ENCODER.encode(value)


def digest(algorithm: str, payload: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(payload).hexdigest()
    if algorithm == "sm3":
        return sm3.sm3_hash(list(payload))
    raise ValueError(f"audit hash algorithm must be sha256 or sm3, not {algorithm!r}")


_HASHED = (
    "seq",
    "at",
    "actor",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "algorithm",
    "prev_hash",
    "scope_path",
)


def content_hash(fields: dict[str, Any]) -> str:
    """Hash of an entry's fields (``at`` as a datetime) chained through ``prev_hash``.

    The fields are joined in a fixed order with the ASCII unit separator (None as NUL), which is
    unambiguous for this content and several times cheaper than canonical JSON.
    """
    parts = []
    for key in _HASHED:
        value = fields[key]
        if key == "at":
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        parts.append("\x00" if value is None else str(value))
    return digest(fields["algorithm"], "\x1f".join(parts).encode())


def entry_hash(entry: AuditEntry) -> str:
    """Hash of a stored entry, to compare with the hash it carries."""
    return content_hash({k: getattr(entry, k) for k in _HASHED})


def session_algorithm(session: Session) -> HashName:
    """The audit hash the deployment chose (``LANYAN_AUDIT_HASH``), which the session factory
    (``store.db.make_session_factory``) puts in ``session.info``; SHA-256 for a session made
    without one. Callers never pass it: every audited write reads it here."""
    return session.info.get(AUDIT_ALGORITHM_KEY) or "sha256"


def begin_write(session: Session) -> None:
    """Take the writers' lock: the first statement of every audited write transaction."""
    result = session.execute(update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq))
    if rowcount(result) == 0:
        session.add(AuditHead(id=1, seq=0, hash=GENESIS))
        session.flush()
    session.info["audit_locked"] = True


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    scope_path: str = "/",
) -> AuditEntry:
    """Append one entry to the chain inside the caller's transaction.

    ``scope_path`` is the jurisdiction path the change belongs to, which decides who may read it.
    The hash algorithm is the session's (``session_algorithm``).
    """
    algorithm = session_algorithm(session)
    if not session.info.get("audit_locked"):
        begin_write(session)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    at = utcnow()
    entry = AuditEntry(
        seq=head.seq + 1,
        at=at,
        actor=actor.username,
        actor_id=actor.user_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=dumps(before),
        after=dumps(after),
        algorithm=algorithm,
        prev_hash=head.hash,
        scope_path=scope_path,
    )
    entry.hash = entry_hash(entry)
    head.seq = entry.seq
    head.hash = entry.hash
    session.add(entry)
    return entry


def trail(
    session: Session,
    object_type: str,
    object_id: str | int | Iterable[str | int],
    scope_path: str,
    *,
    newest_first: bool = False,
    limit: int | None = None,
) -> list[AuditEntry]:
    """The history of one object (or of several ids of one type) a reader may see.

    Only entries inside the reader's jurisdiction (``scope_path``, the ``Scope.path`` of
    registry.scope) are returned, oldest first unless ``newest_first``; ``limit`` keeps the
    first that many.
    """
    ids = [str(object_id)] if isinstance(object_id, str | int) else [str(i) for i in object_id]
    if not ids:
        return []
    stmt = (
        select(AuditEntry)
        .where(
            AuditEntry.object_type == object_type,
            AuditEntry.object_id.in_(ids) if len(ids) > 1 else AuditEntry.object_id == ids[0],
            AuditEntry.scope_path.startswith(scope_path, autoescape=True),
        )
        .order_by(AuditEntry.seq.desc() if newest_first else AuditEntry.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None


def _iter_entries(session: Session, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.seq > last)
                .order_by(AuditEntry.seq)
                .limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify(session: Session) -> VerifyResult:
    """Walk the chain; report the first entry that was edited, removed or re-ordered."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    for entry in _iter_entries(session):
        if entry.seq != expected_seq:
            return VerifyResult(
                False,
                checked,
                f"entry {expected_seq} is missing (next is {entry.seq})",
                expected_seq,
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(
                False, checked, f"entry {entry.seq} does not link to its predecessor", entry.seq
            )
        if entry_hash(entry) != entry.hash:
            return VerifyResult(
                False, checked, f"entry {entry.seq} was altered after it was written", entry.seq
            )
        expected_prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if head_seq != checked or head_hash != expected_prev:
        return VerifyResult(
            False,
            checked,
            f"the chain ends at entry {checked} but its head says {head_seq}",
            checked,
        )
    return VerifyResult(True, checked)


def record_many(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    items: list[tuple[str | int, dict[str, Any] | None, dict[str, Any] | None, str]],
) -> int:
    """Append one entry per ``(object_id, before, after, scope_path)`` in one multi-row insert.

    The same chain as ``record``, built in memory: used by imports so that every imported row
    has its own audit entry without a round trip per row.
    """
    if not items:
        return 0
    algorithm = session_algorithm(session)
    if not session.info.get("audit_locked"):
        begin_write(session)
    head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    at = utcnow()
    seq, prev = head.seq, head.hash
    # content_hash's text, with the fields every entry shares formatted once. verify()
    # recomputes every hash with content_hash itself, so the two must agree (the import tests
    # and the benchmark verify the chain after importing).
    sep, null = "\x1f", "\x00"
    shared = sep.join(
        [
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor.username,
            null if actor.user_id is None else str(actor.user_id),
            action,
            object_type,
        ]
    )
    rows = []
    for object_id, before, after, scope_path in items:
        seq += 1
        before_text, after_text = dumps(before), dumps(after)
        oid = str(object_id)
        text = sep.join(
            [
                str(seq),
                shared,
                oid,
                null if before_text is None else before_text,
                null if after_text is None else after_text,
                algorithm,
                prev,
                scope_path,
            ]
        )
        row = {
            "seq": seq,
            "at": at,
            "actor": actor.username,
            "actor_id": actor.user_id,
            "action": action,
            "object_type": object_type,
            "object_id": oid,
            "before": before_text,
            "after": after_text,
            "algorithm": algorithm,
            "prev_hash": prev,
            "scope_path": scope_path,
        }
        prev = row["hash"] = digest(algorithm, text.encode())
        rows.append(row)
    from lanyan.store.bulk import insert_rows

    insert_rows(session, AuditEntry.__table__, rows)  # type: ignore[arg-type]
    head.seq, head.hash = seq, prev
    session.flush()
    return len(rows)
