"""The demo county's physical layout: division polygons, settlements, villages and roads.

Everything here is in metres (``Frame``); ``generate`` turns it into registry records.
Street grids sit at the central city (L27, L29: >40 km² built-up), each town seat and each zone
seat; arterials join neighbouring seats (Delaunay edges that stay inside the county), the
沈海高速 G15 runs north–south east of the city with interchanges (L345: 大丰收费站 near the
经开区 station), and rural roads tie villages to the nearest road.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass, field

from shapely.geometry import MultiPoint, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import triangulate
from shapely.prepared import prep

from lanyan.demo import names
from lanyan.demo.region import (
    BY_CODE,
    CENTRAL_CITY,
    PLACES,
    Frame,
    county_boundary,
    partition,
)
from lanyan.demo.roads import Network, StreetGrid
from lanyan.demo.scale import side_streets, street_split
from lanyan.registry.choices import RoadClass

CITY = "city"  # settlement key of the central city's grid (spans both subdistricts)
CITY_BLOCKS, CITY_SPACING_M = 14, 480.0
TOWN_BLOCKS, TOWN_SPACING_M = 4, 300.0
ZONE_BLOCKS, ZONE_SPACING_M = 4, 450.0
VILLAGES_PER_TOWN = 10
# Waypoints (WGS84) of the synthetic G15 line: north–south, about 8 km east of the city centre.
G15_WAYPOINTS = ((120.640, 33.515), (120.615, 33.400), (120.592, 33.260), (120.590, 33.140),
                 (120.585, 32.975))  # fmt: skip
# Interchanges by the place they serve; the 经开区 one is the 大丰收费站 of L345.
G15_INTERCHANGES = {
    "320904401": "大丰",
    "320904110": "草庙",
    "320904109": "南阳",
    "320904106": "万盈",
}


@dataclass(frozen=True)
class Village:
    town: str
    name: str
    node: int


@dataclass
class Layout:
    frame: Frame
    county_ll: BaseGeometry
    county_m: BaseGeometry
    parts_m: dict[str, BaseGeometry]
    network: Network
    grids: dict[str, StreetGrid]  # settlement key (CITY or a place code) -> street grid
    street_names: dict[str, list[str]]
    villages: list[Village] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._parts = [(code, prep(g)) for code, g in self.parts_m.items()]
        self._inner = prep(self.county_m.buffer(-30.0))

    def locate(self, x: float, y: float) -> str | None:
        """The place whose polygon holds the point, or None when it is outside the county."""
        p = Point(x, y)
        if not self._inner.contains(p):
            return None
        return next((code for code, g in self._parts if g.contains(p)), None)

    def point_in(
        self, code: str, rng: random.Random, inset_m: float = 100.0
    ) -> tuple[float, float]:
        """A uniformly random point of a place's polygon, ``inset_m`` from its edge."""
        poly = self.parts_m[code].buffer(-inset_m)
        minx, miny, maxx, maxy = poly.bounds
        inside = prep(poly)
        while True:
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if inside.contains(Point(x, y)) and self.locate(x, y) == code:
                return x, y

    def block_point(
        self, key: str, rng: random.Random, inset_m: float = 40.0
    ) -> tuple[float, float, int, int]:
        """A random point inside a random block of a settlement's grid (off the streets);
        returns x, y and the block's column and row."""
        grid = self.grids[key]
        i, j = rng.randrange(len(grid.nodes) - 1), rng.randrange(len(grid.nodes[0]) - 1)
        x0, y0 = self.network.nodes[grid.nodes[i][j]]
        sx, sy = grid.spacing_m, grid.spacing_y_m
        inset_m = min(inset_m, 0.3 * min(sx, sy))  # the small blocks of a scaled region
        return (
            x0 + rng.uniform(inset_m, sx - inset_m),
            y0 + rng.uniform(inset_m, sy - inset_m),
            i,
            j,
        )


def settlement_seat(frame: Frame, key: str) -> tuple[float, float]:
    if key == CITY:
        (x1, y1), (x2, y2) = (frame.to_m(BY_CODE[c].lon, BY_CODE[c].lat) for c in CENTRAL_CITY)
        return (x1 + x2) / 2, (y1 + y2) / 2
    return frame.to_m(BY_CODE[key].lon, BY_CODE[key].lat)


def short(code: str) -> str:
    """Two characters for road names (新丰镇 -> 新丰, the central city -> 大丰)."""
    return "大丰" if code == CITY else BY_CODE[code].short


def build_layout(seed: int, scale: int = 1) -> Layout:
    """Division polygons, street grids, arterials, G15 and villages for ``seed``; ``scale``
    (:mod:`lanyan.demo.scale`) splits the street blocks and multiplies the villages."""
    county_ll = county_boundary()
    frame = Frame(county_ll)
    county_m = frame.geom_to_m(county_ll)
    network = Network(county_m.buffer(-60.0))
    layout = Layout(frame, county_ll, county_m, partition(county_m, frame), network, {}, {})
    rng = random.Random(f"{seed}:roads")
    _street_grids(layout, rng, street_split(scale))
    _arterials(layout)
    _expressway(layout)
    _villages(layout, rng, scale)
    if network.components() != 1:
        raise RuntimeError("demo road network is not connected; adjust seats or waypoints")
    return layout


def _street_grids(layout: Layout, rng: random.Random, split: tuple[int, int]) -> None:
    net = layout.network
    keys = [CITY] + [p.code for p in PLACES if p.kind != "subdistrict" and p.street_grid]
    for key in keys:
        if key == CITY:
            blocks, spacing = CITY_BLOCKS, CITY_SPACING_M
            # 幸福路 is real (station 02, L29); it runs west–east through 大中街道.
            pool = [s for s in names.STREET if s != "幸福"]
            street = [f"{s}路" for s in pool[: 2 * (blocks + 1) - 1]]
            street.insert(blocks // 2 + 3, "幸福路")
        else:
            zone = BY_CODE[key].kind == "zone"
            blocks, spacing = (
                (ZONE_BLOCKS, ZONE_SPACING_M) if zone else (TOWN_BLOCKS, TOWN_SPACING_M)
            )
            picks = rng.sample(names.STREET, 2 * (blocks + 1))
            street = [
                f"{short(key)}{s}路" if k == blocks // 2 else f"{s}路" for k, s in enumerate(picks)
            ]
        street = side_streets(street[: blocks + 1], split[1]) + side_streets(
            street[blocks + 1 :], split[0]
        )
        cx, cy = settlement_seat(layout.frame, key)
        half = blocks * spacing / 2
        corners = [(cx - half, cy - half), (cx + half, cy - half), (cx + half, cy + half),
                   (cx - half, cy + half), (cx - half, cy - half)]  # fmt: skip
        if not net.fits(corners):
            raise RuntimeError(f"street grid of {key} leaves the county")
        layout.grids[key] = net.street_grid(key, cx, cy, blocks, spacing, street, split)
        layout.street_names[key] = street


def _arterials(layout: Layout) -> None:
    """Join settlements along the Delaunay edges of their seats that stay inside the county."""
    net = layout.network
    seats = {key: settlement_seat(layout.frame, key) for key in layout.grids}
    by_point = {(round(x, 3), round(y, 3)): key for key, (x, y) in seats.items()}
    edges = triangulate(MultiPoint(list(seats.values())), edges=True)
    pairs = set()
    for edge in edges:
        (x1, y1), (x2, y2) = edge.coords
        a, b = by_point[(round(x1, 3), round(y1, 3))], by_point[(round(x2, 3), round(y2, 3))]
        pairs.add(tuple(sorted((a, b))))
    for a, b in sorted(pairs):
        (ax, ay), (bx, by) = seats[a], seats[b]
        if math.dist((ax, ay), (bx, by)) > 30_000:
            continue  # hull edges across the bays of the outline
        na = net.nearest(bx, by, layout.grids[a].perimeter())
        nb = net.nearest(ax, ay, layout.grids[b].perimeter())
        if not net.fits([net.nodes[na], net.nodes[nb]]):
            continue
        klass = RoadClass.ARTERIAL if CITY in (a, b) else RoadClass.SECONDARY
        net.add_path(na, nb, klass, f"{short(a)}{short(b)}线", piece_m=1500.0)


def _expressway(layout: Layout) -> None:
    net = layout.network
    pts = [layout.frame.to_m(lon, lat) for lon, lat in G15_WAYPOINTS]
    if not net.fits(pts):
        raise RuntimeError("the G15 line leaves the county")
    line: list[int] = []
    corners = [net.node(x, y) for x, y in pts]
    for u, v in itertools.pairwise(corners):
        ids = net.add_path(u, v, RoadClass.EXPRESSWAY, "沈海高速（G15）", piece_m=3000.0)
        line.extend(ids if not line else ids[1:])
    local = [i for s in net.segments if s.road_class != RoadClass.EXPRESSWAY for i in (s.a, s.b)]
    for code, exit_name in G15_INTERCHANGES.items():
        sx, sy = settlement_seat(layout.frame, code)
        exit_node = net.nearest(sx, sy, line)
        ex, ey = net.nodes[exit_node]
        target = net.nearest(ex, ey, local)
        if net.fits([net.nodes[exit_node], net.nodes[target]]):
            net.add_path(exit_node, target, RoadClass.ARTERIAL, f"G15{exit_name}互通连接线", 1500.0)


def _villages(layout: Layout, rng: random.Random, scale: int) -> None:
    """Villages scattered over each town, each tied by a rural road to the nearest road node;
    ``scale`` times as many, closer together, in a scaled region."""
    net = layout.network
    reachable = sorted(
        {i for s in net.segments if s.road_class != RoadClass.EXPRESSWAY for i in (s.a, s.b)}
    )
    for place in PLACES:
        if place.kind != "town":
            continue
        seat = settlement_seat(layout.frame, place.code)
        used: set[str] = set()
        placed: list[tuple[float, float]] = []
        tries = 0
        apart_m = 900.0 / math.sqrt(scale)
        while len(placed) < VILLAGES_PER_TOWN * scale and tries < 500 * scale:
            tries += 1
            x, y = layout.point_in(place.code, rng, inset_m=300.0)
            if math.dist((x, y), seat) < 1500 or any(
                math.dist((x, y), p) < apart_m for p in placed
            ):
                continue
            target = net.nearest(x, y, reachable)
            if not net.fits([(x, y), net.nodes[target]]):
                continue
            name = names.village_name(rng) + "村"
            if name in used:
                continue
            used.add(name)
            placed.append((x, y))
            node = net.node(x, y)
            ids = net.add_path(node, target, RoadClass.RURAL, f"{name}村道", piece_m=1200.0)
            reachable.extend(ids[:-1])
            layout.villages.append(Village(place.code, name, node))
