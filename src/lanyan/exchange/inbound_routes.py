"""HTTP routes of inbound exchange: CAP 1.2 weather warnings (气象预警)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Request

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.errors import ValidationFailed
from lanyan.exchange import cap_service, service
from lanyan.exchange.cap import MAX_BYTES
from lanyan.exchange.schemas import CapImported, WeatherWarningPublic

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/exchange", tags=["Inbound exchange 数据接入"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(service.SLUG, "write")]


@router.post(
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


@router.get(
    "/warnings", response_model=Page[WeatherWarningPublic], summary="Weather warnings in force"
)
def list_warnings(session: SessionDep, user: Reader, page: PageNo = 1, size: PageSize = 50) -> Any:
    items, total = cap_service.active(session, page, size)
    return {"items": items, "total": total, "page": page, "size": size}
