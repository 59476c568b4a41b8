"""Station coverage under the 5-minute rule (消防站五分钟覆盖).

Model (建标152-2017 layout principle, repeated in GB 51080-2015 §4.1.3: a crew reaches the edge
of its district within 5 min of the turn-out order; the 1 + 4 min split of turn-out and driving
is commonly quoted and kept configurable). With T(k, i) the road travel time (s) from station k
to demand point i, turn-out time t_0 and standard L (both s),

    covered(i)      = [ min_k T(k, i) <= L - t_0 ]
    share_pop       = sum_i pop_i covered(i) / sum_i pop_i      (same for area and key units)
    district(k)     = { i : k = argmin_k' T(k', i), T finite }   (nearest station by road)
    district_ok(k)  = sum_{i in district(k)} area_i <= A(class_k)

where A is the district area limit of 建标152-2017 第十四条: 一级 (and 特勤 with its own district)
7 km², 二级 4 km², 小型 2 km², any class in the near suburbs 15 km²; 战勤保障 stations have no
district and are left out of the check.

Example (two stations, three demand points, times in seconds):

>>> import numpy as np
>>> times = np.array([[100.0, 250.0, 400.0], [300.0, 200.0, np.inf]])
>>> cov = Coverage(times, population=np.array([10.0, 20.0, 30.0]),
...                area_km2=np.array([1.0, 1.0, 2.0]), minutes=5, turnout_minutes=1).solve()
>>> cov.covered.tolist(), round(cov.population_share, 3), round(cov.area_share, 3)
([True, True, False], 0.5, 0.5)
>>> cov.district.tolist(), cov.district_area_km2.tolist()
([0, 1, 0], [3.0, 1.0])
"""

from __future__ import annotations

import numpy as np

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.response.routing.router import Router
from lanyan.response.routing.snap import OffNetwork, Snap
from lanyan.siting.demand import DemandSet
from lanyan.siting.network import Entries, FacilityNetwork
from lanyan.siting.sources import Place, Site

DISTRICT_LIMIT_KM2 = {
    "special_service": 7.0,
    "class1": 7.0,
    "class2": 4.0,
    "small": 2.0,
}
SUBURBAN_LIMIT_KM2 = 15.0


def check_minutes(minutes: float, turnout_minutes: float) -> None:
    """ValidationFailed unless 0 <= turn-out < standard."""
    if not minutes > 0:
        raise ValidationFailed(
            "the response standard must be positive",
            [FieldProblem("minutes", "must be > 0 minutes")],
        )
    if not 0 <= turnout_minutes < minutes:
        raise ValidationFailed(
            "turn-out time must leave time to drive",
            [FieldProblem("turnout_minutes", f"must be >= 0 and < minutes ({minutes:g})")],
        )


class Coverage:
    """Coverage of demand points by stations on precomputed travel times.

    ``times`` is (stations, demand points) in seconds (``inf`` = not reachable); ``key_times``
    is (stations, key units). ``limits_km2`` gives each station's district area limit (NaN =
    no district limit). Results after :meth:`solve`: ``covered`` (bool per point), ``best_s``,
    ``district`` (nearest station, -1 if none), per-station ``population``/``area_km2``
    within the standard, ``district_area_km2``, ``district_ok``, and the shares.
    """

    def __init__(
        self,
        times: np.ndarray,
        population: np.ndarray,
        area_km2: np.ndarray,
        minutes: float = 5.0,
        turnout_minutes: float = 1.0,
        key_times: np.ndarray | None = None,
        limits_km2: np.ndarray | None = None,
    ) -> None:
        check_minutes(minutes, turnout_minutes)
        self.times = np.atleast_2d(np.asarray(times, dtype=np.float64))
        n_st, n_d = self.times.shape
        self.population = np.asarray(population, dtype=np.float64)
        self.area_km2 = np.asarray(area_km2, dtype=np.float64)
        if self.population.shape != (n_d,) or self.area_km2.shape != (n_d,):
            raise ValueError("population and area_km2 need one value per demand point")
        self.key_times = (
            np.zeros((n_st, 0)) if key_times is None else np.atleast_2d(np.asarray(key_times))
        )
        if self.key_times.shape[0] != n_st:
            raise ValueError("key_times needs one row per station")
        self.limits_km2 = (
            np.full(n_st, np.nan) if limits_km2 is None else np.asarray(limits_km2, dtype=float)
        )
        self.minutes = minutes
        self.turnout_minutes = turnout_minutes
        self.drive_s = (minutes - turnout_minutes) * 60.0

    def solve(self) -> Coverage:
        t, n_st = self.times, self.times.shape[0]
        reach = t <= self.drive_s
        if n_st:
            self.best_s = t.min(axis=0)
            self.district = np.where(np.isfinite(self.best_s), t.argmin(axis=0), -1)
        else:
            self.best_s = np.full(t.shape[1], np.inf)
            self.district = np.full(t.shape[1], -1)
        self.covered = self.best_s <= self.drive_s
        self.station_population = reach.astype(float) @ self.population
        self.station_area_km2 = reach.astype(float) @ self.area_km2
        self.district_area_km2 = np.bincount(
            self.district[self.district >= 0],
            weights=self.area_km2[self.district >= 0],
            minlength=n_st,
        )
        self.district_ok = ~(self.district_area_km2 > self.limits_km2)  # NaN limit: no check
        key_best = self.key_times.min(axis=0) if n_st else np.full(self.key_times.shape[1], np.inf)
        self.key_covered = key_best <= self.drive_s
        self.population_share = _share(self.population, self.covered)
        self.area_share = _share(self.area_km2, self.covered)
        self.key_unit_share = (
            float(self.key_covered.mean()) if len(self.key_covered) else float("nan")
        )
        return self


def _share(weight: np.ndarray, covered: np.ndarray) -> float:
    total = float(weight.sum())
    return float(weight[covered].sum() / total) if total > 0 else float("nan")


def district_limit(station_class: str | None, suburban: bool) -> float:
    """Area limit (km²) of 建标152-2017 第十四条 for a station; NaN when it has none."""
    if station_class not in DISTRICT_LIMIT_KM2:
        return float("nan")
    return SUBURBAN_LIMIT_KM2 if suburban else DISTRICT_LIMIT_KM2[station_class]


def snap_all(
    router: Router, lons: np.ndarray, lats: np.ndarray, name: str
) -> tuple[list[Snap], np.ndarray]:
    """Snap every point; returns the snaps and the indices of the points that are on the
    network (the others lie farther than the router's limit from any road)."""
    snaps: list[Snap] = []
    ok: list[int] = []
    for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
        try:
            snaps.append(router.snap((float(lon), float(lat)), f"{name}[{i}]"))
        except OffNetwork:
            continue
        ok.append(i)
    return snaps, np.array(ok, dtype=np.int64)


def times_to(
    router: Router, origins: list[Snap], lons: np.ndarray, lats: np.ndarray, name: str
) -> np.ndarray:
    """Travel time (s) from each origin to each point; ``inf`` for points off the network."""
    snaps, ok = snap_all(router, lons, lats, name)
    out = np.full((len(origins), len(lons)), np.inf)
    if origins and len(ok):
        out[:, ok] = FacilityNetwork(router.graph, origins).matrix_to(Entries.of(snaps))
    return out


def coverage_of(
    router: Router,
    sites: list[Site],
    demand: DemandSet,
    key_units: list[Place],
    minutes: float = 5.0,
    turnout_minutes: float = 1.0,
) -> Coverage:
    """The adapter from registry objects: snaps ``sites`` (a station off the network is an
    error naming it) and demand points, then solves :class:`Coverage`."""
    origins = [router.snap((s.lon, s.lat), f"station {s.code}") for s in sites]
    times = times_to(router, origins, demand.lon, demand.lat, "demand")
    key = times_to(
        router,
        origins,
        np.array([u.lon for u in key_units]),
        np.array([u.lat for u in key_units]),
        "key_unit",
    )
    limits = np.array([district_limit(s.station_class, s.suburban) for s in sites])
    return Coverage(
        times, demand.population, demand.area_km2, minutes, turnout_minutes, key, limits
    ).solve()
