"""HTTP routes of data exchange: webhook subscriptions and the delivery log (administrators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.exchange import service
from lanyan.exchange.schemas import (
    AttemptPublic,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionPublic,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/api/webhooks", tags=["Webhooks 数据交换"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]


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
