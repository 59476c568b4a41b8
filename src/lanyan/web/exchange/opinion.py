"""Public-opinion monitoring pages (舆情监测): ``/opinion``, the alerts of the publicity department
(open or handled, a page at a time, marked handled with a note), and ``/admin/opinion``, the
watched feeds and the keyword words (administrators). All through
:mod:`lanyan.exchange.opinion_service`, audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import PageNo
from lanyan.core.errors import Conflict, LanyanError, NotFound, ValidationFailed
from lanyan.exchange import opinion, opinion_service
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30

WORDS: dict[str, tuple[str, str]] = {
    "op_nav": ("舆情监测", "Public opinion"),
    "op_nav_admin": ("舆情订阅", "Opinion feeds"),
    "op_title": ("舆情预警", "Public-opinion alerts"),
    "op_lead": (
        "订阅的新闻源中同时提到火灾等关键词和本辖区地名或重点单位名称的条目；"
        "同一条目只预警一次。核实处置后请标记为已处理。",
        "Items of the watched feeds that name a fire word and a place or key unit of the "
        "region; each item alerts once. Mark it handled once dealt with.",
    ),
    "op_open": ("待处理", "Open"),
    "op_handled": ("已处理", "Handled"),
    "op_all": ("全部", "All"),
    "op_total": ("共 {n} 条", "{n} in all"),
    "op_item": ("标题", "Title"),
    "op_source": ("来源", "Source"),
    "op_published": ("发布时间", "Published"),
    "op_found": ("发现时间", "Found"),
    "op_matched": ("命中关键词", "Matched words"),
    "op_state": ("状态", "State"),
    "op_note": ("处理说明", "Note"),
    "op_handle": ("标记已处理", "Mark handled"),
    "op_handled_by": ("处理人", "Handled by"),
    "op_admin_title": ("舆情订阅与关键词", "Opinion feeds and keywords"),
    "op_admin_lead": (
        "订阅 RSS 或 Atom 新闻源，平台按设定间隔抓取（超时即跳过）。内网部署无法访问互联网时，"
        "请填写内网可达的新闻源（政府门户、新闻镜像）。地名取自本区域行政区划和重点单位名称，"
        "火灾、起火、爆炸、冒烟、消防等主题词内置，可在下方补充。",
        "RSS or Atom feeds the platform polls at the set interval (a fetch that times out is "
        "skipped). On an intranet without internet, enter feeds reachable inside it (the "
        "government portal, a news mirror). Place words come from the region's jurisdictions "
        "and key units; topic words such as 火灾, 起火, 爆炸, 冒烟, 消防 are built in; add more "
        "below.",
    ),
    "op_feeds": ("新闻源", "Feeds"),
    "op_feed_name": ("名称", "Name"),
    "op_feed_url": ("地址", "URL"),
    "op_feed_add": ("添加新闻源", "Add feed"),
    "op_feed_polled": ("上次抓取", "Last polled"),
    "op_feed_error": ("抓取错误", "Error"),
    "op_feed_on": ("启用", "Active"),
    "op_feed_off": ("已停用", "Off"),
    "op_turn_off": ("停用", "Switch off"),
    "op_turn_on": ("启用", "Switch on"),
    "op_keywords": ("补充关键词", "Added keywords"),
    "op_builtin": ("内置主题词", "Built-in topic words"),
    "op_word": ("关键词", "Word"),
    "op_kind": ("类型", "Kind"),
    "op_kind_topic": ("主题词", "Topic word"),
    "op_kind_place": ("地名或单位", "Place or unit"),
    "op_word_add": ("添加关键词", "Add word"),
    "op_remove": ("删除", "Remove"),
    "op_never": ("尚未抓取", "Never"),
}

Reader = Annotated[CurrentUser, require(opinion_service.SLUG, "read")]
Handler = Annotated[CurrentUser, require(opinion_service.SLUG, "write")]
Admin = Annotated[CurrentUser, require(opinion_service.FEEDS_SLUG, "write")]
SHOWS = {"open": False, "handled": True, "all": None}


def _alerts_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    show: str,
    page: int,
    error: LanyanError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    show = show if show in SHOWS else "open"
    items, total = opinion_service.list_alerts(session, user.scope, SHOWS[show], page, PAGE_SIZE)
    return render(
        request,
        "exchange/opinion.html",
        user,
        status_code=status_code,
        alerts=items,
        total=total,
        show=show,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        error=error,
    )


@router.get("/opinion", response_class=HTMLResponse)
def alerts_page(
    request: Request, session: SessionDep, user: Reader, page: PageNo = 1, show: str = "open"
) -> HTMLResponse:
    return _alerts_page(request, session, user, show, page)


@router.post("/opinion/{alert_id}/handle", response_class=HTMLResponse)
def handle(
    request: Request, alert_id: int, session: SessionDep, user: Handler, form: FormDep
) -> Response:
    note = str(form.get("note") or "")
    try:
        with unit_of_work(request.app.state.sessions) as s:
            opinion_service.handle_alert(s, user.actor, user.scope, alert_id, note)
    except (ValidationFailed, Conflict, NotFound) as exc:
        code = 404 if isinstance(exc, NotFound) else 409 if isinstance(exc, Conflict) else 422
        return _alerts_page(request, session, user, "open", 1, exc, code)
    return RedirectResponse("/opinion", status_code=303)


def _admin_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    page: int = 1,
    error: LanyanError | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    feeds, total = opinion_service.list_feeds(session, page, PAGE_SIZE)
    return render(
        request,
        "exchange/opinion_admin.html",
        user,
        status_code=status_code,
        feeds=feeds,
        keywords=opinion_service.list_keywords(session),
        builtin=opinion.TOPIC_WORDS,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        error=error,
        form=form or {},
    )


@router.get("/admin/opinion", response_class=HTMLResponse)
def admin_page(
    request: Request, session: SessionDep, user: Admin, page: PageNo = 1
) -> HTMLResponse:
    return _admin_page(request, session, user, page)


@router.post("/admin/opinion/feeds", response_class=HTMLResponse)
def add_feed(request: Request, session: SessionDep, user: Admin, form: FormDep) -> Response:
    values = {"name": str(form.get("name") or ""), "url": str(form.get("url") or "")}
    try:
        with unit_of_work(request.app.state.sessions) as s:
            opinion_service.create_feed(s, user.actor, values["name"], values["url"])
    except (ValidationFailed, Conflict) as exc:
        return _admin_page(request, session, user, error=exc, form=values, status_code=422)
    return RedirectResponse("/admin/opinion", status_code=303)


@router.post("/admin/opinion/feeds/{feed_id}/active", response_class=HTMLResponse)
def feed_active(
    request: Request, feed_id: int, session: SessionDep, user: Admin, form: FormDep
) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            opinion_service.set_feed_active(s, user.actor, feed_id, form.get("active") == "true")
    except NotFound as exc:
        return _admin_page(request, session, user, error=exc, status_code=404)
    return RedirectResponse("/admin/opinion", status_code=303)


@router.post("/admin/opinion/keywords", response_class=HTMLResponse)
def add_word(request: Request, session: SessionDep, user: Admin, form: FormDep) -> Response:
    values = {"word": str(form.get("word") or ""), "kind": str(form.get("kind") or "")}
    try:
        with unit_of_work(request.app.state.sessions) as s:
            opinion_service.add_keyword(s, user.actor, values["word"], values["kind"])
    except (ValidationFailed, Conflict) as exc:
        return _admin_page(request, session, user, error=exc, form=values, status_code=422)
    return RedirectResponse("/admin/opinion", status_code=303)


@router.post("/admin/opinion/keywords/{keyword_id}/delete", response_class=HTMLResponse)
def remove_word(request: Request, keyword_id: int, session: SessionDep, user: Admin) -> Response:
    try:
        with unit_of_work(request.app.state.sessions) as s:
            opinion_service.remove_keyword(s, user.actor, keyword_id)
    except NotFound as exc:
        return _admin_page(request, session, user, error=exc, status_code=404)
    return RedirectResponse("/admin/opinion", status_code=303)
