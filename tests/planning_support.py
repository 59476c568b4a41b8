"""A small county for planning tests: one town with a boundary, population, a road lattice,
one station, key and hazardous units, a school and hydrants."""

from __future__ import annotations

import json
from typing import Any

from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, REGION, seed_region, uscc

STEP = 0.01  # degrees between lattice streets (about 0.9-1.1 km)


def origin() -> tuple[float, float]:
    p = REGION["places"][DAFENG]
    return round(p["lon"], 3), round(p["lat"], 3)


def _line(a: tuple[float, float], b: tuple[float, float]) -> str:
    return json.dumps({"type": "LineString", "coordinates": [list(a), list(b)]})


def seed_small_county(uow: Any, hydrants: list[tuple[float, float]] | None = None) -> None:
    """Write the small county (see the module docstring) through the registry service."""
    seed_region(uow)
    lon0, lat0 = origin()
    box = [[lon0, lat0], [lon0 + 3 * STEP, lat0], [lon0 + 3 * STEP, lat0 + 3 * STEP],
           [lon0, lat0 + 3 * STEP], [lon0, lat0]]  # fmt: skip
    town = f"{DAFENG}150"

    def add(s: Any, slug: str, row: dict[str, Any]) -> None:
        service.create(s, get_type(slug), SYSTEM, EVERYWHERE, row)

    with uow() as s:
        add(s, "jurisdictions", {"code": town, "name": "测试街道", "level": "town",
                                 "parent_code": DAFENG,
                                 "boundary": json.dumps({"type": "Polygon", "coordinates": [box]})})  # fmt: skip
        add(s, "populations", {"code": "POP-T", "jurisdiction_code": town, "year": 2024,
                               "population": 30000, "is_assumed": True, "source": "test"})  # fmt: skip
        n = 0
        for i in range(4):
            for j in range(3):
                for a, b in (
                    ((lon0 + j * STEP, lat0 + i * STEP), (lon0 + (j + 1) * STEP, lat0 + i * STEP)),
                    ((lon0 + i * STEP, lat0 + j * STEP), (lon0 + i * STEP, lat0 + (j + 1) * STEP)),
                ):
                    n += 1
                    add(s, "roads", {"code": f"R-{n:02d}", "road_class": "secondary",
                                     "speed_kmh": 30, "width_m": 16, "geometry": _line(a, b),
                                     "jurisdiction_code": town})  # fmt: skip
        add(s, "stations", {"code": "FS-1", "name": "测试消防站", "station_class": "class2",
                            "force_type": "national", "status": "existing",
                            "lon": lon0 + STEP, "lat": lat0 + STEP, "jurisdiction_code": town})  # fmt: skip
        units = [("key", "测试商场", 2.0, 2.0), ("high_risk", "测试化工有限公司", 0.0, 3.0),
                 ("crowded", "测试实验小学", 2.0, 1.0)]  # fmt: skip
        for k, (cat, name, dx, dy) in enumerate(units, start=1):
            add(s, "units", {"code": uscc(DAFENG, 900 + k), "name": name, "category": cat,
                             "lon": lon0 + dx * STEP, "lat": lat0 + dy * STEP,
                             "jurisdiction_code": town})  # fmt: skip
        for k, (lon, lat) in enumerate(hydrants or [], start=1):
            add(s, "water-sources", {"code": f"H-{k:03d}", "kind": "municipal_hydrant",
                                     "status": "intact", "lon": lon, "lat": lat,
                                     "jurisdiction_code": town})  # fmt: skip
