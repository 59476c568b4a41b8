"""HTTP routes of the public portal (公众服务) under ``/api/public/``: no log-in. A report
(举报投诉) is rate-limited per client address (:mod:`lanyan.accounts.public_limits`); its status
is answered only for the tracking number with the phone's last four digits; the published lists
page in SQL and carry no person's data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from lanyan.accounts import roles
from lanyan.accounts.public_limits import count_lookup, count_submission
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.api.problems import PROBLEM
from lanyan.core import files
from lanyan.prevention import (
    applications,
    commitment_applications,
    complaints,
    portal_status,
    published,
)
from lanyan.prevention.choices import ApplicationState, CommitmentApplicationState
from lanyan.prevention.schemas.portal import (
    ApplicationHandle,
    ApplicationPublic,
    CommitmentApplicationPublic,
    CommitmentReview,
    PublicApplicationCreate,
    PublicApplicationReceipt,
    PublicCommitmentReceipt,
    PublicComplaintCreate,
    PublicComplaintLookup,
    PublicComplaintReceipt,
    PublicComplaintStatus,
    PublicLookup,
    PublicPlace,
    PublicStatus,
    PublishedCommitment,
    PublishedEnforcement,
    PublishedHazard,
)

router = APIRouter(prefix="/api/public", tags=["Public 公开"])
queue_router = APIRouter(
    prefix="/api/enforcement-applications", tags=["Enforcement 行政强制与处罚"]
)
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {
        "description": "Too many from this address (LANYAN_PUBLIC_SUBMIT_MAX, _LOOKUP_MAX)",
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}},
    }
}


@router.get("/places", response_model=Page[PublicPlace], summary="Places to report about")
def places(session: SessionDep, q: str = "", page: PageNo = 1, size: PageSize = 50) -> Any:
    """Places (jurisdictions) whose name contains ``q`` or whose code starts with it."""
    items, total = published.places(session, q[:50], page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/complaints",
    response_model=PublicComplaintReceipt,
    status_code=201,
    responses=RATE_LIMITED,
    dependencies=[Depends(count_submission)],
    summary="Report a fire hazard (网上举报); answers the tracking number",
)
def submit_complaint(payload: Annotated[PublicComplaintCreate, Body()], session: SessionDep) -> Any:
    row = complaints.public_intake(session, payload)
    return complaints.status_public(row)


@router.post(
    "/complaints/lookup",
    response_model=PublicComplaintStatus,
    responses=RATE_LIMITED,
    dependencies=[Depends(count_lookup)],
    summary="A report's status by its tracking number and the phone's last four digits",
)
def lookup_complaint(payload: Annotated[PublicComplaintLookup, Body()], session: SessionDep) -> Any:
    """404 alike for a wrong number and a wrong phone: it never says whether a report exists."""
    return complaints.status_public(complaints.track(session, payload))


@router.get(
    "/hazards", response_model=Page[PublishedHazard], summary="Hazards under 挂牌督办 (published)"
)
def listed_hazards(session: SessionDep, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = published.listed_hazards(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/enforcement",
    response_model=Page[PublishedEnforcement],
    summary="Enforcement decisions, anonymised (units named, no person)",
)
def enforcement_decisions(session: SessionDep, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = published.enforcement_decisions(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/commitments",
    response_model=Page[PublishedCommitment],
    summary="Places opened on a 告知承诺 and their checks",
)
def commitment_units(session: SessionDep, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = published.commitments(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/applications",
    response_model=PublicApplicationReceipt,
    status_code=201,
    responses=RATE_LIMITED,
    dependencies=[Depends(count_submission)],
    summary="Apply to lift a seal-up (解除临时查封) or resume use (恢复使用)",
)
def submit_application(
    payload: Annotated[PublicApplicationCreate, Body()], session: SessionDep
) -> Any:
    return applications.receipt(applications.submit(session, payload))


@queue_router.get(
    "", response_model=Page[ApplicationPublic], summary="The queue of portal applications"
)
def application_queue(
    session: SessionDep,
    user: Annotated[CurrentUser, require(applications.SLUG, "read")],
    state: ApplicationState | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = applications.queue(session, user.scope, state, page, size)
    may_act = roles.can_write(user.role, applications.SLUG)
    items = [applications.public(session, r, may_act) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@queue_router.post(
    "/{application_id}/handle",
    response_model=ApplicationPublic,
    summary="Reply to an application and take it off the queue",
)
def handle_application(
    application_id: int,
    payload: Annotated[ApplicationHandle, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(applications.SLUG, "write")],
) -> Any:
    row = applications.handle(session, user.actor, user.scope, application_id, payload)
    return applications.public(session, row, may_act=True)


@router.post(
    "/lookup",
    response_model=PublicStatus,
    responses=RATE_LIMITED,
    dependencies=[Depends(count_lookup)],
    summary="Any portal submission's status by tracking number and the phone's last four digits",
)
def lookup_any(payload: Annotated[PublicLookup, Body()], session: SessionDep) -> Any:
    """Reports, 解除查封/恢复使用 applications, 告知承诺 and 火灾损失申报 alike. 404 with one
    message for a wrong number and a wrong phone: it never says whether a submission exists."""
    return portal_status.status(session, payload.tracking_no, payload.phone_last4)


def read_documents(
    uploads: dict[str, UploadFile | None], max_bytes: int
) -> list[tuple[str, str, bytes]]:
    """(field, filename, bytes) of the files sent, reading one byte past the limit at most."""
    return [
        (field, f.filename or "", f.file.read(max_bytes + 1))
        for field, f in uploads.items()
        if f is not None and (f.filename or f.size)
    ]


@router.post(
    "/commitments",
    response_model=PublicCommitmentReceipt,
    status_code=201,
    responses=RATE_LIMITED | upload(UploadKind.ATTACHMENT)["responses"],
    openapi_extra=upload(UploadKind.ATTACHMENT)["openapi_extra"],
    dependencies=[Depends(count_submission)],
    summary="Send a 告知承诺 (公众聚集场所投入使用、营业前消防安全检查) with its documents",
)
def submit_commitment(
    request: Request,
    session: SessionDep,
    unit_code: Annotated[str, Form()] = "",
    venue: Annotated[str, Form()] = "",
    address: Annotated[str, Form()] = "",
    floor_area_m2: Annotated[str, Form()] = "",
    opens_on: Annotated[str, Form()] = "",
    applicant_name: Annotated[str, Form()] = "",
    applicant_phone: Annotated[str, Form()] = "",
    signatory: Annotated[str, Form()] = "",
    agreed: Annotated[str, Form()] = "",
    doc_commitment: Annotated[UploadFile | None, File(description="告知承诺书")] = None,
    doc_licence: Annotated[UploadFile | None, File(description="营业执照")] = None,
    doc_rules: Annotated[UploadFile | None, File(description="消防安全制度")] = None,
    doc_floor_plan: Annotated[UploadFile | None, File(description="场所平面图")] = None,
    doc_evacuation: Annotated[UploadFile | None, File(description="疏散示意图")] = None,
    doc_inspection: Annotated[UploadFile | None, File(description="消防设施检测报告")] = None,
) -> Any:
    """Multipart form: the place's facts and one PDF or image per required document
    (``doc_*``, checked by content and size; a refusal names the field)."""
    values = {
        "unit_code": unit_code,
        "venue": venue,
        "address": address,
        "floor_area_m2": floor_area_m2 or None,
        "opens_on": opens_on or None,
        "applicant_name": applicant_name,
        "applicant_phone": applicant_phone,
        "signatory": signatory,
        "agreed": agreed in ("1", "true", "on", "yes"),
    }
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    sent = read_documents(
        {
            "doc_commitment": doc_commitment,
            "doc_licence": doc_licence,
            "doc_rules": doc_rules,
            "doc_floor_plan": doc_floor_plan,
            "doc_evacuation": doc_evacuation,
            "doc_inspection": doc_inspection,
        },
        limit,
    )
    row = commitment_applications.submit_form(session, values, sent, settings.data_dir, limit)
    return commitment_applications.receipt(row)


commitment_router = APIRouter(prefix="/api/commitment-applications", tags=["Supervision 防火监督"])


@commitment_router.get(
    "",
    response_model=Page[CommitmentApplicationPublic],
    summary="The queue of 告知承诺 sent through the portal",
)
def commitment_queue(
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitment_applications.SLUG, "read")],
    state: CommitmentApplicationState | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = commitment_applications.queue(session, user.scope, state, page, size)
    may_act = roles.can_write(user.role, commitment_applications.SLUG)
    items = [commitment_applications.public(session, r, may_act) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@commitment_router.post(
    "/{application_id}/review",
    response_model=CommitmentApplicationPublic,
    summary="Accept (published, 核查 due) or reject (with the reply) a portal 告知承诺",
)
def review_commitment(
    application_id: int,
    payload: Annotated[CommitmentReview, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitment_applications.SLUG, "write")],
) -> Any:
    row = commitment_applications.review(session, user.actor, user.scope, application_id, payload)
    return commitment_applications.public(session, row, may_act=True)


@commitment_router.get(
    "/{application_id}/documents/{field}",
    response_class=Response,
    summary="One document of a portal 告知承诺",
)
def commitment_document(
    request: Request,
    application_id: int,
    field: str,
    session: SessionDep,
    user: Annotated[CurrentUser, require(commitment_applications.SLUG, "read")],
) -> Response:
    doc = commitment_applications.document(session, user.scope, application_id, field)
    data = files.read(request.app.state.settings.data_dir, str(doc["sha256"]))
    return Response(data, media_type=str(doc["content_type"]))


routers = (router, queue_router, commitment_router)
