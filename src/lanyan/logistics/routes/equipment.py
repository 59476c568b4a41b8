"""HTTP routes of logistics: depots, catalogue, requirements, items, moves, reserves, labels."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.logistics import labels, service
from lanyan.logistics.choices import EquipmentCategory, ItemState
from lanyan.logistics.schemas.equipment import (
    DepotCreate,
    ItemCreate,
    ItemPublic,
    KindCreate,
    MoveCreate,
    RequirementSet,
)

router = APIRouter(prefix="/api/equipment", tags=["Equipment 装备"])
reader = require(service.SLUG, "read")
writer = require(service.SLUG, "write")


@router.post("/depots", status_code=201, summary="Add a depot (仓库)")
def create_depot(
    payload: Annotated[DepotCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = service.create_depot(session, user.actor, user.scope, payload)
    return {"code": row.code, "name": row.name}


@router.post("/kinds", status_code=201, summary="Add a catalogue entry (装备目录)")
def create_kind(
    payload: Annotated[KindCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = service.create_kind(session, user.actor, payload)
    return {"code": row.code, "name": row.name, "category": row.category}


@router.put("/requirements", summary="Set a station's required quantity of a kind (配备标准)")
def set_requirement(
    payload: Annotated[RequirementSet, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = service.set_requirement(session, user.actor, user.scope, payload)
    return {**payload.model_dump(), "id": row.id}


@router.post("/items", response_model=ItemPublic, status_code=201, summary="Record a purchase")
def create_item(
    payload: Annotated[ItemCreate, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = service.create_item(session, user.actor, user.scope, payload)
    return service.public(session, row, settings.public_base_url)


@router.get("/items", response_model=Page[ItemPublic], summary="List items, by code")
def list_items(
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, reader],
    state: ItemState | None = None,
    kind: str | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = service.list_items(session, user.scope, state, kind, page, size)
    items = [service.public(session, r, settings.public_base_url, False) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@router.get("/items/{code}", response_model=ItemPublic, summary="Read one item with its history")
def read_item(
    code: str, session: SessionDep, settings: SettingsDep, user: Annotated[CurrentUser, reader]
) -> Any:
    return service.public(
        session, service.get_item(session, user.scope, code), settings.public_base_url
    )


@router.post("/items/{code}/moves", response_model=ItemPublic, summary="Apply a lifecycle action")
def move_item(
    code: str,
    payload: Annotated[MoveCreate, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, writer],
) -> Any:
    row = service.move_item(session, user.actor, user.scope, code, payload)
    return service.public(session, row, settings.public_base_url)


@router.get("/overdue", summary="Items whose inspection or maintenance is past due")
def overdue(
    session: SessionDep, user: Annotated[CurrentUser, reader], as_of: date | None = None
) -> list[dict[str, Any]]:
    return [
        {**o.__dict__, "state": o.state.value} for o in service.overdue(session, user.scope, as_of)
    ]


@router.get("/backup-rate", summary="Holdings against required quantities (备份率)")
def backup_rate(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    category: EquipmentCategory | None = None,
) -> dict[str, Any]:
    result = service.backup_rate(session, user.scope, category)
    return {
        "rate": result.rate,
        "required": result.required,
        "covered": result.covered,
        "depot_stock": result.depot_stock,
        "stations": [
            {**r.__dict__, "category": r.category.value, "rate": r.rate} for r in result.reserves
        ],
    }


@router.get("/labels.{fmt}", summary="Printable QR label sheet (PNG, SVG or PDF)")
def labels_file(
    fmt: Literal["png", "svg", "pdf"],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, reader],
    codes: Annotated[list[str], Query()] = [],  # noqa: B006 — FastAPI copies query defaults
) -> Response:
    sheet = service.labels_for(session, user.scope, codes, settings.public_base_url)
    body = labels.render(sheet, fmt, settings.label_font)
    return Response(
        body,
        media_type=labels.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="equipment-labels.{fmt}"'},
    )
