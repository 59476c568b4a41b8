"""A synthetic road network (metres) whose segments meet exactly at shared nodes.

Segments are stored node to node, so a routing graph is the nodes plus the segments; every
junction is one node that all its segments end at, never two nearly-equal points. Lines that
cross without a node (an arterial over a town street) are grade-separated, as on real maps.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from shapely.geometry import LineString
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep

from lanyan.registry.choices import RoadClass

# Carriageway widths (metres) by class, typical of Jiangsu county roads.
WIDTH_M = {
    RoadClass.EXPRESSWAY: 26.0,
    RoadClass.ARTERIAL: 24.0,
    RoadClass.SECONDARY: 16.0,
    RoadClass.LOCAL: 9.0,
    RoadClass.RURAL: 6.0,
}


@dataclass
class Segment:
    a: int
    b: int
    road_class: RoadClass
    name: str
    settlement: str  # code of the place whose grid it belongs to, "" for inter-town roads


@dataclass
class StreetGrid:
    """A street grid: ``nodes[i][j]`` is column i (west→east), row j (south→north); blocks
    are ``spacing_m`` wide (west–east) and ``spacing_y_m`` deep (south–north)."""

    code: str
    nodes: list[list[int]]
    spacing_m: float
    spacing_y_m: float

    @property
    def centre(self) -> int:
        return self.nodes[len(self.nodes) // 2][len(self.nodes[0]) // 2]

    def perimeter(self) -> list[int]:
        nx, ny = len(self.nodes) - 1, len(self.nodes[0]) - 1
        return [
            self.nodes[i][j]
            for i in range(nx + 1)
            for j in range(ny + 1)
            if i in (0, nx) or j in (0, ny)
        ]


@dataclass
class Network:
    """Nodes (metres) and segments; ``inside`` is the area every segment must stay in."""

    inside: BaseGeometry
    nodes: list[tuple[float, float]] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._inside = prep(self.inside)

    def node(self, x: float, y: float) -> int:
        self.nodes.append((x, y))
        return len(self.nodes) - 1

    def fits(self, points: list[tuple[float, float]]) -> bool:
        return self._inside.contains(LineString(points))

    def add(self, a: int, b: int, road_class: RoadClass, name: str, settlement: str = "") -> None:
        self.segments.append(Segment(a, b, road_class, name, settlement))

    def add_path(
        self,
        a: int,
        b: int,
        road_class: RoadClass,
        name: str,
        piece_m: float,
    ) -> list[int]:
        """A straight road from node ``a`` to ``b`` cut into pieces of at most ``piece_m``;
        returns the node ids along it (new ones in between). The caller checks ``fits``."""
        (x0, y0), (x1, y1) = self.nodes[a], self.nodes[b]
        n = max(1, math.ceil(math.dist((x0, y0), (x1, y1)) / piece_m))
        ids = [a]
        for k in range(1, n):
            t = k / n
            ids.append(self.node(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
        ids.append(b)
        for u, v in itertools.pairwise(ids):
            self.add(u, v, road_class, name)
        return ids

    def street_grid(
        self,
        code: str,
        cx: float,
        cy: float,
        blocks: int,
        spacing_m: float,
        names: list[str],
        split: tuple[int, int] = (1, 1),
    ) -> StreetGrid:
        """``blocks`` × ``blocks`` blocks centred on (cx, cy). The middle street each way is
        an arterial, every fourth street secondary, the rest local. ``split`` = (kx, ky) cuts
        each block by ``kx - 1`` more south–north and ``ky - 1`` more west–east local streets
        (支路), for a denser grid on the same ground. ``names`` holds one name per street line,
        west–east lines first: ``blocks × ky + 1`` of them, then ``blocks × kx + 1``."""
        kx, ky = split
        nx, ny = blocks * kx, blocks * ky
        sx, sy = spacing_m / kx, spacing_m / ky
        half = blocks * spacing_m / 2
        nodes = [
            [self.node(cx - half + i * sx, cy - half + j * sy) for j in range(ny + 1)]
            for i in range(nx + 1)
        ]
        mid = blocks // 2

        def klass(k: int, per: int) -> RoadClass:
            if k % per:
                return RoadClass.LOCAL
            if k // per == mid:
                return RoadClass.ARTERIAL
            return RoadClass.SECONDARY if (k // per) % 4 == 0 else RoadClass.LOCAL

        for j in range(ny + 1):  # west–east streets
            for i in range(nx):
                self.add(nodes[i][j], nodes[i + 1][j], klass(j, ky), names[j], code)
        for i in range(nx + 1):  # south–north streets
            for j in range(ny):
                self.add(nodes[i][j], nodes[i][j + 1], klass(i, kx), names[ny + 1 + i], code)
        return StreetGrid(code, nodes, sx, sy)

    def components(self) -> int:
        """Connected components among the nodes that some segment uses (union-find)."""
        parent = list(range(len(self.nodes)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        used = set()
        for s in self.segments:
            used.update((s.a, s.b))
            ra, rb = find(s.a), find(s.b)
            if ra != rb:
                parent[ra] = rb
        return len({find(i) for i in used})

    def nearest(self, x: float, y: float, among: list[int]) -> int:
        return min(among, key=lambda i: (self.nodes[i][0] - x) ** 2 + (self.nodes[i][1] - y) ** 2)
