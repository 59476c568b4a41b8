"""The 12345 work-order interface (12345 工单接入): a machine client with the permission
``hotline-12345`` creates work orders and reads their state (``prevention.hotline``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Response

from lanyan.accounts.clients import HOTLINE_12345, ClientIdentity, touch
from lanyan.api.deps import SessionDep, require_client
from lanyan.prevention import hotline
from lanyan.prevention.schemas.hotline import HotlineOrderCreate, HotlineOrderPublic

router = APIRouter(prefix="/api/exchange/12345", tags=["Inbound exchange 数据接入"])
Client = Annotated[ClientIdentity, require_client(HOTLINE_12345)]


@router.post(
    "/orders",
    response_model=HotlineOrderPublic,
    status_code=201,
    summary="Hand a 12345 work order to the fire service (201 made; 200 the same order again)",
    responses={200: {"model": HotlineOrderPublic, "description": "this order id came before"}},
)
def create_order(
    payload: Annotated[HotlineOrderCreate, Body()],
    session: SessionDep,
    client: Client,
    response: Response,
) -> Any:
    row, created = hotline.create_order(session, client, payload)
    touch(session, client.id)
    if not created:
        response.status_code = 200
    return hotline.public(row)


@router.get(
    "/orders/{order_id}",
    response_model=HotlineOrderPublic,
    summary="The state, result and feedback of a work order this client sent",
)
def get_order(order_id: str, session: SessionDep, client: Client) -> Any:
    return hotline.public(hotline.get_order(session, client, order_id))


routers = [router]
