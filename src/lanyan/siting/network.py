"""Travel times from snapped facilities to snapped places (设施到需求点的行车时间).

Model: a facility or place ``p`` joins the compiled graph G = (V, E) at fraction f of each edge
e it lies on (:mod:`lanyan.response.routing.snap`). Each facility k becomes a virtual node s_k
with an arc s_k -> head(e) of weight (1 - f) w_e for every edge it lies on, so one Dijkstra
search (Dijkstra 1959, ``scipy.sparse.csgraph`` in C) from s_k gives d(k, v) for every node v;
a place q on edges e' at fractions f' is then reached at

    T(k, q) = min( min_e' d(k, tail(e')) + f' w_e',  (f' - f) w_e  when k and q share edge e, f <= f' ).

With ``min_only`` the searches from all virtual nodes run as one multi-source search and give
min_k d(k, v) and its arg-min per node. ``w`` is travel time in seconds by default; any
positive per-edge weight (for example metres) works the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.snap import Snap

# csgraph reads an explicit zero in sparse input as a missing edge on some paths; a facility
# standing exactly on a junction gets this (1 ns) instead of zero.
_TINY = 1e-9
# Rows of a facility-by-node distance block computed at once (memory: rows x nodes x 8 bytes).
_CHUNK = 64


@dataclass(frozen=True)
class Entries:
    """Snapped points flattened to one row per (point, edge): ``point[i]`` lies on ``edge[i]`` at
    ``fraction[i]``; rows are sorted by point and ``start[k]`` is point k's first row."""

    point: np.ndarray
    edge: np.ndarray
    fraction: np.ndarray
    start: np.ndarray

    @classmethod
    def of(cls, snaps: Sequence[Snap]) -> Entries:
        counts = np.array([len(s.edges) for s in snaps], dtype=np.int64)
        point = np.repeat(np.arange(len(snaps), dtype=np.int64), counts)
        edge = np.concatenate([s.edges for s in snaps]) if snaps else np.zeros(0, dtype=np.int64)
        fraction = np.concatenate([s.fractions for s in snaps]) if snaps else np.zeros(0)
        start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        return cls(point, edge.astype(np.int64), fraction.astype(np.float64), start)

    @property
    def n_points(self) -> int:
        return len(self.start)


class FacilityNetwork:
    """One graph with a set of facilities attached as virtual source nodes.

    ``weights`` is the per-edge cost (default: the graph's seconds); ``undirected`` makes every
    edge usable both ways (hoses are laid either way along a one-way street).
    """

    def __init__(
        self,
        graph: RoadGraph,
        facilities: Sequence[Snap],
        weights: np.ndarray | None = None,
        undirected: bool = False,
    ) -> None:
        self.graph = graph
        self.w = graph.seconds if weights is None else np.asarray(weights, dtype=np.float64)
        self.facilities = Entries.of(facilities)
        self.undirected = undirected
        n, k = graph.n_nodes, len(facilities)
        fe = self.facilities
        if undirected:
            tail = np.concatenate([graph.tail, graph.head])
            head = np.concatenate([graph.head, graph.tail])
            cost = np.concatenate([self.w, self.w])
            v_point = np.concatenate([fe.point, fe.point])
            v_head = np.concatenate([graph.head[fe.edge], graph.tail[fe.edge]])
            v_cost = np.concatenate([(1.0 - fe.fraction) * self.w[fe.edge],
                                     fe.fraction * self.w[fe.edge]])  # fmt: skip
            order = np.lexsort((cost, head, tail))
            tail, head, cost = tail[order], head[order], cost[order]
            first = np.ones(len(tail), dtype=bool)
            first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
            tail, head, cost = tail[first], head[first], cost[first]
            indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n))])
        else:
            # The compiled graph is already one arc per (tail, head), sorted: reuse its CSR.
            head, cost, indptr = graph.head, self.w, graph.indptr
            v_point, v_head = fe.point, graph.head[fe.edge]
            v_cost = (1.0 - fe.fraction) * self.w[fe.edge]
        v_cost = np.maximum(v_cost, _TINY)
        # Keep the cheapest of a facility's arcs to one node: the sparse constructor would add
        # duplicates up.
        order = np.lexsort((v_cost, v_head, v_point))
        v_point, v_head, v_cost = v_point[order], v_head[order], v_cost[order]
        first = np.ones(len(v_point), dtype=bool)
        first[1:] = (v_point[1:] != v_point[:-1]) | (v_head[1:] != v_head[:-1])
        v_point, v_head, v_cost = v_point[first], v_head[first], v_cost[first]
        v_ptr = indptr[-1] + np.concatenate([[0], np.cumsum(np.bincount(v_point, minlength=k))])
        self.matrix = csr_matrix(
            (np.concatenate([cost, v_cost]), np.concatenate([head, v_head]),
             np.concatenate([indptr, v_ptr[1:]])),
            shape=(n + k, n + k),
        )  # fmt: skip
        self.n_nodes = n
        self.n_facilities = k

    def nearest(self, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Per node: the least cost from any facility (``inf`` beyond ``limit``) and that
        facility's index (-1 where none is within the limit)."""
        if self.n_facilities == 0:
            return np.full(self.n_nodes, np.inf), np.full(self.n_nodes, -1, dtype=np.int64)
        dist, _, src = dijkstra(
            self.matrix,
            directed=True,
            indices=np.arange(self.n_nodes, self.n_nodes + self.n_facilities),
            min_only=True,
            limit=limit,
            return_predecessors=True,
        )
        src = np.where(src >= 0, src - self.n_nodes, -1)
        return dist[: self.n_nodes], src[: self.n_nodes]

    def node_costs(
        self, facilities: Sequence[int] | np.ndarray, limit: float = np.inf
    ) -> np.ndarray:
        """Cost from each listed facility to every node, shape (len(facilities), nodes)."""
        idx = self.n_nodes + np.asarray(facilities, dtype=np.int64)
        dist = dijkstra(self.matrix, directed=True, indices=idx, limit=limit)
        return np.atleast_2d(dist)[:, : self.n_nodes]

    def to_points(self, node_cost: np.ndarray, places: Entries) -> np.ndarray:
        """Cost to each place given per-node costs (rows: facilities or one nearest-row)."""
        g = self.graph
        reach = node_cost[..., g.tail[places.edge]] + places.fraction * self.w[places.edge]
        if self.undirected:
            back = node_cost[..., g.head[places.edge]] + (1 - places.fraction) * self.w[places.edge]
            reach = np.minimum(reach, back)
        if places.n_points == 0:
            return reach
        return np.minimum.reduceat(reach, places.start, axis=-1)

    def same_edge(self, places: Entries) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(facility, place, cost) for each facility and place on one common edge, where the
        place lies ahead of the facility (or anywhere along it when undirected)."""
        fe = self.facilities
        common = np.intersect1d(fe.edge, places.edge)
        if len(common) == 0:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        fi = np.flatnonzero(np.isin(fe.edge, common))
        pi = np.flatnonzero(np.isin(places.edge, common))
        by_edge: dict[int, list[int]] = {}
        for f in fi:
            by_edge.setdefault(int(fe.edge[f]), []).append(int(f))
        out_f, out_p, out_c = [], [], []
        for j in pi:
            e = int(places.edge[j])
            for i in by_edge[e]:
                delta = places.fraction[j] - fe.fraction[i]
                if delta >= 0 or self.undirected:
                    out_f.append(int(fe.point[i]))
                    out_p.append(int(places.point[j]))
                    out_c.append(abs(float(delta)) * float(self.w[e]))
        return np.array(out_f, dtype=np.int64), np.array(out_p, dtype=np.int64), np.array(out_c)

    def matrix_to(self, places: Entries, limit: float = np.inf) -> np.ndarray:
        """Cost from every facility to every place, shape (facilities, places); ``inf`` beyond
        ``limit`` or where no path exists."""
        out = np.full((self.n_facilities, places.n_points), np.inf)
        for lo in range(0, self.n_facilities, _CHUNK):
            rows = np.arange(lo, min(lo + _CHUNK, self.n_facilities))
            out[rows] = self.to_points(self.node_costs(rows, limit), places)
        f, p, c = self.same_edge(places)
        if len(f):
            np.minimum.at(out, (f, p), c)
        out[out > limit] = np.inf
        return out

    def nearest_to(
        self, places: Entries, limit: float = np.inf
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Per node and per place: the least cost from any facility and its index.

        Returns (node_cost, node_facility, place_cost, place_facility); -1 marks none within
        ``limit``."""
        node_cost, node_src = self.nearest(limit)
        g = self.graph
        reach = node_cost[g.tail[places.edge]] + places.fraction * self.w[places.edge]
        src = node_src[g.tail[places.edge]]
        if self.undirected:
            back = node_cost[g.head[places.edge]] + (1 - places.fraction) * self.w[places.edge]
            use_back = back < reach
            reach = np.where(use_back, back, reach)
            src = np.where(use_back, node_src[g.head[places.edge]], src)
        place_cost = np.full(places.n_points, np.inf)
        place_src = np.full(places.n_points, -1, dtype=np.int64)
        if len(reach):
            order = np.lexsort((reach, places.point))
            first = np.ones(len(order), dtype=bool)
            first[1:] = places.point[order][1:] != places.point[order][:-1]
            best = order[first]
            place_cost[places.point[best]] = reach[best]
            place_src[places.point[best]] = src[best]
        f, p, c = self.same_edge(places)
        for fi, pi, ci in zip(f, p, c, strict=True):
            if ci < place_cost[pi]:
                place_cost[pi], place_src[pi] = ci, fi
        beyond = place_cost > limit
        place_cost[beyond], place_src[beyond] = np.inf, -1
        return node_cost, node_src, place_cost, place_src
