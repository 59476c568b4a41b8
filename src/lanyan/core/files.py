"""Files sent by the public (申报照片, 告知承诺材料): checked by their *content* and size, and
stored once under ``<data_dir>/attachments/`` by their SHA-256 (the same store as the
supervision evidence, :mod:`lanyan.prevention.attachments`). No tables, no HTTP.

Every refusal names the form field the file came from, so a form with several files says which
one was wrong."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed

IMAGES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
DOCUMENTS = {"application/pdf": "pdf", **IMAGES}


@dataclass(frozen=True)
class Stored:
    """A file kept for a record: the field it was sent in, its name, type, size and hash."""

    field: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str

    def as_json(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "filename": self.filename,
            "content_type": self.content_type,
            "size_bytes": self.size_bytes,
            "sha256": self.sha256,
        }


def check(field: str, data: bytes, allowed: dict[str, str], max_bytes: int) -> str:
    """The MIME type the content shows, or ValidationFailed naming ``field`` and the rule."""
    if not data:
        raise ValidationFailed(
            f"{field}: the file is empty", [FieldProblem(field, "must not be empty")]
        )
    if len(data) > max_bytes:
        mib = max_bytes // (1024 * 1024)
        raise ValidationFailed(
            f"{field}: the file is larger than {mib} MiB",
            [FieldProblem(field, f"must be at most {mib} MiB")],
        )
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in allowed:
        seen = kind.mime if kind is not None else "unrecognised content"
        what = (
            "PDF or image (JPEG, PNG, WebP)"
            if "application/pdf" in allowed
            else "image (JPEG, PNG, WebP)"
        )
        raise ValidationFailed(
            f"{field}: the file is {seen}; it must be a {what}",
            [FieldProblem(field, f"must be a {what} (got {seen})")],
        )
    return str(kind.mime)


def blob_path(root: Path, sha256: str) -> Path:
    """Where the file of ``sha256`` lives under a data folder (ops/backup.py's layout too)."""
    return root / "attachments" / sha256[:2] / sha256


def write_blob(root: Path, sha256: str, data: bytes) -> None:
    """Store ``data`` under its SHA-256 in the one file store every domain shares
    (``<data_dir>/attachments/``, which ``lanyan backup`` archives): atomically, so a reader
    never sees half a file, and once per content."""
    path = blob_path(root, sha256)
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def keep(root: Path, field: str, filename: str, data: bytes, mime: str) -> Stored:
    """Write the checked bytes (atomically, once per content) and describe them."""
    digest = hashlib.sha256(data).hexdigest()
    write_blob(root, digest, data)
    name = Path(filename or "").name.strip()[:200] or f"{field}.{DOCUMENTS.get(mime, 'bin')}"
    return Stored(field, name, mime, len(data), digest)


def read(root: Path, sha256: str) -> bytes:
    """The stored bytes, checked against their hash."""
    path = blob_path(root, sha256)
    if not path.is_file():
        raise NotFound("the file is missing from the data folder")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise NotFound("the stored file no longer matches its SHA-256")
    return data


def keep_all(
    root: Path,
    sent: list[tuple[str, str, bytes]],
    allowed: dict[str, str],
    max_bytes: int,
) -> list[Stored]:
    """Check every ``(field, filename, bytes)`` first (one ValidationFailed naming every bad
    field), then store them all: nothing is kept from a form that is refused."""
    problems: list[FieldProblem] = []
    mimes = []
    for field, _, data in sent:
        try:
            mimes.append(check(field, data, allowed, max_bytes))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
    if problems:
        raise ValidationFailed(
            "files refused: " + "; ".join(f"{p.field}: {p.rule}" for p in problems), problems
        )
    return [keep(root, f, name, data, m) for (f, name, data), m in zip(sent, mimes, strict=True)]
