"""Coverage: travel times and covered shares against brute force on small graphs."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.response.routing.router import Router
from lanyan.siting.coverage import Coverage, coverage_of, district_limit
from lanyan.siting.demand import Area, DemandSet, Residence, grid_demand
from lanyan.siting.network import Entries, FacilityNetwork
from lanyan.siting.report import Change, apply_changes, what_if
from lanyan.siting.sources import Place, Site
from lanyan.siting.synthetic import grid_graph, random_points

from planning_support import seed_small_county


@pytest.fixture(scope="module")
def router() -> Router:
    return Router(grid_graph(9, 11, spacing_m=300.0, seed=3, oneway_share=0.2))


def _snaps(router: Router, pts: np.ndarray) -> list:
    return [router.snap((float(x), float(y))) for x, y in pts]


def test_matrix_equals_router_one_to_many(router: Router) -> None:
    """The virtual-source matrix equals the routing core's own point-to-point answers."""
    src = _snaps(router, random_points(router.graph, 6, seed=1))
    dst = _snaps(router, random_points(router.graph, 40, seed=2))
    got = FacilityNetwork(router.graph, src).matrix_to(Entries.of(dst))
    for k, s in enumerate(src):
        ref = [r.seconds if r.reachable else np.inf for r in router.one_to_many(s, dst)]
        np.testing.assert_allclose(got[k], ref, rtol=1e-9, atol=1e-6)


def test_same_edge_places_use_the_direct_stretch(router: Router) -> None:
    g = router.graph
    e = int(np.flatnonzero(g.meters > 250)[0])
    geom = g.edge_geometry(e)
    a = geom[0] + 0.2 * (geom[-1] - geom[0])
    b = geom[0] + 0.7 * (geom[-1] - geom[0])
    sa, sb = router.snap(tuple(a)), router.snap(tuple(b))
    got = FacilityNetwork(g, [sa]).matrix_to(Entries.of([sb]))[0, 0]
    assert got == pytest.approx(router.route(sa, sb).seconds, rel=1e-9)


def test_nearest_node_costs_equal_networkx_multi_source(router: Router) -> None:
    """Nodes: the multi-source bounded search equals networkx from the same facility arcs."""
    g = router.graph
    src = _snaps(router, random_points(g, 5, seed=7))
    net = FacilityNetwork(g, src)
    limit = 240.0
    cost, who = net.nearest(limit)
    dg = nx.DiGraph()
    dg.add_weighted_edges_from(
        zip(g.tail.tolist(), g.head.tolist(), g.seconds.tolist(), strict=True)
    )
    for k, s in enumerate(src):
        for e, f in zip(s.edges, s.fractions, strict=True):
            dg.add_edge(("s", k), int(g.head[e]), weight=(1 - f) * g.seconds[e])
    ref = nx.multi_source_dijkstra_path_length(
        dg, [("s", k) for k in range(len(src))], cutoff=limit
    )
    ref_cost = np.array([ref.get(v, np.inf) for v in range(g.n_nodes)])
    np.testing.assert_allclose(cost, ref_cost, rtol=1e-9)
    reached = np.isfinite(cost)
    per = net.node_costs(range(len(src)), limit)
    assert (who[~reached] == -1).all()
    np.testing.assert_allclose(per[who[reached], np.flatnonzero(reached)], cost[reached])


def test_coverage_shares_equal_brute_force(router: Router) -> None:
    g = router.graph
    sites = [Site(f"S{k}", f"S{k}", float(x), float(y), "class2")
             for k, (x, y) in enumerate(random_points(g, 3, seed=11))]  # fmt: skip
    pts = random_points(g, 60, seed=12)
    rng = np.random.default_rng(5)
    demand = DemandSet(pts[:, 0], pts[:, 1], rng.integers(1, 100, 60).astype(float),
                       rng.uniform(0.1, 0.3, 60), np.full(60, "X", dtype=object),
                       np.empty(60, dtype=object))  # fmt: skip
    keys = [Place(f"K{i}", "", float(x), float(y)) for i, (x, y) in enumerate(pts[:7])]
    cov = coverage_of(router, sites, demand, keys, minutes=3.0, turnout_minutes=1.0)
    drive = 120.0
    covered = []
    for i in range(60):
        best = min(
            (r.seconds for s in sites
             for r in [router.route((s.lon, s.lat), (pts[i, 0], pts[i, 1]))] if r.reachable),
            default=np.inf,
        )  # fmt: skip
        covered.append(best <= drive)
    covered_a = np.array(covered)
    assert cov.covered.tolist() == covered
    assert cov.population_share == pytest.approx(
        demand.population[covered_a].sum() / demand.population.sum()
    )
    assert cov.key_covered.tolist() == covered[:7]
    assert 0 < covered_a.sum() < 60  # the instance separates covered from uncovered


def test_district_limits_follow_the_class_table() -> None:
    assert district_limit("class1", False) == 7.0
    assert district_limit("class2", False) == 4.0
    assert district_limit("small", False) == 2.0
    assert district_limit("class2", True) == 15.0
    assert np.isnan(district_limit("logistics", False))
    cov = Coverage(np.array([[10.0, 20.0], [30.0, 5.0]]), np.ones(2), np.array([5.0, 3.0]),
                   limits_km2=np.array([4.0, 7.0])).solve()  # fmt: skip
    assert cov.district_ok.tolist() == [False, True]


def test_bad_minutes_name_the_field() -> None:
    from lanyan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as exc:
        Coverage(np.zeros((1, 1)), np.ones(1), np.ones(1), minutes=2, turnout_minutes=3)
    assert exc.value.problems[0].field == "turnout_minutes"


def test_grid_demand_spreads_population_over_residential_floors() -> None:
    from shapely.geometry import box

    area = Area("A", box(120.40, 33.20, 120.42, 33.22), 1000.0)
    homes = [Residence(120.401, 33.201, 6.0), Residence(120.419, 33.219, 2.0)]
    d = grid_demand([area], homes, cell_m=500.0)
    assert d.population.sum() == pytest.approx(1000.0)
    assert sorted(d.population[d.population > 0].round(3).tolist()) == [250.0, 750.0]
    assert d.area_km2.sum() == pytest.approx(1.86 * 2.22, rel=0.02)


def test_what_if_add_raises_and_remove_lowers_coverage(router: Router) -> None:
    g = router.graph
    pts = random_points(g, 80, seed=21)
    demand = DemandSet(pts[:, 0], pts[:, 1], np.ones(80), np.ones(80),
                       np.full(80, "X", dtype=object), np.empty(80, dtype=object))  # fmt: skip
    sites = [Site("A", "A", float(pts[0, 0]), float(pts[0, 1]), "class2")]
    far = pts[np.argmax(np.hypot(*(pts - pts[0]).T))]
    added = what_if(router, sites, [Change("add", "N", float(far[0]), float(far[1]))],
                    demand, [], 3.0, 1.0)  # fmt: skip
    assert added["change"]["population_share"] > 0
    removed = what_if(router, sites, [Change("remove", "A")], demand, [], 3.0, 1.0)
    assert removed["after"]["population_share"] == 0.0
    from lanyan.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        apply_changes(sites, [Change("remove", "NOPE")])


def test_cli_coverage_json_on_registry(uow, db_url, tmp_path, monkeypatch) -> None:
    """``lanyan coverage`` on a small registry prints per-station and total shares."""
    seed_small_county(uow)
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["coverage", "--minutes", "5", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert [s["code"] for s in out["stations"]] == ["FS-1"]
    assert 0 < out["total"]["population_share"] < 1
    assert out["stations"][0]["population"] > 0
    assert out["total"]["key_units"] == 2
    moved = CliRunner().invoke(app, ["coverage", "--remove", "FS-1"])
    assert moved.exit_code == 0, moved.output
    assert json.loads(moved.output)["after"]["population_share"] == 0.0
    bad = CliRunner().invoke(app, ["coverage", "--minutes", "1", "--turnout", "2"])
    assert bad.exit_code == 1 and "turnout_minutes" in bad.output


@pytest.mark.parametrize(
    "module", ["lanyan.siting.coverage", "lanyan.siting.demand", "lanyan.siting.siting"]
)
def test_docstring_examples_print_what_they_say(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0 and result.failed == 0
