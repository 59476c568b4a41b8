"""Snapping points onto the road network (路网吸附): nearest edge, not nearest node.

Edge polylines are projected to the UTM zone of the network's centre (metres) and sampled at
least every ``spacing_m`` along each straight piece; a k-d tree over the samples finds the
candidate pieces near a point, and the point is projected exactly onto each of them. The
nearest piece's position along its edge, as a fraction of the edge's length, splits the edge's
travel time and length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from lanyan.core.errors import FieldProblem, LanyanError
from lanyan.core.geo import utm_transformer
from lanyan.response.routing.graph import RoadGraph

# Pieces within this distance of the nearest one are equally near: a point on a two-way road
# lies on both directed edges, a point at a junction on every edge that meets there.
TIE_M = 0.01


class OffNetwork(LanyanError):
    """A point lies farther from every road than the snapping limit."""

    def __init__(
        self, name: str, lon: float, lat: float, distance_m: float, limit_m: float
    ) -> None:
        where = f"({lon:.6f}, {lat:.6f})"
        super().__init__(
            f"point {name} {where} is off the network: the nearest road is "
            f"{distance_m:,.0f} m away, the limit is {limit_m:,.0f} m",
            [FieldProblem(name, f"must lie within {limit_m:g} m of a road")],
            422,
            "Point off the network",
        )


@dataclass(frozen=True)
class Snap:
    """Where a point joins the network.

    ``edges[i]`` is a directed edge passing through the snapped point at ``fractions[i]`` of its
    length (0 at its tail, 1 at its head), between vertices ``pieces[i]`` and ``pieces[i] + 1``
    of its polyline. ``lon``/``lat`` is the snapped point, ``distance_m`` its distance from the
    requested point (metres).
    """

    name: str
    requested: tuple[float, float]
    lon: float
    lat: float
    distance_m: float
    edges: np.ndarray
    fractions: np.ndarray
    pieces: np.ndarray


class Snapper:
    """Spatial index over the edges of one graph."""

    def __init__(self, graph: RoadGraph, spacing_m: float = 25.0) -> None:
        self.graph = graph
        self.spacing_m = spacing_m
        lon0 = float(np.mean(graph.node_lon)) if graph.n_nodes else 0.0
        lat0 = float(np.mean(graph.node_lat)) if graph.n_nodes else 0.0
        self._fwd, self._inv = utm_transformer(round(lon0), round(lat0))
        x, y = self._fwd.transform(graph.coords[:, 0], graph.coords[:, 1])
        xy = np.column_stack([x, y])

        steps = np.abs(graph.geom_to - graph.geom_from)
        piece_edge = np.repeat(np.arange(graph.n_edges), steps)
        first_piece = np.concatenate([[0], np.cumsum(steps)])
        k = np.arange(len(piece_edge)) - first_piece[piece_edge]
        sign = np.sign(graph.geom_to - graph.geom_from)[piece_edge]
        v0 = graph.geom_from[piece_edge] + k * sign
        self._v0, self._v1 = v0, v0 + sign
        self._p0 = xy[self._v0]
        self._p1 = xy[self._v1]
        self._piece_edge = piece_edge
        self._piece_k = k
        piece_len = np.linalg.norm(self._p1 - self._p0, axis=1)
        cum = np.concatenate([[0.0], np.cumsum(piece_len)])
        self._before = cum[:-1] - cum[first_piece[piece_edge]]
        self._piece_len = piece_len
        self._edge_len = cum[first_piece[1:]] - cum[first_piece[:-1]]

        per_piece = np.maximum(1, np.ceil(piece_len / spacing_m)).astype(np.int64) + 1
        sample_piece = np.repeat(np.arange(len(piece_len)), per_piece)
        start = np.concatenate([[0], np.cumsum(per_piece)])[:-1]
        t = (np.arange(len(sample_piece)) - start[sample_piece]) / (per_piece[sample_piece] - 1)
        samples = self._p0[sample_piece] + t[:, None] * (self._p1 - self._p0)[sample_piece]
        self._sample_piece = sample_piece
        self._tree = cKDTree(samples)

    def snap(self, lon: float, lat: float, max_m: float, name: str = "point") -> Snap:
        """Join ``(lon, lat)`` (WGS84 degrees) to the nearest edge; OffNetwork beyond ``max_m``."""
        px, py = self._fwd.transform(lon, lat)
        p = np.array([px, py])
        if self.graph.n_edges == 0:
            raise OffNetwork(name, lon, lat, float("inf"), max_m)
        nearest_sample, _ = self._tree.query(p)
        # The nearest point of any piece is within spacing/2 of one of that piece's samples.
        if nearest_sample - self.spacing_m / 2 > max_m:
            raise OffNetwork(name, lon, lat, float(nearest_sample), max_m)
        hits = self._tree.query_ball_point(p, nearest_sample + self.spacing_m / 2 + TIE_M)
        pieces = np.unique(self._sample_piece[np.asarray(hits, dtype=np.int64)])
        a, b = self._p0[pieces], self._p1[pieces]
        ab = b - a
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.where(
            denom > 0, np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0.0
        )
        t = np.clip(t, 0.0, 1.0)
        foot = a + t[:, None] * ab
        dist = np.linalg.norm(foot - p, axis=1)
        best = float(dist.min())
        if best > max_m:
            raise OffNetwork(name, lon, lat, best, max_m)
        near = np.flatnonzero(dist <= best + TIE_M)
        near = near[np.argsort(dist[near], kind="stable")]
        edges = self._piece_edge[pieces[near]]
        _, first = np.unique(edges, return_index=True)
        near = near[first]
        chosen = pieces[near]
        edge = self._piece_edge[chosen]
        along = self._before[chosen] + t[near] * self._piece_len[chosen]
        length = self._edge_len[edge]
        fraction = np.clip(
            np.where(length > 0, along / np.where(length > 0, length, 1.0), 0.0), 0, 1
        )
        i = int(np.argmin(dist))
        # A point snapped onto a vertex keeps the vertex's own coordinates, so paths that meet
        # there join exactly instead of differing in the last bits of a projection round trip.
        if t[i] in (0.0, 1.0):
            vertex = (self._v0 if t[i] == 0.0 else self._v1)[pieces[i]]
            slon, slat = self.graph.coords[vertex]
        else:
            slon, slat = self._inv.transform(*foot[i])
        return Snap(
            name=name,
            requested=(lon, lat),
            lon=float(slon),
            lat=float(slat),
            distance_m=best,
            edges=edge,
            fractions=fraction,
            pieces=self._piece_k[chosen],
        )
