"""``lanyan backup``: one archive holding the database, the evidence files and a manifest.

The archive is a tar file (optionally encrypted, see ``backup_crypto``) with these members:

``database.sqlite``
    A SQLite snapshot of the whole database. For a SQLite deployment it is taken through the
    online backup API (``sqlite3.Connection.backup``), consistent while ``lanyan serve`` writes,
    what is still in the write-ahead log included. For PostgreSQL it is a logical copy of every
    table read in the same exported snapshot as ``database.pgdump``: the portable form a restore
    loads into either backend (a county grows from SQLite into service mode this way).
``database.pgdump``
    PostgreSQL only: ``pg_dump -Fc`` of the same snapshot, for ``pg_restore`` by hand.
``attachments/<aa>/<sha256>``
    Every evidence file (证据材料) the snapshot's ``prevention_attachments`` rows refer to, as
    stored under ``$LANYAN_DATA_DIR/attachments/`` (pre-plan images live in the database).
``manifest.json``
    Format, creation time, Lanyan version, backend, schema revision, row counts per table, the
    audit log's entry and chain counts and every chain's head (``chain -> seq, hash``; one chain
    per county-level jurisdiction, ``store.audit``), and the SHA-256 and size of every other
    member.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from lanyan import __version__
from lanyan.core.errors import LanyanError
from lanyan.ops import backup_crypto
from lanyan.store import audit
from lanyan.store.db import make_engine
from lanyan.store.migrate import upgrade
from lanyan.store.models_all import metadata
from lanyan.store.readiness import not_ready

FORMAT = "lanyan-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SNAPSHOT = "database.sqlite"
PGDUMP = "database.pgdump"
ATTACHMENTS = "attachments"
# The evidence table and where its files live: the layout of core.files.blob_path, the one file
# store every domain writes to (tests/ops check that the two agree), read here by table name so
# ops imports no domain.
ATTACHMENT_TABLE = "prevention_attachments"
# Every row that refers to a stored file: (table, column, key). With key None the column holds
# the file's SHA-256; else it is a JSON list of objects whose ``key`` is one. tests/ops checks
# that a file kept by any of these is archived and restored.
FILE_REFERENCES: tuple[tuple[str, str, str | None], ...] = (
    (ATTACHMENT_TABLE, "sha256", None),  # evidence: inspections, hazards, complaints, patrols
    ("monitoring_annual_test_reports", "sha256", None),  # 年度检测报告 PDFs
    ("stats_fire_declarations", "photos", "sha256"),  # 火灾损失申报 photos (portal)
    ("prevention_commitment_applications", "documents", "sha256"),  # 告知承诺 documents
)
PG_DUMP = os.environ.get("LANYAN_PG_DUMP", "pg_dump")
COPY_CHUNK = 5000
HEX64 = re.compile(r"^[0-9a-f]{64}$")

Progress = Callable[[str, int, int], None]
"""``progress(step, done, total)``: what a long operation is doing (the CLI draws it)."""


def _quiet(_step: str, _done: int, _total: int) -> None:
    return None


class BackupError(LanyanError):
    """A backup or restore that cannot go on; the message names the file and the check."""

    def __init__(self, message: str) -> None:
        super().__init__(message, [], 422, "Backup refused")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    manifest: dict[str, Any]


def blob_path(root: Path, sha256: str) -> Path:
    """Where a stored file lives under a data folder (the ``core.files`` layout)."""
    return root / ATTACHMENTS / sha256[:2] / sha256


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1024 * 1024), b""):
            h.update(block)
    return h.hexdigest()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another backend."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:":
        raise BackupError(f"database {url}: an in-memory database cannot be backed up")
    return Path(path)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq (pg_dump) reads it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def schema_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per table of the schema (``store.models_all``), tables missing from ``conn`` skipped."""
    present = set(conn.dialect.get_table_names(conn))
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in metadata.sorted_tables
        if t.name in present
    }


def audit_heads(conn: Connection) -> dict[str, dict[str, Any]]:
    """Every chain's head, ``chain -> {"seq", "hash"}``, read with ``SELECT *`` so that a
    database of an older schema (one head row, no ``chain`` column: the legacy chain) reads too."""
    if "audit_head" not in conn.dialect.get_table_names(conn):
        return {}
    heads: dict[str, dict[str, Any]] = {}
    for row in conn.execute(text("SELECT * FROM audit_head")).mappings():
        chain = row.get("chain") or audit.LEGACY
        heads[str(chain)] = {"seq": int(row["seq"]), "hash": str(row["hash"])}
    return dict(sorted(heads.items()))


def manifest_heads(recorded: Any) -> dict[str, dict[str, Any]]:
    """The heads a manifest records, as ``audit_heads`` returns them: this format's mapping, or
    the list of head rows an archive of the one-chain schema holds (its head: the legacy chain)."""
    if isinstance(recorded, dict):
        return {str(c): {"seq": h.get("seq"), "hash": h.get("hash")} for c, h in recorded.items()}
    heads: dict[str, dict[str, Any]] = {}
    for row in recorded or []:
        heads[str(row.get("chain") or audit.LEGACY)] = {
            "seq": row.get("seq"),
            "hash": row.get("hash"),
        }
    return dict(sorted(heads.items()))


def audit_state(session: Session) -> dict[str, Any]:
    """The audit chains of ``session``'s database (of this version's schema): verified by
    ``store.audit.verify`` (the first broken chain and entry, if any) and every chain's head."""
    result = audit.verify(session)
    return {
        "verified": result.ok,
        "entries": result.checked,
        "chains": result.chains,
        "problem": result.problem,
        "broken_chain": result.chain if not result.ok else None,
        "broken_seq": result.seq if not result.ok else None,
        "heads": audit_heads(session.connection()),
    }


def audit_refusal(state: dict[str, Any]) -> str:
    """What a failed ``audit_state`` says: the chain, the entry and ``verify``'s problem."""
    return (
        f"audit chain {state['broken_chain']} does not verify at entry {state['broken_seq']}: "
        f"{state['problem']}"
    )


def attachment_hashes(conn: Connection) -> list[str]:
    """The distinct SHA-256 of every stored file the database refers to (FILE_REFERENCES),
    sorted; a table an older schema lacks is skipped."""
    present = set(conn.dialect.get_table_names(conn))
    found: set[str] = set()
    for name, column, key in FILE_REFERENCES:
        if name not in present:
            continue
        col = metadata.tables[name].c[column]
        values = conn.execute(select(col).distinct() if key is None else select(col)).scalars()
        for value in values:
            if key is None:
                found.add(value)
                continue
            for item in value or []:
                sha = item.get(key) if isinstance(item, dict) else None
                if isinstance(sha, str) and HEX64.match(sha):
                    found.add(sha)
    return sorted(found)


def copy_tables(
    source: Connection,
    target: Connection,
    progress: Progress = _quiet,
    counts: dict[str, int] | None = None,
) -> dict[str, int]:
    """Copy every row of every schema table from ``source`` into ``target`` (both at the same
    schema revision), parents before children, in chunks; in the callers' transactions.
    PostgreSQL sequences are moved past the copied keys. Returns rows copied per table."""
    present = set(source.dialect.get_table_names(source))
    tables = [t for t in metadata.sorted_tables if t.name in present]
    total = sum(counts.values()) if counts else 0
    done = 0
    copied: dict[str, int] = {}
    for table in tables:
        n = 0
        stmt = select(table).order_by(*table.primary_key.columns)
        result = source.execution_options(yield_per=COPY_CHUNK).execute(stmt)
        for part in result.mappings().partitions(COPY_CHUNK):
            target.execute(table.insert(), [dict(row) for row in part])
            n += len(part)
            done += len(part)
            progress(f"copying {table.name}", done, total)
        copied[table.name] = n
    advance_sequences(target)
    return copied


_OWNED_SEQUENCES = text(
    """
    SELECT n.nspname AS schema, s.relname AS seq, t.relname AS tbl, a.attname AS col
    FROM pg_class s
    JOIN pg_namespace n ON n.oid = s.relnamespace
    JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
    JOIN pg_class t ON t.oid = d.refobjid
    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
    WHERE s.relkind = 'S' AND n.nspname = current_schema()
    ORDER BY s.relname
    """
)


def advance_sequences(conn: Connection) -> int:
    """PostgreSQL: move every sequence owned by a column (serial and identity ids, the audit
    log's ``seq`` counter) past the largest value in its column, so that writes after a copy
    or a restore do not collide with the copied rows. Returns how many it moved."""
    if conn.dialect.name != "postgresql":
        return 0
    owned = conn.execute(_OWNED_SEQUENCES).all()
    for schema, seq, tbl, col in owned:
        conn.execute(
            text(
                f'SELECT setval(:s, COALESCE((SELECT MAX("{col}") FROM "{schema}"."{tbl}"), 0)'
                " + 1, false)"
            ),
            {"s": f'"{schema}"."{seq}"'},
        )
    return len(owned)


def _describe_snapshot(path: Path, backend: str) -> dict[str, Any]:
    """Counts, revision and audit state of a SQLite snapshot file."""
    engine = create_engine(sqlite_url(path))
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn)
            counts = table_counts(conn)
            hashes = attachment_hashes(conn)
        with Session(engine) as session:
            chain = audit_state(session)
    finally:
        engine.dispose()
    return {"schema_revision": revision, "tables": counts, "audit": chain, "hashes": hashes}


def _sqlite_snapshot(db: Path, out: Path, progress: Progress) -> None:
    """The online backup API in one step: a read transaction on the live database (WAL readers
    do not block its writers) copied whole, so a write cannot restart it."""
    if not db.is_file():
        raise BackupError(f"database file {db} does not exist: run lanyan init")
    progress("snapshot of the database", 0, 1)
    src = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(out)
    try:
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()
    progress("snapshot of the database", 1, 1)


def pg_dump_version() -> str:
    try:
        out = subprocess.run([PG_DUMP, "--version"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BackupError(
            f"{PG_DUMP} is not available ({exc}): install the PostgreSQL client (pg_dump of the "
            "server's major version or newer) or set LANYAN_PG_DUMP"
        ) from None
    return out.stdout.strip()


def _pg_snapshot(engine: Engine, work: Path, progress: Progress) -> tuple[str, dict[str, int]]:
    """``pg_dump -Fc`` and the portable SQLite copy, both of one exported snapshot."""
    version = pg_dump_version()
    snapshot = work / SNAPSHOT
    upgrade(sqlite_url(snapshot))
    portable = create_engine(sqlite_url(snapshot))
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                snap_id = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one()
                progress("pg_dump", 0, 1)
                dump = subprocess.run(
                    [
                        PG_DUMP,
                        "-Fc",
                        f"--snapshot={snap_id}",
                        "-f",
                        str(work / PGDUMP),
                        f"--dbname={libpq_url(engine.url.render_as_string(hide_password=False))}",
                    ],
                    capture_output=True,
                    text=True,
                )
                if dump.returncode != 0:
                    first = (dump.stderr.strip().splitlines() or ["failed"])[0]
                    raise BackupError(f"pg_dump failed: {first}")
                progress("pg_dump", 1, 1)
                counts = table_counts(conn)
                with portable.begin() as out:
                    out.exec_driver_sql("PRAGMA foreign_keys=OFF")
                    for table in reversed(metadata.sorted_tables):  # the genesis head `init` made
                        out.execute(table.delete())
                    copy_tables(conn, out, progress, counts)
        with portable.connect() as c:
            c.exec_driver_sql("VACUUM")
    finally:
        portable.dispose()
    return version, counts


def _tar_add(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    digest = sha256_file(path)
    tar.add(path, arcname=name, recursive=False)
    return {"sha256": digest, "size": path.stat().st_size}


def default_archive_name(now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"lanyan-backup-{stamp}.tar"


def create_backup(
    database_url: str,
    data_dir: Path,
    out: Path,
    *,
    key: bytes | None = None,
    progress: Progress = _quiet,
) -> BackupResult:
    """Write one archive of the database at ``database_url`` and the evidence files under
    ``data_dir`` to ``out`` (a folder: a timestamped name inside it). Refuses a database that
    this version of Lanyan cannot read (not initialised, another schema revision)."""
    if out.is_dir():
        out = out / default_archive_name()
    elif not out.parent.is_dir():
        raise BackupError(f"--out {out}: the folder {out.parent} does not exist")
    if out.exists():
        raise BackupError(f"archive {out} already exists: choose another --out")
    engine = make_engine(database_url)
    try:
        problem = not_ready(engine)
        if problem is not None:
            raise BackupError(f"cannot back up: {problem.message}")
        backend = engine.dialect.name
        created = datetime.now(UTC)
        with tempfile.TemporaryDirectory(prefix=".lanyan-backup-", dir=out.parent) as tmp:
            work = Path(tmp)
            extra: dict[str, Any] = {}
            if backend == "sqlite":
                db = sqlite_path(database_url)
                assert db is not None
                _sqlite_snapshot(db, work / SNAPSHOT, progress)
            else:
                extra["pg_dump"], _ = _pg_snapshot(engine, work, progress)
            progress("checking the snapshot", 0, 1)
            described = _describe_snapshot(work / SNAPSHOT, backend)
            progress("checking the snapshot", 1, 1)
            if not described["audit"]["verified"]:
                raise BackupError(
                    f"cannot back up: {audit_refusal(described['audit'])}; run lanyan audit verify"
                )
            hashes: list[str] = described.pop("hashes")
            plain = work / "archive.tar"
            members: dict[str, dict[str, Any]] = {}
            missing: list[str] = []
            with tarfile.open(plain, "w", format=tarfile.PAX_FORMAT) as tar:
                members[SNAPSHOT] = _tar_add(tar, work / SNAPSHOT, SNAPSHOT)
                if (work / PGDUMP).exists():
                    members[PGDUMP] = _tar_add(tar, work / PGDUMP, PGDUMP)
                for i, sha in enumerate(hashes, 1):
                    blob = blob_path(data_dir, sha)
                    name = f"{ATTACHMENTS}/{sha[:2]}/{sha}"
                    if not blob.is_file():
                        missing.append(sha)
                        continue
                    entry = _tar_add(tar, blob, name)
                    if entry["sha256"] != sha:
                        raise BackupError(
                            f"evidence file {blob} no longer matches its SHA-256: it was altered; "
                            "nothing was backed up"
                        )
                    members[name] = entry
                    progress("evidence files", i, len(hashes))
                if missing:
                    raise BackupError(
                        f"{len(missing)} evidence file(s) the database refers to are missing from "
                        f"{data_dir / ATTACHMENTS} (first: {missing[0]}); nothing was backed up"
                    )
                manifest = {
                    "format": FORMAT,
                    "format_version": FORMAT_VERSION,
                    "created_at": created.isoformat(timespec="seconds"),
                    "lanyan_version": __version__,
                    "backend": backend,
                    **extra,
                    "schema_revision": described["schema_revision"],
                    "tables": described["tables"],
                    "rows": sum(described["tables"].values()),
                    "audit": described["audit"],
                    "attachments": len(hashes),
                    "encrypted": key is not None,
                    "members": members,
                }
                data = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
                (work / MANIFEST).write_bytes(data)
                tar.add(work / MANIFEST, arcname=MANIFEST, recursive=False)
            partial = out.with_name(out.name + ".partial")
            if key is not None:
                progress("encrypting", 0, 1)
                backup_crypto.encrypt_file(plain, partial, key)
                progress("encrypting", 1, 1)
            else:
                shutil.move(plain, partial)
            with partial.open("rb") as f:
                os.fsync(f.fileno())
            os.replace(partial, out)  # a finished archive or none: never half of one
    finally:
        engine.dispose()
    return BackupResult(out, out.stat().st_size, manifest)


@contextmanager
def scratch_dir(near: Path | None = None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=".lanyan-restore-", dir=near) as tmp:
        yield Path(tmp)
