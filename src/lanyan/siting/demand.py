"""Demand points from jurisdiction population spread over grid cells (需求点：人口网格化).

Each leaf jurisdiction (one with a boundary and a population, and no child that has both) is
cut into square cells of ``cell_m`` metres in its local UTM zone; a cell clipped by the
boundary keeps only its inside part. The jurisdiction's latest population P_j is spread over
its cells c in proportion to the residential floors in them,

    pop_c = P_j * F_c / sum_c' F_c',   F_c = sum of ``floors_above`` of residential and mixed-use
                                              buildings standing in c,

or, when the registry has no such building in the jurisdiction, in proportion to cell area.
Floors stand in for floor area because the registry has no building footprints. A cell is
represented by its centroid (the point on it nearest the centroid when the clipped cell is
not convex enough to contain it).

Example (one 1 km square with 100 people and no buildings, 500 m cells; the square's edges
move by centimetres through WGS84, so slivers of the neighbouring cells appear too):

>>> from shapely.geometry import box
>>> from lanyan.core.geo import utm_transformer
>>> import shapely
>>> fwd, inv = utm_transformer(120, 33)
>>> square = shapely.transform(box(200000, 3650000, 201000, 3651000), inv.transform,
...                            interleaved=False)
>>> d = grid_demand([Area("A", square, 100)], [], cell_m=500)
>>> int((d.area_km2 > 0.01).sum()), round(float(d.population.sum())), round(float(d.area_km2.sum()), 2)
(4, 100, 1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import utm_transformer


@dataclass(frozen=True)
class Area:
    """A leaf jurisdiction: GB/T 2260 ``code``, WGS84 ``boundary``, resident ``population``."""

    code: str
    boundary: BaseGeometry
    population: float


@dataclass(frozen=True)
class Residence:
    """A residential building: WGS84 position and ``floors`` (its weight)."""

    lon: float
    lat: float
    floors: float


@dataclass(frozen=True)
class DemandSet:
    """Demand cells: centroid ``lon``/``lat`` (degrees), ``population`` (persons),
    ``area_km2``, owning jurisdiction ``code`` and ``cells`` (WGS84 polygons)."""

    lon: np.ndarray
    lat: np.ndarray
    population: np.ndarray
    area_km2: np.ndarray
    code: np.ndarray
    cells: np.ndarray

    def __len__(self) -> int:
        return len(self.lon)


def grid_demand(
    areas: Sequence[Area], residences: Sequence[Residence], cell_m: float = 500.0
) -> DemandSet:
    """Cells of ``cell_m`` metres over ``areas`` with population spread as the module says."""
    if not cell_m > 0:
        raise ValidationFailed(
            "cell size must be positive", [FieldProblem("cell_m", "must be > 0 metres")]
        )
    if not areas:
        raise ValidationFailed(
            "no jurisdiction has both a boundary and a population",
            [FieldProblem("jurisdictions", "need a boundary and a population to spread demand")],
        )
    centre = shapely.union_all([a.boundary.envelope for a in areas]).centroid
    fwd, inv = utm_transformer(round(centre.x), round(centre.y))
    rx, ry = fwd.transform(
        np.array([r.lon for r in residences]), np.array([r.lat for r in residences])
    )
    floors = np.array([r.floors for r in residences], dtype=np.float64)
    out: dict[str, list[np.ndarray]] = {k: [] for k in ("x", "y", "pop", "area", "code", "cell")}
    for a in areas:
        # types-shapely types the interleaved=True callback only; pyproj's takes x and y arrays.
        poly = shapely.transform(a.boundary, fwd.transform, interleaved=False)  # type: ignore[arg-type]
        x0, y0, x1, y1 = poly.bounds
        xs = np.arange(np.floor(x0 / cell_m), np.ceil(x1 / cell_m)) * cell_m
        ys = np.arange(np.floor(y0 / cell_m), np.ceil(y1 / cell_m)) * cell_m
        gx, gy = (g.ravel() for g in np.meshgrid(xs, ys))
        boxes = shapely.box(gx, gy, gx + cell_m, gy + cell_m)
        shapely.prepare(poly)
        touching = shapely.intersects(poly, boxes)
        cells = shapely.intersection(boxes[touching], poly)
        area = shapely.area(cells)
        keep = area > 0
        cells, area = cells[keep], area[keep]
        cx0, cy0 = gx[touching][keep], gy[touching][keep]
        inside = shapely.contains_xy(poly, rx, ry) if len(rx) else np.zeros(0, dtype=bool)
        weight = np.zeros(len(cells))
        if inside.any():
            key = {
                (int(x // cell_m), int(y // cell_m)): i
                for i, (x, y) in enumerate(zip(cx0, cy0, strict=True))
            }
            for x, y, f in zip(rx[inside], ry[inside], floors[inside], strict=True):
                i = key.get((int(x // cell_m), int(y // cell_m)))
                if i is not None:
                    weight[i] += f
        if weight.sum() <= 0:
            weight = area
        pts = shapely.centroid(cells)
        off = ~shapely.contains(cells, pts)
        if off.any():
            pts[off] = shapely.point_on_surface(cells[off])
        out["x"].append(shapely.get_x(pts))
        out["y"].append(shapely.get_y(pts))
        out["pop"].append(a.population * weight / weight.sum())
        out["area"].append(area / 1e6)
        out["code"].append(np.full(len(cells), a.code, dtype=object))
        out["cell"].append(cells)
    x, y = np.concatenate(out["x"]), np.concatenate(out["y"])
    lon, lat = inv.transform(x, y)
    cells_m = np.concatenate(out["cell"])
    # types-shapely types the interleaved=True callback only; pyproj's takes x and y arrays.
    cells_ll = shapely.transform(cells_m, inv.transform, interleaved=False)  # type: ignore[arg-type]
    return DemandSet(
        np.asarray(lon),
        np.asarray(lat),
        np.concatenate(out["pop"]),
        np.concatenate(out["area"]),
        np.concatenate(out["code"]),
        np.asarray(cells_ll),
    )
