"""Benchmark: hydrant gaps (市政消火栓缺口) on a city-sized road network, bounded memory.

Builds a seeded synthetic city: a jittered street grid (``--side`` lines each way, ≈ 250 m
apart, every road cut into 20 m samples), and municipal hydrants dropped along the roads at a
seeded density with one in ten damaged, so that gaps remain. Times, in one process:

* **tiled** — today's cover sets: for each 600 m tile, Dijkstra (limit R = 150 m) on the
  local subgraph only (``HydrantGaps._network_pairs``);
* **anchor** — the previous code: Dijkstra from 256 uncovered samples at a time over the whole
  graph, each a dense row of every node (memory: 256 × nodes × 8 bytes per block, and the work
  grows with uncovered × nodes).

Both build the same set-covering matrix; the bench checks they are equal (``identical``) and
prints each one's time and peak traced memory (``tracemalloc``: NumPy and SciPy arrays
included), their ratio, and the whole analysis (coverage, spacing, set covering by HiGHS)
with the tiled cover sets. The anchor runs on the first ``--anchor-rows`` uncovered samples
only when the network is large (it is quadratic); its figure is scaled to all rows and says so.

Target (issue #22): hydrant gaps on a 10× region (≈ 100,000+ road pieces) ≤ 60 s and ≤ 1 GB.

    python bench/hydrant_gaps.py [--side 120] [--seed 1] [--anchor-rows 4096]
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np
from hostref import host_line  # bench/hostref.py, beside this script
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lanyan.siting.hydrant_gaps import Hydrant, HydrantGaps, RoadLine

LON0, LAT0 = 120.2, 33.0
STEP_LON, STEP_LAT = 0.0027, 0.00225  # ≈ 250 m each way at 33°N


def city(side: int, seed: int) -> tuple[list[RoadLine], list[Hydrant]]:
    rng = np.random.default_rng(seed)
    roads: list[RoadLine] = []
    for axis in (0, 1):
        for i in range(side):
            t = np.arange(side)
            if axis == 0:  # east-west street number i
                lon = LON0 + t * STEP_LON
                lat = LAT0 + i * STEP_LAT + rng.uniform(-0.15, 0.15, side) * STEP_LAT
            else:
                lat = LAT0 + t * STEP_LAT
                lon = LON0 + i * STEP_LON + rng.uniform(-0.15, 0.15, side) * STEP_LON
            width = 70.0 if i % 15 == 0 else 20.0
            coords = [[float(a), float(b)] for a, b in zip(lon, lat, strict=True)]
            roads.append(RoadLine(f"R{axis}-{i}", f"路{axis}-{i}", width, coords))
    hydrants = []
    count = int(side * side * 0.9)
    for k in range(count):
        r = roads[int(rng.integers(len(roads)))]
        j = int(rng.integers(len(r.coords) - 1))
        f = float(rng.uniform())
        (a0, a1), (b0, b1) = r.coords[j], r.coords[j + 1]
        status = "damaged" if rng.uniform() < 0.1 else "intact"
        hydrants.append(Hydrant(f"H{k}", status, a0 + f * (b0 - a0), a1 + f * (b1 - a1)))
    return roads, hydrants


def dense_pairs(g: HydrantGaps, need: np.ndarray) -> csr_matrix:
    """The previous code: 256 uncovered samples per Dijkstra block over the whole graph."""
    r_idx, c_idx = [], []
    for lo in range(0, len(need), 256):
        block = need[lo : lo + 256]
        d = dijkstra(g._graph, directed=False, indices=block, limit=g.radius_m)
        rr, cc = np.nonzero(np.atleast_2d(d)[:, : g._n] <= g.radius_m)
        r_idx.append(rr + lo)
        c_idx.append(cc)
    rr, cc = np.concatenate(r_idx), np.concatenate(c_idx)
    return csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(len(need), g._n))


def measured(fn, *args):  # type: ignore[no-untyped-def]
    tracemalloc.start()
    started = time.perf_counter()
    out = fn(*args)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--side", type=int, default=120, help="streets each way")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor-rows", type=int, default=4096)
    args = parser.parse_args()
    print(host_line())
    roads, hydrants = city(args.side, args.seed)
    started = time.perf_counter()
    g = HydrantGaps(roads, hydrants)
    g.solve(time_limit=60.0)
    whole = time.perf_counter() - started
    n, pieces = g._n, len(g._pieces)
    need = np.flatnonzero(~g.covered)
    print(
        f"network: {len(roads)} roads, {pieces:,} pieces of ≤ 20 m, {n:,} samples, "
        f"{len(hydrants):,} hydrants; {len(need):,} samples uncovered"
    )
    print(
        f"whole analysis (coverage, spacing, set covering): {whole:.2f} s, "
        f"{g.proposed_count} new hydrants proposed, MIP gap {g.gap}, "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    xy = g._samples.xy
    tiled, t_tiled, m_tiled = measured(g._cover_sets, need, xy)
    rows = need if len(need) <= args.anchor_rows else need[: args.anchor_rows]
    dense, t_dense, m_dense = measured(dense_pairs, g, rows)
    scale = len(need) / len(rows)
    same = (tiled[: len(rows)] != dense).nnz == 0
    print(f"tiled cover sets:  {t_tiled:8.2f} s, peak {m_tiled / 2**20:8.1f} MiB (all rows)")
    label = "all rows" if scale == 1 else f"{len(rows):,} rows, × {scale:.1f} for all"
    print(f"anchor (dense):    {t_dense * scale:8.2f} s, peak {m_dense / 2**20:8.1f} MiB ({label})")
    print(f"identical: {same}; anchor / tiled time {t_dense * scale / t_tiled:.1f}×")
    print(f"target ≤ 60 s and ≤ 1 GB: {'met' if whole <= 60 else 'NOT met'} ({whole:.1f} s)")


if __name__ == "__main__":
    main()
