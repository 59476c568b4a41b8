"""HTTP routes of the supervision records: checklists, enforcement actions, evidence
attachments, 告知承诺, complaints (举报投诉) and credit (信用)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Response, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, UserDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import Forbidden
from lanyan.prevention import (
    attachments,
    checklists,
    commitments,
    complaints,
    credit,
    enforcement,
    inspections,
)
from lanyan.prevention.choices import (
    CommitmentState,
    ComplaintChannel,
    ComplaintState,
    EnforcementKind,
    EnforcementState,
)
from lanyan.prevention.schemas.records import (
    AttachmentPublic,
    BlacklistCreate,
    BlacklistPublic,
    BlacklistRemove,
    CommitmentCheck,
    CommitmentCreate,
    CommitmentPublic,
    ComplaintAssign,
    ComplaintCreate,
    ComplaintFeedback,
    ComplaintPublic,
    ComplaintVerify,
    CreditRecordCreate,
    CreditRecordPublic,
    CreditRepair,
    CreditStandingPublic,
    EnforcementCreate,
    EnforcementLift,
    EnforcementPublic,
    LegalBasisPublic,
)
from lanyan.registry.models import Unit

checklist_router = APIRouter(prefix="/api/checklists", tags=["Checklists 检查表"])
enforcement_router = APIRouter(prefix="/api/enforcement", tags=["Enforcement 行政强制与处罚"])
attachment_router = APIRouter(prefix="/api", tags=["Evidence 证据材料"])
commitment_router = APIRouter(prefix="/api/commitments", tags=["Commitments 告知承诺"])
complaint_router = APIRouter(prefix="/api/complaints", tags=["Complaints 举报投诉"])
credit_router = APIRouter(prefix="/api/credit", tags=["Credit 信用"])


# ---- checklists -----------------------------------------------------------------------------


@checklist_router.get("", summary="Every checklist with its items (检查表)")
def list_checklists(
    settings: SettingsDep,
    _: Annotated[CurrentUser, require(inspections.SLUG, "read")],
) -> list[dict[str, Any]]:
    return [
        checklists.describe(c) for c in checklists.all_checklists(settings.data_dir / "checklists")
    ]


@checklist_router.get("/{category}", summary="The checklist a unit category is inspected by")
def read_checklist(
    category: str,
    settings: SettingsDep,
    _: Annotated[CurrentUser, require(inspections.SLUG, "read")],
) -> dict[str, Any]:
    return checklists.describe(checklists.for_category(category, settings.data_dir / "checklists"))


# ---- enforcement ----------------------------------------------------------------------------


@enforcement_router.get(
    "/legal-bases", response_model=list[LegalBasisPublic], summary="The legal bases (消防法)"
)
def legal_bases(_: Annotated[CurrentUser, require(enforcement.SLUG, "read")]) -> Any:
    return enforcement.describe_bases()


@enforcement_router.post(
    "", response_model=EnforcementPublic, status_code=201, summary="Record an enforcement decision"
)
def decide(
    payload: Annotated[EnforcementCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(enforcement.SLUG, "write")],
) -> Any:
    row = enforcement.decide(session, user.actor, user.scope, payload)
    return enforcement.public(session, row)


@enforcement_router.get(
    "", response_model=Page[EnforcementPublic], summary="List enforcement actions"
)
def list_enforcement(
    session: SessionDep,
    user: Annotated[CurrentUser, require(enforcement.SLUG, "read")],
    kind: EnforcementKind | None = None,
    state: EnforcementState | None = None,
    unit_code: str | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = enforcement.list_actions(session, user.scope, kind, state, unit_code, page, size)
    items = [enforcement.public(session, r) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@enforcement_router.get(
    "/{action_id}", response_model=EnforcementPublic, summary="Read one enforcement action"
)
def read_enforcement(
    action_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, require(enforcement.SLUG, "read")],
) -> Any:
    return enforcement.public(session, enforcement.get_action(session, user.scope, action_id))


@enforcement_router.post(
    "/{action_id}/lift", response_model=EnforcementPublic, summary="Lift (解除) a stop or seal-up"
)
def lift(
    action_id: int,
    payload: Annotated[EnforcementLift, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(enforcement.SLUG, "write")],
) -> Any:
    row = enforcement.lift(session, user.actor, user.scope, action_id, payload)
    return enforcement.public(session, row)


# ---- attachments ----------------------------------------------------------------------------


# The routes below are made per object type, so their permission dependency is a default value
# (annotations are strings here and cannot name a local).


def _upload_route(object_type: str, slug: str) -> Callable[..., Any]:
    writer: Any = require(slug, "write")

    def upload(
        object_id: int,
        session: SessionDep,
        settings: SettingsDep,
        file: Annotated[UploadFile, File(description="a photo (JPEG/PNG/WebP), PDF or MP4")],
        description: Annotated[str, Form()] = "",
        user: CurrentUser = writer,
    ) -> Any:
        limit = settings.attachment_max_mb * 1024 * 1024
        data = file.file.read(limit + 1)  # one byte past the limit is enough to refuse
        row = attachments.attach(
            session,
            user.actor,
            user.scope,
            object_type,
            object_id,
            file.filename or "",
            data,
            settings.data_dir,
            limit,
            description,
        )
        return attachments.public(row)

    return upload


def _list_route(object_type: str, slug: str) -> Callable[..., Any]:
    reader: Any = require(slug, "read")

    def listing(object_id: int, session: SessionDep, user: CurrentUser = reader) -> Any:
        rows = attachments.list_for(session, user.scope, object_type, object_id)
        return [attachments.public(r) for r in rows]

    return listing


for _type, _owner in attachments.OWNERS.items():
    attachment_router.add_api_route(
        f"/{_type}/{{object_id}}/attachments",
        _upload_route(_type, _owner.slug),
        methods=["POST"],
        response_model=AttachmentPublic,
        status_code=201,
        **upload(UploadKind.ATTACHMENT),
        summary=f"Attach evidence to {_type}",
    )
    attachment_router.add_api_route(
        f"/{_type}/{{object_id}}/attachments",
        _list_route(_type, _owner.slug),
        methods=["GET"],
        response_model=list[AttachmentPublic],
        summary=f"List the evidence of {_type}",
    )


@attachment_router.get("/attachments/{attachment_id}/content", summary="Download evidence")
def attachment_content(
    attachment_id: int, session: SessionDep, settings: SettingsDep, user: UserDep
) -> Response:
    row = attachments.get_attachment(session, user.scope, attachment_id)
    slug = attachments.owner(row.object_type).slug
    if not roles.can_read(user.role, slug):
        raise Forbidden(f"role {user.role} may not read {slug}")
    data = attachments.read_blob(settings.data_dir, row)
    safe = row.filename.encode("ascii", "ignore").decode().replace('"', "") or "evidence"
    return Response(
        data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'inline; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{row.sha256}"',
        },
    )


# ---- 告知承诺 --------------------------------------------------------------------------------


@commitment_router.post(
    "", response_model=CommitmentPublic, status_code=201, summary="Submit a 告知承诺"
)
def submit_commitment(
    payload: Annotated[CommitmentCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitments.SLUG, "write")],
) -> Any:
    row = commitments.submit(session, user.actor, user.scope, payload)
    return commitments.public(session, row)


@commitment_router.get("", response_model=Page[CommitmentPublic], summary="List commitments")
def list_commitments(
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitments.SLUG, "read")],
    state: CommitmentState | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = commitments.list_commitments(session, user.scope, state, page, size)
    items = [commitments.public(session, r) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@commitment_router.get(
    "/{commitment_id}", response_model=CommitmentPublic, summary="Read one commitment"
)
def read_commitment(
    commitment_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitments.SLUG, "read")],
) -> Any:
    return commitments.public(
        session, commitments.get_commitment(session, user.scope, commitment_id)
    )


@commitment_router.post(
    "/{commitment_id}/check",
    response_model=CommitmentPublic,
    summary="Record the 告知承诺核查 finding (a false one costs credit)",
)
def check_commitment(
    commitment_id: int,
    payload: Annotated[CommitmentCheck, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitments.CHECK_SLUG, "write")],
) -> Any:
    row = commitments.check(session, user.actor, user.scope, commitment_id, payload)
    return commitments.public(session, row)


# ---- complaints -----------------------------------------------------------------------------


@complaint_router.post(
    "", response_model=ComplaintPublic, status_code=201, summary="Take in a report (受理)"
)
def intake(
    payload: Annotated[ComplaintCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "write")],
) -> Any:
    row = complaints.intake(session, user.actor, user.scope, payload)
    return complaints.public(session, row, viewer_id=user.id)


@complaint_router.get("", response_model=Page[ComplaintPublic], summary="List complaints")
def list_complaints(
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "read")],
    state: ComplaintState | None = None,
    channel: ComplaintChannel | None = None,
    overdue: bool | None = None,
    assignee: str | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = complaints.list_complaints(
        session, user.scope, state, channel, overdue, assignee, page=page, size=size
    )
    items = [complaints.public(session, r, viewer_id=user.id) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@complaint_router.get("/{complaint_id}", response_model=ComplaintPublic, summary="Read one")
def read_complaint(
    complaint_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "read")],
) -> Any:
    row = complaints.get_complaint(session, user.scope, complaint_id)
    return complaints.public(session, row, viewer_id=user.id)


@complaint_router.post(
    "/{complaint_id}/assign", response_model=ComplaintPublic, summary="Assign to an officer (分派)"
)
def assign_complaint(
    complaint_id: int,
    payload: Annotated[ComplaintAssign, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "write")],
) -> Any:
    row = complaints.assign(session, user.actor, user.scope, complaint_id, payload)
    return complaints.public(session, row, viewer_id=user.id)


@complaint_router.post(
    "/{complaint_id}/verify", response_model=ComplaintPublic, summary="Record the check (核查)"
)
def verify_complaint(
    complaint_id: int,
    payload: Annotated[ComplaintVerify, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "write")],
) -> Any:
    row = complaints.verify(session, user.actor, user.scope, complaint_id, payload)
    return complaints.public(session, row, viewer_id=user.id)


@complaint_router.post(
    "/{complaint_id}/feedback", response_model=ComplaintPublic, summary="Feed back, close (反馈)"
)
def complaint_feedback(
    complaint_id: int,
    payload: Annotated[ComplaintFeedback, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(complaints.SLUG, "write")],
) -> Any:
    row = complaints.feedback(session, user.actor, user.scope, complaint_id, payload)
    return complaints.public(session, row, viewer_id=user.id)


# ---- credit ---------------------------------------------------------------------------------


@credit_router.get(
    "/units/{unit_code}", response_model=CreditStandingPublic, summary="A unit's credit file"
)
def unit_credit(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "read")],
) -> Any:
    return credit.standing_public(session, user.scope, unit_code)


@credit_router.post(
    "/records", response_model=CreditRecordPublic, status_code=201, summary="Add a credit record"
)
def add_credit_record(
    payload: Annotated[CreditRecordCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "write")],
) -> Any:
    row = credit.create_record(session, user.actor, user.scope, payload)
    return credit.record_public(row, payload.unit_code)


@credit_router.post(
    "/records/{record_id}/repair",
    response_model=CreditRecordPublic,
    summary="Repair (信用修复) a penalty after rectification",
)
def repair_credit(
    record_id: int,
    payload: Annotated[CreditRepair, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "write")],
) -> Any:
    row = credit.repair(session, user.actor, user.scope, record_id, payload)
    code = session.get(Unit, row.unit_id)
    assert code is not None
    return credit.record_public(row, code.code)


@credit_router.get("/blacklist", response_model=list[BlacklistPublic], summary="The blacklist")
def blacklist(
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "read")],
    current: bool = True,
) -> Any:
    return [
        credit.blacklist_public(e, c)
        for e, c in credit.list_blacklist(session, user.scope, current)
    ]


@credit_router.post(
    "/blacklist", response_model=BlacklistPublic, status_code=201, summary="Blacklist a unit"
)
def add_to_blacklist(
    payload: Annotated[BlacklistCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "write")],
) -> Any:
    row = credit.blacklist(session, user.actor, user.scope, payload)
    return credit.blacklist_public(row, payload.unit_code)


@credit_router.post(
    "/blacklist/{entry_id}/remove", response_model=BlacklistPublic, summary="Take off the blacklist"
)
def remove_from_blacklist(
    entry_id: int,
    payload: Annotated[BlacklistRemove, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(credit.SLUG, "write")],
) -> Any:
    row = credit.remove_from_blacklist(session, user.actor, user.scope, entry_id, payload)
    unit = session.get(Unit, row.unit_id)
    assert unit is not None
    return credit.blacklist_public(row, unit.code)


routers = (
    checklist_router,
    enforcement_router,
    attachment_router,
    commitment_router,
    complaint_router,
    credit_router,
)
