"""HTTP routes of digital pre-plans (数字化预案): list, read, create, edit, attachments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, UploadFile
from fastapi.responses import Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.limits import MIB, UploadKind, upload
from lanyan.api.paging import PageNo, PageSize
from lanyan.response import preplans
from lanyan.response.preplans import PrePlanCreate, PrePlanUpdate

SLUG = preplans.SLUG
router = APIRouter(prefix="/api/preplans", tags=["Pre-plans 数字化预案"])
reader = require(SLUG, "read")
writer = require(SLUG, "write")


@router.get("", summary="List pre-plans in your jurisdiction")
def list_(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    q: str = "",
    page: PageNo = 1,
    size: PageSize = 50,
) -> dict[str, Any]:
    rows, total = preplans.list_preplans(session, user.scope, q, page, size)
    return {
        "items": [
            {
                "id": p.id,
                "code": p.code,
                "title": p.title,
                "revision": p.revision,
                "unit_name": unit,
                "building_name": building,
                "updated_at": p.updated_at,
            }
            for p, unit, building in rows
        ],
        "total": total,
        "page": page,
        "size": size,
    }


@router.post("", status_code=201, summary="Create a pre-plan (revision 1)")
def create(
    payload: Annotated[PrePlanCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = preplans.create_preplan(session, user.actor, user.scope, payload)
    return preplans.public(session, row)


@router.get("/{preplan_id}", summary="Read a pre-plan with its registry facts and surroundings")
def read(preplan_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> Any:
    return preplans.public(session, preplans.get_preplan(session, user.scope, preplan_id))


@router.put("/{preplan_id}", summary="Edit a pre-plan (give the revision you started from)")
def update(
    preplan_id: int,
    payload: Annotated[PrePlanUpdate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = preplans.update_preplan(session, user.actor, user.scope, preplan_id, payload)
    return preplans.public(session, row)


@router.post(
    "/{preplan_id}/attachments",
    status_code=201,
    summary="Attach an image",
    **upload(UploadKind.IMAGE),
)
def attach(
    preplan_id: int,
    file: Annotated[UploadFile, File(description="PNG, JPEG, GIF or WebP (LANYAN_MAX_IMAGE_MB)")],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, writer],
    caption: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    max_bytes = settings.max_image_mb * MIB
    data = file.file.read(max_bytes + 1)
    att = preplans.add_attachment(
        session,
        user.actor,
        user.scope,
        preplan_id,
        file.filename or "image",
        file.content_type or "",
        data,
        caption,
        max_bytes,
    )
    return {"id": att.id, "url": f"/api/preplans/{preplan_id}/attachments/{att.id}"}


@router.get("/{preplan_id}/attachments/{attachment_id}", summary="An attached image")
def attachment(
    preplan_id: int,
    attachment_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
) -> Response:
    att = preplans.get_attachment(session, user.scope, preplan_id, attachment_id)
    return Response(
        att.data,
        media_type=att.content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.delete(
    "/{preplan_id}/attachments/{attachment_id}", status_code=204, summary="Remove an image"
)
def detach(
    preplan_id: int,
    attachment_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> Response:
    preplans.remove_attachment(session, user.actor, user.scope, preplan_id, attachment_id)
    return Response(status_code=204)
