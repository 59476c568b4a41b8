"""Shortest travel time on a compiled road graph (最短行车时间).

Model: the graph is G = (V, E) with travel time t_e > 0 and length l_e per directed edge. A
point p joins the network at fraction f of edge e = (a, b) (see :mod:`snap`); leaving p costs
(1 - f) t_e to reach b, arriving at p costs f t_e from a. The travel time from p to q is

    T(p, q) = min( min over (e, f_p) of p, (e', f_q) of q of (1 - f_p) t_e + d(b, a') + f_q t_e',
                   (f_q - f_p) t_e  when p and q lie on the same edge e with f_p <= f_q )

with d the shortest-path time between nodes (Dijkstra 1959, run by ``scipy.sparse.csgraph``
in C: one row per distinct access node, ``limit=`` bounds the search). The distance reported is
the length of that fastest route, not the shortest distance. Searching "to one place from many"
(every station to an incident) runs the same search once on the reversed graph.

Example (two roads meeting at a right angle, 36 km/h, so 10 m/s):

>>> import numpy as np
>>> from lanyan.response.routing.segments import RoadSegments
>>> segs = RoadSegments.from_lines(
...     [np.array([[120.0, 30.0], [120.001, 30.0]]), np.array([[120.001, 30.0], [120.001, 30.001]])],
...     ["local", "local"], [36.0, 36.0], [0, 0], ["a", "b"])
>>> router = Router(RoadGraph.compile(segs))
>>> r = router.route((120.0005, 30.0), (120.001, 30.0005))
>>> round(r.seconds, 2), round(r.meters, 2), len(r.path)
(10.37, 103.67, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse.csgraph import dijkstra

from lanyan.core.errors import LanyanError
from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.snap import Snap, Snapper

Point = tuple[float, float]
_NO_PARENT = -9999  # what scipy puts in the predecessor row for a search root


@dataclass(frozen=True)
class Route:
    """One origin-destination result. ``seconds``/``meters`` are None when not ``reachable``.

    ``path`` is the route's polyline as [lon, lat] WGS84 pairs, from the origin's snapped point
    to the destination's (empty when no path was asked for or none exists). ``reason`` says why
    a destination is not reachable: no road path, beyond the search limit, or off the network.
    """

    reachable: bool
    seconds: float | None
    meters: float | None
    path: list[list[float]]
    origin_snap_m: float | None
    destination_snap_m: float | None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "reachable": self.reachable,
            "seconds": None if self.seconds is None else round(self.seconds, 1),
            "meters": None if self.meters is None else round(self.meters, 1),
            "path": [[round(x, 7), round(y, 7)] for x, y in self.path],
            "origin_snap_m": None if self.origin_snap_m is None else round(self.origin_snap_m, 1),
            "destination_snap_m": (
                None if self.destination_snap_m is None else round(self.destination_snap_m, 1)
            ),
            "reason": self.reason,
        }


class _Search:
    """Dijkstra from the access nodes of one snapped point, forward or on the reversed graph."""

    def __init__(self, graph: RoadGraph, snap: Snap, reverse: bool, limit_s: float) -> None:
        self.graph, self.snap, self.reverse = graph, snap, reverse
        e, f = snap.edges, snap.fractions
        # Forward: leave the point towards each edge's head. Reverse: arrive from its tail.
        share = f if reverse else 1.0 - f
        nodes = graph.tail[e] if reverse else graph.head[e]
        offset_s = share * graph.seconds[e]
        order = np.lexsort((offset_s, nodes))
        keep = np.ones(len(order), dtype=bool)
        keep[1:] = nodes[order][1:] != nodes[order][:-1]
        self.access = order[keep]  # index into snap.edges of each search root
        self.roots = nodes[self.access]
        self.offset_s = offset_s[self.access]
        self.offset_m = share[self.access] * graph.meters[e[self.access]]
        matrix = graph.reverse_matrix if reverse else graph.matrix
        self.dist, self.pred = dijkstra(
            matrix, directed=True, indices=self.roots, return_predecessors=True, limit=limit_s
        )
        total = self.dist + self.offset_s[:, None]
        self.row = np.argmin(total, axis=0)
        self.best = total[self.row, np.arange(graph.n_nodes)]
        self._tree_m: dict[int, np.ndarray] = {}

    def meters_to(self, node: int) -> float:
        """Length of the fastest route from the point to ``node`` (or from ``node``, reversed)."""
        k = int(self.row[node])
        if k not in self._tree_m:
            self._tree_m[k] = self._tree_meters(k)
        return float(self.offset_m[k] + self._tree_m[k][node])

    def _tree_meters(self, k: int) -> np.ndarray:
        """Length from the root of search row ``k`` to every node it reached, by pointer jumping."""
        g = self.graph
        reached = np.flatnonzero(np.isfinite(self.dist[k]))
        parent = self.pred[k][reached]
        has = parent >= 0
        weight = np.zeros(len(reached))
        a, b = (reached[has], parent[has]) if self.reverse else (parent[has], reached[has])
        weight[has] = g.meters[g.edge_ids(a, b)]
        pos = np.full(g.n_nodes, -1, dtype=np.int64)
        pos[reached] = np.arange(len(reached))
        ptr = np.where(has, pos[np.where(has, parent, 0)], -1)
        acc = weight
        while (ptr >= 0).any():
            jump = ptr >= 0
            acc = acc + np.where(jump, acc[np.where(jump, ptr, 0)], 0.0)
            ptr = np.where(jump, ptr[np.where(jump, ptr, 0)], -1)
        out = np.full(g.n_nodes, np.nan)
        out[reached] = acc
        return out

    def meters_all(self) -> np.ndarray:
        """Length of the fastest route to every node (``nan`` where not reached)."""
        out = np.full(self.graph.n_nodes, np.nan)
        for k in np.unique(self.row[np.isfinite(self.best)]):
            take = (self.row == k) & np.isfinite(self.best)
            if int(k) not in self._tree_m:
                self._tree_m[int(k)] = self._tree_meters(int(k))
            out[take] = self.offset_m[k] + self._tree_m[int(k)][take]
        return out

    def node_path(self, node: int) -> list[int]:
        """Nodes in travel order between the root and ``node``."""
        pred = self.pred[int(self.row[node])]
        nodes = [node]
        while pred[nodes[-1]] != _NO_PARENT:
            nodes.append(int(pred[nodes[-1]]))
        return nodes if self.reverse else nodes[::-1]


def _leave(graph: RoadGraph, snap: Snap, i: int) -> list[list[float]]:
    geom = graph.edge_geometry(int(snap.edges[i]))
    return [[snap.lon, snap.lat], *geom[int(snap.pieces[i]) + 1 :].tolist()]


def _enter(graph: RoadGraph, snap: Snap, i: int) -> list[list[float]]:
    geom = graph.edge_geometry(int(snap.edges[i]))
    return [*geom[1 : int(snap.pieces[i]) + 1].tolist(), [snap.lon, snap.lat]]


def _through(graph: RoadGraph, nodes: list[int]) -> list[list[float]]:
    out: list[list[float]] = []
    if len(nodes) > 1:
        edges = graph.edge_ids(np.array(nodes[:-1]), np.array(nodes[1:]))
        for e in edges:
            out.extend(graph.edge_geometry(int(e))[1:].tolist())
    return out


def _dedupe(path: list[list[float]]) -> list[list[float]]:
    out = path[:1]
    for pt in path[1:]:
        if pt != out[-1]:
            out.append(pt)
    return out


class Router:
    """Routes on one :class:`RoadGraph`; points farther than ``max_snap_m`` from a road are refused."""

    def __init__(
        self, graph: RoadGraph, max_snap_m: float = 500.0, spacing_m: float = 25.0
    ) -> None:
        if not max_snap_m > 0:
            raise ValueError("max_snap_m must be a positive distance in metres")
        self.graph = graph
        self.max_snap_m = max_snap_m
        self.snapper = Snapper(graph, spacing_m)

    def snap(self, point: Point, name: str = "point") -> Snap:
        """Join a WGS84 point to the network (raises OffNetwork beyond the limit)."""
        return self.snapper.snap(point[0], point[1], self.max_snap_m, name)

    def route(self, origin: Point | Snap, destination: Point | Snap) -> Route:
        """Fastest route from ``origin`` to ``destination`` with its polyline."""
        o = origin if isinstance(origin, Snap) else self.snap(origin, "from")
        d = destination if isinstance(destination, Snap) else self.snap(destination, "to")
        search = _Search(self.graph, o, reverse=False, limit_s=np.inf)
        return self._evaluate(search, o, d, paths=True, limit_s=np.inf)

    def one_to_many(
        self,
        origin: Point | Snap,
        destinations: Sequence[Point | Snap],
        limit_s: float = np.inf,
        paths: bool = False,
    ) -> list[Route]:
        """From one origin to each destination (one search). Destinations farther than
        ``limit_s`` seconds, off the network or in another component come back not reachable."""
        o = origin if isinstance(origin, Snap) else self.snap(origin, "from")
        search = _Search(self.graph, o, reverse=False, limit_s=limit_s)
        return [
            self._target(search, o, t, f"to[{i}]", paths, limit_s)
            for i, t in enumerate(destinations)
        ]

    def many_to_one(
        self,
        origins: Sequence[Point | Snap],
        destination: Point | Snap,
        limit_s: float = np.inf,
        paths: bool = False,
    ) -> list[Route]:
        """From each origin (e.g. every station) to one destination, by one search on the
        reversed graph. Not-reachable results as in :meth:`one_to_many`."""
        d = destination if isinstance(destination, Snap) else self.snap(destination, "to")
        search = _Search(self.graph, d, reverse=True, limit_s=limit_s)
        return [
            self._target(search, d, s, f"from[{i}]", paths, limit_s) for i, s in enumerate(origins)
        ]

    def tree_from(self, origin: Point | Snap) -> tuple[np.ndarray, np.ndarray]:
        """Travel time (s) and length of that fastest route (m) from ``origin`` to every node
        (``inf``/``nan`` where no road leads). A point reached along edge ``e`` at fraction
        ``f`` is then ``seconds[tail(e)] + f * t_e`` away: this is the table a fixed origin
        (a fire station) needs only once."""
        o = origin if isinstance(origin, Snap) else self.snap(origin, "from")
        search = _Search(self.graph, o, reverse=False, limit_s=np.inf)
        return search.best.copy(), search.meters_all()

    def node_seconds(self, sources: Sequence[int], limit_s: float = np.inf) -> np.ndarray:
        """Travel time (s) from each source node to every node; ``inf`` where not reached."""
        return dijkstra(self.graph.matrix, directed=True, indices=list(sources), limit=limit_s)

    def _target(
        self,
        search: _Search,
        fixed: Snap,
        other: Point | Snap,
        name: str,
        paths: bool,
        limit_s: float,
    ) -> Route:
        try:
            snap = other if isinstance(other, Snap) else self.snap(other, name)
        except LanyanError as exc:
            off_origin = fixed.distance_m if not search.reverse else None
            off_dest = fixed.distance_m if search.reverse else None
            return Route(False, None, None, [], off_origin, off_dest, exc.message)
        o, d = (snap, fixed) if search.reverse else (fixed, snap)
        return self._evaluate(search, o, d, paths, limit_s)

    def _evaluate(self, search: _Search, o: Snap, d: Snap, paths: bool, limit_s: float) -> Route:
        g = self.graph
        # The far end joins the searched tree through the tail (forward) or head (reverse) of its edges.
        far = o if search.reverse else d
        e, f = far.edges, far.fractions
        join = g.head[e] if search.reverse else g.tail[e]
        share = (1.0 - f) if search.reverse else f
        via = search.best[join] + share * g.seconds[e]
        i_via = int(np.argmin(via))
        best_s = float(via[i_via])
        direct = None
        for i_o, edge in enumerate(o.edges):
            hit = np.flatnonzero(d.edges == edge)
            if len(hit) and d.fractions[hit[0]] >= o.fractions[i_o]:
                cost = float((d.fractions[hit[0]] - o.fractions[i_o]) * g.seconds[edge])
                if cost <= best_s:
                    best_s, direct = cost, (i_o, int(hit[0]))
        if not np.isfinite(best_s) or best_s > limit_s:
            # A bounded search cannot tell "no path" from "farther than the limit".
            reason = (
                "no road path between the two points"
                if np.isinf(limit_s)
                else f"not reached within the search limit of {limit_s:g} s"
            )
            return Route(False, None, None, [], o.distance_m, d.distance_m, reason)
        if direct is not None:
            i_o, i_d = direct
            edge = int(o.edges[i_o])
            meters = float((d.fractions[i_d] - o.fractions[i_o]) * g.meters[edge])
            path: list[list[float]] = []
            if paths:
                geom = g.edge_geometry(edge)
                inner = geom[int(o.pieces[i_o]) + 1 : int(d.pieces[i_d]) + 1].tolist()
                path = _dedupe([[o.lon, o.lat], *inner, [d.lon, d.lat]])
            return Route(True, best_s, meters, path, o.distance_m, d.distance_m)
        node = int(join[i_via])
        meters = search.meters_to(node) + float(share[i_via] * g.meters[e[i_via]])
        path = []
        if paths:
            root_i = int(search.access[search.row[node]])
            nodes = search.node_path(node)
            if search.reverse:
                path = _leave(g, o, i_via) + _through(g, nodes) + _enter(g, d, root_i)
            else:
                path = _leave(g, o, root_i) + _through(g, nodes) + _enter(g, d, i_via)
            path = _dedupe(path)
        return Route(True, best_s, meters, path, o.distance_m, d.distance_m)
