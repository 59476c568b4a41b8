"""``/api/stats``: fire statistics records (火灾统计) and 简易登记, their import and export, the
missing-records list, the analysis (JSON, workbook, map GeoJSON) and fire investigation cases."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from lanyan.accounts import roles
from lanyan.accounts.public_limits import count_submission
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core import files
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.stats import analysis, cases, declarations, io, records
from lanyan.stats.choices import CaseAction, DeclarationState
from lanyan.stats.models import FireRecord
from lanyan.stats.schemas import (
    DeclarationAccept,
    DeclarationPublic,
    DeclarationReject,
    FireLossReceipt,
)

router = APIRouter(prefix="/api/stats", tags=["fire statistics 火灾统计"])
RecordReader = Annotated[CurrentUser, require(records.SLUG, "read")]
RecordWriter = Annotated[CurrentUser, require(records.SLUG, "write")]
CaseReader = Annotated[CurrentUser, require(cases.SLUG, "read")]
CaseWriter = Annotated[CurrentUser, require(cases.SLUG, "write")]


class RecordIn(BaseModel):
    """A fire record or 简易登记. ``incident`` (a closed 火灾 incident's code) fills what is left
    out; times without a zone are Asia/Shanghai."""

    code: str = ""
    jurisdiction: str = ""
    occurred_at: str = Field("", description="YYYY-MM-DD HH:MM or YYYY-MM-DD")
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    incident: str = ""
    unit: str = ""
    building: str = ""
    place: str = ""
    cause: str = ""
    deaths: int = 0
    injuries: int = 0
    serious_injuries: int = 0
    direct_loss_yuan: float = 0.0
    burned_area_m2: float | None = None
    simplified: bool = False
    major_social_impact: bool = False
    note: str = ""


def record_public(r: FireRecord) -> dict[str, Any]:
    return {**records.snapshot(r), "occurred_on": r.occurred_on.isoformat()}


def _filters(
    year: int,
    first_year: int | None,
    jurisdiction: str | None,
    cause: str | None,
    place: str | None,
    grade: str | None,
    simplified: bool | None,
) -> analysis.Filters:
    return analysis.Filters(
        year=year,
        first_year=first_year or year - 4,
        jurisdiction=jurisdiction or None,
        cause=cause or None,
        place=place or None,
        grade=grade or None,
        simplified=simplified,
    )


YearQ = Annotated[
    int | None,
    Query(
        ge=1990,
        le=2100,
        description="focus year (analyses: this year, or the latest earlier year with records;"
        " lists: all years)",
    ),
]
FirstQ = Annotated[int | None, Query(ge=1990, le=2100, description="trend start; default year−4")]


@router.post("/records", status_code=201)
def create_record(body: RecordIn, session: SessionDep, user: RecordWriter) -> dict[str, Any]:
    """Record a fire (or a 简易登记 with ``simplified``); the grade is computed."""
    payload = {k: ("" if v is None else v) for k, v in body.model_dump().items()}
    row = records.create_record(session, user.actor, user.scope, payload)
    return record_public(row)


@router.get("/records")
def list_records(
    session: SessionDep, user: RecordReader, year: YearQ = None
) -> list[dict[str, Any]]:
    """Fire records inside your area (one year, or all), oldest first, as export rows."""
    return io.record_rows(session, user.scope, year)


@router.get("/records/export.{fmt}", response_class=Response)
def export_records(
    fmt: str, session: SessionDep, user: RecordReader, year: YearQ = None
) -> Response:
    """Fire records as CSV (UTF-8 with BOM) or XLSX, with zh-CN headers the importer reads."""
    rows = io.record_rows(session, user.scope, year)
    if fmt == "csv":
        data, media = io.to_csv(rows), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        data, media = io.records_xlsx(rows), io.XLSX_MEDIA
    else:
        raise ValidationFailed(
            "unknown export format", [FieldProblem("fmt", "must be csv or xlsx")]
        )
    name = f"fire-records-{year or 'all'}.{fmt}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/records/import", **upload(UploadKind.IMPORT))
async def import_records(
    session: SessionDep,
    user: RecordWriter,
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GB18030) or XLSX")],
) -> dict[str, Any]:
    """Import fire records all or nothing; every broken row is named with its line."""
    rows = io.read_rows(await file.read(), file.filename or "")
    n = records.import_rows(session, user.actor, user.scope, rows)
    return {"imported": n}


@router.get("/records/missing")
def missing(session: SessionDep, user: RecordReader) -> list[dict[str, Any]]:
    """Closed 火灾 incidents with neither a fire record nor a 简易登记."""
    return records.missing_records(session, user.scope)


@router.get("/records/prefill/{incident_code}")
def prefill(incident_code: str, session: SessionDep, user: RecordReader) -> dict[str, Any]:
    """What a record form starts from for a closed fire incident."""
    return records.prefill(session, user.scope, incident_code)


@router.get("/analysis")
def analyse(
    session: SessionDep,
    user: RecordReader,
    year: YearQ = None,
    first_year: FirstQ = None,
    jurisdiction: str | None = None,
    cause: str | None = None,
    place: str | None = None,
    grade: str | None = None,
    simplified: bool | None = None,
) -> dict[str, Any]:
    """The four figures by year with 同比, and by cause, place, grade, month, weekday, hour and
    jurisdiction for the focus year."""
    year = year or analysis.default_year(session, user.scope)
    f = _filters(year, first_year, jurisdiction, cause, place, grade, simplified)
    return analysis.analyse(session, user.scope, f, user.jurisdiction_id)


@router.get("/analysis.xlsx", response_class=Response)
def analyse_xlsx(
    session: SessionDep,
    user: RecordReader,
    year: YearQ = None,
    first_year: FirstQ = None,
    jurisdiction: str | None = None,
    cause: str | None = None,
    place: str | None = None,
    grade: str | None = None,
    simplified: bool | None = None,
) -> Response:
    """The analysis as a workbook, one sheet per breakdown."""
    year = year or analysis.default_year(session, user.scope)
    f = _filters(year, first_year, jurisdiction, cause, place, grade, simplified)
    result = analysis.analyse(session, user.scope, f, user.jurisdiction_id)
    name = f"fire-statistics-{result['jurisdiction']['code']}-{f.year}.xlsx"
    return Response(
        io.analysis_xlsx(result),
        media_type=io.XLSX_MEDIA,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/map")
def map_layer(
    session: SessionDep,
    user: RecordReader,
    year: YearQ = None,
    jurisdiction: str | None = None,
    cause: str | None = None,
    place: str | None = None,
    grade: str | None = None,
    simplified: bool | None = None,
    first_year: FirstQ = None,  # accepted (the page passes its filters) and not used
) -> dict[str, Any]:
    """GeoJSON for the 一张图: the year's fires as points and fire counts per jurisdiction."""
    year = year or analysis.default_year(session, user.scope)
    f = _filters(year, first_year, jurisdiction, cause, place, grade, simplified)
    return analysis.map_features(session, user.scope, f, user.jurisdiction_id)


# --- investigation cases ---------------------------------------------------------------------


class CaseIn(BaseModel):
    record: str = Field(description="the fire record's code")
    investigator: str = ""


class ActionIn(BaseModel):
    action: CaseAction
    cause: str = ""
    statement: str = ""
    police_case_no: str = ""
    findings: str = ""
    note: str = ""


class EvidenceIn(BaseModel):
    code: str
    kind: str
    description: str
    holder: str = ""
    file_name: str = ""
    content_base64: str = Field("", description="the file's bytes, base64; hashed, not stored")


class TransferIn(BaseModel):
    to_holder: str
    reason: str


class ResponsibilityIn(BaseModel):
    kind: str
    party: str
    finding: str


def case_public(session: Any, case: Any) -> dict[str, Any]:
    d = cases.case_detail(session, case)
    iso = lambda v: v.isoformat() if isinstance(v, datetime) else v  # noqa: E731
    return {
        **{k: iso(v) for k, v in cases.snapshot(case).items()},
        "record": d["record"].code if d["record"] else None,
        "legal_actions": [a.value for a in d["actions"]],
        "evidence": [
            {
                "code": i.code,
                "kind": i.kind,
                "sha256": i.sha256,
                "holder": i.holder,
                "custody": [
                    {"from": m.from_holder, "to": m.to_holder, "at": iso(m.at), "reason": m.reason}
                    for m in moves
                ],
            }
            for i, moves in d["evidence"]
        ],
        "responsibilities": [
            {"kind": r.kind, "party": r.party, "finding": r.finding} for r in d["findings"]
        ],
    }


@router.post("/investigations", status_code=201)
def open_case(body: CaseIn, session: SessionDep, user: CaseWriter) -> dict[str, Any]:
    """Open the investigation case of a fire; says whether a 延伸调查 is required and why."""
    case = cases.open_case(session, user.actor, user.scope, body.record, body.investigator)
    return case_public(session, case)


@router.get("/investigations/{code}")
def read_case(code: str, session: SessionDep, user: CaseReader) -> dict[str, Any]:
    """One case with its evidence chain and findings."""
    return case_public(session, cases.get_case(session, user.scope, code))


@router.post("/investigations/{code}/actions")
def case_action(code: str, body: ActionIn, session: SessionDep, user: CaseWriter) -> dict[str, Any]:
    """Move the case: start, determine_cause, start_extended, finish_extended, transfer_police,
    close. An illegal move is refused naming the state and the action."""
    case = cases.act(session, user.actor, user.scope, code, body.action, body.model_dump())
    return case_public(session, case)


class ImpactIn(BaseModel):
    reason: str


@router.post("/investigations/{code}/social-impact")
def social_impact(
    code: str, body: ImpactIn, session: SessionDep, user: CaseWriter
) -> dict[str, Any]:
    """Flag the fire as having major social impact: a 延伸调查 becomes required."""
    case = cases.flag_social_impact(session, user.actor, user.scope, code, body.reason)
    return case_public(session, case)


@router.post("/investigations/{code}/evidence", status_code=201)
def add_evidence(
    code: str, body: EvidenceIn, session: SessionDep, user: CaseWriter
) -> dict[str, Any]:
    """Register an evidence item (hashed with SHA-256)."""
    try:
        content = (
            base64.b64decode(body.content_base64, validate=True) if body.content_base64 else None
        )
    except (binascii.Error, ValueError):
        raise ValidationFailed(
            "content is not base64", [FieldProblem("content_base64", "must be base64")]
        ) from None
    item = cases.add_evidence(session, user.actor, user.scope, code, body.model_dump(), content)
    return {"code": item.code, "sha256": item.sha256, "holder": item.holder}


@router.post("/investigations/{code}/evidence/{item}/transfers", status_code=201)
def transfer(
    code: str,
    item: str,
    body: TransferIn,
    session: SessionDep,
    user: CaseWriter,
) -> dict[str, Any]:
    """Hand an evidence item to a new holder (chain of custody)."""
    move = cases.transfer_custody(
        session,
        user.actor,
        user.scope,
        code,
        item,
        body.to_holder,
        body.reason,
    )
    return {"from": move.from_holder, "to": move.to_holder, "at": move.at.isoformat()}


@router.post("/investigations/{code}/responsibilities", status_code=201)
def responsibility(
    code: str, body: ResponsibilityIn, session: SessionDep, user: CaseWriter
) -> dict[str, Any]:
    """Record a responsibility finding (责任认定)."""
    row = cases.add_responsibility(session, user.actor, user.scope, code, body.model_dump())
    return {"id": row.id}


# ---- 火灾损失申报: the portal's declaration and the officers' review queue --------------------

public_router = APIRouter(prefix="/api/public", tags=["Public 公开"])
RATE_LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "Too many from this address (LANYAN_PUBLIC_SUBMIT_MAX)"}
}


@public_router.post(
    "/fire-losses",
    response_model=FireLossReceipt,
    status_code=201,
    responses=RATE_LIMITED | upload(UploadKind.ATTACHMENT)["responses"],
    openapi_extra=upload(UploadKind.ATTACHMENT)["openapi_extra"],
    dependencies=[Depends(count_submission)],
    summary="Declare a fire's loss (火灾损失申报); answers the tracking number",
)
def declare_fire_loss(
    request: Request,
    session: SessionDep,
    jurisdiction_code: Annotated[str, Form()] = "",
    occurred_at: Annotated[str, Form(description="YYYY-MM-DDTHH:MM, Asia/Shanghai")] = "",
    address: Annotated[str, Form()] = "",
    burned: Annotated[str, Form(description="what burned")] = "",
    direct_loss_yuan: Annotated[str, Form(description="direct loss in 元")] = "",
    deaths: Annotated[str, Form()] = "0",
    injuries: Annotated[str, Form()] = "0",
    declarant_name: Annotated[str, Form()] = "",
    declarant_phone: Annotated[str, Form()] = "",
    photos: Annotated[list[UploadFile] | None, File(description="JPEG, PNG or WebP")] = None,
) -> Any:
    """Multipart form; the declaration waits as a draft and counts in no statistics until an
    officer accepts it."""
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    sent = [
        (f"photos.{i}", f.filename or "", f.file.read(limit + 1))
        for i, f in enumerate(photos or [])
        if f.filename
    ]
    values = {
        "jurisdiction_code": jurisdiction_code,
        "occurred_at": occurred_at or None,
        "address": address,
        "burned": burned,
        "direct_loss_yuan": direct_loss_yuan or None,
        "deaths": deaths or 0,
        "injuries": injuries or 0,
        "declarant_name": declarant_name,
        "declarant_phone": declarant_phone,
    }
    return declarations.receipt(
        declarations.declare_form(session, values, sent, settings.data_dir, limit)
    )


@router.get(
    "/declarations",
    response_model=Page[DeclarationPublic],
    summary="The review queue of 火灾损失申报 (waiting first)",
)
def declaration_queue(
    session: SessionDep,
    user: RecordReader,
    state: DeclarationState | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    rows, total = declarations.queue(session, user.scope, state, page, size)
    may_act = roles.can_write(user.role, declarations.SLUG)
    items = [declarations.public(session, r, may_act) for r in rows]
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/declarations/{declaration_id}/accept",
    response_model=DeclarationPublic,
    summary="Accept a declaration: its fire record joins the statistics",
)
def accept_declaration(
    declaration_id: int,
    payload: Annotated[DeclarationAccept, Body()],
    session: SessionDep,
    user: RecordWriter,
) -> Any:
    row = declarations.accept(session, user.actor, user.scope, declaration_id, payload)
    return declarations.public(session, row, True)


@router.post(
    "/declarations/{declaration_id}/reject",
    response_model=DeclarationPublic,
    summary="Reject a declaration with the reason the declarant sees",
)
def reject_declaration(
    declaration_id: int,
    payload: Annotated[DeclarationReject, Body()],
    session: SessionDep,
    user: RecordWriter,
) -> Any:
    row = declarations.reject(session, user.actor, user.scope, declaration_id, payload)
    return declarations.public(session, row, True)


@router.get(
    "/declarations/{declaration_id}/photos/{index}",
    response_class=Response,
    summary="One photo of a declaration",
)
def declaration_photo(
    request: Request, declaration_id: int, index: int, session: SessionDep, user: RecordReader
) -> Response:
    item = declarations.photo(session, user.scope, declaration_id, index)
    data = files.read(request.app.state.settings.data_dir, str(item["sha256"]))
    return Response(data, media_type=str(item["content_type"]))
