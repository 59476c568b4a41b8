"""The officers' queue of 告知承诺 sent through the public portal: the waiting ones first, each
with its documents and an accept / reject form. Accepted, the commitment is published and its
post-check (核查) falls due (:data:`lanyan.prevention.commitment_applications.CHECK_DAYS`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.errors import LanyanError
from lanyan.prevention import commitment_applications
from lanyan.prevention.schemas.portal import CommitmentReview
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep, error_text
from lanyan.web.render import render_review_queue

router = APIRouter(prefix="/supervision/commitment-applications", include_in_schema=False)
PAGE_SIZE = 30

WORDS: dict[str, tuple[str, str]] = {
    "ca_queue": ("告知承诺审核", "Commitment applications"),
    "ca_intro": (
        "受理后列入告知承诺公示，并生成现场核查任务（受理之日起 {days} 日内，平台设定）。",
        "Accepted, the place is published and its on-site check falls due within {days} days "
        "(the platform's setting).",
    ),
    "ca_place": ("场所", "Place"),
    "ca_unit": ("单位", "Unit"),
    "ca_area": ("面积（m²）", "Area (m²)"),
    "ca_opens_on": ("拟营业日期", "Opens on"),
    "ca_applicant": ("申请人", "Applicant"),
    "ca_documents": ("材料", "Documents"),
    "ca_accept": ("受理", "Accept"),
    "ca_reject": ("不予受理", "Reject"),
    "ca_reply": ("答复（不予受理时必填）", "Reply (required to reject)"),
    "ca_check_due": ("核查期限", "Check due"),
}

Reader = Annotated[CurrentUser, require(commitment_applications.SLUG, "read")]
Writer = Annotated[CurrentUser, require(commitment_applications.SLUG, "write")]


def _page(
    request: Request,
    session: Session,
    user: CurrentUser,
    page: int = 1,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render_review_queue(
        request,
        session,
        user,
        commitment_applications,
        "prevention/commitment_applications.html",
        page,
        PAGE_SIZE,
        error=error,
        status_code=status_code,
        check_days=commitment_applications.CHECK_DAYS,
        documents=commitment_applications.DOCUMENTS,
    )


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request, session: SessionDep, user: Reader, page: PageNo = 1
) -> HTMLResponse:
    return _page(request, session, user, page)


@router.post("/{application_id}/review", response_class=HTMLResponse)
def review_submit(
    request: Request, application_id: int, session: SessionDep, form: FormDep, user: Writer
) -> Response:
    try:
        payload = CommitmentReview.model_validate(
            {
                "accept": form.get("decision") == "accept",
                "reply": str(form.get("reply") or "").strip(),
            }
        )
        with unit_of_work(request.app.state.sessions) as s:
            commitment_applications.review(s, user.actor, user.scope, application_id, payload)
    except (PydanticValidationError, LanyanError) as exc:
        return _page(request, session, user, error=error_text(exc), status_code=422)
    return RedirectResponse("/supervision/commitment-applications", status_code=303)
