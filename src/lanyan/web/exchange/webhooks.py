"""``/admin/webhooks``: subscriptions to event types (the secret shown once, on creation),
switching one off and on (which clears its failing mark), and the delivery log; all through
:mod:`lanyan.exchange.service`, audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.errors import Conflict, FieldProblem, LanyanError, NotFound, ValidationFailed
from lanyan.exchange import service
from lanyan.exchange.choices import DeliveryState, EventType
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50

WORDS: dict[str, tuple[str, str]] = {
    "wh_nav": ("数据推送", "Webhooks"),
    "wh_title": ("数据推送（Webhook）", "Outbound webhooks"),
    "wh_lead": (
        "向其他部门的系统推送事件：每个订阅有自己的密钥，请求体用 HMAC-SHA256 签名并带时间戳；"
        "失败按指数退避重试，多次失败后标为失败。",
        "Events pushed to other departments' systems: each subscription has its own secret; "
        "bodies are signed with HMAC-SHA256 and carry a timestamp; failures are retried with "
        "exponential backoff and marked failing after the last attempt.",
    ),
    "wh_new": ("新建订阅", "New subscription"),
    "wh_name": ("名称", "Name"),
    "wh_url": ("接收地址", "Receiver URL"),
    "wh_types": ("事件类型", "Event types"),
    "wh_create": ("创建", "Create"),
    "wh_secret_once": (
        "签名密钥（只显示这一次，请交给接收方保存）：",
        "Signing secret (shown this once; hand it to the receiver):",
    ),
    "wh_subscriptions": ("订阅", "Subscriptions"),
    "wh_state": ("状态", "State"),
    "wh_active": ("启用", "Active"),
    "wh_inactive": ("已停用", "Off"),
    "wh_failing": ("投递失败", "Failing"),
    "wh_ok": ("正常", "OK"),
    "wh_turn_off": ("停用", "Switch off"),
    "wh_turn_on": ("启用并清除失败", "Switch on (clears failing)"),
    "wh_log": ("投递记录", "Delivery log"),
    "wh_time": ("时间", "Time"),
    "wh_event": ("事件", "Event"),
    "wh_status": ("应答", "Answer"),
    "wh_error": ("错误", "Error"),
    "wh_attempt": ("次数", "Attempts"),
    "wh_ms": ("耗时（毫秒）", "Time (ms)"),
}

Admin = Annotated[CurrentUser, require(service.SLUG, "write")]


def _page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    page: int = 1,
    error: LanyanError | None = None,
    created: Any = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    subs, sub_total = service.list_subscriptions(session, 1, PAGE_SIZE)
    log, total = service.list_attempts(session, page, PAGE_SIZE)
    return render(
        request,
        "exchange/webhooks.html",
        user,
        status_code=status_code,
        subscriptions=subs,
        more_subscriptions=sub_total > len(subs),
        attempts=log,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        # 12345 callbacks belong to a machine client (``lanyan client add --callback-url``).
        event_types=[e for e in EventType if e is not EventType.HOTLINE_STATUS],
        EventType=EventType,
        DeliveryState=DeliveryState,
        error=error,
        created=created,
        form=form or {},
    )


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(
    request: Request, session: SessionDep, user: Admin, page: PageNo = 1
) -> HTMLResponse:
    return _page(request, session, user, page)


@router.post("/admin/webhooks", response_class=HTMLResponse)
def create(request: Request, session: SessionDep, user: Admin, form: FormDep) -> Response:
    name = str(form.get("name") or "").strip()
    url = str(form.get("url") or "").strip()
    types = [str(v) for v in form.getlist("event_types")]
    values = {"name": name, "url": url, "event_types": types}
    try:
        if len(name) > 100:
            raise ValidationFailed(
                "the name is too long", [FieldProblem("name", "at most 100 characters")]
            )
        with unit_of_work(request.app.state.sessions) as s:
            row = service.create_subscription(s, user.actor, name, url, types)
            created = {"name": row.name, "secret": row.secret}
    except (ValidationFailed, Conflict) as exc:
        return _page(request, session, user, error=exc, form=values, status_code=422)
    # Committed: the page shows the secret this once (never stored in a URL or the audit).
    return _page(request, session, user, created=created, status_code=201)


@router.post("/admin/webhooks/{subscription_id}/active", response_class=HTMLResponse)
def set_active(
    request: Request, subscription_id: int, session: SessionDep, user: Admin, form: FormDep
) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            service.update_subscription(
                s, user.actor, subscription_id, active=form.get("active") == "true"
            )
    except (ValidationFailed, NotFound) as exc:
        return _page(request, session, user, error=exc, status_code=404)
    return RedirectResponse("/admin/webhooks", status_code=303)
