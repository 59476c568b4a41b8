"""Candidate station sites (候选站址): grid points snapped onto the road network, filtered by
the siting rules of 建标152-2017 第十五条.

A square grid of ``spacing_m`` metres over the study area is snapped to the nearest road; a
point farther than ``max_snap_m`` from any road is dropped, and snapped points closer than
``spacing_m / 2`` to an earlier one are merged. A site is excluded when it lies within
``school_m`` (50 m) of a hospital or school (their exits are not in the registry, so their
unit and building positions stand in) or within ``hazard_m`` (300 m) of a hazardous-chemical
site (火灾高危单位 in the registry).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from lanyan.core.geo import utm_transformer
from lanyan.response.routing.router import Router
from lanyan.response.routing.snap import Snap
from lanyan.siting.coverage import snap_all
from lanyan.siting.sources import Place


@dataclass(frozen=True)
class Candidates:
    """Snapped candidate sites and how many each rule removed."""

    snaps: list[Snap]
    excluded_school: int
    excluded_hazard: int

    @property
    def lon(self) -> np.ndarray:
        return np.array([s.lon for s in self.snaps])

    @property
    def lat(self) -> np.ndarray:
        return np.array([s.lat for s in self.snaps])


def grid_candidates(
    router: Router,
    bounds: tuple[float, float, float, float],
    spacing_m: float = 1000.0,
    hospitals_schools: list[Place] | None = None,
    hazards: list[Place] | None = None,
    school_m: float = 50.0,
    hazard_m: float = 300.0,
    max_snap_m: float = 250.0,
) -> Candidates:
    """Candidates over WGS84 ``bounds`` (min lon, min lat, max lon, max lat)."""
    lon0, lat0, lon1, lat1 = bounds
    fwd, inv = utm_transformer(round((lon0 + lon1) / 2), round((lat0 + lat1) / 2))
    x0, y0 = fwd.transform(lon0, lat0)
    x1, y1 = fwd.transform(lon1, lat1)
    gx, gy = np.meshgrid(
        np.arange(x0, x1 + spacing_m, spacing_m), np.arange(y0, y1 + spacing_m, spacing_m)
    )
    glon, glat = inv.transform(gx.ravel(), gy.ravel())
    near = Router(router.graph, max_snap_m=max_snap_m, spacing_m=router.snapper.spacing_m)
    snaps, _ = snap_all(near, np.asarray(glon), np.asarray(glat), "candidate")
    if not snaps:
        return Candidates([], 0, 0)
    sx, sy = fwd.transform(np.array([s.lon for s in snaps]), np.array([s.lat for s in snaps]))
    xy = np.column_stack([sx, sy])
    keep = np.ones(len(snaps), dtype=bool)
    tree = cKDTree(xy)
    for i, j in sorted(tree.query_pairs(spacing_m / 2)):
        if keep[i]:
            keep[j] = False

    def within(places: list[Place] | None, radius: float) -> np.ndarray:
        if not places:
            return np.zeros(len(snaps), dtype=bool)
        px, py = fwd.transform(np.array([p.lon for p in places]), np.array([p.lat for p in places]))
        dist, _ = cKDTree(np.column_stack([px, py])).query(xy)
        return np.asarray(dist < radius)

    school = within(hospitals_schools, school_m) & keep
    hazard = within(hazards, hazard_m) & keep & ~school
    keep &= ~school & ~hazard
    return Candidates(
        [s for s, k in zip(snaps, keep, strict=True) if k], int(school.sum()), int(hazard.sum())
    )
