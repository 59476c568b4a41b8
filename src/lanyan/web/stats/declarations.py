"""The review queue of 火灾损失申报 (fire-loss declarations from the public portal): waiting ones
first, each with its photos and an accept form (the incident it belongs to, or the nearest
match) and a reject form (the reason the declarant reads). A declaration joins the statistics
only once accepted."""

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
from lanyan.stats import declarations
from lanyan.stats.schemas import DeclarationAccept, DeclarationReject
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep, error_text
from lanyan.web.render import render_review_queue

router = APIRouter(prefix="/stats/declarations", include_in_schema=False)
PAGE_SIZE = 30

WORDS: dict[str, tuple[str, str]] = {
    "fd_queue": ("火灾损失申报审核", "Fire-loss declarations"),
    "fd_intro": (
        "公众通过门户申报的火灾损失。受理后生成火灾统计记录并纳入统计；待审核的申报不计入任何统计。",
        "Declared through the portal. Accepted, each becomes a fire record; waiting ones count nowhere.",
    ),
    "fd_tracking_no": ("查询码", "Tracking No."),
    "fd_occurred_at": ("起火时间", "Fire at"),
    "fd_place": ("地点", "Place"),
    "fd_burned": ("烧损物品", "What burned"),
    "fd_loss": ("直接损失（元）", "Direct loss (yuan)"),
    "fd_casualties": ("死亡/受伤（人）", "Deaths / injured (persons)"),
    "fd_declarant": ("申报人", "Declarant"),
    "fd_photos": ("照片", "Photos"),
    "fd_state": ("状态", "Status"),
    "fd_review": ("审核", "Review"),
    "fd_incident": ("关联警情编号（留空自动匹配）", "Incident No. (empty: nearest match)"),
    "fd_accept": ("受理并纳入统计", "Accept into statistics"),
    "fd_reason": ("不予受理理由", "Reason for rejecting"),
    "fd_reject": ("不予受理", "Reject"),
    "fd_record": ("统计记录", "Fire record"),
    "fd_photo_n": ("照片{n}", "Photo {n}"),
}

Reader = Annotated[CurrentUser, require(declarations.SLUG, "read")]
Writer = Annotated[CurrentUser, require(declarations.SLUG, "write")]


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
        declarations,
        "stats/declarations.html",
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


@router.post("/{declaration_id}/review", response_class=HTMLResponse)
def review_submit(
    request: Request,
    declaration_id: int,
    session: SessionDep,
    form: FormDep,
    user: Writer,
) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            if form.get("decision") == "accept":
                accept = DeclarationAccept.model_validate(
                    {"incident": str(form.get("incident") or "").strip()}
                )
                declarations.accept(s, user.actor, user.scope, declaration_id, accept)
            else:
                reject = DeclarationReject.model_validate(
                    {"reason": str(form.get("reason") or "").strip()}
                )
                declarations.reject(s, user.actor, user.scope, declaration_id, reject)
    except (PydanticValidationError, LanyanError) as exc:
        return _page(request, session, user, error=error_text(exc), status_code=422)
    return RedirectResponse("/stats/declarations", status_code=303)
