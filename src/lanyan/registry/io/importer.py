"""Importing a file of one object type: read → CRS to WGS84 → validate → bulk insert with audit.

All or nothing: every row is checked (schema, cross-field rules, references, scope, duplicate
codes in the file and in the database) and if any row is bad, ``ValidationFailed`` lists every
problem with its row, field and rule, and nothing is written. The caller owns the transaction
(``unit_of_work`` in the CLI, the request session in the API) and rolls it back on that error.

Coordinate systems: a GeoJSON file declares its CRS in the ``crs`` member (absent: WGS84, per
RFC 7946); a CSV or XLSX file declares it per row in a ``crs`` column, or the caller names it
for the whole file. A row's own ``crs`` cell wins over the caller's choice. A CSV or XLSX file
with coordinates and neither declaration is refused: guessing a datum moves points by hundreds
of metres.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs, geometry_to_wgs84, to_wgs84
from lanyan.registry import service
from lanyan.registry.io.formats import CRS_COLUMN, CRS_NAMES, Format, columns, parse_crs
from lanyan.registry.io.reader import Parsed, Record, Source, read_file
from lanyan.registry.scope import Scope
from lanyan.registry.types import ObjectType
from lanyan.store.audit import Actor

CRS_RULE = (
    "CSV and XLSX files must declare their coordinate system: add a crs column "
    "(WGS84, CGCS2000, GCJ-02 or BD-09) or name it for the whole file (--crs / crs=)"
)
_SAME_AS_WGS84 = (Crs.WGS84, Crs.CGCS2000)
_PROGRESS_STEP = 2000  # rows between progress reports: cheap enough for 100,000-row files


class Progress(Protocol):
    """What an import reports as it goes (the CLI draws it as a Rich progress bar)."""

    def stage(self, name: str, total: int | None) -> None: ...

    def advance(self, n: int) -> None: ...


@dataclass
class ImportResult:
    slug: str
    format: Format
    rows: int
    ids: list[int]
    crs: list[str]  # the coordinate systems the rows were converted from
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage


@contextmanager
def _no_gc_pauses() -> Iterator[None]:
    """Pause the cyclic garbage collector while building ~10⁶ acyclic objects.

    Its generational passes rescan every live row dict again and again and cost a third of a
    100,000-row import; nothing built here forms reference cycles, so nothing is leaked.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def import_file(
    session: Session,
    ot: ObjectType,
    actor: Actor,
    scope: Scope,
    data: Source,
    fmt: Format,
    *,
    crs: Crs | str | None = None,
    encoding: str = "utf-8",
    progress: Progress | None = None,
) -> ImportResult:
    """Import ``data`` (the file's bytes, or a binary file read from its start, e.g. an upload's
    spooled file) as rows of ``ot`` in the caller's transaction."""
    default_crs = parse_crs(crs, CRS_COLUMN) if isinstance(crs, str) else crs
    seconds: dict[str, float] = {}
    with _no_gc_pauses():
        t0 = time.perf_counter()
        if progress:
            progress.stage("reading", None)
        parsed = read_file(ot, data, fmt, encoding)
        t1 = time.perf_counter()
        seconds["read"] = t1 - t0
        problems = list(parsed.problems)
        used = _convert_all(ot, parsed, default_crs, problems)
        t2 = time.perf_counter()
        seconds["convert"] = t2 - t1
        rows = _validate_all(ot, parsed.records, problems, progress)
        t3 = time.perf_counter()
        seconds["validate"] = t3 - t2
        if progress:
            progress.stage("inserting", len(rows))
        ids = service.bulk_create(
            session,
            ot,
            actor,
            scope,
            rows,
            "import",
            progress=_batched(progress.advance) if progress else None,
            problems=problems,
        )
        session.flush()
        seconds["insert"] = time.perf_counter() - t3
    return ImportResult(ot.slug, fmt, len(ids), ids, sorted(CRS_NAMES[c] for c in used), seconds)


def _batched(advance: Callable[[int], None]) -> Callable[[int], None]:
    """A ``progress(n)`` for bulk_create that reports every few thousand rows."""
    pending = 0

    def step(n: int) -> None:
        nonlocal pending
        pending += n
        if pending >= _PROGRESS_STEP:
            advance(pending)
            pending = 0

    return step


def _validate_all(
    ot: ObjectType,
    records: list[Record],
    problems: list[FieldProblem],
    progress: Progress | None,
) -> list[service.BulkRow]:
    if progress:
        progress.stage("validating", len(records))
    rows = []
    validate, BulkRow = service.validate_input, service.BulkRow
    for i, rec in enumerate(records, start=1):
        try:
            rows.append(BulkRow(rec.row, validate(ot, rec.values, rec.row)))
        except ValidationFailed as exc:
            problems.extend(exc.problems)
        if progress and i % _PROGRESS_STEP == 0:
            progress.advance(_PROGRESS_STEP)
    if progress:
        progress.advance(len(records) % _PROGRESS_STEP)
    return rows


def _has_coordinates(ot: ObjectType, values: dict[str, Any]) -> bool:
    return "lon" in values or "lat" in values or bool(ot.geometry_field in values)


def _convert_all(
    ot: ObjectType, parsed: Parsed, default: Crs | None, problems: list[FieldProblem]
) -> set[Crs]:
    """Convert every record's coordinates to WGS84 in place; return the CRSs met."""
    if not columns(ot.slug).crs_applies:
        return set()
    if parsed.format is Format.GEOJSON:
        declared = parsed.declared_crs or Crs.WGS84
        if default is not None and parsed.declared_crs not in (None, default):
            problems.append(
                FieldProblem(
                    "crs",
                    f"the file declares {CRS_NAMES[declared]} but the import was asked "
                    f"for {CRS_NAMES[default]}",
                )
            )
        file_crs: Crs | None = default or declared
    else:
        file_crs = default
        if file_crs is None and not parsed.has_crs_column:
            if any(_has_coordinates(ot, r.values) for r in parsed.records):
                problems.append(FieldProblem(CRS_COLUMN, CRS_RULE, 1))
            return set()
    used: set[Crs] = set()
    cache: dict[str, Crs | None] = {}
    for rec in parsed.records:
        row_crs = file_crs
        if rec.crs is not None:
            if rec.crs not in cache:
                try:
                    cache[rec.crs] = parse_crs(rec.crs)
                except ValidationFailed:
                    cache[rec.crs] = None
            row_crs = cache[rec.crs]
            if row_crs is None:
                problems.append(
                    FieldProblem(
                        CRS_COLUMN, "must be one of WGS84, CGCS2000, GCJ-02, BD-09", rec.row
                    )
                )
                continue
        if not _has_coordinates(ot, rec.values):
            continue
        if row_crs is None:
            problems.append(FieldProblem(CRS_COLUMN, CRS_RULE, rec.row))
            continue
        used.add(row_crs)
        if row_crs not in _SAME_AS_WGS84:
            _to_wgs84(ot, rec.values, row_crs)
    return used


def _to_wgs84(ot: ObjectType, values: dict[str, Any], crs: Crs) -> None:
    """Convert a record's point and geometry; values that do not parse are left for validation
    to report."""
    if "lon" in values and "lat" in values:
        try:
            lon, lat = float(values["lon"]), float(values["lat"])
        except (TypeError, ValueError):
            lon = lat = float("nan")
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            values["lon"], values["lat"] = to_wgs84(lon, lat, crs)
    name = ot.geometry_field
    if name and name in values:
        raw = values[name]
        try:
            geom = shape(json.loads(raw) if isinstance(raw, str) else raw)
        except (ShapelyError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            return
        values[name] = mapping(geometry_to_wgs84(geom, crs))
