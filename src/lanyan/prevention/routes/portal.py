"""HTTP routes of the public portal (公众服务) under ``/api/public/``: no log-in. A report
(举报投诉) is rate-limited per client address (:mod:`lanyan.accounts.public_limits`); its status
is answered only for the tracking number with the phone's last four digits; the published lists
page in SQL and carry no person's data."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from lanyan.accounts import roles
from lanyan.accounts.public_limits import count_lookup, count_submission
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.api.problems import PROBLEM
from lanyan.prevention import applications, complaints, published
from lanyan.prevention.choices import ApplicationState
from lanyan.prevention.schemas.portal import (
    ApplicationHandle,
    ApplicationPublic,
    PublicApplicationCreate,
    PublicApplicationReceipt,
    PublicComplaintCreate,
    PublicComplaintLookup,
    PublicComplaintReceipt,
    PublicComplaintStatus,
    PublicPlace,
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


routers = (router, queue_router)
