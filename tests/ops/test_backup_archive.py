"""The backup archive: its manifest, and every way a bad archive or target is refused with the
file and the failed check, nothing written (issue 16, "Bad input")."""

from __future__ import annotations

import hashlib
import io
import json
import sqlite3
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from lanyan.ops import backup_crypto
from lanyan.ops.backup import BackupError, blob_path, create_backup, sha256_file, table_counts
from lanyan.ops.backup_restore import drill, known_revisions, restore
from lanyan.prevention.attachments import blob_path as prevention_blob_path
from lanyan.store import audit

from ops_support import small_sqlite


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    folder = tmp_path_factory.mktemp("source")
    url, data_dir = small_sqlite(folder)
    archive = create_backup(url, data_dir, folder / "a.tar").path
    return url, data_dir, archive


def _members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]


def _rewrite(archive: Path, out: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(out, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out


def _untouched(url: str) -> bool:
    return not Path(url.split("///", 1)[1]).exists()


def test_the_manifest_describes_the_archive(source: tuple[str, Path, Path]) -> None:
    url, data_dir, archive = source
    members = _members(archive)
    manifest = json.loads(members["manifest.json"])
    assert manifest["backend"] == "sqlite"
    assert manifest["schema_revision"] in known_revisions()[0]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert manifest["tables"]["jurisdictions"] == len(
            conn.exec_driver_sql("SELECT id FROM jurisdictions").all()
        )
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        heads = s.execute(select(audit.AuditHead).order_by(audit.AuditHead.chain)).scalars().all()
        result = audit.verify(s)
        assert result.checked == manifest["audit"]["entries"] > 0
        assert result.chains == manifest["audit"]["chains"] == len(heads) > 1
        # Every chain's head, not one: several jurisdictions' chains.
        assert manifest["audit"]["heads"] == {
            h.chain: {"seq": h.seq, "hash": h.hash} for h in heads
        }
    engine.dispose()
    evidence = [n for n in members if n.startswith("attachments/")]
    assert len(evidence) == manifest["attachments"] == 2
    import hashlib

    for name, data in members.items():
        if name != "manifest.json":
            assert manifest["members"][name] == {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }
    sha = evidence[0].rsplit("/", 1)[1]
    assert blob_path(data_dir, sha) == prevention_blob_path(data_dir, sha)


def test_a_tampered_member_is_refused_naming_it(
    source: tuple[str, Path, Path], tmp_path: Path
) -> None:
    _, _, archive = source
    members = _members(archive)
    name = next(n for n in members if n.startswith("attachments/"))
    members[name] = members[name][:-1] + bytes([members[name][-1] ^ 1])
    bad = _rewrite(archive, tmp_path / "bad.tar", members)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError) as caught:
        restore(bad, target, tmp_path / "data")
    assert str(bad) in caught.value.message and name in caught.value.message
    assert "SHA-256" in caught.value.message and "nothing was written" in caught.value.message
    assert _untouched(target) and not (tmp_path / "data").exists()


def test_a_database_edited_with_a_consistent_checksum_fails_the_audit_check(
    source: tuple[str, Path, Path], tmp_path: Path
) -> None:
    _, _, archive = source
    members = _members(archive)
    snap = tmp_path / "snap.db"
    snap.write_bytes(members["database.sqlite"])
    with sqlite3.connect(snap) as c:
        c.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
    members["database.sqlite"] = snap.read_bytes()
    manifest = json.loads(members["manifest.json"])
    manifest["members"]["database.sqlite"] = {
        "sha256": sha256_file(snap),
        "size": snap.stat().st_size,
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    bad = _rewrite(archive, tmp_path / "edited.tar", members)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(
        BackupError,
        match=r"audit chain (/[\d/]*) does not verify at entry 1: chain \1: entry 1 was altered",
    ):
        restore(bad, target, tmp_path / "data")
    assert _untouched(target)


@pytest.mark.parametrize("where", ["half", "inside the manifest", "before the manifest"])
def test_a_truncated_archive_is_refused(
    source: tuple[str, Path, Path], tmp_path: Path, where: str
) -> None:
    _, _, archive = source
    data = archive.read_bytes()
    with tarfile.open(archive) as tar:
        manifest = tar.getmember("manifest.json")
    at = {
        "half": len(data) // 2,
        "inside the manifest": manifest.offset_data + manifest.size // 2,
        "before the manifest": manifest.offset,
    }[where]
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:at])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError, match=r"refused: .*(truncated|missing)") as caught:
        restore(cut, target, tmp_path / "data")
    assert str(cut) in caught.value.message
    assert _untouched(target)


def test_encrypted_archives_need_their_key_and_refuse_cuts(
    source: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, data_dir, _ = source
    backup_crypto.new_key_file(tmp_path / "k")
    key = backup_crypto.load_key(tmp_path / "k")
    sealed = create_backup(url, data_dir, tmp_path / "s.tar", key=key).path
    assert b"manifest.json" not in sealed.read_bytes()
    assert drill(sealed, key=key).checks[0].startswith("decrypted (AES-256-GCM)")
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError, match="encrypted: pass --key-file"):
        restore(sealed, target, tmp_path / "data")
    with pytest.raises(BackupError, match="wrong key"):
        restore(sealed, target, tmp_path / "data", key=bytes(32))
    data = sealed.read_bytes()
    cut = tmp_path / "cut.tar"
    cut.write_bytes(data[:-100])
    with pytest.raises(BackupError, match=r"decryption .* failed"):
        restore(cut, target, tmp_path / "data", key=key)
    assert _untouched(target)
    (tmp_path / "short").write_text("abc")
    with pytest.raises(backup_crypto.ArchiveCryptoError, match="256-bit key"):
        backup_crypto.load_key(tmp_path / "short")


def _with_revision(archive: Path, out: Path, revision: str, tmp_path: Path) -> Path:
    """``archive`` as a newer Lanyan would have written it: another schema revision, the
    checksums consistent."""
    members = _members(archive)
    snap = tmp_path / "snap.db"
    snap.write_bytes(members["database.sqlite"])
    with sqlite3.connect(snap) as c:
        c.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    members["database.sqlite"] = snap.read_bytes()
    manifest = json.loads(members["manifest.json"])
    manifest["schema_revision"] = revision
    manifest["members"]["database.sqlite"] = {
        "sha256": sha256_file(snap),
        "size": snap.stat().st_size,
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    return _rewrite(archive, out, members)


def test_a_newer_schema_is_refused_in_the_archive_and_in_the_target(
    source: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, _, archive = source
    newer = _with_revision(archive, tmp_path / "newer.tar", "ffffffffffff", tmp_path)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    with pytest.raises(BackupError, match=r"revision ffffffffffff, newer than .* upgrade Lanyan"):
        restore(newer, target, tmp_path / "data")
    assert _untouched(target)
    # A target written by a newer Lanyan: refused before anything is written.
    target_db = tmp_path / "newer-target.db"
    target_db.write_bytes(Path(url.split("///", 1)[1]).read_bytes())
    with sqlite3.connect(target_db) as c:
        c.execute("UPDATE alembic_version SET version_num = 'ffffffffffff'")
        c.execute("DELETE FROM audit_log")
        before = c.execute("SELECT count(*) FROM jurisdictions").fetchone()
    with pytest.raises(BackupError, match=r"database .* newer than this version"):
        restore(archive, f"sqlite:///{target_db}", tmp_path / "data", force=True)
    with sqlite3.connect(target_db) as c:
        assert c.execute("SELECT count(*) FROM jurisdictions").fetchone() == before


def test_an_older_archive_is_migrated_and_a_full_target_needs_force(
    source: tuple[str, Path, Path], tmp_path: Path
) -> None:
    _, _, archive = source
    heads, _known = known_revisions()
    from alembic.script import ScriptDirectory

    from lanyan.store.migrate import MIGRATIONS

    previous = ScriptDirectory(str(MIGRATIONS)).get_revision(heads[0]).down_revision
    assert isinstance(previous, str)
    # The snapshot downgraded for real: restore must run the head migration on it.
    members = _members(archive)
    snap = tmp_path / "old.db"
    snap.write_bytes(members["database.sqlite"])
    # An older Lanyan kept one chain (1, 2, 3 …, head id 1): the entries re-chained so, as it
    # would have written them, before the (lossy) downgrade drops the chain columns.
    from sqlalchemy import delete, update
    from sqlalchemy.orm import Session

    engine = create_engine(f"sqlite:///{snap}")
    with Session(engine) as s, s.begin():
        s.execute(update(audit.AuditEntry).values(seq=audit.AuditEntry.seq + 1_000_000))
        entries = s.execute(select(audit.AuditEntry).order_by(audit.AuditEntry.seq)).scalars()
        prev, n = audit.GENESIS, 0
        for n, e in enumerate(entries.all(), 1):
            e.seq, e.chain, e.prev_seq, e.prev_hash = n, audit.LEGACY, n - 1, prev
            e.hash = prev = audit.entry_hash(e)
            s.flush()
        s.execute(delete(audit.AuditHead))
        s.add(audit.AuditHead(id=1, chain=audit.LEGACY, seq=n, hash=prev))
    engine.dispose()
    from alembic import command

    from lanyan.store.migrate import alembic_config

    command.downgrade(alembic_config(f"sqlite:///{snap}"), previous)
    members["database.sqlite"] = snap.read_bytes()
    manifest = json.loads(members["manifest.json"])
    manifest["schema_revision"] = previous
    # The manifest an older Lanyan wrote: its one head row.
    manifest["audit"] = {
        "verified": True,
        "entries": n,
        "problem": "",
        "heads": [{"id": 1, "seq": n, "hash": prev}],
    }
    engine = create_engine(f"sqlite:///{snap}")
    with engine.connect() as conn:  # an older Lanyan had fewer tables
        manifest["tables"] = table_counts(conn)
    engine.dispose()
    manifest["members"]["database.sqlite"] = {
        "sha256": sha256_file(snap),
        "size": snap.stat().st_size,
    }
    members["manifest.json"] = json.dumps(manifest).encode()
    old = _rewrite(archive, tmp_path / "old.tar", members)
    target = f"sqlite:///{tmp_path / 'target.db'}"
    report = restore(old, target, tmp_path / "data")
    assert any(c.startswith(f"snapshot migrated from schema {previous}") for c in report.checks)
    # Now the target holds data: refused without --force, replaced with it.
    with pytest.raises(BackupError, match=r"is not empty \(table .* has rows\).*--force"):
        restore(archive, target, tmp_path / "data")
    report = restore(archive, target, tmp_path / "data", force=True)
    assert "audit verify passes" in " ".join(report.checks)
    assert (tmp_path / "data" / "attachments").is_dir()


def test_the_cli_refuses_a_bad_archive_in_one_line(
    source: tuple[str, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lanyan.cli.main import app

    _, _, archive = source
    cut = tmp_path / "cut.tar"
    cut.write_bytes(archive.read_bytes()[:1000])
    monkeypatch.setenv("LANYAN_DATABASE_URL", f"sqlite:///{tmp_path / 'target.db'}")
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path / "data"))
    result = CliRunner().invoke(app, ["restore", str(cut)])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert "Traceback" not in result.output
    assert lines[0].startswith("error: archive") and "refused" in result.output
    assert not (tmp_path / "target.db").exists()
    result = CliRunner().invoke(app, ["backup", "verify", str(tmp_path / "missing.tar")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_every_kind_of_kept_file_is_archived_and_restored(tmp_path: Path) -> None:
    """Not only the evidence table: an annual test report's PDF, a fire-loss declaration's
    photos and a 告知承诺 application's documents are kept in the same store, and a restore
    brings every one of them back (FILE_REFERENCES)."""
    from datetime import UTC, date, datetime

    from lanyan.core import files
    from lanyan.ops.backup import FILE_REFERENCES
    from lanyan.store.db import make_engine
    from lanyan.store.models_all import metadata

    from ops_support import png
    from support import DAFENG, create_sample

    url, data_dir = small_sqlite(tmp_path / "src")
    engine = make_engine(url)
    kept: dict[str, bytes] = {}

    def keep(data: bytes) -> dict[str, object]:
        sha = hashlib.sha256(data).hexdigest()
        files.write_blob(data_dir, sha, data)
        kept[sha] = data
        return {"field": "f", "filename": "f", "content_type": "x", "size_bytes": 1, "sha256": sha}

    from sqlalchemy.orm import sessionmaker

    from lanyan.store.db import unit_of_work

    factory = sessionmaker(engine, expire_on_commit=False)

    def uow() -> object:
        return unit_of_work(factory)

    unit_id = create_sample(uow, "units", DAFENG, 7)
    company_id = create_sample(uow, "maintenance-companies", DAFENG, 7)
    now = datetime.now(UTC)
    report = keep(b"%PDF-1.4 annual test report")
    with engine.begin() as c:
        jid = c.exec_driver_sql("SELECT jurisdiction_id FROM units WHERE id = ?", (unit_id,))
        jurisdiction = jid.scalar_one()
        c.execute(
            metadata.tables["monitoring_annual_test_reports"].insert().values(
                unit_id=unit_id, jurisdiction_id=jurisdiction, company_id=company_id, year=2026,
                tested_on=date(2026, 3, 1), conclusion="pass", filename="r.pdf", size_bytes=28,
                sha256=report["sha256"], uploaded_by="t", created_at=now, updated_at=now,
            )
        )  # fmt: skip
        c.execute(
            metadata.tables["stats_fire_declarations"].insert().values(
                tracking_no="HS-1", state="pending", jurisdiction_id=jurisdiction,
                occurred_at=now, address="幸福路1号", burned="厨房", direct_loss_yuan=1200.0,
                declarant_phone="13800000000", photos=[keep(png(101)), keep(png(102))],
                received_at=now, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        c.execute(
            metadata.tables["prevention_commitment_applications"].insert().values(
                tracking_no="CN-1", state="pending", unit_id=unit_id,
                jurisdiction_id=jurisdiction, venue="小剧场", address="幸福路2号",
                floor_area_m2=300.0, opens_on=date(2027, 1, 1), applicant_name="李四",
                applicant_phone="13900000000", signatory="李四",
                documents=[keep(b"%PDF-1.4 licence"), keep(png(103))], received_at=now,
                created_at=now, updated_at=now,
            )
        )  # fmt: skip
    engine.dispose()
    assert {name for name, _, _ in FILE_REFERENCES} >= {
        "monitoring_annual_test_reports",
        "stats_fire_declarations",
        "prevention_commitment_applications",
    }
    archive = create_backup(url, data_dir, tmp_path / "a.tar").path
    names = {n.rsplit("/", 1)[1] for n in _members(archive) if n.startswith("attachments/")}
    assert set(kept) <= names and len(names) == 2 + len(kept)  # the two evidence files too
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    restore(archive, target, tmp_path / "data")
    for sha, data in kept.items():
        assert (tmp_path / "data" / "attachments" / sha[:2] / sha).read_bytes() == data
