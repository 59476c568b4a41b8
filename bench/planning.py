"""Benchmark: station coverage and siting (issue 7, Measure), each part against its anchor in
the same run, printing the ratio.

(a) 5-minute coverage (1 min turn-out + 4 min = 240 s driving) of 30 stations on a seeded
    ~100,000-node road lattice: ``FacilityNetwork.nearest`` (one bounded multi-source search)
    vs networkx ``multi_source_dijkstra`` from the same virtual station nodes with the same
    cutoff. Target <= 50 ms. Both answers are compared node by node.
(b) MCLP p = 10 on 2,000 demand points x 200 candidates, travel-time matrix included, on a
    10,000-node lattice: ours (snap + matrix + HiGHS via scipy) vs spopt ``MCLP`` with PuLP's
    HiGHS on a networkx-built matrix. Target <= 1.5 s and an objective at least spopt's.
    Needs the ``bench`` extra (spopt, highspy); without spopt, part (b) says so and is skipped.
(c) p-median p = 10 on 1,000 x 100 (same lattice, full travel times): ours (interchange
    incumbent + Lagrangian bound, HiGHS only if they are not within the gap) with a 1 % gap vs
    HiGHS alone on the classic assignment model at the same gap. The printed gap is proven
    (Lagrangian or HiGHS dual bound). Target <= 30 s within 1 % of optimal.

Each timing is the best of ``--repeat`` runs. The machine may be shared: read the figures as
such.

    python bench/planning.py [--repeat 3] [--skip a,b,c]
"""

from __future__ import annotations

import argparse
import time

import networkx as nx
import numpy as np

from lanyan.response.routing.router import Router
from lanyan.siting.network import Entries, FacilityNetwork
from lanyan.siting.siting import MCLP, PMedian
from lanyan.siting.synthetic import grid_graph, random_points


def best_of(repeat: int, fn):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def snaps_of(router: Router, pts: np.ndarray) -> list:
    return [router.snap((float(x), float(y))) for x, y in pts]


def nx_graph(net: FacilityNetwork) -> nx.DiGraph:
    m = net.matrix.tocoo()
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(m.row.tolist(), m.col.tolist(), m.data.tolist(), strict=True))
    return g


def part_a(repeat: int) -> None:
    graph = grid_graph(317, 317, spacing_m=150.0, seed=1)
    router = Router(graph)
    stations = snaps_of(router, random_points(graph, 30, seed=2))
    drive_s = 240.0

    # Ours is timed with attaching the stations to the graph; networkx's graph (with the same
    # station nodes) is built untimed.
    t_ours, (cost, _) = best_of(repeat, lambda: FacilityNetwork(graph, stations).nearest(drive_s))
    net = FacilityNetwork(graph, stations)
    g = nx_graph(net)
    sources = list(range(graph.n_nodes, graph.n_nodes + len(stations)))
    t_nx, ref = best_of(
        repeat, lambda: nx.multi_source_dijkstra_path_length(g, sources, cutoff=drive_s)
    )
    ref_cost = np.array([ref.get(v, np.inf) for v in range(graph.n_nodes)])
    same = np.allclose(cost, ref_cost, rtol=1e-9) and (np.isinf(cost) == np.isinf(ref_cost)).all()
    print(
        f"(a) coverage, {len(stations)} stations, {graph.n_nodes:,} nodes, "
        f"{graph.n_edges:,} edges, 240 s: ours {t_ours * 1e3:.1f} ms, networkx "
        f"{t_nx * 1e3:.1f} ms, ratio {t_nx / t_ours:.1f}x; target 50 ms -> "
        f"{t_ours / 0.050:.2f} of target; covered nodes {np.isfinite(cost).sum():,}; "
        f"same answer: {same}"
    )


def part_b(repeat: int) -> None:
    graph = grid_graph(100, 100, spacing_m=150.0, seed=3)
    router = Router(graph)
    d_pts = random_points(graph, 2000, seed=4)
    c_pts = random_points(graph, 200, seed=5)
    w = np.random.default_rng(6).integers(1, 100, 2000).astype(float)
    standard = 150.0

    def ours():  # type: ignore[no-untyped-def]
        ds, cs = snaps_of(router, d_pts), snaps_of(router, c_pts)
        t = FacilityNetwork(graph, cs).matrix_to(Entries.of(ds), standard).T
        return MCLP(t, w, standard, 10).solve(mip_rel_gap=1e-4)

    t_ours, m = best_of(repeat, ours)
    print(
        f"(b) MCLP p=10, 2,000 x 200, {graph.n_nodes:,} nodes: ours {t_ours:.2f} s "
        f"(objective {m.objective:,.0f}, gap {m.gap:.1e}); target 1.5 s -> "
        f"{t_ours / 1.5:.2f} of target"
    )
    try:
        import pulp
        from spopt.locate import MCLP as SpoptMCLP
    except ImportError:
        print("    spopt is not installed (pip install -e '.[bench]'): no anchor for (b)")
        return

    def anchor():  # type: ignore[no-untyped-def]
        # The anchor's own matrix: networkx Dijkstra from each candidate, same snapped points.
        ds, cs = snaps_of(router, d_pts), snaps_of(router, c_pts)
        net = FacilityNetwork(graph, cs)
        g = nx_graph(net)
        ent = Entries.of(ds)
        tails = graph.tail[ent.edge]
        t = np.full((len(ds), len(cs)), np.inf)
        for k in range(len(cs)):
            dist = nx.single_source_dijkstra_path_length(g, graph.n_nodes + k, cutoff=standard)
            node = np.array([dist.get(int(v), np.inf) for v in tails])
            reach = node + ent.fraction * graph.seconds[ent.edge]
            t[:, k] = np.minimum.reduceat(reach, ent.start)
        t = np.where(np.isfinite(t), t, 1e9)
        model = SpoptMCLP.from_cost_matrix(t, w, standard, p_facilities=10)
        return model.solve(pulp.HiGHS(msg=False))

    t_sp, sp = best_of(1, anchor)
    sp_obj = float(pulp.value(sp.problem.objective))
    print(
        f"    spopt (HiGHS) {t_sp:.2f} s, objective {sp_obj:,.0f}; ratio {t_sp / t_ours:.1f}x; "
        f"objective ours/spopt {m.objective / sp_obj:.4f}"
    )


def part_c(repeat: int) -> None:
    graph = grid_graph(100, 100, spacing_m=150.0, seed=7)
    router = Router(graph)
    ds = snaps_of(router, random_points(graph, 1000, seed=8))
    cs = snaps_of(router, random_points(graph, 100, seed=9))
    w = np.random.default_rng(10).integers(1, 100, 1000).astype(float)

    def ours():  # type: ignore[no-untyped-def]
        t = FacilityNetwork(graph, cs).matrix_to(Entries.of(ds)).T
        return PMedian(t, w, 10).solve(time_limit=120, mip_rel_gap=0.01)

    t_ours, pm = best_of(repeat, ours)
    print(
        f"(c) p-median p=10, 1,000 x 100: ours {t_ours:.2f} s, objective {pm.objective:,.0f} "
        f"person-s, proven gap {pm.gap:.2%} ({pm.status}, bound: {pm.proof}); target 30 s "
        f"within 1 % -> {t_ours / 30:.2f} of target"
    )
    # Anchor in the same run: HiGHS alone on the classic assignment model at the same 1 % gap
    # (spopt's full model did not finish in 240 s here, issue 7, and is not rerun).
    t = FacilityNetwork(graph, cs).matrix_to(Entries.of(ds)).T
    t_mip, ref = best_of(
        1, lambda: PMedian(t, w, 10, presolve=False).solve(time_limit=240, mip_rel_gap=0.01)
    )
    print(
        f"    HiGHS alone (assignment model, 1 % gap) {t_mip:.2f} s, objective "
        f"{ref.objective:,.0f}, gap {ref.gap:.2%} ({ref.status}); ratio {t_mip / t_ours:.1f}x; "
        f"objective ours/HiGHS {pm.objective / ref.objective:.4f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip", default="")
    args = ap.parse_args()
    skip = set(args.skip.split(","))
    for name, fn in (("a", part_a), ("b", part_b), ("c", part_c)):
        if name not in skip:
            fn(args.repeat)


if __name__ == "__main__":
    main()
