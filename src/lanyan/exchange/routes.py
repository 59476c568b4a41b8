"""HTTP routes of data exchange (administrators): webhook subscriptions and the delivery log
(``router``); inbound CAP 1.2 weather warnings (``inbound_router``); public-opinion feeds,
keywords and alerts (``opinion_router``)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import ValidationFailed
from lanyan.exchange import cap_service, opinion_service, service
from lanyan.exchange.cap import MAX_BYTES
from lanyan.exchange.schemas import (
    AlertHandle,
    AlertPublic,
    AttemptPublic,
    CapImported,
    FeedCreate,
    FeedPublic,
    KeywordCreate,
    KeywordPublic,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
    SubscriptionUpdate,
    WeatherWarningPublic,
)

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/webhooks", tags=["Webhooks 数据交换"])
inbound_router = APIRouter(prefix="/api/exchange", tags=["Inbound exchange 数据接入"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]
WarningReader = Annotated[CurrentUser, require(service.WARNINGS_SLUG, "read")]
opinion_router = APIRouter(prefix="/api/opinion", tags=["Public opinion 舆情监测"])
AlertReader = Annotated[CurrentUser, require(opinion_service.SLUG, "read")]
AlertHandler = Annotated[CurrentUser, require(opinion_service.SLUG, "write")]
FeedReader = Annotated[CurrentUser, require(opinion_service.FEEDS_SLUG, "read")]
FeedWriter = Annotated[CurrentUser, require(opinion_service.FEEDS_SLUG, "write")]


@router.get("/subscriptions", response_model=Page[SubscriptionPublic], summary="Subscriptions")
def list_subscriptions(
    session: SessionDep, user: Reader, page: PageNo = 1, size: PageSize = 50
) -> Any:
    items, total = service.list_subscriptions(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/subscriptions",
    response_model=SubscriptionCreated,
    status_code=201,
    summary="Subscribe a receiver to event types (its secret is returned once)",
)
def create_subscription(
    payload: Annotated[SubscriptionCreate, Body()], session: SessionDep, user: Writer
) -> Any:
    return service.create_subscription(
        session, user.actor, payload.name, payload.url, [e.value for e in payload.event_types]
    )


@router.patch(
    "/subscriptions/{subscription_id}",
    response_model=SubscriptionPublic,
    summary="Change a subscription (active=true clears its failing mark)",
)
def update_subscription(
    subscription_id: int,
    payload: Annotated[SubscriptionUpdate, Body()],
    session: SessionDep,
    user: Writer,
) -> Any:
    types = [e.value for e in payload.event_types] if payload.event_types else None
    return service.update_subscription(
        session, user.actor, subscription_id, payload.url, types, payload.active
    )


@router.get("/attempts", response_model=Page[AttemptPublic], summary="The delivery log")
def list_attempts(
    session: SessionDep,
    user: Reader,
    page: PageNo = 1,
    size: PageSize = 50,
    subscription_id: int | None = None,
) -> Any:
    items, total = service.list_attempts(session, page, size, subscription_id)
    return {"items": items, "total": total, "page": page, "size": size}


@inbound_router.post(
    "/cap",
    response_model=CapImported,
    summary="Import one CAP 1.2 alert (XML body, at most 1 MB); a repeated identifier is ignored",
    openapi_extra={"requestBody": {"content": {"application/xml": {"schema": {"type": "string"}}}}},
)
async def import_cap(request: Request, session: SessionDep, user: Writer) -> Any:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BYTES:
            break
    try:
        result = cap_service.import_document(session, bytes(body))
    except ValidationFailed as exc:
        log.warning("CAP document refused: %s %s", exc, [p.as_dict() for p in exc.problems])
        raise
    return result


@inbound_router.get(
    "/warnings", response_model=Page[WeatherWarningPublic], summary="Weather warnings in force"
)
def list_warnings(
    session: SessionDep, user: WarningReader, page: PageNo = 1, size: PageSize = 50
) -> Any:
    items, total = cap_service.active(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@opinion_router.get("/alerts", response_model=Page[AlertPublic], summary="Public-opinion alerts")
def list_alerts(
    session: SessionDep,
    user: AlertReader,
    page: PageNo = 1,
    size: PageSize = 50,
    handled: bool | None = None,
) -> Any:
    items, total = opinion_service.list_alerts(session, user.scope, handled, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@opinion_router.post(
    "/alerts/{alert_id}/handle",
    response_model=AlertPublic,
    summary="Mark an alert handled, with a note (409 when it already is)",
)
def handle_alert(
    alert_id: int, payload: Annotated[AlertHandle, Body()], session: SessionDep, user: AlertHandler
) -> Any:
    return opinion_service.handle_alert(session, user.actor, user.scope, alert_id, payload.note)


@opinion_router.get("/feeds", response_model=Page[FeedPublic], summary="Watched feeds")
def list_feeds(session: SessionDep, user: FeedReader, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = opinion_service.list_feeds(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@opinion_router.post(
    "/feeds", response_model=FeedPublic, status_code=201, summary="Watch an RSS or Atom feed"
)
def create_feed(
    payload: Annotated[FeedCreate, Body()], session: SessionDep, user: FeedWriter
) -> Any:
    return opinion_service.create_feed(session, user.actor, payload.name, payload.url)


@opinion_router.get(
    "/keywords", response_model=list[KeywordPublic], summary="The administrator's keywords"
)
def list_keywords(session: SessionDep, user: FeedReader) -> Any:
    return opinion_service.list_keywords(session)


@opinion_router.post(
    "/keywords", response_model=KeywordPublic, status_code=201, summary="Add a keyword"
)
def add_keyword(
    payload: Annotated[KeywordCreate, Body()], session: SessionDep, user: FeedWriter
) -> Any:
    return opinion_service.add_keyword(session, user.actor, payload.word, payload.kind)
