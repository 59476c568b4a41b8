"""Seeded synthetic road grids for tests and benchmarks (合成路网).

A ``rows`` x ``cols`` lattice of junctions ``spacing_m`` apart near (120.4° E, 33.2° N), each
street piece a line of its own with a speed drawn from ``speeds_kmh`` and one piece in
``oneway_share`` one-way; junction positions are jittered so travel times are not tied.
"""

from __future__ import annotations

import numpy as np

from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.segments import BOTH, FORWARD, RoadSegments

LON0, LAT0 = 120.4, 33.2
M_PER_DEG_LAT = 110_900.0


def grid_graph(
    rows: int,
    cols: int,
    spacing_m: float = 200.0,
    seed: int = 0,
    speeds_kmh: tuple[float, ...] = (25.0, 40.0, 50.0),
    oneway_share: float = 0.1,
) -> RoadGraph:
    """The compiled lattice graph (see the module docstring)."""
    rng = np.random.default_rng(seed)
    m_per_deg_lon = M_PER_DEG_LAT * np.cos(np.radians(LAT0))
    jitter = rng.uniform(-0.15, 0.15, size=(rows, cols, 2)) * spacing_m
    x = np.arange(cols)[None, :] * spacing_m + jitter[..., 0]
    y = np.arange(rows)[:, None] * spacing_m + jitter[..., 1]
    lon = LON0 + x / m_per_deg_lon
    lat = LAT0 + y / M_PER_DEG_LAT
    pts = np.stack([lon, lat], axis=-1)
    a = [pts[:, :-1].reshape(-1, 2), pts[:-1, :].reshape(-1, 2)]
    b = [pts[:, 1:].reshape(-1, 2), pts[1:, :].reshape(-1, 2)]
    start, end = np.concatenate(a), np.concatenate(b)
    n = len(start)
    lines = np.stack([start, end], axis=1)
    speed = rng.choice(np.array(speeds_kmh), size=n)
    oneway = np.where(rng.random(n) < oneway_share, FORWARD, BOTH)
    segs = RoadSegments(
        coords=lines.reshape(-1, 2),
        offsets=np.arange(0, 2 * n + 1, 2, dtype=np.int64),
        road_class=np.full(n, "local"),
        speed_kmh=speed.astype(np.float64),
        oneway=oneway.astype(np.int8),
        labels=tuple(f"g{i}" for i in range(n)),
    )
    return RoadGraph.compile(segs)


def random_points(graph: RoadGraph, n: int, seed: int) -> np.ndarray:
    """``n`` points (lon, lat) scattered over the graph's extent, seeded."""
    rng = np.random.default_rng(seed)
    lo = np.array([graph.node_lon.min(), graph.node_lat.min()])
    hi = np.array([graph.node_lon.max(), graph.node_lat.max()])
    return lo + rng.random((n, 2)) * (hi - lo)
