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
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, cast

from gmssl import sm3
from sqlalchemy import (
    Connection,
    Engine,
    Index,
    Integer,
    String,
    Table,
    Text,
    bindparam,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    Mapped,
    Session,
    SessionTransaction,
    mapped_column,
)

from lanyan.core.errors import Conflict
from lanyan.core.timeutil import utcnow
from lanyan.store.base import Base, UTCDateTime
from lanyan.store.db import rowcount

GENESIS = "0" * 64
LEGACY = "legacy"  # the one chain of the entries written before chains were partitioned
GLOBAL = "/"  # the chain of entries with no place (users, catalogues)
SEQ_SEQUENCE = "audit_log_seq_counter"  # PostgreSQL: where ``seq`` values come from
# session.info keys
_HEADS = "audit_heads"  # chain -> [seq, hash] of its head, locked by this transaction
_CHAIN_OF = "audit_chain_of"  # scope path -> (chain, worth remembering), this transaction
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


# --- which chain: a scope path's county, remembered per database ----------------------------
#
# A scope path names its jurisdictions' ids ("/1/2/3/9/"), so its chain depends only on those
# ids' levels. Reading them is a query per transaction; the answer is therefore remembered per
# engine once the transaction that read it commits, if every id in the path was found. A
# jurisdiction moved to another parent gets another path (another key here); what can change
# a known path's chain is a level changed (with the code, GB/T 2260) or an id re-used after a
# delete (SQLite; an emptied and re-filled table). So any UPDATE, DELETE or TRUNCATE statement
# naming ``jurisdictions`` that goes through an engine makes it forget what it knew, when the
# statement runs and again when its transaction ends, and that transaction reads afresh
# until then. Another process, or a restore by other means, is not seen: until a restart,
# entries may join the chain of an old level — a valid, linked, verifiable chain all the same
# (which chain an entry joins decides which lock it takes; tamper evidence holds in any).
_JURISDICTIONS = "jurisdictions"  # the registry's table, by name (store sits below the registry)
_WROTE_JURISDICTIONS = "audit_wrote_jurisdictions"  # connection.info: this transaction did
_KNOWN_SINCE = "audit_known_since"  # session.info: the memory's generation when first read


@dataclass
class _Memory:
    """Scope path -> chain for one engine's database; ``generation`` counts forgettings."""

    chains: dict[str, str] = field(default_factory=dict)
    generation: int = 0

    def forget(self) -> None:
        self.chains.clear()
        self.generation += 1


_MEMORIES: weakref.WeakKeyDictionary[Engine, _Memory] = weakref.WeakKeyDictionary()


def _memory_of(engine: Engine) -> _Memory:
    memory = _MEMORIES.get(engine)
    if memory is None:
        memory = _MEMORIES.setdefault(engine, _Memory())
    return memory


_WRITES = ("UPDATE", "DELETE", "TRUNCATE")


@event.listens_for(Engine, "before_cursor_execute")
def _watch_jurisdictions(
    conn: Connection, _cursor: Any, statement: str, *_args: Any, **_kw: Any
) -> None:
    if _JURISDICTIONS in statement and statement[:20].lstrip().upper().startswith(_WRITES):
        conn.info[_WROTE_JURISDICTIONS] = True
        _memory_of(conn.engine).forget()


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _transaction_ended(conn: Connection) -> None:
    if conn.info.pop(_WROTE_JURISDICTIONS, False):
        _memory_of(conn.engine).forget()  # what others read meanwhile may be the old level


@event.listens_for(Session, "after_commit")
def _remember_chains(session: Session) -> None:
    """What this transaction read joins its engine's memory, unless the memory was emptied
    since (a jurisdiction written, here or elsewhere in this process)."""
    info = session.info
    learned = info.get(_CHAIN_OF)
    if learned and (since := info.get(_KNOWN_SINCE)) is not None:
        memory = _memory_of(session.get_bind().engine)
        if memory.generation == since:
            memory.chains.update((p, c) for p, (c, complete) in learned.items() if complete)


@event.listens_for(Session, "after_transaction_end")
def _forget_locks(session: Session, transaction: SessionTransaction) -> None:
    """Locks end with the transaction: the next one takes its own. A savepoint's end forgets
    the heads too (rolled back, its entries and row locks are gone): the next write re-reads
    its chain's head, re-taking the lock (at no wait if the transaction still holds it)."""
    if transaction.parent is None:
        for key in (_HEADS, _CHAIN_OF, "audit_locked", _KNOWN_SINCE):
            session.info.pop(key, None)
    elif transaction.nested:
        session.info.pop(_HEADS, None)


_CHAIN_LEVELS = ("province", "city", "county")
_LEVELS = text("SELECT id, level FROM jurisdictions WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True)
)


def chain_of(session: Session, scope_path: str) -> str:
    """The chain an entry of ``scope_path`` belongs to: the path of its county-level
    jurisdiction (or of the city or province itself, above county level); ``/`` for ``/``."""
    if scope_path == GLOBAL or session.info.get(SINGLE_CHAIN):
        return GLOBAL
    info = session.info
    conn = session.connection()
    fresh = conn.info.get(_WROTE_JURISDICTIONS)  # this transaction wrote jurisdictions
    learned: dict[str, tuple[str, bool]] | None = info.get(_CHAIN_OF)
    if not fresh:
        if learned is not None and (known := learned.get(scope_path)) is not None:
            return known[0]
        memory = _memory_of(conn.engine)
        if (chain := memory.chains.get(scope_path)) is not None:
            return chain
        info.setdefault(_KNOWN_SINCE, memory.generation)
    ids = [int(i) for i in scope_path.strip("/").split("/") if i.isdigit()]
    # The registry's jurisdiction tree, read by name (store sits below the registry).
    levels: dict[int, str] = {}
    if ids:
        rows = session.execute(_LEVELS, {"ids": ids})
        levels = {int(jid): str(level) for jid, level in rows}
    depth = 0
    for n, jid in enumerate(ids, start=1):
        if levels.get(jid) in _CHAIN_LEVELS:
            depth = n
    depth = depth or 1  # unknown levels: the top jurisdiction's chain
    chain = "/" + "".join(f"{i}/" for i in ids[:depth]) if ids else scope_path
    if not fresh:
        complete = len(levels) == len(set(ids))  # every id found: worth remembering
        info.setdefault(_CHAIN_OF, {})[scope_path] = (chain, complete)
    return chain


# --- the chains' heads -----------------------------------------------------------------------
#
# PostgreSQL: one statement locks a head and reads it (UPDATE … SET seq = seq RETURNING: the
# row lock, and the values as they are once the lock is held) and, for a ``record``, draws the
# entry's ``seq`` in the same statement: RETURNING is evaluated after the row is locked, so
# the number is drawn after the chain's previous writer committed and a chain's numbers
# increase. The entry and its head's new values then go in one statement (INSERT with the
# head's UPDATE as a CTE). SQLite (its write lock already held, see begin_write) reads the head
# and writes entry and head in two statements.
_LOG = cast(Table, AuditEntry.__table__)
_HEAD = cast(Table, AuditHead.__table__)
_LOCK = text("UPDATE audit_head SET seq = seq WHERE chain = :chain RETURNING seq, hash")
_LOCK_AND_DRAW = text(
    "UPDATE audit_head SET seq = seq WHERE chain = :chain "
    f"RETURNING seq, hash, nextval('{SEQ_SEQUENCE}')"
)
_READ_HEAD = text("SELECT seq, hash FROM audit_head WHERE chain = :chain")
_ENTRY_COLUMNS = (*_HASHED, "hash", "chain", "prev_seq")
_INSERT_ENTRY = insert(_LOG).values({c: bindparam(c, type_=_LOG.c[c].type) for c in _ENTRY_COLUMNS})
_SET_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.chain == bindparam("head_chain", type_=_HEAD.c.chain.type))
    .values(
        seq=bindparam("head_seq", type_=_HEAD.c.seq.type),
        hash=bindparam("head_hash", type_=_HEAD.c.hash.type),
    )
)
# Text, not insert().add_cte(update()): given the entry's values, the compiled UPDATE would
# also SET every head column an entry key names (``chain``, ``seq``, ``hash``).
_APPEND_PG = text(
    "WITH head AS (UPDATE audit_head SET seq = :head_seq, hash = :head_hash "
    "WHERE chain = :head_chain) "
    f"INSERT INTO audit_log ({', '.join(_ENTRY_COLUMNS)}) "
    f"VALUES ({', '.join(':' + c for c in _ENTRY_COLUMNS)}) RETURNING id"
).bindparams(*(bindparam(c, type_=_LOG.c[c].type) for c in _ENTRY_COLUMNS))


def _lock_chain(session: Session, chain: str, draw: bool = False) -> tuple[list[Any], int | None]:
    """This transaction's lock on ``chain``'s head (created if the chain is new): the head as
    ``[seq, hash]`` (``record`` moves it on) and, if ``draw`` and the lock was taken now on
    PostgreSQL, a fresh ``seq`` drawn under it (else None)."""
    heads: dict[str, list[Any]] = session.info.setdefault(_HEADS, {})
    head = heads.get(chain)
    if head is not None:
        return head, None
    conn = session.connection()  # plain statements: no ORM, nothing to flush first
    postgres = conn.dialect.name != "sqlite"
    stmt = (_LOCK_AND_DRAW if draw else _LOCK) if postgres else _READ_HEAD
    try:
        row = conn.execute(stmt, {"chain": chain}).first()
        if row is None:  # a new chain: its head first (a concurrent creator: wait, then lock)
            dialect = postgresql if postgres else sqlite
            conn.execute(
                dialect.insert(_HEAD)
                .values(chain=chain, seq=0, hash=GENESIS)
                .on_conflict_do_nothing(index_elements=["chain"])
            )
            row = conn.execute(stmt, {"chain": chain}).one()
    except DBAPIError as exc:
        # 40P01 deadlock_detected: two transactions took two chains in opposite orders.
        if getattr(exc.orig, "sqlstate", None) in ("40P01", "55P03"):
            raise Conflict(
                "another change in a neighbouring jurisdiction was being saved at the same "
                "time; nothing was saved: try again"
            ) from exc
        raise
    head = heads[chain] = [int(row[0]), str(row[1])]
    return head, int(row[2]) if postgres and draw else None


def begin_write(session: Session, *scope_paths: str) -> None:
    """The first statement of every audited write transaction.

    SQLite: take the database's write lock now (one writer at a time, as SQLite is). PostgreSQL:
    lock the chains of ``scope_paths`` now, in sorted order; without any, lock nothing — each
    ``record`` locks its chain's head when it writes.
    """
    if not session.info.get("audit_locked") and _is_sqlite(session):
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
    if not _is_sqlite(session):
        return list(
            session.execute(
                text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                {"s": SEQ_SEQUENCE, "n": n},
            ).scalars()
        )
    # SQLite: the caller holds the database's write lock (begin_write); entries are inserted
    # when recorded, so the largest is in the table. The flush is the caller's pending rows, as
    # before (a constraint they break is raised here, as it always was on SQLite).
    session.flush()
    top = session.execute(select(func.max(AuditEntry.seq))).scalar_one() or 0
    return list(range(top + 1, top + n + 1))


def _append(session: Session, row: dict[str, Any]) -> int:
    """Insert one entry and move its chain's head to it; the entry's id."""
    head = {"head_chain": row["chain"], "head_seq": row["seq"], "head_hash": row["hash"]}
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return int(conn.execute(_APPEND_PG, row | head).scalar_one())
    result = conn.execute(_INSERT_ENTRY, row)
    conn.execute(_SET_HEAD, head)
    return int(result.lastrowid)


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
    head, seq = _lock_chain(session, chain, draw=True)
    if seq is None:  # the chain was locked earlier in this transaction
        (seq,) = _next_seqs(session, 1)
    row: dict[str, Any] = {
        "seq": seq,
        "at": at or utcnow(),
        "actor": actor.username,
        "actor_id": actor.user_id,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": dumps(before),
        "after": dumps(after),
        "algorithm": algorithm,
        "prev_hash": head[1],
        "scope_path": scope_path,
        "chain": chain,
        "prev_seq": head[0],
    }
    row["hash"] = content_hash(row)
    entry_id = _append(session, row)
    head[0], head[1] = seq, row["hash"]
    return AuditEntry(id=entry_id, **row)  # written already: not added to the session


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
    *,
    at: datetime | None = None,
) -> int:
    """Append one entry per ``(object_id, before, after, scope_path)`` in one multi-row insert.
    ``at`` back-dates them all, as ``record(at=…)`` does one (the demo's history).

    The same chains as ``record``, built in memory: used by imports so that every imported row
    has its own audit entry without a round trip per row. Every chain the items need is locked
    first, in sorted order.
    """
    if not items:
        return 0
    algorithm = session_algorithm(session)
    begin_write(session)
    chains = [chain_of(session, item[3]) for item in items]
    heads = {c: _lock_chain(session, c)[0] for c in sorted(set(chains))}
    state = {c: (h[0], h[1]) for c, h in heads.items()}
    seqs = _next_seqs(session, len(items))
    at = at or utcnow()
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

    insert_rows(session, _LOG, rows)
    session.execute(
        _SET_HEAD,
        [{"head_chain": c, "head_seq": seq, "head_hash": h} for c, (seq, h) in state.items()],
    )
    for chain, head in heads.items():
        head[0], head[1] = state[chain]
    session.flush()
    return len(rows)
