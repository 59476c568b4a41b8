"""HTTP routes of the unit's file (单位户籍化档案): the filing fields of a unit (read, replace),
the XLSX import of many units' filing fields, and the monthly fire checks (每月防火检查) with
the 消防安全责任人's sign-off and the month's compliance per unit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, File, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.prevention import unit_file_service
from lanyan.prevention.models.unit_files import MonthlyFireCheck
from lanyan.prevention.schemas.unit_files import (
    CheckCompliancePublic,
    FilingIn,
    FilingPublic,
    ImportResult,
    MonthlyCheckIn,
    MonthlyCheckPublic,
    SignIn,
)

router = APIRouter(tags=["Unit file 单位档案"])
Reader = Annotated[CurrentUser, require(unit_file_service.SLUG, "read")]
Writer = Annotated[CurrentUser, require(unit_file_service.SLUG, "write")]


def _filing(session: Session, unit_code: str, unit_id: int) -> FilingPublic:
    values = unit_file_service.filing_public(unit_file_service.filing_of(session, unit_id))
    return FilingPublic(unit_code=unit_code, **values)


@router.get("/api/units/{unit_code}/filing", summary="A unit's filing fields (户籍化备案)")
def get_filing(unit_code: str, session: SessionDep, user: Reader) -> FilingPublic:
    unit = unit_file_service.unit_of(session, user.scope, unit_code)
    return _filing(session, unit.code, unit.id)


@router.put("/api/units/{unit_code}/filing", summary="Replace a unit's filing fields")
def put_filing(
    unit_code: str, payload: Annotated[FilingIn, Body()], session: SessionDep, user: Writer
) -> FilingPublic:
    row = unit_file_service.save_filing(
        session, user.actor, user.scope, unit_code, payload.model_dump()
    )
    return _filing(session, unit_code, row.unit_id)


@router.post(
    "/api/unit-filings/import",
    summary="Import many units' filing fields from an XLSX (all or nothing)",
)
async def import_filings(
    file: Annotated[UploadFile, File()], session: SessionDep, user: Writer
) -> ImportResult:
    rows = unit_file_service.read_filings_xlsx(await file.read())
    done = unit_file_service.import_filings(session, user.actor, user.scope, rows)
    return ImportResult(created=done.created, updated=done.updated)


@router.get(
    "/api/unit-filings/template.xlsx", response_class=Response, summary="The filing sheet template"
)
def template(user: Writer) -> Response:
    return Response(
        unit_file_service.filings_template(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _check(session: Session, row: MonthlyFireCheck) -> MonthlyCheckPublic:
    unit = unit_file_service.require_unit(session, row.unit_id)
    return MonthlyCheckPublic.model_validate(
        unit_file_service.check_public(row) | {"unit_code": unit.code}
    )


@router.post("/api/monthly-checks", status_code=201, summary="Record a monthly fire check")
def record_check(
    payload: Annotated[MonthlyCheckIn, Body()], session: SessionDep, user: Writer
) -> MonthlyCheckPublic:
    row = unit_file_service.record_check(
        session,
        user.actor,
        user.scope,
        payload.unit_code,
        payload.checked_on,
        {i.code: (i.ok, i.note) for i in payload.items},
    )
    return _check(session, row)


@router.post("/api/monthly-checks/{check_id}/sign", summary="The 消防安全责任人 signs it off")
def sign_check(
    check_id: int, payload: Annotated[SignIn, Body()], session: SessionDep, user: Writer
) -> MonthlyCheckPublic:
    row = unit_file_service.sign_check(
        session, user.actor, user.scope, check_id, payload.signer_name
    )
    return _check(session, row)


@router.get("/api/monthly-checks/compliance", summary="Each unit's monthly check of a month")
def compliance(
    session: SessionDep,
    user: Reader,
    year: Annotated[int, Query(ge=2000, le=2100)],
    month: Annotated[int, Query(ge=1, le=12)],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Page[CheckCompliancePublic]:
    items, total = unit_file_service.check_compliance(session, user.scope, year, month, page, size)
    return Page[CheckCompliancePublic](
        items=[CheckCompliancePublic(**i) for i in items], total=total, page=page, size=size
    )


@router.get("/api/monthly-checks/{check_id}", summary="One monthly check")
def get_check(check_id: int, session: SessionDep, user: Reader) -> MonthlyCheckPublic:
    return _check(session, unit_file_service.get_check(session, user.scope, check_id))
