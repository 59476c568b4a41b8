"""Evidence attachments (证据材料) of hazards, inspections, enforcement actions and complaints.

A file is accepted when it is no larger than the configured limit and its *content* (not its name
or the browser's claim) is a JPEG, PNG or WebP photo, a PDF or an MP4 video, as the ``filetype``
library reads its magic bytes. The bytes are stored once under ``<data_dir>/attachments/`` by
their SHA-256, which the row keeps, so a file changed on disk is detected when it is served.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lanyan.core import files
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.prevention import lookup
from lanyan.prevention.models.inspections import (
    Attachment,
    Complaint,
    EnforcementAction,
    Hazard,
    Inspection,
)
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor

SLUG = "attachments"
ALLOWED_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
    "video/mp4": "mp4",
}
# A photo and nothing else (a unit's rectification photos, 整改照片).
IMAGE_TYPES = {k: v for k, v in ALLOWED_TYPES.items() if k.startswith("image/")}


@dataclass(frozen=True)
class Owner:
    """An object type that takes attachments: its table and the role slug that guards it."""

    slug: str
    model: type


OWNERS = {
    "hazards": Owner("hazards", Hazard),
    "inspections": Owner("inspections", Inspection),
    "enforcement": Owner("enforcement", EnforcementAction),
    "complaints": Owner("complaints", Complaint),
}


def owner(object_type: str) -> Owner:
    if object_type not in OWNERS:
        raise NotFound(f"{object_type} takes no attachments; these do: {', '.join(sorted(OWNERS))}")
    return OWNERS[object_type]


def _object(session: Session, scope: Scope, object_type: str, object_id: int) -> Any:
    model = owner(object_type).model
    row = session.execute(
        select(model).where(model.id == object_id, scope.within(model.jurisdiction_id))  # type: ignore[attr-defined]
    ).scalar_one_or_none()
    if row is not None and not scope.units.contains(getattr(row, "unit_id", None)):
        row = None  # a unit safety manager's scope: their own units' records only
    if row is None:
        raise NotFound(f"{object_type} {object_id} does not exist or is outside your jurisdiction")
    return row


def sniff(data: bytes, allowed: dict[str, str] = ALLOWED_TYPES) -> str:
    """The MIME type the content shows, if it is one of ``allowed``; else refuse."""
    kind = filetype.guess(data[:8192])
    if kind is None or kind.mime not in allowed:
        seen = kind.mime if kind is not None else "unrecognised content"
        what = "a photo" if allowed is IMAGE_TYPES else "a photo, PDF or MP4 video"
        raise ValidationFailed(
            f"the file is {seen}; evidence must be {what}",
            [FieldProblem("file", f"must be one of {', '.join(allowed)} (got {seen})")],
        )
    return str(kind.mime)


def check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise ValidationFailed(
            f"the file is larger than {max_bytes // (1024 * 1024)} MiB",
            [FieldProblem("file", f"must be at most {max_bytes} bytes")],
        )
    if size == 0:
        raise ValidationFailed("the file is empty", [FieldProblem("file", "must not be empty")])


blob_path = files.blob_path
_write_blob = files.write_blob


def attach(
    session: Session,
    actor: Actor,
    scope: Scope,
    object_type: str,
    object_id: int,
    filename: str,
    data: bytes,
    root: Path,
    max_bytes: int,
    description: str = "",
    allowed: dict[str, str] = ALLOWED_TYPES,
    purpose: str = "evidence",
) -> Attachment:
    """Store ``data`` as evidence of the object; refuses oversize or disallowed content.

    The bytes are written before the row commits; if the transaction then fails the file stays
    as an unreferenced blob named by its hash, which a later upload of it reuses."""
    audit.begin_write(session)
    obj = _object(session, scope, object_type, object_id)
    check_size(len(data), max_bytes)
    mime = sniff(data, allowed)
    name = Path(filename or "").name.strip() or f"evidence.{ALLOWED_TYPES[mime]}"
    if len(name) > 255:
        raise ValidationFailed("file name too long", [FieldProblem("file", "name ≤ 255 chars")])
    if len(description) > 500:
        raise ValidationFailed(
            "description too long", [FieldProblem("description", "must be at most 500 characters")]
        )
    digest = hashlib.sha256(data).hexdigest()
    _write_blob(root, digest, data)
    row = Attachment(
        object_type=object_type,
        object_id=obj.id,
        jurisdiction_id=obj.jurisdiction_id,
        filename=name,
        content_type=mime,
        size_bytes=len(data),
        sha256=digest,
        description=description,
        uploaded_by=actor.username,
        uploaded_at=utcnow(),
        purpose=purpose,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "attach",
        object_type,
        obj.id,
        None,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def list_for(session: Session, scope: Scope, object_type: str, object_id: int) -> list[Attachment]:
    _object(session, scope, object_type, object_id)
    return list(
        session.execute(
            select(Attachment)
            .where(Attachment.object_type == object_type, Attachment.object_id == object_id)
            .order_by(Attachment.id)
        ).scalars()
    )


def get_attachment(session: Session, scope: Scope, attachment_id: int) -> Attachment:
    row = session.execute(
        select(Attachment).where(
            Attachment.id == attachment_id, scope.within(Attachment.jurisdiction_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"attachment {attachment_id} does not exist or is outside your jurisdiction")
    if not scope.units.unrestricted:
        _object(session, scope, row.object_type, row.object_id)  # of one of their units
    return row


def read_blob(root: Path, row: Attachment) -> bytes:
    """The stored bytes, checked against the SHA-256 recorded at upload."""
    path = blob_path(root, row.sha256)
    if not path.is_file():
        raise NotFound(f"the file of attachment {row.id} is missing from the data folder")
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise Conflict(
            f"the file of attachment {row.id} no longer matches its SHA-256; it was altered",
            [FieldProblem("file", "must match the SHA-256 recorded at upload")],
        )
    return data


def public(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size_bytes": row.size_bytes,
        "sha256": row.sha256,
        "description": row.description,
        "uploaded_by": row.uploaded_by,
        "uploaded_at": row.uploaded_at,
        "purpose": row.purpose,
        "url": f"/api/attachments/{row.id}/content",
    }


def of_inspections(
    session: Session, scope: Scope, inspection_ids: list[int]
) -> dict[int, list[Attachment]]:
    """Evidence photos of the inspections and of their hazards, by inspection id."""
    if not inspection_ids:
        return {}
    found = session.execute(
        select(Hazard.id, Hazard.inspection_id).where(Hazard.inspection_id.in_(inspection_ids))
    )
    hazards_of = {hazard_id: owner for hazard_id, owner in found if owner is not None}
    rows = session.execute(
        select(Attachment)
        .where(
            scope.within(Attachment.jurisdiction_id),
            or_(
                and_(
                    Attachment.object_type == "inspections",
                    Attachment.object_id.in_(inspection_ids),
                ),
                and_(
                    Attachment.object_type == "hazards",
                    Attachment.object_id.in_(list(hazards_of) or [0]),
                ),
            ),
        )
        .order_by(Attachment.id)
    ).scalars()
    out: dict[int, list[Attachment]] = {}
    for a in rows:
        owner = a.object_id if a.object_type == "inspections" else hazards_of[a.object_id]
        out.setdefault(owner, []).append(a)
    return out
