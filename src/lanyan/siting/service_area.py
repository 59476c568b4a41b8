"""Service-area polygons (服务范围面): the road network a station reaches, buffered.

A node v with d(k, v) <= D (D = driving time of the standard, s) is reached with D - d(k, v)
seconds to spare; an edge e = (v, u) leaving it is reached over the fraction
min(1, (D - d(k, v)) / w_e) of its length. The reached pieces, buffered by ``buffer_m`` metres
in the local UTM zone and dissolved, make the polygon (the usual network-buffer service area).
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, mapping
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from lanyan.core.geo import utm_transformer
from lanyan.siting.network import FacilityNetwork


def reached_pieces(
    net: FacilityNetwork, node_cost: np.ndarray, drive_s: float
) -> tuple[list[LineString], float]:
    """The reached part of every edge (WGS84 lines) and their total length in km."""
    g = net.graph
    spare = drive_s - node_cost[g.tail]
    live = np.flatnonzero(spare > 0)
    frac = np.minimum(1.0, spare[live] / net.w[live])
    lines: list[LineString] = []
    km = 0.0
    for e, f in zip(live, frac, strict=True):
        geom = g.edge_geometry(int(e))
        line = LineString(geom)
        piece = line if f >= 1.0 else substring(line, 0.0, float(f), normalized=True)
        assert isinstance(piece, LineString)  # f > 0 (spare > 0): a piece with a length
        lines.append(piece)
        km += float(f * g.meters[e]) / 1000.0
    return lines, km


def service_polygon(lines: list[LineString], buffer_m: float = 100.0) -> BaseGeometry:
    """Buffer and dissolve reached pieces into one WGS84 (multi)polygon."""
    if not lines:
        return shapely.Polygon()
    c = shapely.MultiLineString(lines).centroid
    fwd, inv = utm_transformer(round(c.x), round(c.y))
    # types-shapely types the interleaved=True callback only; pyproj's takes x and y arrays.
    metric = shapely.transform(np.array(lines), fwd.transform, interleaved=False)  # type: ignore[arg-type]
    shape = shapely.union_all(shapely.buffer(metric, buffer_m, quad_segs=4))
    # types-shapely types the interleaved=True callback only; pyproj's takes x and y arrays.
    return shapely.transform(shape, inv.transform, interleaved=False)  # type: ignore[arg-type]


def as_geojson(geom: BaseGeometry, digits: int = 6) -> dict:
    """GeoJSON geometry with coordinates rounded to ``digits`` decimals."""
    return mapping(shapely.set_precision(geom, 10.0**-digits))
