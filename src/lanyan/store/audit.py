"""Hash-chained audit log: who changed what, when, with the row before and after.

Every entry's hash covers its own content and the previous entry's hash, so editing or deleting
any entry breaks the chain at that point; ``verify`` finds the first break.

**One chain per jurisdiction, not one per deployment** (issue #16). An entry belongs to the chain
of its ``scope_path``'s county-level jurisdiction (县级: ``/1/2/3/`` for a town ``/1/2/3/9/``; a
city's or province's own entries are the chain of that city or province; ``/``, the global
objects, is a chain of its own). Each chain has its own head row (``audit_head``) holding its last
entry's sequence number and hash. An entry carries its ``chain``, a deployment-wide ``seq``
(ordering; drawn from a sequence on PostgreSQL) and ``prev_seq``, the ``seq`` of its predecessor
in the chain; its hash covers both and the predecessor's hash, so a removed entry is named by its
successor and a re-ordered one breaks a link.

Writers lock only the heads of the chains they write into, when they write (``record``): two
counties' writes never wait for each other. ``begin_write`` stays the first statement of an
audited write: on SQLite (one writer at a time anyway) it takes the write lock at once, as
before; on PostgreSQL it locks the chains of the scope paths it is given, in a fixed order, and
otherwise nothing — the heads are then locked at ``record`` time. A transaction writing into
several chains can deadlock with another taking them in the other order; PostgreSQL detects
that and the loser gets ``Conflict`` (409, nothing saved, try again). ``record_many`` takes all
its chains up front in sorted order.

Entries written before the partition form the ``legacy`` chain, verified exactly as before
(sequence 1, 2, 3 … with the old hash content); no new entry joins it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from gmssl import sm3
from sqlalchemy import Index, Integer, String, Text, bindparam, event, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from lanyan.core.errors import Conflict
from lanyan.core.timeutil import utcnow
from lanyan.store.base import Base, UTCDateTime
from lanyan.store.db import rowcount

GENESIS = "0" * 64
LEGACY = "legacy"  # the one chain of the entries written before chains were partitioned
GLOBAL = "/"  # the chain of entries with no place (users, catalogues)
SEQ_SEQUENCE = "audit_log_seq_counter"  # PostgreSQL: where ``seq`` values come from
# session.info keys
_HEADS = "audit_heads"  # chain -> its locked head, this transaction
_CHAIN_OF = "audit_chain_of"  # scope path -> chain, this transaction
SINGLE_CHAIN = "audit_single_chain"  # True: every entry into the global chain (bench anchor)
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
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        Index("ix_audit_log_chain_seq", "chain", "seq"),
    )

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
    # The chain the entry belongs to (see the module) and its predecessor's ``seq`` there
    # (0 for a chain's first entry).
    chain: Mapped[str] = mapped_column(String(255), default=LEGACY, server_default=LEGACY)
    prev_seq: Mapped[int | None] = mapped_column(Integer)


class AuditHead(Base):
    """The head of one chain: the ``seq`` and hash of its last entry (0 and GENESIS: none)."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain: Mapped[str] = mapped_column(
        String(255), default=LEGACY, server_default=LEGACY, unique=True
    )
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
    chain = fields.get("chain") or LEGACY
    if chain != LEGACY:  # a partitioned chain's entry also covers its chain and link
        parts += [chain, str(fields.get("prev_seq") or 0)]
    return digest(fields["algorithm"], "\x1f".join(parts).encode())


def entry_hash(entry: AuditEntry) -> str:
    """Hash of a stored entry, to compare with the hash it carries."""
    fields = {k: getattr(entry, k) for k in _HASHED}
    fields["chain"], fields["prev_seq"] = entry.chain, entry.prev_seq
    return content_hash(fields)


def session_algorithm(session: Session) -> HashName:
    """The audit hash the deployment chose (``LANYAN_AUDIT_HASH``), which the session factory
    (``store.db.make_session_factory``) puts in ``session.info``; SHA-256 for a session made
    without one. Callers never pass it: every audited write reads it here."""
    return session.info.get(AUDIT_ALGORITHM_KEY) or "sha256"


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    """Locks end with the transaction: the next one takes its own."""
    if transaction.parent is None:
        for key in (_HEADS, _CHAIN_OF, "audit_locked"):
            session.info.pop(key, None)


_CHAIN_LEVELS = ("province", "city", "county")


def chain_of(session: Session, scope_path: str) -> str:
    """The chain an entry of ``scope_path`` belongs to: the path of its county-level
    jurisdiction (or of the city or province itself, above county level); ``/`` for ``/``."""
    if scope_path == GLOBAL or session.info.get(SINGLE_CHAIN):
        return GLOBAL
    known: dict[str, str] = session.info.setdefault(_CHAIN_OF, {})
    chain = known.get(scope_path)
    if chain is None:
        ids = [int(i) for i in scope_path.strip("/").split("/") if i.isdigit()]
        # The registry's jurisdiction tree, read by name (store sits below the registry).
        levels: dict[int, str] = {}
        if ids:
            query = text("SELECT id, level FROM jurisdictions WHERE id IN :ids")
            rows = session.execute(query.bindparams(bindparam("ids", expanding=True)), {"ids": ids})
            levels = {int(jid): str(level) for jid, level in rows}
        depth = 0
        for n, jid in enumerate(ids, start=1):
            if levels.get(jid) in _CHAIN_LEVELS:
                depth = n
        depth = depth or 1  # unknown levels: the top jurisdiction's chain
        chain = "/" + "".join(f"{i}/" for i in ids[:depth]) if ids else scope_path
        known[scope_path] = chain
    return chain


def _lock_chain(session: Session, chain: str) -> AuditHead:
    """This transaction's lock on ``chain``'s head (created if the chain is new)."""
    heads: dict[str, AuditHead] = session.info.setdefault(_HEADS, {})
    head = heads.get(chain)
    if head is not None:
        return head
    table = AuditHead.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    try:
        session.execute(
            dialect.insert(table)
            .values(chain=chain, seq=0, hash=GENESIS)
            .on_conflict_do_nothing(index_elements=["chain"])
        )
        head = session.execute(
            select(AuditHead)
            .where(AuditHead.chain == chain)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).scalar_one()
    except DBAPIError as exc:
        # 40P01 deadlock_detected: two transactions took two chains in opposite orders.
        if getattr(exc.orig, "sqlstate", None) in ("40P01", "55P03"):
            raise Conflict(
                "another change in a neighbouring jurisdiction was being saved at the same "
                "time; nothing was saved: try again"
            ) from exc
        raise
    heads[chain] = head
    return head


def begin_write(session: Session, *scope_paths: str) -> None:
    """The first statement of every audited write transaction.

    SQLite: take the database's write lock now (one writer at a time, as SQLite is). PostgreSQL:
    lock the chains of ``scope_paths`` now, in sorted order; without any, lock nothing — each
    ``record`` locks its chain's head when it writes.
    """
    if _is_sqlite(session) and not session.info.get("audit_locked"):
        result = session.execute(
            update(AuditHead).where(AuditHead.chain == LEGACY).values(seq=AuditHead.seq)
        )
        if rowcount(result) == 0:
            session.add(AuditHead(chain=LEGACY, seq=0, hash=GENESIS))
            session.flush()
        session.info["audit_locked"] = True
    if session.info.get(SINGLE_CHAIN):
        _lock_chain(session, GLOBAL)  # the anchor: one lock, taken first, as before #16
    for chain in sorted({chain_of(session, p) for p in scope_paths}):
        _lock_chain(session, chain)


def _next_seqs(session: Session, n: int) -> list[int]:
    """``n`` fresh deployment-wide sequence numbers, increasing."""
    if session.get_bind().dialect.name == "postgresql":
        return list(
            session.execute(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                {"s": SEQ_SEQUENCE, "n": n},
            ).scalars()
        )
    # SQLite: the caller holds the database's write lock (begin_write).
    session.flush()
    top = session.execute(select(func.max(AuditEntry.seq))).scalar_one() or 0
    return list(range(top + 1, top + n + 1))


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
    at: datetime | None = None,
) -> AuditEntry:
    """Append one entry to its chain inside the caller's transaction.

    ``scope_path`` is the jurisdiction path the change belongs to, which decides who may read it
    and which chain the entry joins. The hash algorithm is the session's (``session_algorithm``).
    ``at``: when the change happened, if not now — a back-filled history (the demo's years
    2021–today, ``demo.history``). The entry still joins the chain at its end (its ``seq`` and
    hash link are the next ones), so the chain stays verifiable; ``registry.history`` reads the
    changes in ``seq`` order, so a row's back-filled changes must be written oldest first and
    before any change made now.
    """
    algorithm = session_algorithm(session)
    begin_write(session)
    chain = chain_of(session, scope_path)
    head = _lock_chain(session, chain)
    (seq,) = _next_seqs(session, 1)
    entry = AuditEntry(
        seq=seq,
        at=at or utcnow(),
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
        chain=chain,
        prev_seq=head.seq,
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
    chain: str | None = None
    chains: int = 0


def _iter_chain(session: Session, chain: str, batch: int = 5000) -> Iterator[AuditEntry]:
    last = 0
    while True:
        rows = (
            session.execute(
                select(AuditEntry)
                .where(AuditEntry.chain == chain, AuditEntry.seq > last)
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


def _chain_name(chain: str) -> str:
    return "the legacy chain" if chain == LEGACY else f"chain {chain}"


def _verify_chain(session: Session, chain: str, head: tuple[int, str] | None) -> VerifyResult:
    """Walk one chain; the first entry edited, removed or re-ordered, or a head that disagrees."""
    name = _chain_name(chain)
    legacy = chain == LEGACY
    prev_hash, prev_seq, checked = GENESIS, 0, 0

    def broken(problem: str, seq: int | None) -> VerifyResult:
        return VerifyResult(False, checked, f"{name}: {problem}", seq, chain)

    for entry in _iter_chain(session, chain):
        if legacy and entry.seq != prev_seq + 1:
            # Before partitioning the chain was numbered 1, 2, 3 … without gaps.
            return broken(f"entry {prev_seq + 1} is missing (next is {entry.seq})", prev_seq + 1)
        if not legacy and entry.prev_seq != prev_seq:
            linked = entry.prev_seq or 0
            if linked >= entry.seq or linked < prev_seq:
                return broken(f"entry {entry.seq} is out of order (re-ordered)", entry.seq)
            return broken(f"entry {linked} is missing (entry {entry.seq} follows it)", linked)
        if entry.prev_hash != prev_hash:
            return broken(f"entry {entry.seq} does not link to its predecessor", entry.seq)
        if entry_hash(entry) != entry.hash:
            return broken(f"entry {entry.seq} was altered after it was written", entry.seq)
        if not legacy and entry.chain != chain:
            return broken(f"entry {entry.seq} was moved from another chain", entry.seq)
        prev_hash, prev_seq, checked = entry.hash, entry.seq, checked + 1
    head_seq, head_hash = head or (0, GENESIS)
    if head is None and checked:
        return broken("its head is missing", prev_seq)
    if head_seq > prev_seq:  # the last entries were removed: the head names the last one
        return broken(
            f"entry {head_seq} is missing: the chain ends at entry {prev_seq} but its head "
            f"says {head_seq}",
            head_seq,
        )
    if head_seq != prev_seq or head_hash != prev_hash:
        return broken(f"the chain ends at entry {prev_seq} but its head says {head_seq}", prev_seq)
    return VerifyResult(True, checked, chain=chain, chains=1)


def verify(session: Session) -> VerifyResult:
    """Walk every chain (the legacy one first, then by name); report the first entry that was
    edited, removed or re-ordered in any, or a head that disagrees with its chain's end."""
    heads = {
        c: (seq, h)
        for c, seq, h in session.execute(select(AuditHead.chain, AuditHead.seq, AuditHead.hash))
    }
    chains = set(heads) | set(session.execute(select(AuditEntry.chain).distinct()).scalars())
    checked = 0
    ordered = sorted(chains, key=lambda c: (c != LEGACY, c))
    for chain in ordered:
        result = _verify_chain(session, chain, heads.get(chain))
        if not result.ok:
            return VerifyResult(False, checked + result.checked, result.problem, result.seq, chain)
        checked += result.checked
    return VerifyResult(True, checked, chains=len(ordered))


def record_many(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    items: list[tuple[str | int, dict[str, Any] | None, dict[str, Any] | None, str]],
) -> int:
    """Append one entry per ``(object_id, before, after, scope_path)`` in one multi-row insert.

    The same chains as ``record``, built in memory: used by imports so that every imported row
    has its own audit entry without a round trip per row. Every chain the items need is locked
    first, in sorted order.
    """
    if not items:
        return 0
    algorithm = session_algorithm(session)
    begin_write(session)
    chains = [chain_of(session, item[3]) for item in items]
    heads = {c: _lock_chain(session, c) for c in sorted(set(chains))}
    state = {c: (h.seq, h.hash) for c, h in heads.items()}
    seqs = _next_seqs(session, len(items))
    at = utcnow()
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
    for (object_id, before, after, scope_path), chain, seq in zip(items, chains, seqs, strict=True):
        prev_seq, prev = state[chain]
        before_text, after_text = dumps(before), dumps(after)
        oid = str(object_id)
        text_ = sep.join(
            [
                str(seq),
                shared,
                oid,
                null if before_text is None else before_text,
                null if after_text is None else after_text,
                algorithm,
                prev,
                scope_path,
                chain,
                str(prev_seq),
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
            "chain": chain,
            "prev_seq": prev_seq,
        }
        row["hash"] = hashed = digest(algorithm, text_.encode())
        state[chain] = (seq, hashed)
        rows.append(row)
    from lanyan.store.bulk import insert_rows

    insert_rows(session, AuditEntry.__table__, rows)  # type: ignore[arg-type]
    for chain, head in heads.items():
        head.seq, head.hash = state[chain]
    session.flush()
    return len(rows)
