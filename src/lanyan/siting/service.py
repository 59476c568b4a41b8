"""Planning studies as JSON-ready answers: coverage, what-if, siting and hydrant gaps, read from
the registry inside a jurisdiction scope. The CLI and the HTTP routes both call these.

A :class:`Study` is what the registry holds for one scope (stations, demand cells, key units,
siting exclusions); the functions below take it and plain parameters, so the slow parts
(matrices, HiGHS) run without a database session and can run in a background job.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry.scope import Scope
from lanyan.response.routing.router import Router
from lanyan.siting import sources
from lanyan.siting.candidates import grid_candidates
from lanyan.siting.coverage import coverage_of, snap_all
from lanyan.siting.demand import DemandSet, grid_demand
from lanyan.siting.hydrant_gaps import HydrantGaps, Weight
from lanyan.siting.network import Entries, FacilityNetwork
from lanyan.siting.siting import LSCP, MCLP, PMedian

MODELS = ("lscp", "mclp", "pmedian")
# demand cells x candidate sites past which a siting run is refused (memory and time on a
# 2-core server: 2,000 x 2,500 is about 40 MB of travel times and well under a minute).
MAX_MATRIX = 5_000_000

Progress = Callable[[str, float], None]

# Solved hydrant-gap analyses by the digest of their inputs (see hydrant_gaps).
_GAPS: OrderedDict[str, HydrantGaps] = OrderedDict()
_GAPS_LOCK = threading.Lock()
_GAPS_KEEP = 4


def _no_progress(stage: str, fraction: float) -> None:
    return None


@dataclass
class Study:
    sites: list[sources.Site]
    demand: DemandSet
    key_units: list[sources.Place]
    schools: list[sources.Place]
    hazards: list[sources.Place]


def load_study(session: Session, scope: Scope, statuses: Iterable[str], cell_m: float) -> Study:
    """Stations of ``statuses``, demand cells of ``cell_m`` metres, key units and the siting
    exclusions inside ``scope``."""
    if not cell_m > 0:
        raise ValidationFailed("cell size must be positive", [FieldProblem("cell_m", "> 0")])
    return Study(
        sources.stations(session, scope, statuses),
        grid_demand(sources.leaf_areas(session, scope), sources.residences(session, scope), cell_m),
        sources.key_units(session, scope),
        sources.hospitals_and_schools(session, scope),
        sources.hazardous_sites(session, scope),
    )


def uncovered_geojson(study: Study, covered: np.ndarray) -> dict[str, Any]:
    """Uncovered demand cells as GeoJSON points with their population and area."""
    d = study.demand
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(float(d.lon[i]), 6), round(float(d.lat[i]), 6)],
                },
                "properties": {
                    "population": round(float(d.population[i]), 1),
                    "area_km2": round(float(d.area_km2[i]), 3),
                    "jurisdiction": str(d.code[i]),
                },
            }
            for i in np.flatnonzero(~covered)
        ],
    }


def site_run(
    router: Router,
    study: Study,
    model: str,
    p: int,
    minutes: float,
    turnout: float,
    spacing_m: float,
    time_limit: float,
    gap: float,
    progress: Progress = _no_progress,
) -> dict[str, Any]:
    """Optimal new station sites (``model`` lscp, mclp or pmedian) with existing stations kept
    open: chosen sites, objective, proven gap. Refuses matrices over :data:`MAX_MATRIX`."""
    if model not in MODELS:
        raise ValidationFailed(
            f"unknown model {model!r}",
            [FieldProblem("model", f"must be one of {', '.join(MODELS)}")],
        )
    demand, sites = study.demand, study.sites
    if len(demand) == 0:
        raise ValidationFailed(
            "no demand cells in this scope",
            [FieldProblem("scope", "needs jurisdictions with boundaries and population")],
        )
    progress("candidates", 0.05)
    bounds = (demand.lon.min(), demand.lat.min(), demand.lon.max(), demand.lat.max())
    cand = grid_candidates(router, bounds, spacing_m, study.schools, study.hazards)
    size = len(demand) * (len(cand.snaps) + len(sites))
    if size > MAX_MATRIX:
        raise ValidationFailed(
            f"{len(demand)} demand cells x {len(cand.snaps) + len(sites)} sites is too large",
            [
                FieldProblem(
                    "spacing_m",
                    f"demand cells x candidate sites must be at most {MAX_MATRIX:,}: "
                    "use a wider candidate spacing or a larger demand cell",
                )
            ],
        )
    fixed_snaps = [router.snap((s.lon, s.lat), f"station {s.code}") for s in sites]
    all_snaps = fixed_snaps + cand.snaps
    fixed = list(range(len(fixed_snaps)))
    progress("matrix", 0.2)
    d_snaps, ok = snap_all(router, demand.lon, demand.lat, "demand")
    drive_s = (minutes - turnout) * 60.0
    limit = float("inf") if model == "pmedian" else drive_s
    times = np.full((len(demand), len(all_snaps)), np.inf)
    if len(ok):
        times[ok] = FacilityNetwork(router.graph, all_snaps).matrix_to(Entries.of(d_snaps), limit).T
    progress("solving", 0.5)
    if model == "lscp":
        solved: LSCP | MCLP | PMedian = LSCP(times, drive_s, fixed).solve(time_limit, gap)
    elif model == "mclp":
        solved = MCLP(times, demand.population, drive_s, p, fixed).solve(time_limit, gap)
    else:
        solved = PMedian(times, demand.population, p + len(fixed), fixed).solve(time_limit, gap)
    progress("report", 0.95)
    chosen = [int(j) for j in solved.chosen]
    total = float(demand.population.sum())
    out: dict[str, Any] = {
        "model": model,
        "p": None if model == "lscp" else p,
        "minutes": minutes,
        "turnout_minutes": turnout,
        "objective": round(solved.objective, 3),
        "objective_unit": {
            "lscp": "sites",
            "mclp": "persons covered",
            "pmedian": "person-seconds",
        }[model],
        "gap": solved.gap,
        "status": solved.status,
        "demand_cells": len(demand),
        "candidates": len(cand.snaps),
        "excluded": {
            "hospital_school_50m": cand.excluded_school,
            "hazardous_300m": cand.excluded_hazard,
        },
        "existing": [s.code for s in sites],
        "new_sites": [
            {"lon": round(all_snaps[j].lon, 6), "lat": round(all_snaps[j].lat, 6)}
            for j in chosen
            if j >= len(fixed)
        ],
    }
    if model == "mclp" and total > 0:
        out["population_share"] = round(solved.objective / total, 4)
        base = (times[:, fixed] <= drive_s).any(axis=1) if fixed else np.zeros(len(demand), bool)
        out["population_share_before"] = round(float(demand.population[base].sum()) / total, 4)
    if model == "pmedian" and total > 0 and len(ok):
        out["mean_minutes"] = round(solved.objective / float(demand.population[ok].sum()) / 60.0, 3)
    return out


def hydrant_gaps(
    session: Session,
    scope: Scope,
    classes: list[str],
    radius_m: float = 150.0,
    spacing_m: float = 120.0,
    per_year: int | None = None,
    network: bool = True,
    step_m: float = 20.0,
    snap_m: float = 50.0,
    time_limit: float = 120.0,
    mip_rel_gap: float = 1e-6,
) -> tuple[HydrantGaps, list[dict[str, Any]]]:
    """The solved gap analysis for the roads of ``classes`` in ``scope`` and its build list.

    A solved analysis is kept (the last few) under a digest of its inputs: every road's code,
    width and geometry, every hydrant's code, status and position, and the parameters. A
    change to any road or hydrant changes the digest, so a cached answer is never stale;
    reading the inputs and hashing them costs a small part of solving again."""
    roads = sources.hydrant_roads(session, scope, classes)
    hydrants = sources.hydrants(session, scope)
    served = [Weight(r.lon, r.lat, floors=r.floors) for r in sources.residences(session, scope)]
    served += [Weight(u.lon, u.lat, key=1) for u in sources.key_units(session, scope)]
    params = (radius_m, spacing_m, step_m, snap_m, network, time_limit, mip_rel_gap)
    key = hashlib.sha256(repr((roads, hydrants, params)).encode()).hexdigest()
    with _GAPS_LOCK:
        g = _GAPS.get(key)
        if g is not None:
            _GAPS.move_to_end(key)
    if g is None:
        g = HydrantGaps(roads, hydrants, radius_m, spacing_m, step_m, snap_m, network=network)
        g.solve(time_limit, mip_rel_gap)
        with _GAPS_LOCK:
            _GAPS[key] = g
            while len(_GAPS) > _GAPS_KEEP:
                _GAPS.popitem(last=False)
    return g, g.build_list(per_year, served)


def gaps_geojson(g: HydrantGaps, build: list[dict[str, Any]]) -> dict[str, Any]:
    """Uncovered stretches (LineStrings, with road, side and length) and proposed hydrants
    (Points, with build-list rank and year) as two FeatureCollections."""
    stretches = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString" if len(s["coords"]) > 1 else "Point",
                    "coordinates": s["coords"] if len(s["coords"]) > 1 else s["coords"][0],
                },
                "properties": {k: v for k, v in s.items() if k != "coords"},
            }
            for s in g.uncovered
        ],
    }
    proposed = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]},
                "properties": b,
            }
            for b in build
        ],
    }
    return {"stretches": stretches, "proposed": proposed}


def service_areas(
    router: Router, sites: list[sources.Site], drive_s: float, buffer_m: float = 100.0
) -> dict[str, Any]:
    """Service-area polygons of ``sites`` (the roads each reaches within ``drive_s`` seconds,
    buffered) as a GeoJSON FeatureCollection."""
    from lanyan.siting.service_area import as_geojson, reached_pieces, service_polygon

    if not sites:
        return {"type": "FeatureCollection", "features": []}
    net = FacilityNetwork(
        router.graph, [router.snap((s.lon, s.lat), f"station {s.code}") for s in sites]
    )
    costs = net.node_costs(list(range(len(sites))), drive_s)
    features = []
    for k, s in enumerate(sites):
        lines, _ = reached_pieces(net, costs[k], drive_s)
        features.append(
            {
                "type": "Feature",
                "geometry": as_geojson(service_polygon(lines, buffer_m)),
                "properties": {"code": s.code, "name": s.name, "status": s.status},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def coverage_with_layers(
    router: Router, study: Study, minutes: float, turnout: float, gaps: int, polygons: bool
) -> dict[str, Any]:
    """:func:`~lanyan.siting.report.coverage_report` plus GeoJSON of the service areas and
    the uncovered cells."""
    from lanyan.siting.report import coverage_report

    cov = coverage_of(router, study.sites, study.demand, study.key_units, minutes, turnout)
    out = coverage_report(router, study.sites, study.demand, study.key_units, cov, gaps, polygons)
    areas = []
    for s, row in zip(study.sites, out["stations"], strict=True):
        geom = row.pop("service_area", None)
        if geom is not None:
            areas.append(
                {
                    "type": "Feature",
                    "geometry": geom,
                    "properties": {"code": s.code, "name": s.name, "population": row["population"]},
                }
            )
        row["lon"], row["lat"] = round(s.lon, 6), round(s.lat, 6)
    out["service_areas"] = {"type": "FeatureCollection", "features": areas}
    out["uncovered"] = uncovered_geojson(study, cov.covered)
    return out
