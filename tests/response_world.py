"""A small command-and-rescue world for tests: a road grid in Dafeng, stations of both counties,
vehicles and hydrants, created through the registry service."""

from __future__ import annotations

import json
from typing import Any

from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, TINGHU, seed_region

LON0, LAT0, STEP = 120.47, 33.20, 0.005
N = 6  # 6 × 6 junctions, 0.005° (≈ 470 m east-west, 555 m north-south) apart


def node(i: int, j: int) -> tuple[float, float]:
    return (round(LON0 + i * STEP, 6), round(LAT0 + j * STEP, 6))


def _line(a: tuple[float, float], b: tuple[float, float]) -> str:
    return json.dumps({"type": "LineString", "coordinates": [list(a), list(b)]})


def build(uow: Any) -> dict[str, Any]:
    """Roads, stations S-DF1 (national, Dafeng), S-DF2 (micro, Dafeng), S-TH1 (Tinghu, inside
    the grid), S-FAR (off the network), their vehicles, and four hydrants (one damaged)."""
    seed_region(uow)
    create = lambda s, slug, data: service.create(s, get_type(slug), SYSTEM, EVERYWHERE, data)  # noqa: E731
    with uow() as s:
        k = 0
        for i in range(N):
            for j in range(N):
                for di, dj in ((1, 0), (0, 1)):
                    if i + di < N and j + dj < N:
                        k += 1
                        create(
                            s,
                            "roads",
                            {
                                "code": f"R{k:03d}",
                                "road_class": "local",
                                "speed_kmh": 36,
                                "geometry": _line(node(i, j), node(i + di, j + dj)),
                                "jurisdiction_code": DAFENG,
                            },
                        )
        stations = {
            "S-DF1": ("national", DAFENG, node(0, 0)),
            "S-DF2": ("micro", DAFENG, node(5, 5)),
            "S-TH1": ("national", TINGHU, node(5, 0)),
            "S-FAR": ("national", DAFENG, (121.5, 33.2)),
        }
        for code, (force, county, (lon, lat)) in stations.items():
            create(
                s,
                "stations",
                {
                    "code": code,
                    "name": f"{code}站",
                    "force_type": force,
                    "station_class": "class1" if force == "national" else None,
                    "status": "existing",
                    "lon": lon,
                    "lat": lat,
                    "jurisdiction_code": county,
                },
            )
        vehicles = [
            ("V-DF1-1", "water_tender", "S-DF1", None),
            ("V-DF1-2", "water_tender", "S-DF1", None),
            ("V-DF1-A", "aerial_platform", "S-DF1", 32.0),
            ("V-DF2-M", "motorcycle", "S-DF2", None),
            ("V-TH1-1", "water_tender", "S-TH1", None),
            ("V-TH1-2", "water_tender", "S-TH1", None),
            ("V-TH1-R", "rescue", "S-TH1", None),
            ("V-FAR-R", "rescue", "S-FAR", None),
        ]
        for code, vtype, station, height in vehicles:
            create(
                s,
                "vehicles",
                {
                    "code": code,
                    "vehicle_type": vtype,
                    "station_code": station,
                    "ladder_height_m": height,
                },
            )
        hydrants = [
            ("H-1", node(2, 2), "intact"),
            ("H-2", node(3, 2), "damaged"),
            ("H-3", node(0, 5), "intact"),
            ("H-4", node(5, 5), "intact"),
        ]
        for code, (lon, lat), status in hydrants:
            create(
                s,
                "water-sources",
                {
                    "code": code,
                    "kind": "municipal_hydrant",
                    "status": status,
                    "lon": lon,
                    "lat": lat,
                    "jurisdiction_code": DAFENG,
                },
            )
        create(
            s,
            "buildings",
            {
                "code": "B-TOWER",
                "name": "大丰大厦",
                "jurisdiction_code": DAFENG,
                "lon": node(2, 2)[0],
                "lat": node(2, 2)[1],
                "height_m": 30,
                "floors_above": 10,
                "use": "public",
            },
        )
    return {"stations": stations}
