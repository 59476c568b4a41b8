"""Dispatch recommendation (调派推荐): which vehicles to send, how long each takes, where the water is.

Plain Python and NumPy over the routing core; the database adapter is :mod:`recommend_service`.

Model. Stations are fixed, so each is snapped once and its fastest-route tree to every node is
kept (:class:`ResponseNetwork`): ``T[s, v]`` seconds and ``L[s, v]`` metres. An incident joins
the network on edges ``e = (a, b)`` at fractions ``f`` (see :mod:`routing.snap`), so the ETA of
station ``s`` is

    ETA(s) = min over (e, f) of T[s, a] + f · t_e      (or (f − f_s) · t_e on a shared edge)

for every station at once — the same numbers as one many-to-one search from the incident on the
reversed graph (tests check it), without a search per incident. Water sources are found by road
distance with a Dijkstra on edge lengths from the incident, bounded at ``R`` metres and widened
(×2) until ``k`` sources lie within the bound, so only the neighbourhood is searched.

Vehicles. For each requirement of the run card, available vehicles of a matching type (and
ladder height where the capability needs it) are taken in ETA order: the incident's own county
first, then stations outside it, marked 跨区增援 (cross-jurisdiction reinforcement). A shortfall,
a station off the network and a station with no road path are all reported, never dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from lanyan.core.errors import LanyanError
from lanyan.response.routing.router import Router
from lanyan.response.routing.snap import Snap
from lanyan.response.runcards import Requirement, RunCard

FIRST_RESPONDER_FORCES = ("micro", "government_fulltime", "enterprise_fulltime")
AWAY_M = 300.0  # a fresh position farther than this from the station: the vehicle is away
EARTH_R_M = 6371008.8


@dataclass(frozen=True)
class LivePoint:
    """A vehicle's latest reported position: ``age_s`` since the report, ``stale`` by the
    vehicles domain's rule (no report for its stale period)."""

    lon: float
    lat: float
    age_s: float
    stale: bool


@dataclass(frozen=True)
class StationSite:
    id: int
    code: str
    name: str
    force_type: str
    jurisdiction_path: str
    lon: float
    lat: float


@dataclass(frozen=True)
class VehicleInfo:
    id: int
    code: str
    vehicle_type: str
    status: str
    station_id: int
    ladder_height_m: float | None = None
    live: LivePoint | None = None


@dataclass(frozen=True)
class WaterPoint:
    id: int
    code: str
    kind: str
    status: str
    lon: float
    lat: float


class ResponseNetwork:
    """A router with its stations' route trees and water sources snapped once.

    ``station_seconds``/``station_meters`` are (stations × nodes); a station that cannot be
    snapped keeps a row of ``inf`` and its reason in ``station_problem``.
    """

    def __init__(
        self,
        router: Router,
        stations: Sequence[StationSite],
        water: Sequence[WaterPoint],
        water_start_m: float = 1000.0,
        water_max_m: float = 20000.0,
    ) -> None:
        g = router.graph
        self.router = router
        self.stations = list(stations)
        self.water = list(water)
        self.water_start_m = water_start_m
        self.water_max_m = water_max_m
        n = g.n_nodes
        self.station_seconds = np.full((len(stations), n), np.inf)
        self.station_meters = np.full((len(stations), n), np.nan)
        self.station_problem: list[str | None] = [None] * len(stations)
        self._station_edges: dict[int, list[tuple[int, float]]] = {}
        for i, st in enumerate(self.stations):
            try:
                snap = router.snap((st.lon, st.lat), f"station {st.code}")
            except LanyanError as exc:
                self.station_problem[i] = exc.message
                continue
            self.station_seconds[i], self.station_meters[i] = router.tree_from(snap)
            for e, f in zip(snap.edges, snap.fractions, strict=True):
                self._station_edges.setdefault(int(e), []).append((i, float(f)))
        self.meters_matrix = csr_matrix((g.meters, g.head, g.indptr), shape=(n, n))
        w_owner: list[int] = []
        w_edge: list[int] = []
        w_frac: list[float] = []
        self.water_problem: list[str | None] = [None] * len(self.water)
        for j, w in enumerate(self.water):
            try:
                snap = router.snap((w.lon, w.lat), f"water source {w.code}")
            except LanyanError as exc:
                self.water_problem[j] = exc.message
                continue
            w_owner.extend([j] * len(snap.edges))
            w_edge.extend(int(e) for e in snap.edges)
            w_frac.extend(float(f) for f in snap.fractions)
        self._w_owner = np.asarray(w_owner, dtype=np.int64)
        self._w_edge = np.asarray(w_edge, dtype=np.int64)
        self._w_tail = g.tail[self._w_edge] if len(w_edge) else np.empty(0, dtype=np.int64)
        self._w_off = np.asarray(w_frac) * g.meters[self._w_edge] if len(w_edge) else np.empty(0)
        self._w_frac = np.asarray(w_frac)

    def snap(self, lon: float, lat: float) -> Snap:
        """Join the incident point to the network (OffNetwork beyond the router's limit)."""
        return self.router.snap((lon, lat), "incident")

    def station_etas(self, snap: Snap) -> tuple[np.ndarray, np.ndarray]:
        """Seconds and metres from every station to the snapped incident (inf/nan: no path)."""
        g = self.router.graph
        e, f = snap.edges, snap.fractions
        tails = g.tail[e]
        via = self.station_seconds[:, tails] + (f * g.seconds[e])[None, :]
        best = np.argmin(via, axis=1)
        rows = np.arange(len(self.stations))
        seconds = via[rows, best]
        meters = self.station_meters[rows, tails[best]] + (f * g.meters[e])[best]
        for k, edge in enumerate(e):
            for i, fs in self._station_edges.get(int(edge), ()):
                if fs <= f[k] and (f[k] - fs) * g.seconds[edge] < seconds[i]:
                    seconds[i] = (f[k] - fs) * g.seconds[edge]
                    meters[i] = (f[k] - fs) * g.meters[edge]
        return seconds, np.where(np.isfinite(seconds), meters, np.nan)

    def nearest_water(self, snap: Snap, k: int = 5) -> tuple[list[tuple[int, float]], float]:
        """Up to ``k`` water sources nearest by road distance: ``[(index, metres)]`` and the
        bound searched (metres); fewer than ``k`` only when no more lie within ``water_max_m``."""
        g = self.router.graph
        if not len(self._w_owner) or k <= 0:
            return [], 0.0
        e, f = snap.edges, snap.fractions
        heads = g.head[e]
        off = (1.0 - f) * g.meters[e]
        limit = self.water_start_m
        while True:
            dist = dijkstra(self.meters_matrix, directed=True, indices=heads, limit=limit)
            near = np.min(dist.reshape(len(heads), -1) + off[:, None], axis=0)
            d = near[self._w_tail] + self._w_off
            for i, edge in enumerate(e):  # a source further along the incident's own edge
                same = (self._w_edge == edge) & (self._w_frac >= f[i])
                d[same] = np.minimum(d[same], (self._w_frac[same] - f[i]) * g.meters[edge])
            per_source = np.full(len(self.water), np.inf)
            np.minimum.at(per_source, self._w_owner, d)
            inside = np.flatnonzero(per_source <= limit)
            if len(inside) >= k or limit >= self.water_max_m:
                order = inside[np.argsort(per_source[inside], kind="stable")][:k]
                return [(int(j), float(per_source[j])) for j in order], limit
            limit = min(limit * 2, self.water_max_m)


def _round(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 1)


def ground_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_R_M * math.asin(min(1.0, math.sqrt(h)))


def is_away(v: VehicleInfo, station: StationSite, away_m: float = AWAY_M) -> bool:
    """True when the vehicle starts from its reported position rather than its station:
    available, with a fresh position more than ``away_m`` from the station."""
    if v.status != "available" or v.live is None or v.live.stale:
        return False
    return ground_m(v.live.lon, v.live.lat, station.lon, station.lat) > away_m


@dataclass(frozen=True)
class Start:
    """Where one vehicle's ETA is counted from, with its seconds and metres to the incident."""

    seconds: float
    meters: float
    away: bool = False
    station_m: float | None = None
    age_s: float | None = None
    lon: float | None = None
    lat: float | None = None
    beyond: bool = False  # away, but not reached within the bounded search: ETA unknown yet

    def as_dict(self) -> dict[str, Any]:
        if not self.away:
            return {"start": "station"}
        return {
            "start": "position",
            "reported_min_ago": int((self.age_s or 0.0) // 60),
            "station_km": round((self.station_m or 0.0) / 1000.0, 1),
            "start_lon": self.lon,
            "start_lat": self.lat,
        }


def vehicle_starts(
    net: ResponseNetwork,
    snap: Snap,
    vehicles: Sequence[VehicleInfo],
    index: dict[int, int],
    seconds: np.ndarray,
    meters: np.ndarray,
    away_m: float = AWAY_M,
    limit_s: float | None = math.inf,
) -> dict[int, Start]:
    """Each vehicle's start and ETA: from its station, or from its position when away (one
    reversed search from the incident for all away vehicles, bounded at ``limit_s`` seconds:
    one not reached within it is ``beyond``; ``None`` searches nothing and keeps every vehicle
    at its station). A position off the network falls back to the station."""
    out: dict[int, Start] = {}
    away: list[tuple[VehicleInfo, Snap, float]] = []
    for v in vehicles:
        i = index[v.station_id]
        st = net.stations[i]
        if limit_s is not None and is_away(v, st, away_m):
            assert v.live is not None  # is_away holds only with a position
            try:
                vsnap = net.router.snap((v.live.lon, v.live.lat), f"vehicle {v.code}")
            except LanyanError:
                vsnap = None
            if vsnap is not None:
                d = ground_m(v.live.lon, v.live.lat, st.lon, st.lat)
                away.append((v, vsnap, d))
                continue
        out[v.id] = Start(float(seconds[i]), float(meters[i]))
    if away:
        assert limit_s is not None
        routes = net.router.many_to_one([s for _, s, _ in away], snap, limit_s=limit_s)
        for (v, _, d), r in zip(away, routes, strict=True):
            assert v.live is not None
            out[v.id] = Start(
                r.seconds if r.seconds is not None else math.inf,
                r.meters if r.meters is not None else math.nan,
                True,
                d,
                v.live.age_s,
                v.live.lon,
                v.live.lat,
                beyond=not r.reachable and math.isfinite(limit_s),
            )
    return out


def recommend(
    net: ResponseNetwork,
    lon: float,
    lat: float,
    card: RunCard,
    vehicles: Sequence[VehicleInfo],
    home_path: str | None,
    building_height_m: float | None = None,
    water_count: int = 5,
    first_responders: int = 3,
) -> dict[str, Any]:
    """The recommendation card for an incident at (lon, lat) as a JSON-ready dict.

    ``home_path`` is the materialised path of the incident's county; stations outside it are
    跨区增援. ``None`` treats every station as local (no jurisdiction known).
    """
    snap = net.snap(lon, lat)
    seconds, meters = net.station_etas(snap)
    index = {st.id: i for i, st in enumerate(net.stations)}
    local = np.array(
        [home_path is None or st.jurisdiction_path.startswith(home_path) for st in net.stations],
        dtype=bool,
    )
    known = [v for v in vehicles if v.station_id in index]

    def fill(limit_s: float | None) -> tuple[dict[int, Start], list[dict[str, Any]]]:
        starts = vehicle_starts(net, snap, known, index, seconds, meters, limit_s=limit_s)
        order = sorted(known, key=lambda v: (starts[v.id].seconds, v.code))
        taken: set[int] = set()
        groups = [
            _fill(req, order, index, starts, local, net, taken, building_height_m)
            for req in card.requirements
        ]
        return starts, groups

    # Vehicles away from their stations are timed by one search from the incident, bounded at
    # the slowest vehicle the card would send with everyone at the station and widened (×2)
    # while a vehicle not reached could still change the card: the slowest one chosen is
    # beyond the bound, or a short group could take one not reached.
    starts, groups = fill(None)
    if any(is_away(v, net.stations[index[v.station_id]]) for v in known):
        chosen = [x["eta_s"] for g in groups for x in g["vehicles"] if x["eta_s"] is not None]
        limit = max(chosen, default=0.0) or 600.0
        while True:
            starts, groups = fill(limit)
            beyond = [v for v in known if starts[v.id].beyond]
            if not beyond:
                break
            slowest = max(
                (x["eta_s"] for g in groups for x in g["vehicles"] if x["eta_s"] is not None),
                default=0.0,
            )
            short_types = {
                t
                for req, g in zip(card.requirements, groups, strict=True)
                if g["missing"]
                for t in req.capability.vehicle_types
            }
            if slowest <= limit and not any(v.vehicle_type in short_types for v in beyond):
                break
            limit = limit * 2 if limit < 4 * 3600 else math.inf
    stations_out = []
    for i, st in enumerate(net.stations):
        stations_out.append(
            {
                "code": st.code,
                "name": st.name,
                "force_type": st.force_type,
                "local": bool(local[i]),
                "reachable": bool(np.isfinite(seconds[i])),
                "eta_s": _round(float(seconds[i])),
                "meters": _round(float(meters[i])),
                "reason": None
                if np.isfinite(seconds[i])
                else (net.station_problem[i] or "no road path from the station to the incident"),
            }
        )
    stations_out.sort(key=lambda s: (s["eta_s"] is None, s["eta_s"] or 0.0, s["code"]))
    firsts = [
        s for s in stations_out if s["force_type"] in FIRST_RESPONDER_FORCES and s["reachable"]
    ]
    water, searched = net.nearest_water(snap, water_count)
    return {
        "incident": {
            "lon": lon,
            "lat": lat,
            "snapped": [round(snap.lon, 7), round(snap.lat, 7)],
            "snap_m": round(snap.distance_m, 1),
        },
        "run_card": {
            "type": card.incident_type.value,
            "building_class": card.building_class.value,
            "level": card.level,
            "label": card.label(),
        },
        "requirements": groups,
        "complete": all(g["missing"] == 0 for g in groups),
        "reinforcement_needed": any(v["reinforcement"] for g in groups for v in g["vehicles"]),
        "first_responders": firsts[:first_responders],
        "stations": stations_out,
        "water_sources": [
            {
                "code": net.water[j].code,
                "kind": net.water[j].kind,
                "status": net.water[j].status,
                "usable": net.water[j].status == "intact",
                "meters": round(m, 1),
                "lon": net.water[j].lon,
                "lat": net.water[j].lat,
            }
            for j, m in water
        ],
        "water_search_m": searched,
        "water_off_network": [
            net.water[j].code for j, p in enumerate(net.water_problem) if p is not None
        ],
    }


SHORTFALL_NOTES = {
    "unavailable": "{n} skipped: not available (committed or out of service)",
    "ladder_short": "{n} skipped: ladder shorter than {h:g} m",
    "unreachable": "{n} skipped: station not reachable by road",
    "missing": "{n} short: no further vehicle can be sent",
}


def _fill(
    req: Requirement,
    order: Sequence[VehicleInfo],
    index: dict[int, int],
    starts: dict[int, Start],
    local: np.ndarray,
    net: ResponseNetwork,
    taken: set[int],
    building_height_m: float | None,
) -> dict[str, Any]:
    cap = req.capability
    need_h = None
    if cap.height:
        need_h = max(req.min_height_m or 0.0, building_height_m or 0.0) or None
    chosen: list[dict[str, Any]] = []
    committed = too_short = unreachable = 0
    for want_local in (True, False):
        for v in order:
            if len(chosen) >= req.count:
                break
            if v.id in taken or v.vehicle_type not in cap.vehicle_types:
                continue
            i = index[v.station_id]
            if bool(local[i]) != want_local:
                continue
            if v.status != "available":
                committed += 1
                continue
            if need_h is not None and (v.ladder_height_m or 0.0) < need_h:
                too_short += 1
                continue
            start = starts[v.id]
            if not math.isfinite(start.seconds):
                unreachable += 1
                continue
            taken.add(v.id)
            st = net.stations[i]
            chosen.append(
                {
                    "code": v.code,
                    "vehicle_type": v.vehicle_type,
                    "station": st.code,
                    "station_name": st.name,
                    "force_type": st.force_type,
                    "eta_s": _round(start.seconds),
                    "meters": _round(start.meters),
                    "ladder_height_m": v.ladder_height_m,
                    "reinforcement": not want_local,
                    **start.as_dict(),
                }
            )
    missing = req.count - len(chosen)
    # Why the group is short, as codes with their figures (the board words them through the
    # catalogue) and as English notes for API readers.
    counts = [
        ("unavailable", committed),
        ("ladder_short", too_short),
        ("unreachable", unreachable),
        ("missing", missing),
    ]
    shortfalls = [
        {"reason": reason, "count": n, "height_m": need_h if reason == "ladder_short" else None}
        for reason, n in counts
        if n
    ]
    notes = [SHORTFALL_NOTES[reason].format(n=n, h=need_h) for reason, n in counts if n]
    return {
        "capability": cap.name,
        "zh": cap.zh,
        "en": cap.en,
        "count": req.count,
        "min_height_m": need_h,
        "vehicles": chosen,
        "missing": missing,
        "notes": notes,
        "shortfalls": shortfalls,
    }
