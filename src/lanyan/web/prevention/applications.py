"""The officers' queue of portal applications (解除临时查封申请, 恢复使用申请): the waiting ones
first, each with a reply form for an enforcement writer; the phone in full only for them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.errors import LanyanError
from lanyan.prevention import applications
from lanyan.prevention.schemas.portal import ApplicationHandle
from lanyan.store.db import unit_of_work
from lanyan.web.forms import error_text, form_data
from lanyan.web.render import render_review_queue

router = APIRouter(prefix="/supervision/applications", include_in_schema=False)
PAGE_SIZE = 50

WORDS: dict[str, tuple[str, str]] = {
    "ap_queue": ("申请办理", "Applications"),
    "ap_tracking_no": ("查询码", "Tracking No."),
    "ap_kind": ("申请事项", "Application"),
    "ap_decision_no": ("决定书文号", "Decision No."),
    "ap_unit": ("单位", "Unit"),
    "ap_applicant": ("申请人", "Applicant"),
    "ap_reason": ("整改情况", "Rectification"),
    "ap_received": ("提交时间", "Received"),
    "ap_state": ("状态", "Status"),
    "ap_reply": ("答复", "Reply"),
    "ap_handle": ("答复并办结", "Reply and close"),
}

Reader = Annotated[CurrentUser, require(applications.SLUG, "read")]
Writer = Annotated[CurrentUser, require(applications.SLUG, "write")]


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
        applications,
        "prevention/applications.html",
        page,
        PAGE_SIZE,
        error=error,
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request, session: SessionDep, user: Reader, page: PageNo = 1
) -> HTMLResponse:
    return _page(request, session, user, page)


@router.post("/{application_id}/handle", response_class=HTMLResponse)
def handle_submit(
    request: Request,
    application_id: int,
    session: SessionDep,
    user: Writer,
    form: Annotated[FormData, Depends(form_data)],
) -> Response:
    try:
        payload = ApplicationHandle.model_validate({"reply": str(form.get("reply") or "")})
        with unit_of_work(request.app.state.sessions) as s:
            applications.handle(s, user.actor, user.scope, application_id, payload)
    except (PydanticValidationError, LanyanError) as exc:
        return _page(request, session, user, error=error_text(exc), status_code=422)
    return RedirectResponse("/supervision/applications", status_code=303)
