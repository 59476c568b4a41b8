"""Road network and routing: Helsinki OSM against networkx, snapping, one-way, GeoJSON, roads table, CLI."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pyrosm
import pytest
from pyproj import Geod
from shapely.geometry import LineString
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.core.errors import ValidationFailed
from lanyan.core.geo import Crs, from_wgs84
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.response.roads import registry_graph
from lanyan.response.routing import OffNetwork, RoadGraph, Router, SpeedTable
from lanyan.response.routing.networks import GraphCache, file_graph
from lanyan.response.routing.readers import read_geojson, read_osm_pbf
from lanyan.store.audit import SYSTEM

from support import DAFENG, seed_region

GEOD = Geod(ellps="WGS84")
runner = CliRunner()


# --- Helsinki: the real OSM extract shipped inside the pyrosm wheel ---------------------------


@pytest.fixture(scope="session")
def speeds() -> SpeedTable:
    return SpeedTable.load()


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    path = Path(pyrosm.get_data("helsinki_pbf"))
    assert path.is_file() and path.parent.name == "data"  # packaged, not downloaded
    return path


@pytest.fixture(scope="session")
def helsinki(helsinki_pbf: Path, speeds: SpeedTable) -> Router:
    return Router(RoadGraph.compile(read_osm_pbf(helsinki_pbf, speeds)))


@pytest.fixture(scope="session")
def helsinki_nx(helsinki_pbf: Path, speeds: SpeedTable) -> tuple[nx.DiGraph, dict[int, tuple]]:
    """An independent graph: pyrosm's own edge table, lengths by pyproj, Dijkstra by networkx."""
    nodes, edges = pyrosm.OSM(str(helsinki_pbf)).get_network(network_type="driving", nodes=True)
    assert set(edges["oneway"].dropna()) <= {"yes", "no"}  # the cases this reference handles
    g = nx.DiGraph()
    for u, v, highway, maxspeed, oneway, geom in zip(
        edges["u"],
        edges["v"],
        edges["highway"],
        edges["maxspeed"],
        edges["oneway"],
        edges.geometry,
        strict=True,
    ):
        cap = float(maxspeed) if isinstance(maxspeed, str) else None
        kmh = speeds.speed_kmh(speeds.class_for_highway(highway), cap)
        meters = GEOD.geometry_length(geom)
        arcs = [(u, v)] if oneway == "yes" else [(u, v), (v, u)]
        for a, b in arcs:
            seconds = meters / (kmh / 3.6)
            if a != b and (not g.has_edge(a, b) or g[a][b]["seconds"] > seconds):
                g.add_edge(a, b, seconds=seconds, meters=meters)
    where = {
        int(i): (lon, lat)
        for i, lon, lat in zip(nodes["id"], nodes["lon"], nodes["lat"], strict=True)
    }
    return g, where


def test_helsinki_graph_size(helsinki: Router, helsinki_nx: tuple) -> None:
    g, _ = helsinki_nx
    assert helsinki.graph.n_nodes == g.number_of_nodes()
    assert helsinki.graph.n_edges == g.number_of_edges()


def test_helsinki_times_match_networkx_from_random_sources(
    helsinki: Router, helsinki_nx: tuple
) -> None:
    g, where = helsinki_nx
    rng = np.random.default_rng(20240419)
    osm_ids = sorted(g.nodes)
    index = {n: helsinki.graph.node_at(*where[n]) for n in osm_ids}
    assert len(set(index.values())) == len(osm_ids) and None not in index.values()
    sources = rng.choice(osm_ids, size=25, replace=False)
    ours = helsinki.node_seconds([index[s] for s in sources])
    for row, source in enumerate(sources):
        theirs = nx.single_source_dijkstra_path_length(g, source, weight="seconds")
        reached = {index[n] for n in theirs}
        assert set(np.flatnonzero(np.isfinite(ours[row]))) == reached
        for n, seconds in theirs.items():
            assert ours[row, index[n]] == pytest.approx(seconds, rel=1e-6, abs=1e-9)


def test_helsinki_routes_match_networkx_time_and_distance(
    helsinki: Router, helsinki_nx: tuple
) -> None:
    g, where = helsinki_nx
    rng = np.random.default_rng(7)
    osm_ids = sorted(g.nodes)
    checked = unreachable = 0
    for _ in range(60):
        s, t = (int(x) for x in rng.choice(osm_ids, size=2, replace=False))
        route = helsinki.route(where[s], where[t])
        try:
            seconds, path = nx.single_source_dijkstra(g, s, t, weight="seconds")
        except nx.NetworkXNoPath:
            assert not route.reachable and route.seconds is None and route.meters is None
            unreachable += 1
            continue
        meters = sum(g[a][b]["meters"] for a, b in pairwise(path))
        assert route.reachable
        assert route.seconds == pytest.approx(seconds, rel=1e-6)
        assert route.meters == pytest.approx(meters, rel=1e-6)
        assert route.path[0] == pytest.approx(list(where[s]), abs=1e-6)
        assert route.path[-1] == pytest.approx(list(where[t]), abs=1e-6)
        checked += 1
    assert checked >= 30


def test_helsinki_one_way_pair_differs(helsinki: Router, helsinki_nx: tuple) -> None:
    g, where = helsinki_nx
    one_way = [(a, b) for a, b in g.edges if not g.has_edge(b, a)]
    assert one_way
    a, b = one_way[0]
    there, back = helsinki.route(where[a], where[b]), helsinki.route(where[b], where[a])
    assert there.seconds == pytest.approx(g[a][b]["seconds"], rel=1e-6)
    expected_back = (
        nx.shortest_path_length(g, b, a, weight="seconds") if nx.has_path(g, b, a) else None
    )
    if expected_back is None:
        assert not back.reachable
    else:
        assert back.seconds == pytest.approx(expected_back, rel=1e-6)
        assert back.seconds > there.seconds


def test_many_to_one_equals_one_to_one(helsinki: Router, helsinki_nx: tuple) -> None:
    g, where = helsinki_nx
    rng = np.random.default_rng(3)
    ids = [int(x) for x in rng.choice(sorted(g.nodes), size=12, replace=False)]
    incident, stations = where[ids[0]], [where[i] for i in ids[1:]]
    inbound = helsinki.many_to_one(stations, incident, paths=True)
    outbound = helsinki.one_to_many(incident, stations)
    for station, got, away in zip(stations, inbound, outbound, strict=True):
        single = helsinki.route(station, incident)
        assert got.reachable == single.reachable
        if single.reachable:
            assert got.seconds == pytest.approx(single.seconds, rel=1e-9)
            assert got.meters == pytest.approx(single.meters, rel=1e-6)
            assert got.path[0] == pytest.approx(list(station), abs=1e-6)
        back = helsinki.route(incident, station)
        assert away.reachable == back.reachable
        if back.reachable:
            assert away.seconds == pytest.approx(back.seconds, rel=1e-9)


def test_bounded_search_reports_beyond_limit(helsinki: Router, helsinki_nx: tuple) -> None:
    g, where = helsinki_nx
    s = sorted(g.nodes)[0]
    times = nx.single_source_dijkstra_path_length(g, s, weight="seconds")
    far = max(times, key=times.get)
    near = min((n for n in times if n != s), key=times.get)
    limit = (times[near] + times[far]) / 2
    near_r, far_r = helsinki.one_to_many(where[s], [where[near], where[far]], limit_s=limit)
    assert near_r.reachable and near_r.seconds == pytest.approx(times[near], rel=1e-6)
    assert not far_r.reachable and "limit" in far_r.reason


# --- small GeoJSON networks -----------------------------------------------------------------

LON, LAT = 120.47, 33.2


def _collection(features: list[dict[str, Any]], crs: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def _line(coords: list[tuple[float, float]], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


def _geodesic(coords: list[tuple[float, float]]) -> float:
    return GEOD.geometry_length(LineString(coords))


A, B, C = (LON, LAT), (LON + 0.01, LAT), (LON + 0.01, LAT + 0.01)


def _router(features: list[dict[str, Any]], speeds: SpeedTable, **kw: Any) -> Router:
    return Router(RoadGraph.compile(read_geojson(_collection(features), speeds)), **kw)


def test_snapping_mid_edge_gives_partial_cost(speeds: SpeedTable) -> None:
    router = _router(
        [_line([A, B], road_class="arterial"), _line([B, C], road_class="local")], speeds
    )
    mid = (LON + 0.005, LAT + 0.00005)  # beside the first road, about 5.5 m north of it
    route = router.route(mid, C)
    half = _geodesic([A, B]) / 2
    expected = half / (50 / 3.6) + _geodesic([B, C]) / (25 / 3.6)
    assert route.origin_snap_m == pytest.approx(5.54, abs=0.05)
    assert route.seconds == pytest.approx(expected, rel=1e-3)
    assert route.meters == pytest.approx(half + _geodesic([B, C]), rel=1e-3)
    assert route.path[0] == pytest.approx([LON + 0.005, LAT], abs=1e-6)
    assert route.path[1:] == [list(B), list(C)]
    # Both ends on the same edge: only the stretch between them counts.
    short = router.route((LON + 0.002, LAT), (LON + 0.004, LAT))
    assert short.meters == pytest.approx(_geodesic([A, B]) * 0.2, rel=1e-3)
    assert len(short.path) == 2


def test_one_way_and_maxspeed_from_geojson(speeds: SpeedTable) -> None:
    router = _router([_line([A, B], highway="primary", oneway="yes", maxspeed="30")], speeds)
    there = router.route(A, B)
    assert there.seconds == pytest.approx(_geodesic([A, B]) / (30 / 3.6), rel=1e-9)
    back = router.route(B, A)
    assert not back.reachable and back.seconds is None and back.meters is None
    assert back.reason == "no road path between the two points"


def test_off_network_point_is_named(speeds: SpeedTable) -> None:
    router = _router([_line([A, B])], speeds, max_snap_m=200)
    with pytest.raises(OffNetwork) as err:
        router.route(A, (LON + 0.005, LAT + 0.01))  # about 1.1 km from the road
    assert "point to (120.475000, 33.210000) is off the network" in str(err.value)
    assert err.value.problems[0].field == "to"
    results = router.one_to_many(A, [B, (LON, LAT + 0.05)])
    assert results[0].reachable and not results[1].reachable
    assert "off the network" in results[1].reason


def test_unreachable_component_is_explicit(speeds: SpeedTable) -> None:
    island = [(LON + 0.1, LAT), (LON + 0.1, LAT + 0.01)]
    router = _router([_line([A, B]), _line(island)], speeds)
    route = router.route(A, island[1])
    assert not route.reachable and route.path == []
    assert route.as_dict()["seconds"] is None


def test_gcj02_geojson_is_converted(speeds: SpeedTable) -> None:
    wgs = _collection([_line([A, B]), _line([B, C])])
    gcj = _collection(
        [
            _line([from_wgs84(*p, Crs.GCJ02) for p in (A, B)]),
            _line([from_wgs84(*p, Crs.GCJ02) for p in (B, C)]),
        ],
        crs="GCJ-02",
    )
    g_wgs = RoadGraph.compile(read_geojson(wgs, speeds))
    g_gcj = RoadGraph.compile(read_geojson(gcj, speeds))
    assert g_gcj.n_nodes == 3
    assert np.allclose(np.sort(g_gcj.node_lon), np.sort(g_wgs.node_lon), atol=1e-6)
    assert np.allclose(np.sort(g_gcj.node_lat), np.sort(g_wgs.node_lat), atol=1e-6)
    assert Router(g_gcj).route(A, C).meters == pytest.approx(
        Router(g_wgs).route(A, C).meters, abs=0.5
    )


def test_bad_network_and_speed_table_name_the_rule(speeds: SpeedTable, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as err:
        read_geojson(_collection([_line([A, B], road_class="motorway")]), speeds)
    assert err.value.problems[0].field == "features[0].road_class"
    with pytest.raises(ValidationFailed) as err:
        read_geojson(_collection([_line([A, B])], crs="GCJ-02"), speeds, Crs.BD09)
    assert err.value.problems[0].field == "crs"
    bad = tmp_path / "speeds.yaml"
    bad.write_text(
        "classes: {expressway: 300, arterial: 50, secondary: 40, local: 25, rural: 35}\n"
    )
    with pytest.raises(ValidationFailed) as err:
        SpeedTable.load(bad)
    assert err.value.problems[0].field == "classes.expressway"


def test_file_graph_cache_is_reused_and_rebuilt_on_change(
    speeds: SpeedTable, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "networks")
    src = tmp_path / "roads.geojson"
    src.write_text(json.dumps(_collection([_line([A, B])])))
    first = file_graph(src, speeds, cache)
    entries = list(cache.directory.glob("roads-*.npz"))
    assert len(entries) == 1
    again = file_graph(src, speeds, cache)
    assert np.array_equal(again.seconds, first.seconds)
    assert list(cache.directory.glob("roads-*.npz")) == entries
    src.write_text(json.dumps(_collection([_line([A, B]), _line([B, C])])))
    changed = file_graph(src, speeds, cache)
    assert changed.n_nodes == 3
    assert list(cache.directory.glob("roads-*.npz")) != entries
    assert len(list(cache.directory.glob("roads-*.npz"))) == 1


# --- the registry's roads table, on SQLite and PostgreSQL -----------------------------------


def _road(
    code: str, coords: list[tuple[float, float]], road_class: str, kmh: float, oneway: bool
) -> dict:
    return {
        "code": code,
        "road_class": road_class,
        "speed_kmh": kmh,
        "oneway": oneway,
        "geometry": json.dumps({"type": "LineString", "coordinates": [list(c) for c in coords]}),
        "jurisdiction_code": DAFENG,
    }


def test_roads_table_routes_on_both_databases(
    uow: Any, db_url: str, speeds: SpeedTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_region(uow)
    with uow() as s:
        for payload in (
            _road("R-1", [A, B], "arterial", 40, False),  # posted 40 caps the 50 km/h class speed
            _road("R-2", [B, C], "local", 30, True),
        ):
            service.create(s, get_type("roads"), SYSTEM, EVERYWHERE, payload)
    cache = GraphCache(tmp_path / "networks")
    with uow() as s:
        router = Router(registry_graph(s, speeds, cache))
    route = router.route(A, C)
    expected = _geodesic([A, B]) / (40 / 3.6) + _geodesic([B, C]) / (25 / 3.6)
    assert route.seconds == pytest.approx(expected, rel=1e-9)
    assert not router.route(C, B).reachable  # R-2 is one-way

    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    r = runner.invoke(app, ["route", "--from", f"{A[0]},{A[1]}", "--to", f"{C[0]},{C[1]}"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["seconds"] == pytest.approx(expected, abs=0.05)
    assert out["path"][0] == list(A) and out["path"][-1] == list(C)


# --- the CLI ----------------------------------------------------------------------------------


@pytest.fixture
def network_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    path = tmp_path / "county.geojson"
    island = [(LON + 0.1, LAT), (LON + 0.1, LAT + 0.01)]
    path.write_text(json.dumps(_collection([_line([A, B]), _line([B, C]), _line(island)])))
    return path


def test_cli_prints_route_json(network_file: Path) -> None:
    r = runner.invoke(
        app,
        ["route", "--from", "120.47,33.2", "--to", "120.48,33.21", "--network", str(network_file)],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["reachable"] is True
    assert out["meters"] == pytest.approx(_geodesic([A, B, C]), abs=0.1)
    assert out["seconds"] == pytest.approx(_geodesic([A, B, C]) / (25 / 3.6), abs=0.1)
    assert out["path"] == [list(A), list(B), list(C)]


def test_cli_gcj02_points(network_file: Path) -> None:
    a, c = from_wgs84(*A, Crs.GCJ02), from_wgs84(*C, Crs.GCJ02)
    r = runner.invoke(
        app,
        [
            "route",
            "--from",
            f"{a[0]},{a[1]}",
            "--to",
            f"{c[0]},{c[1]}",
            "--crs",
            "GCJ-02",
            "--network",
            str(network_file),
        ],
    )
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["crs"] == "gcj02"
    assert out["path"][0] == pytest.approx(list(a), abs=1e-6)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "120.47", "--to", "120.48,33.21"], "--from must be LON,LAT"),
        (["--from", "120.47,33.2", "--to", "east,33.21"], "--to must be LON,LAT"),
        (["--from", "120.47,95", "--to", "120.48,33.21"], "lat must be between"),
        (
            ["--from", "120.47,33.2", "--to", "120.48,33.3"],
            "point to (120.480000, 33.300000) is off",
        ),
        (["--from", "120.47,33.2", "--to", "120.57,33.21"], "not reachable"),
        (["--from", "120.47,33.2", "--to", "120.48,33.21", "--crs", "mars"], "--crs"),
    ],
)
def test_cli_bad_input_is_a_message_not_a_traceback(
    network_file: Path, args: list[str], message: str
) -> None:
    r = runner.invoke(app, ["route", *args, "--network", str(network_file)])
    assert r.exit_code == 1
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert message in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_cli_missing_network_file(network_file: Path) -> None:
    r = runner.invoke(
        app,
        [
            "route",
            "--from",
            "120.47,33.2",
            "--to",
            "120.48,33.21",
            "--network",
            str(network_file) + ".nope",
        ],
    )
    assert r.exit_code == 1 and "cannot read" in r.output
