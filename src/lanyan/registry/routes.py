"""One router per object type, all built by ``object_router`` from the type table."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry import service
from lanyan.registry.types import OBJECT_TYPES, ObjectType


def parse_bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        parts = tuple(float(p) for p in text.split(","))
    except ValueError:
        parts = ()
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise ValidationFailed(
            "bad bbox", [FieldProblem("bbox", "must be minlon,minlat,maxlon,maxlat (WGS84)")]
        )
    return parts


def object_router(ot: ObjectType) -> APIRouter:
    router = APIRouter(prefix=f"/api/{ot.slug}", tags=[ot.en])
    reader = require(ot.slug, "read")
    writer = require(ot.slug, "write")
    Public, Create, Update, Filter = ot.public, ot.create, ot.update, ot.filter

    @router.get("", response_model=Page[Public], summary=f"List {ot.en.lower()}")  # type: ignore[valid-type]
    def list_(
        session: SessionDep,
        user: Annotated[CurrentUser, reader],
        filters: Annotated[Filter, Query()],  # type: ignore[valid-type]
        q: str | None = None,
        jurisdiction_code: str | None = None,
        bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
        page: PageNo = 1,
        size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 50,
    ) -> Any:
        result = service.list_rows(
            session,
            ot,
            user.scope,
            filters,
            q=q,
            jurisdiction_code=jurisdiction_code,
            bbox=parse_bbox(bbox),
            page=page,
            size=size,
        )
        items = service.public_rows(session, ot, result.items)
        return {"items": items, "total": result.total, "page": result.page, "size": result.size}

    @router.get("/{row_id}", response_model=Public, summary=f"Read one of {ot.en.lower()}")
    def read(row_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> Any:
        row = service.get(session, ot, user.scope, row_id)
        return service.public_rows(session, ot, [row])[0]

    @router.post(
        "", response_model=Public, status_code=201, summary=f"Create one of {ot.en.lower()}"
    )
    def create(
        payload: Annotated[Create, Body()],  # type: ignore[valid-type]
        session: SessionDep,
        user: Annotated[CurrentUser, writer],
    ) -> Any:
        row = service.create(session, ot, user.actor, user.scope, payload)
        return service.public_rows(session, ot, [row])[0]

    @router.patch("/{row_id}", response_model=Public, summary=f"Change one of {ot.en.lower()}")
    def patch(
        row_id: int,
        payload: Annotated[Update, Body()],  # type: ignore[valid-type]
        session: SessionDep,
        user: Annotated[CurrentUser, writer],
    ) -> Any:
        row = service.update(session, ot, user.actor, user.scope, row_id, payload)
        return service.public_rows(session, ot, [row])[0]

    @router.delete("/{row_id}", status_code=204, summary=f"Delete one of {ot.en.lower()}")
    def remove(
        row_id: int,
        session: SessionDep,
        user: Annotated[CurrentUser, writer],
    ) -> Response:
        service.delete(session, ot, user.actor, user.scope, row_id)
        return Response(status_code=204)

    return router


def registry_routers() -> list[APIRouter]:
    return [object_router(ot) for ot in OBJECT_TYPES]


__all__ = ["Depends", "registry_routers"]
