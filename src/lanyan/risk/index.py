"""Score one unit with the AHP index and explain every point of it (pure; no database).

``score(raw, model)`` takes the unit's raw factor values (``features.FACTOR_NAMES``; None where
unknown) and returns the score 0–100, the grade I–IV and one :class:`Contribution` per factor:
its raw value, its value in [0, 1], its weight and the points it adds (weight × value × 100).
The points add up to the score (capped at 100). The weather term (``config.WeatherFactor``:
a warning in force over the unit) is one more contribution, outside the AHP weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lanyan.risk.choices import RiskGrade
from lanyan.risk.config import WEATHER_FACTOR, WEATHER_GROUP, RiskModel


@dataclass(frozen=True)
class Contribution:
    factor: str
    group: str
    zh: str
    en: str
    raw: Any
    value: float  # in [0, 1]
    weight: float  # share of the whole index, all weights sum to 1
    points: float  # weight × value × 100
    missing: bool  # raw value unknown: the factor's ``missing`` value was used


@dataclass(frozen=True)
class UnitScore:
    score: float  # 0–100
    grade: RiskGrade
    contributions: tuple[Contribution, ...]

    def explanation(self) -> list[dict[str, Any]]:
        """The contributions, largest first, as JSON-ready dicts."""
        rows = sorted(self.contributions, key=lambda c: -c.points)
        return [
            asdict(c) | {"points": round(c.points, 2), "value": round(c.value, 3)} for c in rows
        ]


def score(raw: Mapping[str, Any], model: RiskModel) -> UnitScore:
    """The unit's index from its raw factor values (see the module docstring)."""
    parts = []
    for f in model.factors.values():
        value = f.value(raw.get(f.name))
        missing = value is None
        v = f.missing if value is None else value
        parts.append(
            Contribution(
                f.name,
                f.group,
                f.zh,
                f.en,
                raw.get(f.name),
                v,
                f.weight,
                100 * f.weight * v,
                missing,
            )
        )
    if model.weather is not None:
        w = model.weather
        level = raw.get(WEATHER_FACTOR)
        v = w.value(level)
        parts.append(
            Contribution(
                WEATHER_FACTOR,
                WEATHER_GROUP,
                w.zh,
                w.en,
                level,
                v,
                w.weight,
                100 * w.weight * v,
                False,
            )
        )
    total = round(min(100.0, max(0.0, sum(p.points for p in parts))), 2)
    return UnitScore(total, RiskGrade(model.grade(total)), tuple(parts))


def vector(raw: Mapping[str, Any], model: RiskModel) -> list[float]:
    """The factor values in [0, 1] in the model's factor order (missing → the factor's default):
    the same inputs the learned model sees."""
    out = []
    for f in model.factors.values():
        value = f.value(raw.get(f.name))
        out.append(f.missing if value is None else value)
    return out
