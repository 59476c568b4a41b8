"""HTTP routes of data exchange (administrators): webhook subscriptions and the delivery log
(``router``); inbound CAP 1.2 weather warnings (``inbound_router``)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import ValidationFailed
from lanyan.exchange import cap_service, service
from lanyan.exchange.cap import MAX_BYTES
from lanyan.exchange.schemas import (
    AttemptPublic,
    CapImported,
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
