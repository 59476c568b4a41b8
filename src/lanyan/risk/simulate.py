"""A synthetic county for validating the risk index honestly (not for the demo).

Each unit gets observable traits (category, height, occupants, use) and a hidden management
quality ``m`` ~ N(0, 1) that no factor sees directly. Year by year the simulator draws what the
platform would record — inspections, hazards found, rectified or left overdue, device faults and
offline devices, fire alarms, credit — all driven partly by ``m``, and then whether the unit
had a fire that year from its *true* risk::

    logit P(fire in year t) = b + c[category] + 0.5·tall + 0.4·crowded + u[use]
                              + 0.55·m + 0.35·open hazards at year start + ε_t

with ε_t ~ N(0, 0.3) yearly noise. The coefficients are the simulator's own and deliberately not
the AHP weights. Features are recorded as they stand at the start of each year (before that
year's fire), so a model scored on year t sees only the past.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

CATEGORIES = ("high_risk", "key", "three_in_one", "crowded", "nine_small", "general")
CATEGORY_SHARE = (0.02, 0.08, 0.06, 0.12, 0.5, 0.22)
CATEGORY_EFFECT = {
    "high_risk": 1.0,
    "key": 0.5,
    "three_in_one": 0.9,
    "crowded": 0.4,
    "nine_small": 0.5,
    "general": -0.3,
}
USES = ("warehouse", "industrial", "mixed", "commercial", "public", "residential", "other")
USE_EFFECT = {
    "warehouse": 0.5,
    "industrial": 0.4,
    "mixed": 0.3,
    "commercial": 0.2,
    "public": 0.0,
    "residential": -0.1,
    "other": 0.0,
}
BASE_LOGIT = -4.6


@dataclass
class Row:
    """One unit in one year: the raw factors at the start of the year and the year's outcome."""

    unit: int
    year: int
    raw: dict[str, Any]
    fire: int
    true_p: float  # the hidden probability the outcome was drawn from


@dataclass
class World:
    rows: list[Row] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    n_units: int = 0


@dataclass
class _Unit:
    """A simulated unit's traits and the records it carries from one year into the next."""

    category: str
    height_m: float
    occupants: int
    use: str
    devices: int
    credit: float
    open: int = 0
    overdue: int = 0
    major: int = 0
    last_inspection_day: int | None = None  # days before the current year start
    found_last_year: int = 0
    fires: list[int] = field(default_factory=list)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def simulate(n_units: int = 5000, years: int = 8, first_year: int = 2018, seed: int = 7) -> World:
    """Units and their yearly records (see the module docstring); same seed, same world."""
    rng = np.random.default_rng(seed)
    cats = rng.choice(len(CATEGORIES), size=n_units, p=CATEGORY_SHARE)
    m = rng.normal(size=n_units)  # hidden management quality (higher = worse)
    world = World(years=list(range(first_year, first_year + years)), n_units=n_units)
    units: list[_Unit] = []
    for i in range(n_units):
        cat = CATEGORIES[cats[i]]
        tall_p = {"high_risk": 0.3, "key": 0.5, "crowded": 0.3}.get(cat, 0.05)
        height = float(rng.uniform(30, 120) if rng.random() < tall_p else rng.uniform(4, 24))
        occ_scale = {"crowded": 400, "key": 300, "high_risk": 200, "three_in_one": 15}.get(cat, 30)
        occupants = int(rng.gamma(2.0, occ_scale / 2))
        use = str(rng.choice(USES))
        units.append(
            _Unit(
                category=cat,
                height_m=height,
                occupants=occupants,
                use=use,
                devices=int(rng.integers(0, 6)) if cat in ("key", "high_risk", "crowded") else 0,
                credit=float(np.clip(85 - 8 * m[i] + rng.normal(0, 5), 0, 100)),
            )
        )
    for year in world.years:
        for i, u in enumerate(units):
            days_since = u.last_inspection_day
            offline_share = None
            faults = fire_alarms = 0
            if u.devices:
                offline = rng.binomial(u.devices, float(np.clip(0.08 + 0.08 * m[i], 0, 1)))
                offline_share = offline / u.devices
                faults = int(rng.poisson(max(0.1, 1.5 + 1.2 * m[i])))
            true_logit = (
                BASE_LOGIT
                + CATEGORY_EFFECT[u.category]
                + 0.5 * (u.height_m > 24)
                + 0.4 * (u.occupants > 300)
                + USE_EFFECT[u.use]
                + 0.55 * m[i]
                + 0.35 * u.open
                + rng.normal(0, 0.3)
            )
            p = _sigmoid(true_logit)
            if u.devices:
                fire_alarms = int(rng.poisson(p * 8 + 0.05))
            raw = {
                "category": u.category,
                "height_m": u.height_m,
                "occupants": u.occupants,
                "use": u.use,
                "open_hazards": u.open,
                "overdue_hazards": u.overdue,
                "major_hazards": u.major,
                "days_since_inspection": days_since,
                "hazards_found_365d": u.found_last_year,
                "devices_offline_share": offline_share,
                "fault_alarms_90d": faults // 4,
                "fire_alarms_365d": fire_alarms,
                "fires_5y": sum(1 for y in u.fires if y >= year - 5),
                "credit_score": round(u.credit, 1),
                "blacklisted": u.credit < 55,
            }
            fire = int(rng.random() < p)
            world.rows.append(Row(i, year, raw, fire, p))
            if fire:
                u.fires.append(year)
            # The year's supervision: inspected more often when high-risk or recently found at fault.
            inspect_p = 0.15 + 0.25 * (u.category in ("high_risk", "key")) + 0.1 * (u.open > 0)
            found = 0
            if rng.random() < inspect_p:
                found = int(rng.poisson(max(0.05, 0.8 * math.exp(0.6 * m[i]))))
                u.last_inspection_day = int(rng.integers(1, 365))
            elif u.last_inspection_day is not None:
                u.last_inspection_day += 365
            fixed = rng.binomial(u.open, float(np.clip(0.7 - 0.15 * m[i], 0.1, 0.95)))
            u.open = u.open - fixed + found
            u.overdue = int(rng.binomial(u.open, float(np.clip(0.2 + 0.15 * m[i], 0, 1))))
            u.major = int(rng.binomial(u.open, 0.1))
            u.found_last_year = found
            u.credit = float(np.clip(u.credit - 3 * u.overdue + rng.normal(1, 2), 0, 100))
    return world
