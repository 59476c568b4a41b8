"""Hydrant gaps along roads (市政消火栓缺口分析), GB 50974-2014 §7.2.

Rule (GB 50974-2014《消防给水及消火栓系统技术规范》§7.2.5-§7.2.6): a municipal hydrant protects
at most 150 m (保护半径不应超过150 m), hydrants along a road stand at most 120 m apart
(间距不应大于120 m), and roads wider than 60 m carry hydrants on both sides (道路宽度超过60 m时
宜在道路的两侧设置). Usable hydrants are intact municipal hydrants and water cranes; a damaged
or missing one protects nothing.

Method. Every road centreline is cut, in its local UTM zone, into pieces of at most ``step_m``
metres (20 m); the cut points are the samples and the nodes of an undirected graph whose edges
are the pieces (length in metres). Roads join where they share a vertex (to 0.1 m). A hydrant
joins the graph on the nearest piece at fraction t, as a node linked to the piece's ends by
t·L and (1 - t)·L. Sample s is covered when

    network (default):  min_h d_G(h, s) <= R          (multi-source Dijkstra, SciPy csgraph)
    straight-line:      min_h |h - s|   <= R          (k-d tree)

with R the protection radius. A sample owns half of each piece next to it, so an uncovered
stretch (a run of uncovered samples along one road) runs from the midpoint before its first
sample to the midpoint after its last (road ends clamp it): lengths are exact to step/2.

Both sides of wide roads (GB 50974-2014 §7.2.5: roads wider than 60 m carry hydrants on both
sides, since hoses are not laid across them): such a road's samples are checked once per side.
A hydrant is on the left or right of a wide road by the sign of the cross product of the road's
direction (at its nearest piece) with the hydrant's offset, and a side's sample is covered
only by usable hydrants on that side (same distance as above; a hydrant exactly on the
centreline counts as left). A wide road counts once per side in ``total_m`` and
``uncovered_m``, and its stretches carry ``side`` "left" or "right" (others "both").

Spacing: hydrants within ``snap_m`` of a road are placed at their chainage along it (per side
for roads wider than 60 m, by the sign of the cross product with the road's direction), and
every consecutive pair more than ``spacing_m`` apart is listed.

New hydrants: the fewest points, chosen among the samples (on a wide road: the kerb points
half its width to each side of its samples, instead of its centreline), such that every
uncovered sample is within R of one, and every uncovered side of a wide road within R of one
on that side (set covering, Toregas et al. 1971):

    min sum_j x_j   s.t.  sum_{j in N_s} x_j >= 1 for every uncovered sample s,  x binary,

N_s = the samples within R of s (the same distance as above), solved by HiGHS
(``scipy.optimize.milp``); ``gap`` is the proven relative MIP gap (0 = optimum proven).

Example (one 400 m straight road, a hydrant at its west end, R = 150 m):

>>> from lanyan.core.geo import utm_transformer
>>> fwd, inv = utm_transformer(120, 33)
>>> lon, lat = inv.transform([500000.0, 500400.0], [3650000.0, 3650000.0])
>>> road = RoadLine("R1", "一路", 20.0, [[lon[0], lat[0]], [lon[1], lat[1]]])
>>> g = HydrantGaps([road], [Hydrant("H1", "intact", float(lon[0]), float(lat[0]))]).solve()
>>> round(g.uncovered_m), g.proposed_count, g.gap
(250, 1, 0.0)
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import bmat, csr_matrix, hstack
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import utm_transformer
from lanyan.siting.siting import SolveFailed

USABLE_STATUS = "intact"
WIDE_ROAD_M = 60.0
# Points per block in the side-of-road test (memory: points x the road's pieces x 16 bytes).
_CHUNK = 256
# Side of the square tiles whose samples share one local Dijkstra (at least 4 radii).
_TILE_M = 600.0
# csgraph reads an explicit zero as a missing edge; a hydrant exactly on a node gets this.
_TINY = 1e-6


@dataclass(frozen=True)
class RoadLine:
    """A road centreline: natural ``code``, ``name``, ``width_m`` (None when unknown) and
    WGS84 ``coords`` [[lon, lat], ...]."""

    code: str
    name: str
    width_m: float | None
    coords: list[list[float]]


@dataclass(frozen=True)
class Hydrant:
    """A municipal hydrant or water crane: ``code``, registry ``status``, WGS84 position."""

    code: str
    status: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Weight:
    """Something a new hydrant serves: WGS84 position, ``floors`` (residential floors, the
    registry's stand-in for residents, as in :mod:`lanyan.siting.demand`) and ``key`` (1 for
    a key unit)."""

    lon: float
    lat: float
    floors: float = 0.0
    key: int = 0


@dataclass
class _Samples:
    xy: np.ndarray  # (n, 2) UTM metres, one row per node
    roads: list[np.ndarray] = field(default_factory=list)  # node ids along each road
    chain: list[np.ndarray] = field(default_factory=list)  # chainage (m) of those nodes


def _check_positive(**values: float) -> None:
    for name, value in values.items():
        if not (value > 0 and math.isfinite(value)):
            raise ValidationFailed(
                f"--{name.replace('_', '-')} must be a positive number of metres",
                [FieldProblem(f"--{name.replace('_', '-')}", "must be > 0 metres")],
            )


class HydrantGaps:
    """Coverage, spacing and the fewest new hydrants for a road set (see the module docstring).

    Results after :meth:`solve`: ``total_m``, ``uncovered_m``, ``uncovered`` (stretches),
    ``spacing_gaps``, ``proposed`` (indices into ``candidates_lonlat``), ``proposed_points``
    (lon, lat, road and side of each), ``proposed_count``,
    ``gap``, ``status``, ``usable``, ``unusable``, ``off_road`` (hydrant codes).
    """

    def __init__(
        self,
        roads: Sequence[RoadLine],
        hydrants: Sequence[Hydrant],
        radius_m: float = 150.0,
        spacing_m: float = 120.0,
        step_m: float = 20.0,
        snap_m: float = 50.0,
        network: bool = True,
    ) -> None:
        _check_positive(radius=radius_m, spacing=spacing_m, step=step_m, snap=snap_m)
        if not roads:
            raise ValidationFailed(
                "no road to analyse", [FieldProblem("roads", "need at least one road centreline")]
            )
        self.roads = list(roads)
        self.hydrants = list(hydrants)
        self.radius_m, self.spacing_m, self.step_m, self.snap_m = (
            radius_m,
            spacing_m,
            step_m,
            snap_m,
        )
        self.network = network
        pts = np.array([p for r in self.roads for p in r.coords], dtype=np.float64)
        centre = pts.mean(axis=0)
        self._fwd, self._inv = utm_transformer(round(centre[0]), round(centre[1]))

    # -- geometry -------------------------------------------------------------------------
    def _sample(self) -> tuple[_Samples, np.ndarray, np.ndarray]:
        """Nodes, pieces (a, b) and piece lengths."""
        keys: dict[tuple[int, int], int] = {}
        xy: list[tuple[float, float]] = []
        samples = _Samples(np.zeros((0, 2)))
        for road in self.roads:
            c = np.asarray(road.coords, dtype=np.float64)
            x, y = self._fwd.transform(c[:, 0], c[:, 1])
            line = np.column_stack([x, y])
            seg = np.linalg.norm(np.diff(line, axis=0), axis=1)
            out = [line[0]]
            for i, length in enumerate(seg):
                # The tolerance keeps a 600.0000001 m line (a projection round trip) at 30 pieces.
                k = max(1, math.ceil(length / self.step_m - 1e-6))
                t = np.arange(1, k + 1)[:, None] / k
                out.extend(line[i] + t * (line[i + 1] - line[i]))
            pts = np.array(out)
            ids: list[int] = []
            for px, py in pts:
                key = (round(px * 10), round(py * 10))
                if key not in keys:
                    keys[key] = len(xy)
                    xy.append((px, py))
                if not ids or ids[-1] != keys[key]:
                    ids.append(keys[key])
            node = np.array(ids, dtype=np.int64)
            samples.roads.append(node)
        samples.xy = np.array(xy)
        a = np.concatenate([r[:-1] for r in samples.roads])
        b = np.concatenate([r[1:] for r in samples.roads])
        length = np.linalg.norm(samples.xy[a] - samples.xy[b], axis=1)
        samples.chain = [
            np.concatenate(
                [[0.0], np.cumsum(np.linalg.norm(np.diff(samples.xy[r], axis=0), axis=1))]
            )
            for r in samples.roads
        ]
        return samples, np.column_stack([a, b]), length

    def _hydrant_xy(self, hs: Sequence[Hydrant]) -> np.ndarray:
        if not hs:
            return np.zeros((0, 2))
        x, y = self._fwd.transform(np.array([h.lon for h in hs]), np.array([h.lat for h in hs]))
        return np.column_stack([x, y])

    @staticmethod
    def _project(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Fraction along each piece a->b of the foot of p, and the distance to it."""
        ab = b - a
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1.0), 0, 1)
        return t, np.linalg.norm(a + t[:, None] * ab - p, axis=1)

    def _attach(
        self, hxy: np.ndarray, xy: np.ndarray, pieces: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per hydrant: its nearest piece (-1 beyond snap_m), the fraction along it, distance."""
        mid = (xy[pieces[:, 0]] + xy[pieces[:, 1]]) / 2
        tree = cKDTree(mid)
        piece = np.full(len(hxy), -1, dtype=np.int64)
        frac = np.zeros(len(hxy))
        dist = np.full(len(hxy), np.inf)
        # A piece is at most step_m long, so the nearest piece's midpoint is within
        # snap_m + step_m / 2 of a hydrant that lies within snap_m of it.
        for h, near in enumerate(tree.query_ball_point(hxy, self.snap_m + self.step_m)):
            if not near:
                continue
            near = np.asarray(near, dtype=np.int64)
            t, d = self._project(hxy[h], xy[pieces[near, 0]], xy[pieces[near, 1]])
            i = int(np.argmin(d))
            if d[i] <= self.snap_m:
                piece[h], frac[h], dist[h] = near[i], t[i], d[i]
        return piece, frac, dist

    # -- solving ----------------------------------------------------------------------------
    def solve(self, time_limit: float = 60.0, mip_rel_gap: float = 1e-6) -> HydrantGaps:
        samples, pieces, length = self._sample()
        xy = samples.xy
        n = len(xy)
        usable = [h for h in self.hydrants if h.status == USABLE_STATUS]
        self.usable = [h.code for h in usable]
        self.unusable = [h.code for h in self.hydrants if h.status != USABLE_STATUS]
        hxy = self._hydrant_xy(usable)
        piece, frac, _ = self._attach(hxy, xy, pieces) if len(hxy) else (np.zeros(0, int),) * 3
        on = piece >= 0 if len(hxy) else np.zeros(0, dtype=bool)
        self.off_road = [h.code for h, ok in zip(usable, on, strict=True) if not ok]
        rows = np.concatenate([pieces[:, 0], pieces[:, 1]])
        cols = np.concatenate([pieces[:, 1], pieces[:, 0]])
        cost = np.maximum(np.concatenate([length, length]), _TINY)
        # Road graph plus one virtual node per attached hydrant (index n + k).
        k_on = np.flatnonzero(on)
        hp, hf = piece[k_on], frac[k_on]
        v = n + np.arange(len(k_on))
        hl = length[hp] if len(k_on) else np.zeros(0)
        rows = np.concatenate([rows, v, v, pieces[hp, 0], pieces[hp, 1]])
        cols = np.concatenate([cols, pieces[hp, 0], pieces[hp, 1], v, v])
        hcost = np.maximum(np.concatenate([hf * hl, (1 - hf) * hl]), _TINY)
        cost = np.concatenate([cost, hcost, hcost])
        size = n + len(k_on)
        # Two roads may share a piece: keep its shortest copy (the sparse constructor would
        # add duplicates up).
        graph = _min_duplicates(rows, cols, cost, size)
        self._graph, self._n = graph, n

        if self.network:
            if len(k_on):
                d = dijkstra(graph, directed=False, indices=v, min_only=True, limit=self.radius_m)
                near = d[:n]
            else:
                near = np.full(n, np.inf)
        else:
            near = (
                np.asarray(cKDTree(hxy).query(xy, distance_upper_bound=self.radius_m)[0])
                if len(hxy)
                else np.full(n, np.inf)
            )
        covered = near <= self.radius_m
        self.covered = covered
        self._samples, self._pieces = samples, pieces
        self.samples_lonlat = np.column_stack(self._inv.transform(xy[:, 0], xy[:, 1]))
        first = np.concatenate([[0], np.cumsum([len(r) - 1 for r in samples.roads])])
        self._first_piece = first
        self.wide = [
            r
            for r, rd in enumerate(self.roads)
            if rd.width_m is not None and rd.width_m > WIDE_ROAD_M
        ]
        vnode = np.full(len(usable), -1, dtype=np.int64)
        vnode[k_on] = v
        side_cov: dict[int, dict[int, np.ndarray]] = {}
        for r in self.wide:
            ids = samples.roads[r]
            hside = self._side_of(hxy, r) if len(hxy) else np.zeros(0, dtype=np.int64)
            side_cov[r] = {}
            for sign in (1, -1):
                mine = hside == sign
                if self.network:
                    src = vnode[mine & (vnode >= 0)]
                    d = (
                        dijkstra(
                            graph, directed=False, indices=src, min_only=True, limit=self.radius_m
                        )[ids]
                        if len(src)
                        else np.full(len(ids), np.inf)
                    )
                else:
                    d = (
                        np.asarray(
                            cKDTree(hxy[mine]).query(xy[ids], distance_upper_bound=self.radius_m)[0]
                        )
                        if mine.any()
                        else np.full(len(ids), np.inf)
                    )
                side_cov[r][sign] = d <= self.radius_m
        self.side_covered = side_cov
        wide_m = sum(float(samples.chain[r][-1]) for r in self.wide)
        self.total_m = float(length.sum()) + wide_m
        self.uncovered = self._stretches(samples, covered, side_cov)
        self.uncovered_m = float(sum(s["length_m"] for s in self.uncovered))
        self.spacing_gaps = self._spacing(samples, xy, pieces, length, hxy, piece, frac)
        self._cover(samples, covered, side_cov, xy, time_limit, mip_rel_gap)
        return self

    def _side_of(self, pts: np.ndarray, r: int) -> np.ndarray:
        """+1 (left) or -1 (right) of wide road ``r`` for each point (UTM metres), by the
        cross product with the road's direction at its nearest piece; 0 on the centreline
        counts as left.

        A point farther than R + step from every sample of the road can reach none of them
        within R, so its side does not matter: it is called left without a search. For the
        others the nearest piece is looked for among the 16 pieces with the nearest midpoints;
        a piece is at least (its midpoint's distance - step/2) away, so when the 16th midpoint
        is farther than the best distance found + step/2 the answer is exact, and otherwise
        the point is checked against every piece of the road.
        """
        lo, hi = self._first_piece[r], self._first_piece[r + 1]
        xy = self._samples.xy
        a, b = xy[self._pieces[lo:hi, 0]], xy[self._pieces[lo:hi, 1]]
        out = np.ones(len(pts), dtype=np.int64)
        if not len(pts) or not len(a):
            return out
        near_road = cKDTree(xy[self._samples.roads[r]]).query(
            pts, distance_upper_bound=self.radius_m + self.step_m
        )[0]
        todo = np.flatnonzero(np.isfinite(near_road))
        if not len(todo):
            return out
        k = min(16, len(a))
        found = cKDTree((a + b) / 2).query(pts[todo], k=k)
        mid_d = np.asarray(found[0]).reshape(len(todo), k)
        cand = np.asarray(found[1]).reshape(len(todo), k)
        best, side = self._nearest_side(pts[todo], a[cand], b[cand])
        exact = (k == len(a)) | (mid_d[:, -1] - self.step_m / 2 > best)
        out[todo] = side
        rest = todo[~exact]
        for start in range(0, len(rest), _CHUNK):
            idx = rest[start : start + _CHUNK]
            shape = (len(idx), len(a), 2)
            _, out[idx] = self._nearest_side(
                pts[idx], np.broadcast_to(a, shape), np.broadcast_to(b, shape)
            )
        return out

    @staticmethod
    def _nearest_side(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For points ``p`` (m, 2) and candidate pieces ``a``-``b`` (m, k, 2): the distance to
        the nearest piece and the side (+1 left, -1 right) of its direction."""
        ab = b - a
        ap = p[:, None, :] - a
        den = np.maximum((ab**2).sum(axis=2), 1e-12)
        t = np.clip((ap * ab).sum(axis=2) / den, 0, 1)
        foot = a + t[:, :, None] * ab
        d2 = ((p[:, None, :] - foot) ** 2).sum(axis=2)
        k = np.argmin(d2, axis=1)
        rows = np.arange(len(p))
        cross = ab[rows, k, 0] * ap[rows, k, 1] - ab[rows, k, 1] * ap[rows, k, 0]
        return np.sqrt(d2[rows, k]), np.where(cross >= 0, 1, -1)

    def _stretches(
        self, samples: _Samples, covered: np.ndarray, side_cov: dict[int, dict[int, np.ndarray]]
    ) -> list[dict[str, Any]]:
        out = []
        for r, (road, ids, chain) in enumerate(
            zip(self.roads, samples.roads, samples.chain, strict=True)
        ):
            mids = np.concatenate([[0.0], (chain[1:] + chain[:-1]) / 2, [chain[-1]]])
            sides = (
                [("left", ~side_cov[r][1]), ("right", ~side_cov[r][-1])]
                if r in side_cov
                else [("both", ~covered[ids])]
            )
            for side, bad in sides:
                if not bad.any():
                    continue
                edges = np.diff(np.concatenate([[0], bad.astype(np.int8), [0]]))
                for lo, hi in zip(
                    np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True
                ):
                    start, end = float(mids[lo]), float(mids[hi])
                    a, b = ids[lo], ids[hi - 1]
                    out.append(
                        {
                            "road": road.code,
                            "name": road.name,
                            "side": side,
                            "from_m": round(start, 1),
                            "to_m": round(end, 1),
                            "length_m": round(end - start, 1),
                            "from_lonlat": [round(float(v), 6) for v in self.samples_lonlat[a]],
                            "to_lonlat": [round(float(v), 6) for v in self.samples_lonlat[b]],
                            "coords": [
                                [round(float(x), 6), round(float(y), 6)]
                                for x, y in self.samples_lonlat[ids[lo:hi]]
                            ],
                        }
                    )
        return out

    def _spacing(
        self,
        samples: _Samples,
        xy: np.ndarray,
        pieces: np.ndarray,
        length: np.ndarray,
        hxy: np.ndarray,
        piece: np.ndarray,
        frac: np.ndarray,
    ) -> list[dict[str, Any]]:
        """Consecutive hydrants along each road (each side of a wide road) farther apart than
        the spacing limit. A hydrant counts for the road its nearest piece belongs to."""
        out: list[dict[str, Any]] = []
        first_piece = np.concatenate([[0], np.cumsum([len(r) - 1 for r in samples.roads])])
        for r, road in enumerate(self.roads):
            lo, hi = first_piece[r], first_piece[r + 1]
            mine = np.flatnonzero((piece >= lo) & (piece < hi))
            if len(mine) < 2:
                continue
            local = piece[mine] - lo
            chain = samples.chain[r][local] + frac[mine] * length[piece[mine]]
            wide = road.width_m is not None and road.width_m > WIDE_ROAD_M
            if wide:
                a, b = xy[pieces[piece[mine], 0]], xy[pieces[piece[mine], 1]]
                ab, ah = b - a, hxy[mine] - a
                side = np.where(ab[:, 0] * ah[:, 1] - ab[:, 1] * ah[:, 0] >= 0, "left", "right")
            else:
                side = np.full(len(mine), "both")
            for s in np.unique(side):
                pick = np.flatnonzero(side == s)
                order = pick[np.argsort(chain[pick], kind="stable")]
                for i, j in itertools.pairwise(order):
                    gap = float(chain[j] - chain[i])
                    if gap > self.spacing_m:
                        out.append(
                            {
                                "road": road.code,
                                "name": road.name,
                                "side": str(s),
                                "from_hydrant": self.usable[mine[i]],
                                "to_hydrant": self.usable[mine[j]],
                                "from_m": round(float(chain[i]), 1),
                                "to_m": round(float(chain[j]), 1),
                                "spacing_m": round(gap, 1),
                            }
                        )
        return out

    def _cover_sets(self, need: np.ndarray, xy: np.ndarray) -> csr_matrix:
        """Rows: uncovered samples; columns: samples; 1 where within the radius."""
        r_idx: list[np.ndarray] = []
        c_idx: list[np.ndarray] = []
        if self.network:
            for rows, cols in self._network_pairs(need, xy):
                r_idx.append(rows)
                c_idx.append(cols)
        else:
            tree = cKDTree(xy)
            for i, near in enumerate(tree.query_ball_point(xy[need], self.radius_m)):
                r_idx.append(np.full(len(near), i))
                c_idx.append(np.asarray(near, dtype=np.int64))
        rr = np.concatenate(r_idx) if r_idx else np.zeros(0, dtype=np.int64)
        cc = np.concatenate(c_idx) if c_idx else np.zeros(0, dtype=np.int64)
        return csr_matrix((np.ones(len(rr)), (rr, cc)), shape=(len(need), len(xy)))

    def _network_pairs(
        self, need: np.ndarray, xy: np.ndarray
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(row, sample) pairs with d_G(need[row], sample) <= R, tile by tile.

        A road path of length <= R from s never leaves the disc of radius R around s, so the
        samples of a square tile of side T see only nodes within T/sqrt(2) + R of its centre:
        each tile runs Dijkstra (limit R) on that local subgraph alone. Memory per tile is
        (its uncovered samples) x (its local nodes), and the work grows with the network, not
        with (uncovered samples) x (all nodes). Hydrants' virtual nodes are left out: a path
        through one is never shorter than the piece it splits (t*L + (1 - t)*L = L).
        """
        radius = self.radius_m
        roads = self._graph[: self._n, : self._n].tocsr()
        tree = cKDTree(xy)
        tile = max(_TILE_M, 4 * radius)
        keys = np.floor(xy[need] / tile).astype(np.int64)
        order = np.lexsort((keys[:, 1], keys[:, 0]))
        keys = keys[order]
        cuts = np.flatnonzero(np.any(np.diff(keys, axis=0) != 0, axis=1)) + 1
        reach = tile * math.sqrt(0.5) + radius
        for group in np.split(order, cuts):
            centre = (np.floor(xy[need[group[0]]] / tile) + 0.5) * tile
            local = np.sort(np.asarray(tree.query_ball_point(centre, reach), dtype=np.int64))
            sub = roads[local][:, local]
            src = np.searchsorted(local, need[group])
            d = np.atleast_2d(dijkstra(sub, directed=False, indices=src, limit=radius))
            rr, cc = np.nonzero(d <= radius)
            yield group[rr], local[cc]

    def _kerb_points(self, r: int, ids: np.ndarray, sign: int) -> np.ndarray:
        """Points half of wide road ``r``'s width to the ``sign`` side (+1 left) of its samples
        ``ids`` (UTM metres), along the normal of the road's direction there."""
        xy = self._samples.xy
        road = xy[self._samples.roads[r]]
        direction = np.gradient(road, axis=0) if len(road) > 1 else np.array([[1.0, 0.0]])
        direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-12)
        pos = {int(n): k for k, n in enumerate(self._samples.roads[r])}
        d = direction[[pos[int(n)] for n in ids]]
        normal = np.column_stack([-d[:, 1], d[:, 0]])  # left of the direction
        half = float(self.roads[r].width_m or 0.0) / 2.0
        return xy[ids] + sign * half * normal

    def _cover(
        self,
        samples: _Samples,
        covered: np.ndarray,
        side_cov: dict[int, dict[int, np.ndarray]],
        xy: np.ndarray,
        time_limit: float,
        gap: float,
    ) -> None:
        """Set covering over demand rows (uncovered samples of ordinary roads; uncovered
        sides of wide-road samples) and candidate columns (samples off wide roads; kerb points
        on each side of wide-road samples)."""
        n = len(xy)
        on_wide = np.zeros(n, dtype=bool)
        for r in self.wide:
            on_wide[samples.roads[r]] = True
        plain = np.zeros(n, dtype=bool)
        for r, ids in enumerate(samples.roads):
            if r not in side_cov:
                plain[ids] = True
        base_node = np.flatnonzero(~on_wide)
        kerb_node, kerb_road, kerb_sign, kerb_xy = [], [], [], []
        for r in self.wide:
            ids = samples.roads[r]
            for sign in (1, -1):
                kerb_node.append(ids)
                kerb_road.append(np.full(len(ids), r))
                kerb_sign.append(np.full(len(ids), sign))
                kerb_xy.append(self._kerb_points(r, ids, sign))
        k_node = np.concatenate(kerb_node) if kerb_node else np.zeros(0, dtype=np.int64)
        k_road = np.concatenate(kerb_road) if kerb_road else np.zeros(0, dtype=np.int64)
        k_sign = np.concatenate(kerb_sign) if kerb_sign else np.zeros(0, dtype=np.int64)
        cand_xy = np.vstack([xy[base_node], *kerb_xy]) if kerb_xy else xy[base_node]
        lon, lat = self._inv.transform(cand_xy[:, 0], cand_xy[:, 1])
        self.candidates_lonlat = np.column_stack([lon, lat]) if len(cand_xy) else np.zeros((0, 2))
        self._cand_meta = [("", "both")] * len(base_node) + [
            (self.roads[r].code, "left" if sg > 0 else "right")
            for r, sg in zip(k_road.tolist(), k_sign.tolist(), strict=True)
        ]
        # Demand rows: (node, road, sign); road -1 for an ordinary road's sample.
        d_node = [np.flatnonzero(plain & ~covered)]
        d_road = [np.full(len(d_node[0]), -1)]
        d_sign = [np.zeros(len(d_node[0]), dtype=np.int64)]
        for r in self.wide:
            ids = samples.roads[r]
            for sign in (1, -1):
                bad = ids[~side_cov[r][sign]]
                d_node.append(bad)
                d_road.append(np.full(len(bad), r))
                d_sign.append(np.full(len(bad), sign))
        dn, dr, dsg = np.concatenate(d_node), np.concatenate(d_road), np.concatenate(d_sign)
        self.proposed = np.zeros(0, dtype=np.int64)
        self.proposed_points: list[dict[str, Any]] = []
        self.gap, self.status, self.blocks = 0.0, "optimal", 0
        if len(dn) == 0:
            self.proposed_count = 0
            return
        need, inverse = np.unique(dn, return_inverse=True)
        within = self._cover_sets(need, xy)[inverse].tocsr()  # demand row x node, 1 within R
        n_k = len(k_node)
        node_kerb = csr_matrix(
            (np.ones(n_k), (k_node, np.arange(n_k))), shape=(n, n_k)
        )  # node -> its kerb columns
        reach_kerb = (within @ node_kerb).tocsr()
        reach_base = within[:, base_node].tocsr()
        # Keep, per row, only the columns that may serve it: any for an ordinary sample;
        # for a wide road's side, that road's kerb points on that side and off-road samples
        # on that side of it.
        rk = reach_kerb.tocoo()
        ok = (dr[rk.row] == -1) | ((k_road[rk.col] == dr[rk.row]) & (k_sign[rk.col] == dsg[rk.row]))
        reach_kerb = csr_matrix((rk.data[ok], (rk.row[ok], rk.col[ok])), shape=rk.shape)
        rb = reach_base.tocoo()
        ok = dr[rb.row] == -1
        for r in self.wide:
            mine = dr[rb.row] == r
            if not mine.any():
                continue
            cols = np.unique(rb.col[mine])
            side = np.zeros(len(base_node), dtype=np.int64)
            side[cols] = self._side_of(xy[base_node[cols]], r)
            ok |= mine & (side[rb.col] == dsg[rb.row])
        reach_base = csr_matrix((rb.data[ok], (rb.row[ok], rb.col[ok])), shape=rb.shape)
        full = hstack([reach_base, reach_kerb]).tocsr()
        full.eliminate_zeros()
        full.data[:] = 1.0
        keep_rows, cand = _reduce(full)
        a = full[keep_rows][:, cand].tocsr()
        # Gaps far apart share no candidate: each connected block of the sample-candidate
        # incidence graph is an independent covering problem, and HiGHS proves many small
        # ones far faster than one large one.
        m = a.shape[0]
        blocks: list[list[Any]] = [[None, a], [a.T, None]]
        incidence = bmat(blocks).tocsr()
        _, label = connected_components(incidence, directed=False)
        row_label, col_label = label[:m], label[m:]
        chosen: list[np.ndarray] = []
        primal = dual = 0.0
        slow = False
        deadline = time.perf_counter() + time_limit
        r_order = np.argsort(row_label, kind="stable")
        c_order = np.argsort(col_label, kind="stable")
        comps = np.unique(row_label)
        r_cut = np.searchsorted(row_label[r_order], comps, side="left")
        r_end = np.searchsorted(row_label[r_order], comps, side="right")
        c_cut = np.searchsorted(col_label[c_order], comps, side="left")
        c_end = np.searchsorted(col_label[c_order], comps, side="right")
        # Permuted once into block order, each block is a contiguous slice (slicing costs its
        # own entries; fancy-indexing columns per block would cost every column each time).
        blocked = a[r_order][:, c_order].tocsr()
        # A column lies in one block: it covers the whole block when its entries number the
        # block's rows. The first such column of each block (n_cols when none).
        n_cols = blocked.shape[1]
        per_col = np.bincount(blocked.indices, minlength=n_cols)
        position = np.arange(n_cols)
        col_block = np.searchsorted(c_end, position, side="right")
        inside = col_block < len(comps)
        inside[inside] &= c_cut[col_block[inside]] <= position[inside]
        block_rows = np.zeros(n_cols, dtype=np.int64)
        block_rows[inside] = (r_end - r_cut)[col_block[inside]]
        full_cols = np.flatnonzero(inside & (per_col >= block_rows))
        first_full = np.full(len(comps), n_cols)
        np.minimum.at(first_full, col_block[full_cols], full_cols)
        for k in range(len(comps)):
            cols = c_order[c_cut[k] : c_end[k]]
            if first_full[k] < n_cols:
                # One candidate covers the whole block: one hydrant, optimal (a block needs
                # at least one), no MIP to solve.
                chosen.append(c_order[first_full[k] : first_full[k] + 1])
                primal += 1
                dual += 1
                continue
            sub = blocked[r_cut[k] : r_end[k], c_cut[k] : c_end[k]]
            budget = max(1.0, deadline - time.perf_counter())
            res = milp(
                np.ones(len(cols)),
                integrality=np.ones(len(cols), dtype=np.int64),
                bounds=Bounds(0, 1),
                constraints=[LinearConstraint(sub, 1, np.inf)],
                options={"time_limit": budget, "mip_rel_gap": gap, "disp": False},
            )
            if res.x is None:
                raise SolveFailed(
                    f"HiGHS found no solution: {res.message}",
                    [FieldProblem("time_limit", "must leave HiGHS time to find a cover")],
                )
            slow |= res.status != 0
            pick = cols[res.x > 0.5]
            chosen.append(pick)
            primal += len(pick)
            bound = getattr(res, "mip_dual_bound", None)
            if bound is None or not np.isfinite(bound):
                bound = 0.0
            # The objective counts hydrants, so the bound rounds up to a whole number.
            dual += min(len(pick), math.ceil(float(bound) - 1e-6))
        self.status = "time_limit" if slow else "optimal"
        self.proposed = np.sort(cand[np.concatenate(chosen)])
        self.proposed_count = len(self.proposed)
        self.proposed_points = [
            {
                "lon": round(float(self.candidates_lonlat[j, 0]), 6),
                "lat": round(float(self.candidates_lonlat[j, 1]), 6),
                "road": self._cand_meta[j][0] or None,
                "side": self._cand_meta[j][1],
            }
            for j in self.proposed
        ]
        # Whole-problem gap from the summed bounds (each block's bound is valid for it).
        self.gap = max(0.0, (primal - dual) / primal) if primal else 0.0
        self.blocks = len(chosen)
        self.cover_matrix = full

    # -- reporting --------------------------------------------------------------------------
    def build_list(self, per_year: int | None, served: Sequence[Weight] = ()) -> list[dict]:
        """Proposed hydrants, most key units then most residential floors within the radius first
        (straight-line), grouped into years of ``per_year`` (one group when None)."""
        if per_year is not None and per_year < 1:
            raise ValidationFailed(
                "--per-year must be at least 1", [FieldProblem("--per-year", "must be >= 1")]
            )
        pts = self.candidates_lonlat[self.proposed] if len(self.proposed) else np.zeros((0, 2))
        keys = np.zeros(len(pts), dtype=np.int64)
        people = np.zeros(len(pts))
        if served and len(pts):
            wxy = self._hydrant_xy([Hydrant("", "", w.lon, w.lat) for w in served])
            px, py = self._fwd.transform(pts[:, 0], pts[:, 1])
            tree = cKDTree(wxy)
            k = np.array([w.key for w in served])
            p = np.array([w.floors for w in served])
            for i, near in enumerate(
                tree.query_ball_point(np.column_stack([px, py]), self.radius_m)
            ):
                keys[i], people[i] = k[near].sum(), p[near].sum()
        order = np.lexsort((np.arange(len(pts)), -people, -keys))
        size = per_year or max(1, len(pts))
        return [
            {
                "rank": rank + 1,
                "year": rank // size + 1,
                "lon": round(float(pts[i, 0]), 6),
                "lat": round(float(pts[i, 1]), 6),
                "road": self._cand_meta[self.proposed[i]][0] or None,
                "side": self._cand_meta[self.proposed[i]][1],
                "key_units": int(keys[i]),
                "residential_floors": round(float(people[i]), 1),
            }
            for rank, i in enumerate(order)
        ]


def _min_duplicates(rows: np.ndarray, cols: np.ndarray, cost: np.ndarray, size: int) -> csr_matrix:
    order = np.lexsort((cost, cols, rows))
    rows, cols, cost = rows[order], cols[order], cost[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    return csr_matrix((cost[first], (rows[first], cols[first])), shape=(size, size))


def _nested(a: csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """For the rows of 0/1 ``a``: (holds another row's set, lies inside another row's set), as
    boolean masks, ties broken by index. Subset-or-equal with ties broken by index is a strict
    partial order, so a masked row always has an unmasked partner on the other side."""
    size = np.asarray(a.sum(axis=1)).ravel()
    common = (a @ a.T).tocoo()
    i, j, n = common.row, common.col, common.data
    # Row i's set lies inside row j's.
    inside = (i != j) & (n == size[i]) & ((size[i] < size[j]) | (i < j))
    holds = np.zeros(a.shape[0], dtype=bool)
    within = np.zeros(a.shape[0], dtype=bool)
    holds[j[inside]] = True
    within[i[inside]] = True
    return holds, within


def _reduce(a: csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Set-cover reductions that keep the optimum (Garfinkel & Nemhauser 1972): drop a sample
    whose candidate set contains another sample's (covering the smaller covers it), then a
    candidate whose sample set lies inside another candidate's; repeat until nothing drops.
    Returns the kept rows and columns."""
    rows = np.arange(a.shape[0])
    cols = np.flatnonzero(np.asarray(a.sum(axis=0)).ravel() > 0)
    while True:
        sub = a[rows][:, cols].tocsr()
        sub.data[:] = 1.0
        drop_r = _nested(sub)[0]
        sub = sub[~drop_r]
        drop_c = _nested(sub.T.tocsr())[1]
        if not drop_r.any() and not drop_c.any():
            return rows, cols
        rows, cols = rows[~drop_r], cols[~drop_c]
