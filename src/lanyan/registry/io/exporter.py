"""Exporting the rows of one object type inside a scope as CSV, XLSX or GeoJSON.

An export is a file ``import_file`` reads back unchanged: the Create schema's columns with
references as codes, and the coordinate system declared (GeoJSON ``crs`` member when not WGS84,
a ``crs`` column in CSV and XLSX). Coordinates are stored in WGS84 and converted on the way out
when the caller asks for GCJ-02 or BD-09.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from lanyan.core.cells import csv_row, xlsx_row
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs, from_wgs84, geometry_from_wgs84
from lanyan.registry import service
from lanyan.registry.io.formats import (
    CRS_COLUMN,
    CRS_NAMES,
    MEDIA_TYPES,
    Format,
    columns,
    export_fields,
)
from lanyan.registry.io.importer import Progress
from lanyan.registry.scope import Scope
from lanyan.registry.types import ObjectType

EXCEL_CELL_LIMIT = 32767  # characters in one XLSX cell


@dataclass(frozen=True)
class Export:
    data: bytes
    rows: int
    format: Format
    crs: Crs
    filename: str  # a suggested name: the type's slug and the format's extension

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.format]


def export_rows(
    session: Session,
    ot: ObjectType,
    scope: Scope,
    fmt: Format,
    crs: Crs = Crs.WGS84,
    progress: Progress | None = None,
) -> Export:
    """Every row of ``ot`` inside ``scope``, ordered by id, as a file in ``fmt`` and ``crs``."""
    total = service.count_in_scope(session, ot, scope)
    if progress:
        progress.stage("exporting", total)
    items = _items(session, ot, scope, crs, progress)
    if fmt is Format.CSV:
        data = _csv(ot, items)
    elif fmt is Format.XLSX:
        data = _xlsx(ot, items)
    else:
        data = _geojson(ot, items, crs)
    return Export(data, total, fmt, crs, f"{ot.slug}.{fmt.value}")


def _items(
    session: Session, ot: ObjectType, scope: Scope, crs: Crs, progress: Progress | None
) -> Iterator[dict[str, Any]]:
    """Create-shaped dicts (references as codes) in ``crs``, batch by batch."""
    with_crs = columns(ot.slug).crs_applies
    crs_name = CRS_NAMES[crs]
    for batch in service.iter_all(session, ot, scope):
        for item in service.public_rows(session, ot, batch, input_only=True):
            if with_crs:
                _from_wgs84(ot, item, crs)
                item[CRS_COLUMN] = crs_name
            yield item
        if progress:
            progress.advance(len(batch))


def _from_wgs84(ot: ObjectType, item: dict[str, Any], crs: Crs) -> None:
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return
    if item.get("lon") is not None and item.get("lat") is not None:
        item["lon"], item["lat"] = from_wgs84(item["lon"], item["lat"], crs)
    name = ot.geometry_field
    if name and item.get(name):
        geom = geometry_from_wgs84(shape(json.loads(item[name])), crs)
        item[name] = json.dumps(mapping(geom), separators=(",", ":"))


def _cell(value: Any) -> Any:
    """A value as CSV/XLSX carry it: lists comma-joined, booleans as true/false."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _csv(ot: ObjectType, items: Iterator[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    # A BOM, so Excel on Chinese Windows opens the file as UTF-8 rather than GBK.
    out.write("\ufeff")
    names = export_fields(ot)
    writer = csv.writer(out)
    writer.writerow(names)
    for item in items:
        writer.writerow(csv_row("" if item[n] is None else _cell(item[n]) for n in names))
    return out.getvalue().encode("utf-8")


def _xlsx(ot: ObjectType, items: Iterator[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(ot.slug[:31])
    names = export_fields(ot)
    sheet.append(names)
    for item in items:
        cells = [_cell(item[n]) for n in names]
        for name, cell in zip(names, cells, strict=True):
            if isinstance(cell, str) and len(cell) > EXCEL_CELL_LIMIT:
                raise ValidationFailed(
                    f"{ot.en}: a value is too long for an XLSX cell",
                    [
                        FieldProblem(
                            name,
                            f"of {item['code']} has {len(cell)} characters, more than an XLSX "
                            f"cell holds ({EXCEL_CELL_LIMIT}); export this type as GeoJSON",
                        )
                    ],
                )
        sheet.append(xlsx_row(sheet, cells))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _geojson(ot: ObjectType, items: Iterator[dict[str, Any]], crs: Crs) -> bytes:
    features = []
    for item in items:
        item.pop(CRS_COLUMN, None)
        geometry = None
        if ot.geometry == "point":
            lon, lat = item.pop("lon", None), item.pop("lat", None)
            if lon is not None and lat is not None:
                geometry = {"type": "Point", "coordinates": [lon, lat]}
        elif ot.geometry_field:
            text = item.pop(ot.geometry_field, None)
            geometry = json.loads(text) if text else None
        features.append({"type": "Feature", "geometry": geometry, "properties": item})
    doc: dict[str, Any] = {"type": "FeatureCollection", "name": ot.slug}
    if crs not in (Crs.WGS84, Crs.CGCS2000):
        # RFC 7946 dropped the crs member and means WGS84 without it; GCJ-02 and BD-09 files
        # must still say what they are, so they carry the 2008 spec's named crs.
        doc["crs"] = {"type": "name", "properties": {"name": CRS_NAMES[crs]}}
    elif crs is Crs.CGCS2000:
        doc["crs"] = {"type": "name", "properties": {"name": "EPSG:4490"}}
    doc["features"] = features
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
