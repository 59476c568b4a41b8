"""Coordinate systems and geometry helpers.

Storage is WGS84 (CGCS2000 is treated as identical: they differ by centimetres). Files may come
in GCJ-02 (Amap, Tencent) or BD-09 (Baidu); ``prcoords`` does those conversions, with its precise
iterative inverse. Metric work uses a UTM projection from pyproj, never degrees.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
import prcoords
import shapely
from pyproj import Transformer
from shapely.errors import GEOSException
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry


class Crs(StrEnum):
    """Coordinate systems a file may declare."""

    WGS84 = "wgs84"
    CGCS2000 = "cgcs2000"
    GCJ02 = "gcj02"
    BD09 = "bd09"

    @classmethod
    def parse(cls, text: str) -> Crs:
        """Accept the usual spellings: 'WGS84', 'EPSG:4326', 'GCJ-02', 'bd-09', 'CGCS2000', ..."""
        key = text.strip().lower().replace("-", "").replace("_", "").replace(" ", "")
        aliases = {
            "wgs84": cls.WGS84,
            "epsg4326": cls.WGS84,
            "epsg:4326": cls.WGS84,
            "urn:ogc:def:crs:ogc:1.3:crs84": cls.WGS84,
            "urn:ogc:def:crs:epsg::4326": cls.WGS84,
            "crs84": cls.WGS84,
            "cgcs2000": cls.CGCS2000,
            "epsg4490": cls.CGCS2000,
            "epsg:4490": cls.CGCS2000,
            "gcj02": cls.GCJ02,
            "bd09": cls.BD09,
            "bd09ll": cls.BD09,
        }
        if key in aliases:
            return aliases[key]
        raise ValueError(f"coordinate system {text!r} is not one of WGS84, CGCS2000, GCJ-02, BD-09")


def to_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    """Convert one point to WGS84 longitude, latitude (degrees)."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return lon, lat
    if crs is Crs.GCJ02:
        out = prcoords.gcj_wgs_bored((lat, lon))
    else:
        out = prcoords.bd_wgs_bored((lat, lon))
    return out.lon, out.lat


def from_wgs84(lon: float, lat: float, crs: Crs) -> tuple[float, float]:
    """Convert one WGS84 point to ``crs`` (for exports to systems that want GCJ-02 or BD-09)."""
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return lon, lat
    out = prcoords.wgs_gcj((lat, lon)) if crs is Crs.GCJ02 else prcoords.wgs_bd((lat, lon))
    return out.lon, out.lat


def _point_fn(fn: Callable[[float, float, Crs], tuple[float, float]], crs: Crs) -> Callable:
    """A ``shapely.transform`` callback applying ``fn`` to each (x, y) of an (N, 2) array."""

    def apply(coords: np.ndarray) -> np.ndarray:
        return np.array([fn(float(x), float(y), crs) for x, y in coords], dtype=float).reshape(
            -1, 2
        )

    return apply


def geometry_to_wgs84(geom: BaseGeometry, crs: Crs) -> BaseGeometry:
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return geom
    return shapely.transform(geom, _point_fn(to_wgs84, crs))


def geometry_from_wgs84(geom: BaseGeometry, crs: Crs) -> BaseGeometry:
    if crs in (Crs.WGS84, Crs.CGCS2000):
        return geom
    return shapely.transform(geom, _point_fn(from_wgs84, crs))


def metres_between(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance of two WGS84 points (haversine, metres)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * 6371008.8 * np.arcsin(np.sqrt(a)))


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise ValueError unless the point is a valid longitude/latitude pair."""
    if not -180.0 <= lon <= 180.0:
        raise ValueError("lon must be between -180 and 180 degrees")
    if not -90.0 <= lat <= 90.0:
        raise ValueError("lat must be between -90 and 90 degrees")


LINE_RULE = "a line needs at least 2 distinct points"


def parse_geojson_geometry(value: str | dict[str, Any], allowed: tuple[str, ...]) -> BaseGeometry:
    """Parse a GeoJSON geometry (text or mapping), check its type and validity."""
    data = json.loads(value) if isinstance(value, str) else value
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("geometry must be a GeoJSON geometry object")
    if data["type"] not in allowed:
        raise ValueError(f"geometry type must be one of {', '.join(allowed)}")
    lines = data["type"] in ("LineString", "MultiLineString")
    try:
        with np.errstate(invalid="ignore"):
            geom = shape(data)
    except GEOSException as exc:
        # GEOS refuses a one-point line before shapely can say anything more useful.
        if lines:
            raise ValueError(LINE_RULE) from exc
        raise ValueError(f"geometry is not valid GeoJSON: {exc}") from exc
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"geometry is not valid GeoJSON: {exc}") from exc
    if geom.is_empty:
        raise ValueError("geometry must not be empty")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise ValueError("geometry coordinates must be finite numbers (no NaN or infinity)")
    if lines and any(
        len({tuple(c) for c in part.coords}) < 2 for part in getattr(geom, "geoms", [geom])
    ):
        raise ValueError(LINE_RULE)
    if not geom.is_valid:
        raise ValueError("geometry must be valid (no self-intersections)")
    minx, miny, maxx, maxy = geom.bounds
    check_lon_lat(minx, miny)
    check_lon_lat(maxx, maxy)
    return geom


def geometry_to_json(geom: BaseGeometry) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


@lru_cache(maxsize=64)
def utm_transformer(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """Forward and inverse transformers to the UTM zone of a point (metres)."""
    zone = int((lon + 180) // 6) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    fwd = Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)
    inv = Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
    return fwd, inv


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    """Project a WGS84 geometry into its UTM zone (metres)."""
    c = geom.centroid
    fwd, _ = utm_transformer(round(c.x, 0), round(c.y, 0))
    # types-shapely types the interleaved=True callback only; pyproj's takes x and y arrays.
    return shapely.transform(geom, fwd.transform, interleaved=False)  # type: ignore[arg-type]


def area_km2(geom: BaseGeometry) -> float:
    """Area of a WGS84 polygon in square kilometres."""
    return to_metric(geom).area / 1e6
