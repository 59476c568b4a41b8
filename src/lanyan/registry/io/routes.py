"""Import and export endpoints, one pair per object type: ``/api/{slug}/import`` and ``/export``.

They must be mounted before the CRUD routers, whose ``/api/{slug}/{row_id}`` would otherwise
take ``export`` for a row id.
"""

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.core.geo import Crs
from lanyan.registry.io import CRS_NAMES, Format, export_rows, format_for, import_file, parse_crs
from lanyan.registry.types import OBJECT_TYPES, ObjectType

CRS_HELP = "WGS84, CGCS2000, GCJ-02 or BD-09 (also EPSG codes)"


class ImportOut(BaseModel):
    type: str
    format: Format
    imported: int
    crs: list[str]


def io_router(ot: ObjectType) -> APIRouter:
    router = APIRouter(prefix=f"/api/{ot.slug}", tags=[ot.en])
    reader = require(ot.slug, "read")
    writer = require(ot.slug, "write")

    @router.post(
        "/import",
        response_model=ImportOut,
        summary=f"Import {ot.en.lower()} from CSV, XLSX or GeoJSON (all rows or none)",
        **upload(UploadKind.IMPORT),
    )
    def import_(
        file: Annotated[UploadFile, File(description="CSV (UTF-8), XLSX or GeoJSON")],
        session: SessionDep,
        user: Annotated[CurrentUser, writer],
        crs: Annotated[str | None, Form(description=f"the file's CRS: {CRS_HELP}")] = None,
        format: Annotated[str, Form(description="auto, csv, xlsx or geojson")] = "auto",
        encoding: Annotated[str, Form(description="text encoding of a CSV file")] = "utf-8",
    ) -> ImportOut:
        fmt = format_for(file.filename or "", format)
        result = import_file(
            session,
            ot,
            user.actor,
            user.scope,
            file.file,  # parsed from the spooled upload, not copied into memory first
            fmt,
            crs=crs or None,
            encoding=encoding,
        )
        return ImportOut(type=ot.slug, format=fmt, imported=result.rows, crs=result.crs)

    @router.get(
        "/export",
        summary=f"Export the {ot.en.lower()} in your jurisdiction as CSV, XLSX or GeoJSON",
        response_class=Response,
    )
    def export(
        session: SessionDep,
        user: Annotated[CurrentUser, reader],
        format: Format = Format.CSV,
        crs: Annotated[str, Query(description=f"the CRS to write: {CRS_HELP}")] = CRS_NAMES[
            Crs.WGS84
        ],
    ) -> Response:
        out = export_rows(session, ot, user.scope, format, parse_crs(crs))
        return Response(
            out.data,
            media_type=out.media_type,
            headers={"Content-Disposition": f'attachment; filename="{out.filename}"'},
        )

    return router


def io_routers() -> list[APIRouter]:
    return [io_router(ot) for ot in OBJECT_TYPES]
