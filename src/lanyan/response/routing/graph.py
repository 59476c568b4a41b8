"""The compiled road graph: junction nodes and directed edges as CSR arrays (路网图).

Compiling turns parsed polylines into a routable graph:

* a vertex becomes a node (junction) when it ends a line or is shared by two or more lines
  (vertices within 1e-7 degrees, about 1 cm, are the same place), so lines that cross at a
  common vertex connect and lines that merely cross over each other (bridges) do not;
* every line is split at its nodes into pieces; a piece's length is geodesic on the WGS84
  ellipsoid (pyproj ``Geod``), its travel time is length / speed;
* a two-way piece gives two directed edges, a one-way piece one; of parallel edges between
  the same two nodes only the fastest is kept, and closed loops (a piece from a node back to
  itself) are dropped, as no shortest path uses them.

Edges are sorted by (tail, head), so the CSR matrix ``M[tail, head] = seconds`` shares its
data order with the per-edge arrays (metres, geometry).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pyproj import Geod
from scipy.sparse import csr_matrix

from lanyan.response.routing.segments import BACKWARD, FORWARD, RoadSegments

GRID = 1e7  # coordinate quantum per degree used to decide that two vertices are one place
GEOD = Geod(ellps="WGS84")
FORMAT_VERSION = 1


def _vertex_keys(coords: np.ndarray) -> np.ndarray:
    q = np.rint(coords * GRID).astype(np.int64)
    return (q[:, 0] << 32) | (q[:, 1] & 0xFFFFFFFF)


class RoadGraph:
    """Nodes (lon, lat in degrees) and directed edges (seconds, metres, geometry).

    ``indptr``/``head``/``seconds`` are the CSR arrays of the travel-time matrix; edge ``e``
    runs from ``tail[e]`` to ``head[e]``. Its polyline is ``coords[geom_from[e]:geom_to[e] + 1]``,
    read backwards when ``geom_from[e] > geom_to[e]`` (the reverse edge of a two-way road
    shares its vertices).
    """

    def __init__(
        self,
        node_lon: np.ndarray,
        node_lat: np.ndarray,
        indptr: np.ndarray,
        head: np.ndarray,
        seconds: np.ndarray,
        meters: np.ndarray,
        geom_from: np.ndarray,
        geom_to: np.ndarray,
        coords: np.ndarray,
    ) -> None:
        n = len(node_lon)
        e = len(head)
        if len(node_lat) != n or len(indptr) != n + 1 or indptr[-1] != e:
            raise ValueError("node arrays and indptr must describe the same number of nodes")
        for name, arr in (
            ("seconds", seconds),
            ("meters", meters),
            ("geom_from", geom_from),
            ("geom_to", geom_to),
        ):
            if len(arr) != e:
                raise ValueError(f"{name} must have one entry per edge ({e})")
        if e and not (seconds > 0).all():
            raise ValueError("every edge must take a positive time")
        self.node_lon = np.asarray(node_lon, dtype=np.float64)
        self.node_lat = np.asarray(node_lat, dtype=np.float64)
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.head = np.asarray(head, dtype=np.int64)
        self.seconds = np.asarray(seconds, dtype=np.float64)
        self.meters = np.asarray(meters, dtype=np.float64)
        self.geom_from = np.asarray(geom_from, dtype=np.int64)
        self.geom_to = np.asarray(geom_to, dtype=np.int64)
        self.coords = np.asarray(coords, dtype=np.float64).reshape(-1, 2)
        self.tail = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.indptr))
        self._keys = self.tail * n + self.head
        self.matrix = csr_matrix((self.seconds, self.head, self.indptr), shape=(n, n))
        self.reverse_matrix = self.matrix.T.tocsr()

    @property
    def n_nodes(self) -> int:
        return len(self.node_lon)

    @property
    def n_edges(self) -> int:
        return len(self.head)

    @classmethod
    def compile(cls, segments: RoadSegments) -> RoadGraph:
        """Build the graph from parsed road segments (see the module docstring)."""
        coords = segments.coords
        seg_of = np.repeat(np.arange(len(segments)), np.diff(segments.offsets))
        keys = _vertex_keys(coords)
        # Consecutive repeats of a vertex within a line add nothing and would give zero-length pieces.
        repeat = np.zeros(len(coords), dtype=bool)
        repeat[1:] = (keys[1:] == keys[:-1]) & (seg_of[1:] == seg_of[:-1])
        coords, keys, seg_of = coords[~repeat], keys[~repeat], seg_of[~repeat]
        counts = np.bincount(seg_of, minlength=len(segments))
        live = counts >= 2
        inside = live[seg_of]
        coords, keys, seg_of = coords[inside], keys[inside], seg_of[inside]
        offsets = np.concatenate([[0], np.cumsum(counts[live])])
        seg_ids = np.flatnonzero(live)
        seg_of = np.repeat(np.arange(len(seg_ids)), counts[live])

        uniq, first_vertex, inverse, shared = np.unique(
            keys, return_index=True, return_inverse=True, return_counts=True
        )
        is_node = shared[inverse] > 1
        is_node[offsets[:-1]] = True
        is_node[offsets[1:] - 1] = True
        node_keys = np.unique(inverse[is_node])
        node_of_place = np.full(len(uniq), -1, dtype=np.int64)
        node_of_place[node_keys] = np.arange(len(node_keys))
        node_xy = coords[first_vertex[node_keys]]

        pair_m = np.zeros(len(coords))
        if len(coords) > 1:
            _, _, d = GEOD.inv(coords[:-1, 0], coords[:-1, 1], coords[1:, 0], coords[1:, 1])
            pair_m[:-1] = np.where(seg_of[:-1] == seg_of[1:], d, 0.0)
        cum_m = np.concatenate([[0.0], np.cumsum(pair_m)])

        node_pos = np.flatnonzero(is_node)
        start, end = node_pos[:-1], node_pos[1:]
        same_line = seg_of[start] == seg_of[end]
        start, end = start[same_line], end[same_line]
        line = seg_ids[seg_of[start]]
        length = cum_m[end] - cum_m[start]
        secs = length / (segments.speed_kmh[line] / 3.6)
        u = node_of_place[inverse[start]]
        v = node_of_place[inverse[end]]
        direction = segments.oneway[line]

        fwd = direction != BACKWARD
        bwd = direction != FORWARD
        tail = np.concatenate([u[fwd], v[bwd]])
        head = np.concatenate([v[fwd], u[bwd]])
        seconds = np.concatenate([secs[fwd], secs[bwd]])
        meters = np.concatenate([length[fwd], length[bwd]])
        g_from = np.concatenate([start[fwd], end[bwd]])
        g_to = np.concatenate([end[fwd], start[bwd]])

        proper = tail != head
        tail, head, seconds, meters, g_from, g_to = (
            a[proper] for a in (tail, head, seconds, meters, g_from, g_to)
        )
        order = np.lexsort((seconds, head, tail))
        tail, head, seconds, meters, g_from, g_to = (
            a[order] for a in (tail, head, seconds, meters, g_from, g_to)
        )
        first = np.ones(len(tail), dtype=bool)
        first[1:] = (tail[1:] != tail[:-1]) | (head[1:] != head[:-1])
        tail, head, seconds, meters, g_from, g_to = (
            a[first] for a in (tail, head, seconds, meters, g_from, g_to)
        )
        n = len(node_keys)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(tail, minlength=n))])
        return cls(
            node_xy[:, 0], node_xy[:, 1], indptr, head, seconds, meters, g_from, g_to, coords
        )

    def edge_ids(self, tails: np.ndarray, heads: np.ndarray) -> np.ndarray:
        """The edge from each tail to each head (the caller knows the edges exist)."""
        return np.searchsorted(self._keys, np.asarray(tails) * self.n_nodes + np.asarray(heads))

    def edge_geometry(self, edge: int) -> np.ndarray:
        """The polyline of one edge, from its tail to its head, as (n, 2) lon/lat degrees."""
        a, b = int(self.geom_from[edge]), int(self.geom_to[edge])
        return self.coords[a : b + 1] if a <= b else self.coords[b : a + 1][::-1]

    def node_at(self, lon: float, lat: float) -> int | None:
        """The node at exactly this place (within 1e-7 degrees), or None."""
        key = _vertex_keys(np.array([[lon, lat]]))[0]
        hits = np.flatnonzero(_vertex_keys(np.column_stack([self.node_lon, self.node_lat])) == key)
        return int(hits[0]) if len(hits) else None

    def save(self, path: Path) -> None:
        """Write the graph as a compressed ``.npz`` (written to a temporary name, then renamed)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with tmp.open("wb") as fh:
            np.savez_compressed(
                fh,
                version=np.array(FORMAT_VERSION),
                node_lon=self.node_lon,
                node_lat=self.node_lat,
                indptr=self.indptr,
                head=self.head,
                seconds=self.seconds,
                meters=self.meters,
                geom_from=self.geom_from,
                geom_to=self.geom_to,
                coords=self.coords,
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RoadGraph:
        """Read a graph written by :meth:`save`."""
        with np.load(path) as data:
            if int(data["version"]) != FORMAT_VERSION:
                raise ValueError(f"{path} was written by another graph format version")
            return cls(
                data["node_lon"],
                data["node_lat"],
                data["indptr"],
                data["head"],
                data["seconds"],
                data["meters"],
                data["geom_from"],
                data["geom_to"],
                data["coords"],
            )
