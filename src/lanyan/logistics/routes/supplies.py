"""HTTP routes of consumable supplies (物资) and 战勤保障模块 with one-click dispatch."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.logistics import supplies
from lanyan.logistics.choices import ModuleKind, ModuleState
from lanyan.logistics.models import Depot, SupportModule
from lanyan.logistics.schemas.supplies import (
    LotReceive,
    ModuleCreate,
    StockIssue,
    SupplyDispatchRequest,
    SupplyKindCreate,
)

router = APIRouter(prefix="/api/supplies", tags=["Supplies 物资与战勤保障模块"])
reader = require(supplies.SUPPLIES, "read")
writer = require(supplies.SUPPLIES, "write")
dispatcher = require(supplies.SUPPLY_DISPATCH, "write")


@router.post("/kinds", status_code=201, summary="Add a consumable to the catalogue (物资目录)")
def create_kind(
    payload: Annotated[SupplyKindCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = supplies.create_supply_kind(session, user.actor, payload)
    return {"code": row.code, "name": row.name, "category": row.category}


def _lot(row: Any) -> dict[str, Any]:
    return {
        "lot": row.lot,
        "quantity": row.quantity,
        "received_on": row.received_on,
        "expires_on": row.expires_on,
    }


@router.post("/receipts", status_code=201, summary="Receive a batch into a depot (入库)")
def receive(
    payload: Annotated[LotReceive, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    return _lot(supplies.receive(session, user.actor, user.scope, payload))


@router.post("/issues", summary="Issue stock, first-expiring lots first (出库)")
def issue(
    payload: Annotated[StockIssue, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    return {"issued": supplies.issue(session, user.actor, user.scope, payload)}


@router.get("/stock", summary="Usable and expired stock per depot and kind (库存)")
def stock(
    session: SessionDep, user: Annotated[CurrentUser, reader], as_of: date | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "depot": s.depot.code,
            "kind": s.kind.code,
            "name": s.kind.name,
            "unit_name": s.kind.unit_name,
            "usable": s.usable,
            "expired": s.expired,
            "next_expiry": s.next_expiry,
        }
        for s in supplies.stock(session, user.scope, as_of)
    ]


@router.get("/expiring", summary="Expired lots and lots expiring soon (临期/过期物资)")
def expiring(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    within_days: Annotated[int, Query(ge=0, le=3650)] = 30,
    as_of: date | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            **_lot(e.lot),
            "kind": e.kind.code,
            "name": e.kind.name,
            "depot": e.depot.code,
            "days_left": e.days_left,
            "expired": e.expired,
        }
        for e in supplies.expiring(session, user.scope, within_days, as_of)
    ]


@router.post("/expired/dispose", summary="Write off every expired lot in scope (过期处置)")
def dispose(session: SessionDep, user: Annotated[CurrentUser, writer]) -> dict[str, int]:
    return {"disposed_lots": supplies.dispose_expired(session, user.actor, user.scope)}


def module_public(session: Any, row: SupportModule) -> dict[str, Any]:
    depot = session.get(Depot, row.depot_id)
    lines = supplies.readiness(session, row)
    return {
        "code": row.code,
        "name": row.name,
        "kind": row.kind,
        "kind_name": ModuleKind(row.kind).zh,
        "state": row.state,
        "state_name": ModuleState(row.state).zh,
        "depot": depot.code if depot else None,
        "lines": [line.as_dict() for line in lines],
        "complete": all(line.short <= supplies.EPSILON for line in lines),
    }


@router.post("/modules", status_code=201, summary="Add a 战勤保障模块 with its reserve standard")
def create_module(
    payload: Annotated[ModuleCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    return module_public(session, supplies.create_module(session, user.actor, user.scope, payload))


@router.get("/modules", summary="Modules with their readiness against the standard")
def list_modules(session: SessionDep, user: Annotated[CurrentUser, reader]) -> list[dict]:
    return [module_public(session, m) for m in supplies.list_modules(session, user.scope)]


@router.post("/modules/{code}/ready", summary="Put a replenished module on standby (备勤)")
def ready(code: str, session: SessionDep, user: Annotated[CurrentUser, writer]) -> dict:
    return module_public(session, supplies.mark_ready(session, user.actor, user.scope, code))


@router.post("/modules/{code}/return", summary="A dispatched module is back (归建)")
def return_module(code: str, session: SessionDep, user: Annotated[CurrentUser, writer]) -> dict:
    return module_public(session, supplies.return_module(session, user.actor, user.scope, code))


@router.post("/dispatch", summary="One-click dispatch of support modules to an incident (一键调度)")
def dispatch(
    payload: Annotated[SupplyDispatchRequest, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, dispatcher],
) -> dict[str, Any]:
    return supplies.dispatch_modules(session, user.actor, user.scope, payload).as_dict()
