"""HTTP routes of supervision: inspectors, inspections with findings, hazards and their actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.prevention import attachments, hazard_service, inspections
from lanyan.prevention.choices import HazardParty, HazardState, InspectionKind
from lanyan.prevention.schemas.inspections import (
    CertificateCreate,
    CertificatePublic,
    HazardMove,
    HazardPhotoPublic,
    HazardPublic,
    InspectionCreate,
    InspectionPublic,
    RecusalCreate,
)

inspector_router = APIRouter(prefix="/api/inspectors", tags=["Inspectors 执法人员"])
inspection_router = APIRouter(prefix="/api/inspections", tags=["Inspections 监督检查"])
hazard_router = APIRouter(prefix="/api/hazards", tags=["Hazards 隐患"])


@inspector_router.post(
    "/certificates",
    response_model=CertificatePublic,
    status_code=201,
    summary="Record an inspector's certificate (执法资格证)",
)
def add_certificate(
    payload: Annotated[CertificateCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(inspections.INSPECTORS_SLUG, "write")],
) -> Any:
    row = inspections.add_certificate(session, user.actor, payload)
    return {**payload.model_dump(), "revoked": row.revoked}


@inspector_router.post("/recusals", status_code=201, summary="Record a recusal (回避)")
def add_recusal(
    payload: Annotated[RecusalCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(inspections.INSPECTORS_SLUG, "write")],
) -> dict[str, Any]:
    row = inspections.add_recusal(session, user.actor, user.scope, payload)
    return {"id": row.id, **payload.model_dump()}


@inspection_router.post(
    "", response_model=InspectionPublic, status_code=201, summary="Record an inspection"
)
def create_inspection(
    payload: Annotated[InspectionCreate, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, require(inspections.SLUG, "write")],
) -> Any:
    row = inspections.create_inspection(
        session,
        user.actor,
        user.scope,
        payload,
        checklist_dir=settings.data_dir / "checklists",
    )
    return inspections.public(session, row)


@inspection_router.get("", response_model=Page[InspectionPublic], summary="List inspections")
def list_inspections(
    session: SessionDep,
    user: Annotated[CurrentUser, require(inspections.SLUG, "read")],
    kind: InspectionKind | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = inspections.list_inspections(session, user.scope, kind, page, size)
    items = [inspections.public(session, r) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@inspection_router.get(
    "/{inspection_id}", response_model=InspectionPublic, summary="Read one inspection"
)
def read_inspection(
    inspection_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, require(inspections.SLUG, "read")],
) -> Any:
    return inspections.public(
        session, inspections.get_inspection(session, user.scope, inspection_id)
    )


@hazard_router.get("", response_model=Page[HazardPublic], summary="List hazards")
def list_hazards(
    session: SessionDep,
    user: Annotated[CurrentUser, require(hazard_service.SLUG, "read")],
    state: HazardState | None = None,
    overdue: bool | None = None,
    listed: bool | None = None,
    unit_code: str | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = hazard_service.list_hazards(
        session, user.scope, state, overdue, listed, unit_code, page=page, size=size
    )
    items = [hazard_service.public(session, r) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@hazard_router.get("/{hazard_id}", response_model=HazardPublic, summary="Read one hazard")
def read_hazard(
    hazard_id: int,
    session: SessionDep,
    user: Annotated[CurrentUser, require(hazard_service.SLUG, "read")],
) -> Any:
    return hazard_service.public(session, hazard_service.get_hazard(session, user.scope, hazard_id))


@hazard_router.post(
    "/{hazard_id}/actions",
    response_model=HazardPublic,
    summary="Act on a hazard (责令整改, 复查, 销案, 挂牌督办 …)",
)
def act(
    hazard_id: int,
    payload: Annotated[HazardMove, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, require(hazard_service.SLUG, "read")],
) -> Any:
    """The fire authority takes every step; the unit's manager (bound to the hazard's unit)
    takes 开始整改 and 申请复查 (its application needs a rectification photo first)."""
    row = hazard_service.move(
        session, user.actor, user.scope, hazard_id, payload, held_parties(user)
    )
    return hazard_service.public(session, row)


def held_parties(user: CurrentUser) -> frozenset[HazardParty]:
    """Which side of a hazard the user acts for, from the role table."""
    return hazard_service.parties(
        roles.can_write(user.role, hazard_service.SLUG),
        roles.can_write(user.role, hazard_service.RECTIFY_SLUG),
    )


@hazard_router.post(
    "/{hazard_id}/rectification-photos",
    response_model=HazardPhotoPublic,
    status_code=201,
    summary="Add a rectification photo (整改照片) while the hazard is 整改中",
    **upload(UploadKind.IMAGE),
)
def add_rectification_photo(
    hazard_id: int,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="a photo: JPEG, PNG or WebP (by content)")],
    user: Annotated[CurrentUser, require(hazard_service.SLUG, "read")],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    limit = settings.max_image_mb * 1024 * 1024
    data = file.file.read(limit + 1)  # one byte past the limit is enough to refuse
    row = hazard_service.add_rectification_photo(
        session,
        user.actor,
        user.scope,
        held_parties(user),
        hazard_id,
        file.filename or "",
        data,
        settings.data_dir,
        limit,
        note,
    )
    return attachments.public(row)


routers = (inspector_router, inspection_router, hazard_router)
