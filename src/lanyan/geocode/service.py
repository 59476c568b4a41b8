"""The geocoder's reads and writes: the index built from the registry (through its service
functions) and this package's own table of house numbers and landmarks; the import of that
table from CSV/XLSX.

One :class:`~lanyan.geocode.matcher.Index` is kept per database and process. Before a search
it is validated by the change stamps of the tables it was built from (a count and the latest
update of each: a few aggregate queries), at most every ``CHECK_EVERY_S`` seconds, and rebuilt
when one moved.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs, check_lon_lat, to_wgs84
from lanyan.geocode.matcher import (
    Answer,
    Hit,
    Index,
    Kind,
    Place,
    normalize,
    parse_house_number,
    split_names,
)
from lanyan.geocode.models import GeocodePlace
from lanyan.registry import service as registry_service
from lanyan.registry.scope import Scope
from lanyan.registry.types import get_type
from lanyan.store import audit

CHECK_EVERY_S = 2.0
SNAP_M = 50.0  # a map click snaps to a building this near
# Registry types the index reads, with the kind of their hits.
SOURCES: dict[str, Kind] = {
    "jurisdictions": Kind.DIVISION,
    "units": Kind.UNIT,
    "buildings": Kind.BUILDING,
    "stations": Kind.STATION,
    "water-sources": Kind.HYDRANT,
    "landmarks": Kind.POI,
    "roads": Kind.ROAD,
}
EVERYWHERE = Scope()


@dataclass
class _Cached:
    stamp: tuple[Any, ...]
    index: Index
    checked: float
    buildings: Any = None  # (ids, lon, lat) arrays for the nearest-building snap


_cache: dict[str, _Cached] = {}
_building: dict[str, threading.Thread] = {}
_lock = threading.Lock()
BACKGROUND_ABOVE = 20_000  # places; a bigger index is rebuilt in the background


def _watched() -> tuple[type, ...]:
    return (*(get_type(slug).model for slug in SOURCES), GeocodePlace)


@event.listens_for(Session, "after_flush")
def _written(session: Session, _context: Any) -> None:
    """A write in this process to a table the index reads: validate before the next search
    (the stamps then decide; a write from another process is seen within CHECK_EVERY_S)."""
    watched = _watched()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, watched):
            for cached in _cache.values():
                cached.checked = float("-inf")
            return


def _stamp(session: Session) -> tuple[Any, ...]:
    parts: list[Any] = [registry_service.change_stamp(session, get_type(slug)) for slug in SOURCES]
    parts.append(
        tuple(
            session.execute(
                select(func.count(), func.max(GeocodePlace.updated_at), func.max(GeocodePlace.id))
            ).one()
        )
    )
    return tuple(parts)


def cpca_divisions() -> list[Place]:
    """Every province, city and county of China from cpca (centres GCJ-02 → WGS84)."""
    return list(_cpca_divisions())


@lru_cache(maxsize=1)
def _cpca_divisions() -> tuple[Place, ...]:
    text = (resources.files("cpca") / "resources" / "adcodes.csv").read_text(encoding="utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(text)):
        if not row["longitude"] or not row["latitude"]:
            continue
        lon, lat = to_wgs84(float(row["longitude"]), float(row["latitude"]), Crs.GCJ02)
        out.append(Place(Kind.DIVISION, row["name"], lon, lat, code=row["adcode"][:6]))
    return tuple(out)


def split_divisions(divisions: list[Place]) -> tuple[list[str], list[str]]:
    """cpca's names as (provinces and prefecture cities, counties): the first are stripped from
    a text in full or short, the counties only in full (see :class:`Index`)."""
    short: list[str] = []
    full: list[str] = []
    for d in divisions:
        (full if d.code[4:6] != "00" else short).append(d.label)
    return short, full


def _road_points(geometry: str) -> list[tuple[float, float]]:
    try:
        coords = json.loads(geometry).get("coordinates") or []
    except (ValueError, AttributeError):
        return []
    if coords and isinstance(coords[0][0], list):  # MultiLineString
        coords = [pt for line in coords for pt in line]
    return [(float(c[0]), float(c[1])) for c in coords]


def build_index(session: Session) -> Index:
    """Read every place once and index it."""
    places: list[Place] = []
    division_names: list[str] = []
    nodes: dict[tuple[float, float], set[str]] = {}
    road_parts: dict[str, list[tuple[float, float]]] = {}
    for slug, kind in SOURCES.items():
        for batch in registry_service.iter_all(session, get_type(slug), EVERYWHERE):
            for r in batch:
                if slug == "roads":
                    if not r.name:
                        continue
                    pts = _road_points(r.geometry)
                    road_parts.setdefault(r.name, []).extend(pts)
                    for pt in pts:
                        nodes.setdefault((round(pt[0], 6), round(pt[1], 6)), set()).add(r.name)
                    continue
                if slug == "jurisdictions":
                    division_names.append(r.name)
                lon, lat = getattr(r, "lon", None), getattr(r, "lat", None)
                if lon is None or lat is None:
                    continue
                label = getattr(r, "name", "") or getattr(r, "address", "") or r.code
                names: tuple[str, ...] = ()
                if slug in ("units", "buildings", "stations", "landmarks") and r.address:
                    names = (r.address,)
                if slug in ("units", "landmarks"):
                    names += tuple(split_names(r.aliases))
                jid = r.id if slug == "jurisdictions" else r.jurisdiction_id
                places.append(Place(kind, label, lon, lat, r.code, names, jid, r.id))
    for name, pts in road_parts.items():
        mid = pts[len(pts) // 2]
        places.append(Place(Kind.ROAD, name, mid[0], mid[1]))
    for row in session.execute(select(GeocodePlace).order_by(GeocodePlace.id)).scalars():
        kind = Kind.ADDRESS if row.kind == "address" else Kind.POI
        alias = (row.alias,) if row.alias else ()
        places.append(
            Place(kind, row.label, row.lon, row.lat, "", alias, row.jurisdiction_id, row.id)
        )
    divisions = cpca_divisions()
    short, full = split_divisions(divisions)
    places += divisions
    index = Index(places, division_names + short, full)
    for (lon, lat), crossing in nodes.items():
        if len(crossing) > 1:
            ordered = sorted(crossing)
            for i, a in enumerate(ordered):
                for b in ordered[i + 1 :]:
                    index.add_junction(a, b, lon, lat)
    return index


def _key(session: Session) -> str:
    bind = session.get_bind()
    return str(bind.engine.url)


def index_for(session: Session, check_every_s: float = CHECK_EVERY_S) -> Index:
    """The process's index for this database, rebuilt when the registry changed.

    A small index is rebuilt before answering. A big one (more than ``BACKGROUND_ABOVE``
    places: seconds to build) is rebuilt in a background thread while searches keep the
    previous index, so a registry write never makes a dispatcher wait."""
    key = _key(session)
    now = time.monotonic()
    cached = _cache.get(key)
    if cached is not None and now - cached.checked < check_every_s:
        return cached.index
    stamp = _stamp(session)
    if cached is not None and cached.stamp == stamp:
        cached.checked = now
        return cached.index
    if cached is not None and len(cached.index.places) > BACKGROUND_ABOVE:
        cached.checked = now  # the next check comes after the rebuild or CHECK_EVERY_S
        if key not in _building:
            engine = session.get_bind().engine
            worker = threading.Thread(
                target=_rebuild, args=(key, engine, stamp), name="geocode-index", daemon=True
            )
            _building[key] = worker
            worker.start()
        return cached.index
    with _lock:
        index = build_index(session)
        _cache[key] = _Cached(stamp, index, time.monotonic())
    return index


def _rebuild(key: str, engine: Any, stamp: tuple[Any, ...]) -> None:
    try:
        with Session(engine) as session:
            index = build_index(session)
        with _lock:
            _cache[key] = _Cached(stamp, index, float("-inf"))  # validate on the next search
    finally:
        _building.pop(key, None)


def wait_for_rebuild(timeout_s: float = 60.0) -> None:
    """Block until the background rebuilds have finished (tests, the CLI)."""
    for worker in list(_building.values()):
        worker.join(timeout_s)


def forget() -> None:
    """Drop every cached index (tests, after a bulk load)."""
    _cache.clear()


def _in_scope_ids(session: Session, scope: Scope) -> set[int] | None:
    if scope.unrestricted:
        return None
    ids: set[int] = set()
    for batch in registry_service.iter_all(session, get_type("jurisdictions"), scope):
        ids.update(r.id for r in batch)
    return ids


def caller_context(
    lon: float | None, lat: float | None, fields: tuple[str, str] = ("near_lon", "near_lat")
) -> tuple[float, float] | None:
    """The caller's point from its two halves: both or neither, each in range (WGS84)."""
    if lon is None and lat is None:
        return None
    problems = [
        FieldProblem(name, "give both near_lon and near_lat, or neither")
        for name, value in zip(fields, (lon, lat), strict=True)
        if value is None
    ]
    if lon is not None and not -180 <= lon <= 180:
        problems.append(FieldProblem(fields[0], "a longitude from -180 to 180"))
    if lat is not None and not -90 <= lat <= 90:
        problems.append(FieldProblem(fields[1], "a latitude from -90 to 90"))
    if problems:
        raise ValidationFailed("the caller's point is incomplete or out of range", problems)
    assert lon is not None and lat is not None
    return lon, lat


def search(
    session: Session,
    scope: Scope,
    query: str,
    limit: int = 10,
    near: tuple[float, float] | None = None,
) -> Answer:
    """Places for ``query``, best first; hits of another jurisdiction than the user's are left
    out (divisions and landmarks with no jurisdiction are kept). ``near`` (lon, lat) is the
    caller's context: the location that came with the call, or the dispatcher's map view."""
    text = query.strip()
    if not text:
        raise ValidationFailed("the query is empty", [FieldProblem("q", "must not be empty")])
    if len(text) > 200:
        raise ValidationFailed(
            "the query is too long", [FieldProblem("q", "at most 200 characters")]
        )
    index = index_for(session)
    allowed = _in_scope_ids(session, scope)
    answer = index.search(text, limit if allowed is None else limit * 5, near)
    if allowed is not None:
        answer.hits = [
            h for h in answer.hits if h.jurisdiction_id is None or h.jurisdiction_id in allowed
        ][:limit]
        answer.total = len(answer.hits) if len(answer.hits) < limit else answer.total
        if answer.picked is not None and answer.picked not in answer.hits:
            answer.picked = None
    return answer


def nearest_building(
    session: Session, scope: Scope, lon: float, lat: float, within_m: float
) -> tuple[Hit, float] | None:
    """The building nearest to a map click, and its distance in metres, if within ``within_m``."""
    check_lon_lat(lon, lat)
    index = index_for(session)
    allowed = _in_scope_ids(session, scope)
    rows, xy = index.buildings_xy()
    if not rows:
        return None
    k = math.cos(math.radians(lat))
    metres = np.hypot((xy[:, 0] - lon) * k, xy[:, 1] - lat) * 111_195.0
    for i in np.argsort(metres)[:50].tolist():  # the nearest in scope among the nearest 50
        p = index.places[rows[i]]
        if metres[i] > within_m:
            return None
        if allowed is None or p.jurisdiction_id in allowed:
            hit = Hit(
                p.kind, p.label, p.lon, p.lat, 1.0, "nearest building", p.code, p.ref_id,
                p.jurisdiction_id,
            )  # fmt: skip
            return hit, float(metres[i])
    return None


# -- import of house numbers and landmarks ----------------------------------------------------

COLUMNS = ("label", "lon", "lat")
OPTIONAL = ("kind", "alias", "jurisdiction_code")


def _rows_of(path: Path) -> list[dict[str, str]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = path.read_bytes().decode("utf-8-sig")
        return [dict(r) for r in csv.DictReader(io.StringIO(text))]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True, data_only=True)
        rows = list(wb.active.iter_rows(values_only=True)) if wb.active else []
        if not rows:
            return []
        head = [str(h or "").strip() for h in rows[0]]
        return [
            {h: "" if v is None else str(v) for h, v in zip(head, r, strict=False)}
            for r in rows[1:]
        ]
    raise ValidationFailed(
        f"{path.name} is not a CSV or XLSX file",
        [FieldProblem("file", "must end in .csv or .xlsx")],
    )


def landmark_code(jurisdiction_code: str, name: str) -> str:
    """The code an imported landmark gets: stable for its jurisdiction and name, so importing
    the same file again updates the row instead of adding another."""
    digest = hashlib.sha1(f"{jurisdiction_code}|{name}".encode()).hexdigest()[:12]
    return f"POI-{digest.upper()}"


def import_places(
    session: Session, path: Path, crs: Crs = Crs.WGS84, actor: audit.Actor = audit.SYSTEM
) -> int:
    """Import house numbers (门牌, kind ``address``, the default) and landmarks (``poi``) from
    a CSV/XLSX file with columns label, lon, lat [, kind, alias, jurisdiction_code]. Every row
    is checked first; one bad row refuses the whole file, naming its row and column. A label
    already imported is updated. A landmark is a registry object (``landmarks``, audited as
    ``actor``) and needs its jurisdiction_code; its code is :func:`landmark_code`."""
    rows = _rows_of(path)
    if rows:
        missing = [c for c in COLUMNS if c not in rows[0]]
        if missing:
            raise ValidationFailed(
                f"{path.name} lacks column(s) {', '.join(missing)}",
                [FieldProblem(c, "column is required") for c in missing],
            )
    jurisdictions = {}
    for batch in registry_service.iter_all(session, get_type("jurisdictions"), EVERYWHERE):
        jurisdictions.update({r.code: r.id for r in batch})
    problems: list[FieldProblem] = []
    good: list[dict[str, Any]] = []
    for line, r in enumerate(rows, start=2):
        label = (r.get("label") or "").strip()
        kind = (r.get("kind") or "address").strip().lower()
        item: dict[str, Any] = {
            "label": label,
            "kind": kind,
            "alias": (r.get("alias") or "").strip(),
        }
        if not label or len(label) > 255:
            problems.append(FieldProblem("label", "must be 1 to 255 characters", line))
        if kind not in ("address", "poi"):
            problems.append(FieldProblem("kind", "must be address or poi", line))
        try:
            lon, lat = float(r.get("lon") or ""), float(r.get("lat") or "")
            check_lon_lat(lon, lat)
            item["lon"], item["lat"] = to_wgs84(lon, lat, crs)
        except ValueError as exc:
            problems.append(FieldProblem("lon", f"lon/lat must be degrees ({exc})", line))
        code = (r.get("jurisdiction_code") or "").strip()
        item["jurisdiction_id"] = jurisdictions.get(code) if code else None
        if code and item["jurisdiction_id"] is None:
            problems.append(
                FieldProblem("jurisdiction_code", f"no jurisdiction has code {code}", line)
            )
        if kind == "poi" and len(label) > 200:
            problems.append(
                FieldProblem("label", "a landmark's name is at most 200 characters", line)
            )
        if kind == "poi" and not code:
            problems.append(
                FieldProblem("jurisdiction_code", "a landmark (poi) needs its jurisdiction", line)
            )
        item["jurisdiction_code"] = code
        house = parse_house_number(normalize(label)) if kind == "address" else None
        if kind == "address" and label and house is None:
            problems.append(
                FieldProblem("label", "an address must be road + number, e.g. 永泰路155号", line)
            )
        item["road"] = house.road if house else ""
        item["number"] = house.number if house else None
        good.append(item)
        if len(problems) >= 50:
            break
    if problems:
        raise ValidationFailed(
            f"{path.name}: {len(problems)} bad row(s), nothing imported", problems
        )
    audit.begin_write(session)
    existing = {
        (k, lbl): i
        for i, k, lbl in session.execute(
            select(GeocodePlace.id, GeocodePlace.kind, GeocodePlace.label)
        ).all()
    }
    landmarks = get_type("landmarks")
    for item in good:
        code = item.pop("jurisdiction_code")
        if item["kind"] == "poi":
            _import_landmark(session, landmarks, actor, item, code)
            continue
        row_id = existing.get((item["kind"], item["label"]))
        row = session.get(GeocodePlace, row_id) if row_id else GeocodePlace()
        for name, value in item.items():
            setattr(row, name, value)
        session.add(row)
    session.flush()
    return len(good)


def _import_landmark(
    session: Session, ot: Any, actor: audit.Actor, item: dict[str, Any], jurisdiction: str
) -> None:
    data = {
        "name": item["label"],
        "aliases": item["alias"],
        "lon": item["lon"],
        "lat": item["lat"],
        "jurisdiction_code": jurisdiction,
    }
    code = landmark_code(jurisdiction, data["name"])
    row_id = registry_service.id_of_code(session, ot, EVERYWHERE, code)
    if row_id is None:
        registry_service.create(session, ot, actor, EVERYWHERE, {"code": code, **data})
    else:
        registry_service.update(session, ot, actor, EVERYWHERE, row_id, data)
