"""Coverage reports and what-if changes as plain JSON-ready dictionaries (覆盖分析报告)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.response.routing.router import Router
from lanyan.siting.coverage import Coverage, coverage_of
from lanyan.siting.demand import DemandSet
from lanyan.siting.network import FacilityNetwork
from lanyan.siting.service_area import as_geojson, reached_pieces, service_polygon
from lanyan.siting.sources import Place, Site


@dataclass(frozen=True)
class Change:
    """A what-if edit: ``add`` a site at lon/lat, ``move`` station ``code`` there, or
    ``remove`` station ``code``."""

    action: str
    code: str
    lon: float | None = None
    lat: float | None = None
    station_class: str = "class2"


def apply_changes(sites: list[Site], changes: list[Change]) -> list[Site]:
    """The station list after ``changes``; an unknown code is an error naming it."""
    out = list(sites)
    for n, ch in enumerate(changes):
        codes = [s.code for s in out]
        if ch.action == "add":
            if ch.lon is None or ch.lat is None:
                raise ValueError("an added site needs a position")
            out.append(Site(ch.code, ch.code, ch.lon, ch.lat, ch.station_class, "what_if"))
            continue
        if ch.code not in codes:
            raise ValidationFailed(
                f"no station {ch.code} to {ch.action}",
                [FieldProblem(f"--{ch.action}", f"must name a station in the study ({n + 1})")],
            )
        i = codes.index(ch.code)
        if ch.action == "remove":
            out.pop(i)
        elif ch.lon is not None and ch.lat is not None:
            out[i] = replace(out[i], lon=ch.lon, lat=ch.lat, status="what_if")
    return out


def _r(x: float, digits: int = 4) -> float | None:
    return None if not np.isfinite(x) else round(float(x), digits)


def coverage_report(
    router: Router,
    sites: list[Site],
    demand: DemandSet,
    key_units: list[Place],
    cov: Coverage,
    gaps: int = 20,
    polygons: bool = False,
    buffer_m: float = 100.0,
) -> dict[str, Any]:
    """Per-station and total figures, the largest uncovered cells and uncovered key units."""
    total_pop = float(demand.population.sum())
    stations: list[dict[str, Any]] = []
    net = FacilityNetwork(
        router.graph, [router.snap((s.lon, s.lat), f"station {s.code}") for s in sites]
    )
    for k, s in enumerate(sites):
        row: dict[str, Any] = {
            "code": s.code,
            "name": s.name,
            "station_class": s.station_class,
            "status": s.status,
            "suburban": s.suburban,
            "population": round(float(cov.station_population[k])),
            "population_share": _r(cov.station_population[k] / total_pop) if total_pop else None,
            "area_km2": _r(cov.station_area_km2[k], 2),
            "district_area_km2": _r(cov.district_area_km2[k], 2),
            "district_limit_km2": _r(cov.limits_km2[k], 1),
            "district_ok": bool(cov.district_ok[k]),
        }
        node_cost = net.node_costs([k], cov.drive_s)[0]
        lines, km = reached_pieces(net, node_cost, cov.drive_s)
        row["reached_road_km"] = round(km, 2)
        if polygons:
            row["service_area"] = as_geojson(service_polygon(lines, buffer_m))
        stations.append(row)
    uncovered = np.flatnonzero(~cov.covered)
    worst = uncovered[np.argsort(-demand.population[uncovered], kind="stable")][:gaps]
    key_gaps = [u for u, ok in zip(key_units, cov.key_covered, strict=True) if not ok]
    return {
        "minutes": cov.minutes,
        "turnout_minutes": cov.turnout_minutes,
        "demand": {
            "method": "grid cells; jurisdiction population spread over residential floors",
            "cells": len(demand),
            "population": round(total_pop),
            "area_km2": round(float(demand.area_km2.sum()), 2),
        },
        "stations": stations,
        "total": {
            "population_share": _r(cov.population_share),
            "area_share": _r(cov.area_share),
            "key_unit_share": _r(cov.key_unit_share),
            "population_covered": round(float(demand.population[cov.covered].sum())),
            "area_km2_covered": round(float(demand.area_km2[cov.covered].sum()), 2),
            "key_units": len(key_units),
            "key_units_covered": int(cov.key_covered.sum()),
        },
        "gaps": {
            "cells_uncovered": len(uncovered),
            "population_uncovered": round(float(demand.population[uncovered].sum())),
            "largest": [
                {
                    "lon": round(float(demand.lon[i]), 6),
                    "lat": round(float(demand.lat[i]), 6),
                    "jurisdiction": str(demand.code[i]),
                    "population": round(float(demand.population[i]), 1),
                    "area_km2": round(float(demand.area_km2[i]), 3),
                    "best_minutes": _r(cov.best_s[i] / 60.0 + cov.turnout_minutes, 2),
                }
                for i in worst
            ],
            "key_units": [{"code": u.code, "name": u.name} for u in key_gaps],
        },
    }


def what_if_coverages(
    router: Router,
    sites: list[Site],
    changes: list[Change],
    demand: DemandSet,
    key_units: list[Place],
    minutes: float = 5.0,
    turnout_minutes: float = 1.0,
) -> tuple[Coverage, Coverage, list[Site]]:
    """Coverage before and after ``changes``, and the station list after them."""
    before = coverage_of(router, sites, demand, key_units, minutes, turnout_minutes)
    after_sites = apply_changes(sites, changes)
    after = coverage_of(router, after_sites, demand, key_units, minutes, turnout_minutes)
    return before, after, after_sites


def what_if_figures(
    before: Coverage,
    after: Coverage,
    after_sites: list[Site],
    changes: list[Change],
    demand: DemandSet,
) -> dict:
    """Covered shares and amounts (population, km², key units) before and after, and the
    differences."""

    def figures(c: Coverage) -> dict[str, float | None]:
        return {
            "population_share": _r(c.population_share),
            "area_share": _r(c.area_share),
            "key_unit_share": _r(c.key_unit_share),
            "population_covered": round(float(demand.population[c.covered].sum())),
            "area_km2_covered": round(float(demand.area_km2[c.covered].sum()), 2),
            "key_units_covered": int(c.key_covered.sum()),
        }

    b, a = figures(before), figures(after)
    return {
        "changes": [ch.__dict__ for ch in changes],
        "before": b,
        "after": a,
        "change": {
            k: None if a[k] is None or b[k] is None else round(a[k] - b[k], 4)  # type: ignore[operator]
            for k in b
        },
        "stations_after": [s.code for s in after_sites],
    }


def what_if(
    router: Router,
    sites: list[Site],
    changes: list[Change],
    demand: DemandSet,
    key_units: list[Place],
    minutes: float = 5.0,
    turnout_minutes: float = 1.0,
) -> dict[str, Any]:
    """Covered shares and amounts before and after ``changes`` and their difference."""
    before, after, after_sites = what_if_coverages(
        router, sites, changes, demand, key_units, minutes, turnout_minutes
    )
    return what_if_figures(before, after, after_sites, changes, demand)
