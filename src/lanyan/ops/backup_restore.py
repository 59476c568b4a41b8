"""``lanyan restore`` and ``lanyan backup verify``: check an archive whole, then load it.

Every check that can fail on the archive runs before anything is written: the encryption tag of
every chunk, the tar structure, the manifest, the SHA-256 and size of every member, the schema
revision, the snapshot's row counts against the manifest and its audit chain (``store.audit``).
Only then is the target touched (a target of a newer schema is refused), all or nothing: a SQLite
target is replaced by the checked snapshot (written beside it, then renamed over it); an empty
PostgreSQL database gets the archive's own ``pg_dump`` through ``pg_restore --single-transaction``;
any other target (a PostgreSQL database already initialised, a SQLite archive) is migrated to this
version's schema and loaded in one transaction, table by table through the schema's metadata —
so an archive of either backend restores into the other. After the commit the
target is checked the same way: row counts, the audit chain, every evidence file's hash.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session

from lanyan.ops import backup_crypto
from lanyan.ops.backup import (
    ATTACHMENTS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    PGDUMP,
    SNAPSHOT,
    BackupError,
    Progress,
    _quiet,
    advance_sequences,
    attachment_hashes,
    audit_heads,
    audit_refusal,
    audit_state,
    blob_path,
    copy_tables,
    libpq_url,
    manifest_heads,
    schema_revision,
    sha256_file,
    sqlite_path,
    sqlite_url,
    table_counts,
)
from lanyan.store.db import make_engine
from lanyan.store.migrate import MIGRATIONS, upgrade
from lanyan.store.models_all import metadata

MEMBER_NAME = re.compile(
    rf"^({re.escape(MANIFEST)}|{re.escape(SNAPSHOT)}|{re.escape(PGDUMP)}|"
    rf"{ATTACHMENTS}/[0-9a-f]{{2}}/[0-9a-f]{{64}})$"
)
# Rows a freshly initialised database already has: the audit chain's genesis head.
SEEDED = {"audit_head"}
PG_RESTORE = os.environ.get("LANYAN_PG_RESTORE", "pg_restore")


@dataclass
class Opened:
    """An archive unpacked into a scratch folder, every member checked against the manifest."""

    folder: Path
    manifest: dict[str, Any]
    checks: list[str] = field(default_factory=list)

    @property
    def snapshot(self) -> Path:
        return self.folder / SNAPSHOT


@dataclass
class RestoreReport:
    checks: list[str]
    manifest: dict[str, Any]
    rows: int
    attachments: int


def _refuse(archive: Path, check: str) -> BackupError:
    return BackupError(f"archive {archive} refused: {check}; nothing was written")


def open_archive(archive: Path, folder: Path, key: bytes | None) -> Opened:
    """Unpack ``archive`` into ``folder`` and check it whole (see the module's docstring)."""
    if not archive.is_file():
        raise BackupError(f"archive {archive} does not exist")
    checks: list[str] = []
    tar_path = archive
    if backup_crypto.is_encrypted(archive):
        if key is None:
            raise _refuse(archive, "it is encrypted: pass --key-file")
        tar_path = folder / "archive.tar"
        try:
            backup_crypto.decrypt_file(archive, tar_path, key)
        except backup_crypto.ArchiveCryptoError as exc:
            raise _refuse(archive, f"decryption (AES-256-GCM) failed: {exc}") from None
        checks.append("decrypted (AES-256-GCM): every chunk's tag verified")
    found: dict[str, dict[str, Any]] = {}
    unpacked = folder / "members"
    try:
        with tarfile.open(tar_path, "r:") as tar:
            for member in tar:
                if not member.isfile() or not MEMBER_NAME.match(member.name):
                    raise _refuse(archive, f"unexpected member {member.name!r}")
                if member.name in found:
                    raise _refuse(archive, f"member {member.name} appears twice")
                dest = unpacked / member.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                src = tar.extractfile(member)
                assert src is not None
                with dest.open("wb") as out:
                    shutil.copyfileobj(src, out, 1024 * 1024)
                size = dest.stat().st_size
                if size != member.size:
                    raise _refuse(archive, f"member {member.name} is truncated")
                found[member.name] = {"sha256": sha256_file(dest), "size": size}
    except (tarfile.TarError, EOFError) as exc:
        raise _refuse(archive, f"it is truncated or not a tar archive ({exc})") from None
    if tar_path != archive:
        tar_path.unlink()
    if MANIFEST not in found:
        raise _refuse(archive, f"{MANIFEST} is missing (the archive is truncated or not a backup)")
    try:
        manifest = json.loads((unpacked / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _refuse(archive, f"{MANIFEST} is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(archive, f"{MANIFEST} is not a Lanyan backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise _refuse(
            archive,
            f"format version {manifest.get('format_version')} is not {FORMAT_VERSION} "
            "(written by another version of Lanyan)",
        )
    listed = manifest.get("members") or {}
    for name, want in sorted(listed.items()):
        got = found.get(name)
        if got is None:
            raise _refuse(archive, f"member {name} listed in the manifest is missing (truncated)")
        if got["size"] != want.get("size"):
            raise _refuse(
                archive, f"member {name} has {got['size']} bytes, the manifest says {want['size']}"
            )
        if got["sha256"] != want.get("sha256"):
            raise _refuse(archive, f"member {name} fails its SHA-256 check (altered)")
        if name.startswith(ATTACHMENTS + "/") and got["sha256"] != name.rsplit("/", 1)[-1]:
            raise _refuse(archive, f"evidence file {name} does not match its own name's SHA-256")
    extra = sorted(set(found) - set(listed) - {MANIFEST})
    if extra:
        raise _refuse(archive, f"member {extra[0]} is not listed in the manifest")
    if SNAPSHOT not in found:
        raise _refuse(archive, f"{SNAPSHOT} is missing")
    checks.append(f"{len(listed)} members: SHA-256 and size match the manifest")
    shutil.move(str(unpacked / SNAPSHOT), folder / SNAPSHOT)
    return Opened(folder, manifest, checks)


def known_revisions() -> tuple[list[str], set[str]]:
    script = ScriptDirectory(str(MIGRATIONS))
    return list(script.get_heads()), {r.revision for r in script.walk_revisions()}


def _check_revision(where: str, revision: str | None) -> bool:
    """True if ``revision`` is older than this version's head (it needs migrating); refuses a
    revision this version does not know (a newer Lanyan wrote it)."""
    heads, known = known_revisions()
    if revision is None or revision in heads:
        return False
    if revision not in known:
        raise BackupError(
            f"{where} has schema revision {revision}, newer than this version of Lanyan knows "
            f"(its newest is {', '.join(heads)}): upgrade Lanyan first; nothing was written"
        )
    return True


def check_snapshot(archive: Path, opened: Opened) -> dict[str, int]:
    """The snapshot against its manifest: revision, row counts, audit chain. Migrates a
    snapshot of an older schema (in the scratch folder). Returns its counts after that."""
    manifest = opened.manifest
    snap_url = sqlite_url(opened.snapshot)
    engine = create_engine(snap_url)
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn)
            counts = table_counts(conn)
        if revision != manifest.get("schema_revision"):
            raise _refuse(
                archive,
                f"the snapshot's schema revision {revision} is not the manifest's "
                f"{manifest.get('schema_revision')}",
            )
        older = _check_revision(f"archive {archive}", revision)
        if counts != manifest.get("tables"):
            wrong = sorted(
                t
                for t in set(counts) | set(manifest.get("tables") or {})
                if counts.get(t) != (manifest.get("tables") or {}).get(t)
            )
            raise _refuse(archive, f"row counts differ from the manifest (first: {wrong[0]})")
        opened.checks.append(f"row counts of {len(counts)} tables equal the manifest")
        with engine.connect() as conn:  # any schema: an older one has one head, no chain column
            heads = audit_heads(conn)
        recorded = manifest.get("audit") or {}
        if heads != manifest_heads(recorded.get("heads")):
            raise _refuse(archive, "the audit chains' heads differ from the manifest's")
    finally:
        engine.dispose()
    if older:  # the audit log is verified by this version's rules, on this version's schema
        upgrade(snap_url)
        opened.checks.append(f"snapshot migrated from schema {revision} to this version's")
    else:
        opened.checks.append(f"schema revision {revision} is this version's")
    engine = create_engine(snap_url)
    try:
        with engine.connect() as conn:
            counts = table_counts(conn)
        with Session(engine) as session:
            chain = audit_state(session)
    finally:
        engine.dispose()
    if not chain["verified"]:
        raise _refuse(archive, audit_refusal(chain))
    if chain["entries"] != recorded.get("entries"):
        raise _refuse(
            archive,
            f"the audit log has {chain['entries']} entries, the manifest says "
            f"{recorded.get('entries')}",
        )
    opened.checks.append(
        f"audit log verified in the snapshot: {chain['entries']} entries in {chain['chains']} "
        "chains, every head as in the manifest"
    )
    return counts


def _has_rows(conn: Connection) -> str | None:
    """The first table of ``conn`` holding data, or None for an empty (or new) database."""
    for name, count in table_counts(conn).items():
        if count and name not in SEEDED:
            return name
    return None


def _clear(conn: Connection) -> None:
    names = [t.name for t in metadata.sorted_tables]
    present = set(conn.dialect.get_table_names(conn))
    if conn.dialect.name == "postgresql":
        listed = ", ".join(f'"{n}"' for n in names if n in present)
        conn.execute(text(f"TRUNCATE {listed} CASCADE"))
        return
    for name in reversed(names):
        if name in present:
            conn.execute(text(f'DELETE FROM "{name}"'))


def check_target(engine: Engine, force: bool) -> tuple[str | None, bool, bool]:
    """Refuse a target of a newer schema or (without ``force``) one holding data. Returns its
    schema revision, whether it is older than this version's, and whether it has any table."""
    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        revision = schema_revision(conn)
        occupied = _has_rows(conn)
        has_tables = bool(conn.dialect.get_table_names(conn))
    older = _check_revision(f"database {where}", revision)
    if occupied and not force:
        raise BackupError(
            f"database {where} is not empty (table {occupied} has rows): restore into an empty "
            "database, or pass --force to replace its contents; nothing was written"
        )
    return revision, older, has_tables


def prepare_target(engine: Engine, revision: str | None, older: bool) -> list[str]:
    """Bring an older or uninitialised target to this version's schema."""
    if revision is not None and not older:
        return []
    upgrade(engine.url.render_as_string(hide_password=False))
    return [
        f"target {'initialised' if revision is None else 'migrated from ' + revision} "
        "to this version's schema"
    ]


def _swap_sqlite(snapshot: Path, target: Path) -> None:
    """Put the checked snapshot in place of the target file in one step: written beside it,
    synced, renamed over it (its stale write-ahead log removed first)."""
    with sqlite3.connect(snapshot) as conn:  # one self-contained file, no write-ahead log
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".restore-", suffix=".db")
    os.close(fd)
    try:
        shutil.copyfile(snapshot, tmp)
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _pg_restore(dump: Path, engine: Engine) -> bool:
    """``pg_restore`` of the archive's own dump into an empty PostgreSQL database, in one
    transaction; False if the tool is missing (the per-table copy is used instead)."""
    url = libpq_url(engine.url.render_as_string(hide_password=False))
    command = [PG_RESTORE, "--single-transaction", "--exit-on-error", "--no-owner", "--no-acl"]
    try:
        done = subprocess.run(
            [*command, f"--dbname={url}", str(dump)], capture_output=True, text=True
        )
    except OSError:
        return False
    if done.returncode != 0:
        first = (done.stderr.strip().splitlines() or ["failed"])[0]
        raise BackupError(f"pg_restore failed, nothing was written: {first}")
    return True


def _write_blobs(source: Path, data_dir: Path, hashes: list[str]) -> None:
    for sha in hashes:
        dest = blob_path(data_dir, sha)
        if dest.is_file() and sha256_file(dest) == sha:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".restore-")
        os.close(fd)
        shutil.copyfile(source / ATTACHMENTS / sha[:2] / sha, tmp)
        os.replace(tmp, dest)


def restore(
    archive: Path,
    database_url: str,
    data_dir: Path,
    *,
    force: bool = False,
    key: bytes | None = None,
    progress: Progress = _quiet,
) -> RestoreReport:
    """Check ``archive`` whole, then load it into the database at ``database_url`` and its
    evidence files under ``data_dir``; then check the result. See the module's docstring."""
    with tempfile.TemporaryDirectory(prefix=".lanyan-restore-") as tmp:
        progress("checking the archive", 0, 3)
        opened = open_archive(archive, Path(tmp), key)
        progress("checking the archive", 1, 3)
        expected = check_snapshot(archive, opened)
        progress("checking the archive", 2, 3)
        members = Path(tmp) / "members"
        source = create_engine(sqlite_url(opened.snapshot))
        target = make_engine(database_url)
        try:
            with source.connect() as src:
                hashes = attachment_hashes(src)
            missing = [h for h in hashes if not (members / ATTACHMENTS / h[:2] / h).is_file()]
            if missing:
                raise _refuse(archive, f"evidence file {missing[0]} is missing from the archive")
            opened.checks.append(f"{len(hashes)} evidence files present, SHA-256 checked")
            progress("checking the archive", 3, 3)
            revision, older, has_tables = check_target(target, force)
            checks = list(opened.checks)
            dump = members / PGDUMP
            target.dispose()
            source.dispose()
            if target.dialect.name == "sqlite":
                path = sqlite_path(database_url)
                assert path is not None
                _swap_sqlite(opened.snapshot, path)
                checks.append("database file written beside the target and renamed over it")
            elif not has_tables and dump.is_file() and _pg_restore(dump, target):
                checks.append("database loaded by pg_restore in one transaction")
                if opened.manifest.get("schema_revision") not in known_revisions()[0]:
                    upgrade(database_url)
                    checks.append("target migrated to this version's schema")
                with target.begin() as dst:
                    moved = advance_sequences(dst)
                checks.append(f"{moved} sequences moved past the restored keys")
            else:
                checks += prepare_target(target, revision, older)
                with source.connect() as src, target.begin() as dst:
                    _clear(dst)
                    copy_tables(src, dst, progress, expected)  # and advance_sequences
                checks.append(f"{sum(expected.values())} rows loaded in one transaction")
            progress("evidence files", 0, len(hashes))
            _write_blobs(members, data_dir, hashes)
            progress("evidence files", len(hashes), len(hashes))
            migrated = any(c.startswith("snapshot migrated") for c in opened.checks)
            checks += check_restored(
                target, data_dir, expected, None if migrated else opened.manifest
            )
        finally:
            source.dispose()
            target.dispose()
    return RestoreReport(checks, opened.manifest, sum(expected.values()), len(hashes))


def check_restored(
    engine: Engine, data_dir: Path, expected: dict[str, int], manifest: dict[str, Any] | None
) -> list[str]:
    """The restored database against the archive: counts, audit chain (and its head against
    ``manifest``'s, unless the archive was migrated), evidence files."""
    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        counts = {t: n for t, n in table_counts(conn).items() if t in expected}
        hashes = attachment_hashes(conn)
    if counts != expected:
        wrong = sorted(t for t in expected if counts.get(t) != expected[t])
        raise BackupError(f"restored database {where}: row counts differ (first: {wrong[0]})")
    with Session(engine) as session:
        chain = audit_state(session)  # store.audit.verify and the head(s)
    if not chain["verified"]:
        raise BackupError(f"restored database {where}: {audit_refusal(chain)}")
    if manifest is not None and chain["heads"] != manifest_heads(manifest["audit"]["heads"]):
        differs = sorted(
            c
            for c in set(chain["heads"]) | set(manifest_heads(manifest["audit"]["heads"]))
            if chain["heads"].get(c) != manifest_heads(manifest["audit"]["heads"]).get(c)
        )
        raise BackupError(
            f"restored database {where}: the head of audit chain {differs[0]} differs"
        )
    for sha in hashes:
        blob = blob_path(data_dir, sha)
        if not blob.is_file() or sha256_file(blob) != sha:
            raise BackupError(f"restored evidence file {blob} is missing or fails its SHA-256")
    return [
        f"restored row counts equal the archive's ({len(expected)} tables)",
        f"audit verify passes on the restored database: {chain['entries']} entries",
        f"{len(hashes)} restored evidence files match their SHA-256",
    ]


def drill(archive: Path, *, key: bytes | None = None, progress: Progress = _quiet) -> RestoreReport:
    """``lanyan backup verify``: a full restore into a scratch SQLite database and data folder,
    thrown away afterwards."""
    with tempfile.TemporaryDirectory(prefix=".lanyan-drill-") as tmp:
        url = sqlite_url(Path(tmp) / "drill.db")
        return restore(archive, url, Path(tmp) / "data", key=key, progress=progress)
