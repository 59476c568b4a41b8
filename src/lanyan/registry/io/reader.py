"""Reading CSV, XLSX and GeoJSON files into raw records (field -> cell), one per data row.

Readers only reshape: cells become the Create schema's input (empty cells left out, zh-CN labels
mapped to values, list cells split), coordinates are left in the file's CRS, and every problem
with the file's shape is collected with its row rather than raised, so that one import reports
all of them. Row numbers are 1-based file lines (header = line 1) for CSV and XLSX and 1-based
feature numbers for GeoJSON.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any

from lanyan.core.cells import from_csv_text
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs
from lanyan.registry.io.formats import CRS_COLUMN, Columns, Format, columns, parse_crs
from lanyan.registry.types import ObjectType

FILE = "(file)"
_LIST_SEPARATORS = str.maketrans({";": ",", "，": ",", "；": ",", "、": ","})


@dataclass(slots=True)
class Record:
    row: int
    values: dict[str, Any]
    crs: str | None = None  # the row's own ``crs`` cell, if the file has that column


@dataclass
class Parsed:
    format: Format
    records: list[Record]
    problems: list[FieldProblem] = field(default_factory=list)
    declared_crs: Crs | None = None  # GeoJSON's crs member; None when absent (WGS84)
    has_crs_column: bool = False

    @property
    def row_label(self) -> str:
        return "feature" if self.format is Format.GEOJSON else "line"


def _unreadable(rule: str, row: int | None = None) -> ValidationFailed:
    return ValidationFailed("the file cannot be read", [FieldProblem(FILE, rule, row)])


def _cell_converter(cols: Columns, name: str) -> Callable[[str], Any] | None:
    """How a text cell of ``name`` becomes input: zh-CN enum labels mapped, lists split."""
    labels = cols.enum_labels.get(name, {})
    if name in cols.list_fields:

        def split(text: str) -> list[str]:
            parts = text.translate(_LIST_SEPARATORS).split(",")
            return [labels.get(p.strip(), p.strip()) for p in parts if p.strip()]

        return split
    if labels:
        return lambda text: labels.get(text, text)
    return None


class _Header:
    """Maps the header row to fields, reporting unknown and repeated columns on line 1."""

    def __init__(self, ot: ObjectType, raw: Iterable[Any]) -> None:
        cols = columns(ot.slug)
        self.problems: list[FieldProblem] = []
        self.fields: list[str | None] = []
        self.converters: list[Callable[[str], Any] | None] = []
        seen: set[str] = set()
        for cell in raw:
            text = "" if cell is None else str(cell).strip()
            name = cols.headers.get(text.lower())
            if name is None:
                if text:
                    self.problems.append(
                        FieldProblem(
                            text,
                            f"is not a column of {ot.slug}; the columns are "
                            f"{', '.join(cols.fields)}"
                            + (f", {CRS_COLUMN}" if cols.crs_applies else ""),
                            1,
                        )
                    )
            elif name in seen:
                self.problems.append(FieldProblem(text, "appears twice in the header", 1))
                name = None
            else:
                seen.add(name)
            self.fields.append(name)
            self.converters.append(_cell_converter(cols, name) if name else None)
        if not seen:
            self.problems.append(
                FieldProblem(FILE, "must start with a header row of field names", 1)
            )
        self.has_crs = CRS_COLUMN in seen
        self.names = [name or "" for name in self.fields]
        self.converted = [
            (name, conv)
            for name, conv in zip(self.fields, self.converters, strict=True)
            if name and conv
        ]

    def record(self, row: int, cells: Iterable[str]) -> Record | None:
        """The row's non-empty cells by field (a short row's missing cells are empty)."""
        # Unknown columns map to "" (already reported) and are dropped after the comprehension,
        # which is several times faster than a loop over the cells.
        values: dict[str, Any] = {
            name: text
            for name, cell in zip(self.names, cells, strict=False)
            if cell and (text := cell.strip())
        }
        values.pop("", None)
        if not values:
            return None
        for name, conv in self.converted:
            if name in values:
                values[name] = conv(values[name])
        crs = values.pop(CRS_COLUMN, None)
        return Record(row, values, crs)


Source = bytes | IO[bytes]  # the file's bytes, or a binary file (an upload's spooled file)


def _binary(data: Source) -> IO[bytes]:
    """A binary stream over ``data``, at its start (bytes are wrapped without a copy)."""
    if isinstance(data, bytes | bytearray | memoryview):
        return io.BytesIO(data)
    data.seek(0)
    return data


def _codec(encoding: str) -> str:
    name = encoding.lower().replace("-", "").replace("_", "")
    if name in ("utf8", "utf8sig"):
        return "utf-8-sig"
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValidationFailed(
            "unknown text encoding",
            [FieldProblem("encoding", f"{encoding!r} is not a known text encoding")],
        ) from None


def _decode_problem(stream: IO[bytes], encoding: str) -> ValidationFailed:
    """Where the file stops being ``encoding`` text: the byte and line, found by decoding the
    stream again chunk by chunk (a text stream only knows the chunk it was reading)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder(_codec(encoding))()
    offset = lines = 0
    while chunk := stream.read(1 << 16):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            byte = offset + max(exc.start, 0)
            line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
            break
        offset += len(chunk)
        lines += chunk.count(b"\n")
    else:
        byte, line = offset, lines + 1
    rule = f"must be {encoding} text; byte {byte + 1} (line {line}) is not"
    if _codec(encoding) == "utf-8-sig":
        rule += (
            ". Excel's plain 'CSV' on Chinese Windows writes GBK: save as "
            "'CSV UTF-8', or give the encoding (--encoding gb18030)"
        )
    return _unreadable(rule, line)


def read_csv(ot: ObjectType, data: Source, encoding: str = "utf-8") -> Parsed:
    """CSV in UTF-8 (a BOM is fine), or in ``encoding`` when the caller names another one.
    Read as a stream: a spooled upload is parsed from its file, never held whole as text."""
    stream = _binary(data)
    text = io.TextIOWrapper(stream, encoding=_codec(encoding), newline="")
    try:
        return _parse_csv(ot, text)
    except UnicodeDecodeError:
        raise _decode_problem(stream, encoding) from None
    finally:
        text.detach()  # leave the caller's file open


def _parse_csv(ot: ObjectType, text: IO[str]) -> Parsed:
    reader = csv.reader(text)
    try:
        header = _Header(ot, next(reader))
    except StopIteration:
        raise _unreadable("is empty; it needs a header row and data rows") from None
    except csv.Error as exc:
        raise _unreadable(f"is not valid CSV: {exc}", 1) from None
    problems = header.problems
    width = len(header.fields)
    records = []
    end = reader.line_num
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                problems.append(
                    FieldProblem(FILE, f"has {len(cells)} cells but the header has {width}", start)
                )
            # The exporter quoted text that starts like a formula (lanyan.core.cells): unquote.
            rec = header.record(start, [from_csv_text(c) for c in cells])
            if rec is not None:
                records.append(rec)
    except csv.Error as exc:
        problems.append(FieldProblem(FILE, f"is not valid CSV: {exc}", reader.line_num))
    return Parsed(Format.CSV, records, problems, has_crs_column=header.has_crs)


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(_codec(encoding))
    except UnicodeDecodeError:
        raise _decode_problem(io.BytesIO(data), encoding) from None


def _xlsx_text(value: Any) -> str:
    """An XLSX cell as the text a CSV would carry, so both go through one validation."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_xlsx(ot: ObjectType, data: Source) -> Parsed:
    """The workbook's first sheet, header in row 1 (openpyxl read-only mode)."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(_binary(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _unreadable(f"is not an XLSX workbook ({exc})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        try:
            header = _Header(ot, next(rows))
        except StopIteration:
            raise _unreadable("has an empty first sheet; it needs a header row") from None
        problems = header.problems
        records = []
        for line, cells in enumerate(rows, start=2):
            rec = header.record(line, [_xlsx_text(c) for c in cells])
            if rec is not None:
                records.append(rec)
    finally:
        book.close()
    return Parsed(Format.XLSX, records, problems, has_crs_column=header.has_crs)


def _geojson_crs(member: Any) -> Crs:
    """The legacy (2008) GeoJSON ``crs`` member: named (``{"type": "name", ...}``) or EPSG."""
    if isinstance(member, dict) and isinstance(member.get("properties"), dict):
        props = member["properties"]
        if member.get("type") == "name" and isinstance(props.get("name"), str):
            return parse_crs(props["name"], "crs")
        if str(member.get("type")).upper() == "EPSG" and props.get("code") is not None:
            return parse_crs(f"EPSG:{props['code']}", "crs")
    raise ValidationFailed(
        "unknown coordinate system",
        [
            FieldProblem(
                "crs", 'must be {"type": "name", "properties": {"name": "GCJ-02"}} or alike'
            )
        ],
    )


def read_geojson(ot: ObjectType, data: Source) -> Parsed:
    """A FeatureCollection; the geometry gives lon/lat (point types) or the geometry field."""
    try:
        doc = json.loads(_decode(_binary(data).read(), "utf-8"))
    except json.JSONDecodeError as exc:
        raise _unreadable(f"is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise _unreadable("must be a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise _unreadable("must have a features list")
    declared = _geojson_crs(doc["crs"]) if doc.get("crs") is not None else None
    cols = columns(ot.slug)
    converters = {name: _cell_converter(cols, name) for name in cols.fields}
    problems: list[FieldProblem] = []
    records = []
    for n, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(FieldProblem("type", "must be a GeoJSON Feature", n))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            problems.append(FieldProblem("properties", "must be an object", n))
            continue
        values: dict[str, Any] = {}
        for key, value in props.items():
            name = cols.headers.get(str(key).strip().lower())
            if name is None:
                problems.append(FieldProblem(str(key), f"is not a field of {ot.slug}", n))
                continue
            if value is None or value == "":
                continue
            if isinstance(value, str):
                value = value.strip()
                conv = converters.get(name)
                value = conv(value) if conv else value
            elif isinstance(value, list) and name in cols.enum_labels:
                labels = cols.enum_labels[name]
                value = [labels.get(v, v) if isinstance(v, str) else v for v in value]
            elif (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and name in cols.text_fields
            ):
                value = str(value)
            values[name] = value
        _take_geometry(ot, feature.get("geometry"), values, problems, n)
        crs = values.pop(CRS_COLUMN, None)
        if values:
            records.append(Record(n, values, crs))
    return Parsed(Format.GEOJSON, records, problems, declared_crs=declared)


def _take_geometry(
    ot: ObjectType, geometry: Any, values: dict[str, Any], problems: list[FieldProblem], n: int
) -> None:
    if geometry is None:
        return
    if not isinstance(geometry, dict):
        problems.append(FieldProblem("geometry", "must be a GeoJSON geometry object or null", n))
    elif ot.geometry == "point":
        coords = geometry.get("coordinates")
        if (
            geometry.get("type") != "Point"
            or not isinstance(coords, list)
            or len(coords) < 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        ):
            problems.append(FieldProblem("geometry", "must be a Point [lon, lat] or null", n))
        else:
            values["lon"], values["lat"] = coords[0], coords[1]
    elif ot.geometry_field:
        values[ot.geometry_field] = geometry
    else:
        problems.append(FieldProblem("geometry", f"must be null: {ot.slug} have no geometry", n))


def read_file(ot: ObjectType, data: Source, fmt: Format, encoding: str = "utf-8") -> Parsed:
    if fmt is Format.CSV:
        return read_csv(ot, data, encoding)
    if fmt is Format.XLSX:
        return read_xlsx(ot, data)
    return read_geojson(ot, data)
