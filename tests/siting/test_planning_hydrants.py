"""Hydrant gaps (GB 50974-2014 §7.2): hand-made roads whose answers are known by hand and by
brute-force enumeration, usability, spacing, the build list and the CLI on the registry."""

from __future__ import annotations

import doctest
import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

import lanyan.siting.hydrant_gaps as hg
from lanyan.cli.main import app
from lanyan.core.errors import ValidationFailed
from lanyan.core.geo import utm_transformer
from lanyan.registry import service
from lanyan.registry.choices import RoadClass
from lanyan.registry.models import WaterSource
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.siting.hydrant_gaps import Hydrant, HydrantGaps, RoadLine, Weight
from lanyan.store.audit import SYSTEM

from planning_support import STEP, origin, seed_small_county

FWD, INV = utm_transformer(120, 33)
X0, Y0 = 500000.0, 3650000.0


def ll(x: float, y: float) -> list[float]:
    """Local metres (east, north of a UTM origin) to WGS84."""
    lon, lat = INV.transform(X0 + x, Y0 + y)
    return [float(lon), float(lat)]


def road(code: str, *pts: tuple[float, float], width: float | None = 10.0) -> RoadLine:
    return RoadLine(code, f"{code}路", width, [ll(x, y) for x, y in pts])


def hydrant(code: str, x: float, y: float, status: str = "intact") -> Hydrant:
    lon, lat = ll(x, y)
    return Hydrant(code, status, lon, lat)


def brute_force_min(points: list[tuple[str, float]], need: list[tuple[str, float]], dist, r):
    """The fewest candidate points covering every needed point, by enumeration."""
    for k in range(1, len(points) + 1):
        for combo in itertools.combinations(points, k):
            if all(any(dist(c, s) <= r + 1e-6 for c in combo) for s in need):
                return k
    return None


def test_straight_road_by_hand_and_brute_force() -> None:
    """600 m road, hydrant at 0, R = 150: samples every 20 m, covered up to 140 m, so the
    stretch runs from 150 m (midpoint of 140 and 160) to 600 m; two hydrants close it and
    one cannot (160 and 600 are 440 m apart > 2R)."""
    g = HydrantGaps([road("A", (0, 0), (600, 0))], [hydrant("H1", 0, 0)]).solve()
    assert g.total_m == pytest.approx(600, abs=0.01)
    assert g.uncovered_m == pytest.approx(450, abs=0.2)
    assert [(s["road"], s["from_m"], s["to_m"]) for s in g.uncovered] == [("A", 150.0, 600.0)]
    samples = [("A", float(x)) for x in range(0, 601, 20)]
    need = [s for s in samples if s[1] > 150]
    best = brute_force_min(samples, need, lambda a, b: abs(a[1] - b[1]), 150)
    assert g.proposed_count == best == 2
    assert g.gap == 0.0 and g.status == "optimal"


def test_tee_junction_network_distance_by_hand_and_brute_force() -> None:
    """A T: west arm 0-100 m, east arm 100-240 m, north arm 0-180 m from the junction
    (100, 0); hydrant at (0, 0), 100 m before the junction. Covered: the east arm to 40 m
    past the junction (samples to 40, stretch from 50), the north arm likewise. Uncovered:
    east 50-140 (90 m) + north 50-180 (130 m) = 220 m. One new hydrant cannot reach both
    ends: they are 140 + 180 = 320 m > 2R apart along the roads."""
    roads = [
        road("W", (0, 0), (100, 0)),
        road("E", (100, 0), (240, 0)),
        road("N", (100, 0), (100, 180)),
    ]
    g = HydrantGaps(roads, [hydrant("H1", 0, 0)]).solve()
    assert g.uncovered_m == pytest.approx(220, abs=0.3)
    got = {s["road"]: (s["from_m"], s["to_m"]) for s in g.uncovered}
    assert got == {"E": (50.0, 140.0), "N": (50.0, 180.0)}
    # Samples as (arm, metres from the junction); the T is a tree so network distance is
    # |a - b| on one arm and a + b across arms.
    samples = (
        [("W", float(d)) for d in range(0, 101, 20)]
        + [("E", float(d)) for d in range(20, 141, 20)]
        + [("N", float(d)) for d in range(20, 181, 20)]
    )

    def dist(a, b):
        return abs(a[1] - b[1]) if a[0] == b[0] else a[1] + b[1]

    need = [s for s in samples if dist(s, ("W", 100.0)) > 150]
    assert brute_force_min(samples, need, dist, 150) == g.proposed_count == 2
    assert g.gap == 0.0


def test_straight_line_option_reaches_across_a_u_turn() -> None:
    """Two parallel roads 100 m apart joined 500 m away: straight-line, a hydrant covers the
    facing end of the other road; along the network it does not."""
    roads = [road("S", (0, 0), (500, 0)), road("J", (500, 0), (500, 100)),
             road("T", (500, 100), (0, 100))]  # fmt: skip
    h = [hydrant("H1", 0, 0)]
    net = HydrantGaps(roads, h).solve()
    air = HydrantGaps(roads, h, network=False).solve()
    tip = int(np.argmin(np.linalg.norm(net.samples_lonlat - np.array(ll(0, 100)), axis=1)))
    assert not net.covered[tip]
    assert air.covered[tip]
    assert air.uncovered_m < net.uncovered_m


def test_damaged_hydrant_does_not_cover() -> None:
    roads = [road("A", (0, 0), (600, 0))]
    g = HydrantGaps(roads, [hydrant("H1", 0, 0, status="damaged")]).solve()
    assert g.unusable == ["H1"] and g.usable == []
    assert g.uncovered_m == pytest.approx(600, abs=0.01)
    assert not g.covered.any()
    assert g.proposed_count == 3  # 600 m needs ceil(600 / 300) hydrants


def test_spacing_per_side_on_wide_roads() -> None:
    """Hydrants at 0, 100 and 300 m on a 20 m road: one pair 200 m apart. On a 70 m road
    the same hydrants stand on alternate sides, so each side is checked on its own."""
    hs = [hydrant("H1", 0, 5), hydrant("H2", 100, -5), hydrant("H3", 300, 5)]
    narrow = HydrantGaps([road("A", (0, 0), (400, 0), width=20)], hs).solve()
    assert [(s["from_hydrant"], s["to_hydrant"], s["spacing_m"]) for s in narrow.spacing_gaps] == [
        ("H2", "H3", 200.0)
    ]
    wide = HydrantGaps([road("A", (0, 0), (400, 0), width=70)], hs).solve()
    assert [(s["side"], s["from_hydrant"], s["to_hydrant"]) for s in wide.spacing_gaps] == [
        ("left", "H1", "H3")
    ]


def test_build_list_years_and_order() -> None:
    g = HydrantGaps([road("A", (0, 0), (1500, 0))], [hydrant("H1", 0, 0)]).solve()
    assert g.proposed_count == 5  # 150..1500 m = 1350 m of uncovered road, 300 m each
    lon, lat = g.samples_lonlat[g.proposed[-1]]
    served = [Weight(float(lon), float(lat), key=1), Weight(float(lon), float(lat), floors=6)]
    build = g.build_list(2, served)
    assert [b["year"] for b in build] == [1, 1, 2, 2, 3]
    assert (build[0]["lon"], build[0]["key_units"]) == (round(float(lon), 6), 1)
    with pytest.raises(ValidationFailed):
        g.build_list(0)


def test_bad_radius_is_a_named_validation_error() -> None:
    with pytest.raises(ValidationFailed) as err:
        HydrantGaps([road("A", (0, 0), (10, 0))], [], radius_m=-1)
    assert err.value.problems[0].field == "--radius"


def test_reductions_keep_the_optimum() -> None:
    """The exact set-cover reductions leave the same minimum as the full model on random
    instances (solved here by enumeration)."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        a = (rng.random((7, 6)) < 0.35).astype(float)
        a[np.arange(7), rng.integers(0, 6, 7)] = 1.0
        rows, cols = hg._reduce(hg.csr_matrix(a))

        def best(m):
            return min(
                k
                for k in range(1, m.shape[1] + 1)
                for c in itertools.combinations(range(m.shape[1]), k)
                if m[:, list(c)].max(axis=1).min() > 0
            )

        assert best(a[np.ix_(rows, cols)]) == best(a)


def test_docstring_example() -> None:
    result = doctest.testmod(hg)
    assert result.attempted > 0 and result.failed == 0


def test_cli_on_registry_roads(uow, db_url, tmp_path, monkeypatch) -> None:
    """``lanyan hydrants gaps`` on the small county's road lattice (both databases): a
    damaged hydrant covers nothing, an intact one at the same place does."""
    lon0, lat0 = origin()
    seed_small_county(uow, hydrants=[(lon0 + STEP, lat0)])
    with uow() as s:
        service.create(s, get_type("water-sources"), SYSTEM, EVERYWHERE,
                       {"code": "H-BAD", "kind": "municipal_hydrant", "status": "damaged",
                        "lon": lon0 + 2 * STEP, "lat": lat0 + 2 * STEP,
                        "jurisdiction_code": _town()})  # fmt: skip
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    res = CliRunner().invoke(app, ["hydrants", "gaps", "--per-year", "10", "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["roads"] == 24 and 20 < out["road_km"] < 30
    assert out["hydrants_usable"] == 1 and out["hydrants_unusable"] == 1
    # One intact hydrant at a junction of three roads covers 3 x 150 m.
    assert out["road_km"] - out["uncovered_km"] == pytest.approx(0.45, abs=0.02)
    assert out["proposed_count"] > 0 and out["gap"] == 0.0
    assert out["years"] == -(-out["proposed_count"] // 10)
    bad = CliRunner().invoke(app, ["hydrants", "gaps", "--distance", "crow"])
    assert bad.exit_code == 1 and "--distance" in bad.output


def _town() -> str:
    from support import DAFENG

    return f"{DAFENG}150"


def _local(lon: float, lat: float) -> tuple[float, float]:
    x, y = FWD.transform(lon, lat)
    return float(x - X0), float(y - Y0)


@pytest.mark.parametrize("distance", ["network", "straight"])
def test_wide_road_is_covered_per_side_by_hand(distance: str) -> None:
    """A 400 m road 70 m wide running east (left = north) with a side street B running 200 m
    south from its middle. H1 stands 30 m north of the wide road's west end; H2 on B, 60 m
    south of the junction. By hand, network distance, R = 150 m, samples every 20 m:
    left side covered to 140 m -> uncovered 150-400 (250 m); right side covered only by H2,
    60 m + |x - 200| <= 150 -> samples 120-280 -> uncovered 0-110 and 290-400 (220 m);
    B fully covered. Each side of the wide road counts: total 800 + 200 m. New hydrants:
    left 160-400 needs one kerb point, right 0-100 and 300-400 (400 m span > 2R) needs two.
    Straight-line distance differs only on the right: H2 reaches x with
    sqrt(60² + (x - 200)²) <= 150 -> 80 <= x <= 320 (samples), so 0-70 and 330-400."""
    roads = [road("W", (0, 0), (400, 0), width=70), road("B", (200, 0), (200, -200))]
    hs = [hydrant("H1", 0, 30), hydrant("H2", 200, -60)]
    g = HydrantGaps(roads, hs, network=distance == "network").solve()
    assert g.total_m == pytest.approx(1000, abs=0.05)
    got = sorted((s["road"], s["side"], s["from_m"], s["to_m"]) for s in g.uncovered)
    if distance == "network":
        assert got == [
            ("W", "left", 150.0, 400.0),
            ("W", "right", 0.0, 110.0),
            ("W", "right", 290.0, 400.0),
        ]
        assert g.uncovered_m == pytest.approx(470, abs=0.3)
    else:
        assert got == [
            ("W", "left", 150.0, 400.0),
            ("W", "right", 0.0, 70.0),
            ("W", "right", 330.0, 400.0),
        ]
    assert g.proposed_count == 3 and g.gap == 0.0
    sides = sorted(p["side"] for p in g.proposed_points)
    assert sides == ["left", "right", "right"]
    for p in g.proposed_points:
        _x, y = _local(p["lon"], p["lat"])
        # Kerb points stand half the width off the centreline, on their side.
        assert y == pytest.approx(35.0 if p["side"] == "left" else -35.0, abs=0.5)
        assert p["road"] == "W"
    # The same road 10 m wide: one side, H2's side street reaches it too.
    narrow = [road("W", (0, 0), (400, 0), width=10), roads[1]]
    n = HydrantGaps(narrow, hs, network=distance == "network").solve()
    assert n.total_m == pytest.approx(600, abs=0.05)
    assert all(s["side"] == "both" for s in n.uncovered)
    assert [(s["from_m"], s["to_m"]) for s in n.uncovered] == [
        (290.0, 400.0) if distance == "network" else (330.0, 400.0)
    ]


def test_tiled_cover_sets_equal_whole_graph_dijkstra() -> None:
    """The per-tile local Dijkstra finds exactly the samples a Dijkstra over the whole graph
    finds within the radius, on a jittered 2.4 km grid with a wide road and few hydrants."""
    from scipy.sparse.csgraph import dijkstra

    rng = np.random.default_rng(7)
    roads = [
        road(f"E{i}", *[(x, i * 240 + rng.uniform(-30, 30)) for x in range(0, 2401, 240)],
             width=70.0 if i == 3 else 12.0)
        for i in range(11)
    ] + [
        road(f"N{i}", *[(i * 240 + rng.uniform(-30, 30), y) for y in range(0, 2401, 240)])
        for i in range(11)
    ]  # fmt: skip
    hs = [hydrant(f"H{k}", *rng.uniform(0, 2400, 2)) for k in range(12)]
    g = HydrantGaps(roads, hs).solve()
    need = np.flatnonzero(~g.covered)
    assert len(need) > 1000
    whole = dijkstra(g._graph, directed=False, indices=need, limit=g.radius_m)[:, : g._n]
    rows, cols = np.nonzero(whole <= g.radius_m)
    tiled = g._cover_sets(need, g._samples.xy)
    assert sorted(zip(*tiled.nonzero(), strict=True)) == sorted(zip(rows, cols, strict=True))


def test_a_solved_analysis_is_reused_until_a_hydrant_changes(uow) -> None:
    """The service keeps a solved analysis under the digest of its inputs: asked again it is
    the same object; after a hydrant is damaged it is solved anew (both databases)."""
    from lanyan.siting import service as siting_service

    lon0, lat0 = origin()
    seed_small_county(uow, hydrants=[(lon0 + STEP, lat0)])
    classes = [c.value for c in RoadClass]
    with uow() as s:
        first, _ = siting_service.hydrant_gaps(s, EVERYWHERE, classes)
        again, _ = siting_service.hydrant_gaps(s, EVERYWHERE, classes)
    assert again is first
    with uow() as s:
        code = first.usable[0]
        row = s.query(WaterSource).filter_by(code=code).one()
        service.update(s, get_type("water-sources"), SYSTEM, EVERYWHERE, row.id,
                       {"status": "damaged"})  # fmt: skip
    with uow() as s:
        changed, _ = siting_service.hydrant_gaps(s, EVERYWHERE, classes)
    assert changed is not first and changed.usable == [] and changed.unusable == [code]


def test_side_of_a_winding_wide_road_equals_the_search_over_every_piece() -> None:
    """The nearest-piece search among 16 candidates (with its exactness check) gives every
    point within R + step of a winding wide road the same side as checking every piece of
    the road (a point farther away reaches none of its samples within R: its side is moot)."""
    t = np.linspace(0, 3 * np.pi, 60)
    curve = road("W", *[(float(400 * x), float(300 * np.sin(x))) for x in t], width=80.0)
    g = HydrantGaps([curve], [hydrant("H", 0, 0)]).solve()
    rng = np.random.default_rng(3)
    xy = g._samples.xy
    pts = xy[rng.integers(len(xy), size=2000)] + rng.uniform(-160, 160, (2000, 2))
    lo, hi = g._first_piece[0], g._first_piece[1]
    a, b = xy[g._pieces[lo:hi, 0]], xy[g._pieces[lo:hi, 1]]
    shape = (len(pts), len(a), 2)
    dist, brute = g._nearest_side(pts, np.broadcast_to(a, shape), np.broadcast_to(b, shape))
    near = dist <= g.radius_m
    assert near.sum() > 1000 and (brute[near] == -1).any() and (brute[near] == 1).any()
    assert (g._side_of(pts, 0)[near] == brute[near]).all()
