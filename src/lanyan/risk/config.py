"""The risk model's configuration: factors, AHP matrices, grades, warning lines (YAML).

``load()`` reads ``data/weights.yaml`` (or a file given by path), checks every matrix (square,
positive, reciprocal, CR < 0.1) and every factor, and returns a :class:`RiskModel` with the
final weight of every factor. Any problem is a ``ValidationFailed`` naming the YAML field and
the rule, so an edited file that does not hold together is refused, never half-used.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.risk import ahp

DEFAULT_PATH = Path(__file__).parent / "data" / "weights.yaml"
GRADES = ("I", "II", "III", "IV")
WEATHER_GROUP = "weather"
WEATHER_FACTOR = "weather_warning"


@dataclass(frozen=True)
class Factor:
    """One input of the index and how its raw value becomes a value in [0, 1]."""

    name: str
    zh: str
    en: str
    weight: float  # final weight: criterion weight × weight inside the criterion
    group: str
    mapping: dict[str, float] | None = None
    default: float = 0.0
    points: tuple[tuple[float, float], ...] | None = None
    flag: bool = False
    missing: float = 0.0

    def value(self, raw: Any) -> float | None:
        """The factor value in [0, 1] of ``raw``; None when ``raw`` is unknown."""
        if raw is None:
            return None
        if self.mapping is not None:
            return float(self.mapping.get(str(raw), self.default))
        if self.flag:
            return 1.0 if raw else 0.0
        assert self.points is not None
        xs, ys = zip(*self.points, strict=True)
        return float(np.interp(float(raw), xs, ys))


@dataclass(frozen=True)
class Criterion:
    name: str
    zh: str
    en: str
    weight: float
    consistency_ratio: float
    factors: tuple[str, ...]


@dataclass(frozen=True)
class WeatherFactor:
    """气象预警: a weather warning in force over the unit adds points on top of the AHP index.

    The rule (the platform's own, not a standard's): a CAP warning (``lanyan.exchange``) whose
    event names one of ``events`` (大风, 高温, 干旱, 雷电 … — the weather that starts or spreads
    fires) at a colour level listed in ``levels`` (黄/橙/红; blue is not listed) counts for a
    unit when the unit's point lies inside the warning's area and the warning is in force
    (from its onset, or its sending, until it expires or is ended by an Update/Cancel) at the
    moment scored: today's snapshot at the time of computing, another day's at any moment of
    that day. The factor's value is ``levels[level]`` of the strongest such warning (0 without
    one) and it adds ``100 × weight × value`` points; the score is still capped at 100. It sits
    outside the AHP matrices on purpose: a warning is a short-lived condition of the place, not
    a property of the unit, and must not shift the criteria's weights; the learned model's
    vector leaves it out for the same reason."""

    zh: str
    en: str
    weight: float
    events: tuple[str, ...]
    levels: dict[str, float]

    def value(self, level: str | None) -> float:
        return self.levels.get(level, 0.0) if level else 0.0

    def counts(self, event: str, level: str) -> bool:
        return level in self.levels and any(word in event for word in self.events)


@dataclass(frozen=True)
class RiskModel:
    factors: dict[str, Factor]
    criteria: dict[str, Criterion]
    consistency_ratio: float  # of the criteria matrix
    grade_from: dict[str, float]  # grade → lowest score of that grade (I, II, III)
    h3_resolution: int
    warnings: dict[str, float]
    sha256: str  # of the YAML text, stored with each snapshot
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    weather: WeatherFactor | None = None

    def display_groups(self) -> dict[str, Criterion]:
        """The criteria, and the weather term as a group of its own (for the pages)."""
        if self.weather is None:
            return self.criteria
        w = self.weather
        extra = Criterion(WEATHER_GROUP, w.zh, w.en, w.weight, 0.0, (WEATHER_FACTOR,))
        return self.criteria | {WEATHER_GROUP: extra}

    def grade(self, score: float) -> str:
        for g in GRADES[:-1]:
            if score >= self.grade_from[g]:
                return g
        return GRADES[-1]


def _number(value: Any, where: str) -> float:
    try:
        if isinstance(value, str):
            return float(Fraction(value.strip()))
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        raise ValidationFailed(
            f"{where}: {value!r} is not a number",
            [FieldProblem(where, "must be a number or a fraction like 1/3")],
        ) from None


def _matrix(spec: Any, where: str, size: int) -> tuple[list[float], float]:
    if not isinstance(spec, list) or not all(isinstance(r, list) for r in spec):
        raise ValidationFailed(
            f"{where} is not a matrix", [FieldProblem(where, "must be a list of rows")]
        )
    rows = [[_number(v, f"{where}[{i}][{j}]") for j, v in enumerate(r)] for i, r in enumerate(spec)]
    if len(rows) != size or any(len(r) != size for r in rows):
        raise ValidationFailed(
            f"{where} must be {size}×{size}",
            [FieldProblem(where, f"must have {size} rows of {size} numbers, one per item")],
        )
    try:
        w, cr = ahp.weights(rows)
    except ahp.MatrixProblem as exc:
        raise ValidationFailed(f"{where}: {exc}", [FieldProblem(where, str(exc))]) from None
    if cr >= ahp.CR_LIMIT:
        rule = f"consistency ratio CR = {cr:.3f} must be below {ahp.CR_LIMIT}"
        raise ValidationFailed(
            f"{where} is too inconsistent to use: {rule}; revise its comparisons",
            [FieldProblem(where, rule)],
        )
    return w, cr


def _need(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise ValidationFailed(
            f"{where}.{key} is missing", [FieldProblem(f"{where}.{key}", "is required")]
        )
    return mapping[key]


def _factor(name: str, spec: Any, weight: float, group: str) -> Factor:
    where = f"factors.{name}"
    if not isinstance(spec, dict):
        raise ValidationFailed(f"{where} is missing", [FieldProblem(where, "is required")])
    kinds = [k for k in ("map", "scale", "flag") if k in spec]
    if len(kinds) != 1:
        raise ValidationFailed(
            f"{where} needs exactly one transform",
            [FieldProblem(where, "must have exactly one of map, scale, flag")],
        )
    missing = _number(spec.get("missing", 0), f"{where}.missing")
    if not 0 <= missing <= 1:
        raise ValidationFailed(
            f"{where}.missing out of range", [FieldProblem(f"{where}.missing", "must be 0–1")]
        )
    # What every transform shares; each branch below adds its own fields.
    common = Factor(
        name=name,
        zh=str(spec.get("zh", name)),
        en=str(spec.get("en", name)),
        weight=weight,
        group=group,
        missing=missing,
    )
    if "map" in spec:
        table = {str(k): _number(v, f"{where}.map.{k}") for k, v in dict(spec["map"]).items()}
        if any(not 0 <= v <= 1 for v in table.values()):
            raise ValidationFailed(
                f"{where}.map out of range", [FieldProblem(f"{where}.map", "values must be 0–1")]
            )
        default = _number(spec.get("default", 0), f"{where}.default")
        return replace(common, mapping=table, default=default)
    if "flag" in spec:
        return replace(common, flag=True)
    pts = spec["scale"]
    if not isinstance(pts, list) or len(pts) < 2 or any(len(p) != 2 for p in pts):
        raise ValidationFailed(
            f"{where}.scale is not a list of points",
            [FieldProblem(f"{where}.scale", "must list at least two [raw, value] points")],
        )
    points = tuple((_number(x, f"{where}.scale"), _number(y, f"{where}.scale")) for x, y in pts)
    xs = [p[0] for p in points]
    if xs != sorted(xs) or len(set(xs)) != len(xs):
        raise ValidationFailed(
            f"{where}.scale raw values are not increasing",
            [FieldProblem(f"{where}.scale", "raw values must increase")],
        )
    if any(not 0 <= y <= 1 for _, y in points):
        raise ValidationFailed(
            f"{where}.scale out of range", [FieldProblem(f"{where}.scale", "values must be 0–1")]
        )
    return replace(common, points=points)


def _weather(spec: Any) -> WeatherFactor | None:
    """The optional ``weather`` section (see :class:`WeatherFactor`)."""
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ValidationFailed("weather is not a mapping", [FieldProblem("weather", "mapping")])
    weight = _number(_need(spec, "weight", "weather"), "weather.weight")
    if not 0 <= weight <= 0.5:
        raise ValidationFailed(
            "weather.weight out of range", [FieldProblem("weather.weight", "must be 0–0.5")]
        )
    events = tuple(str(e) for e in _need(spec, "events", "weather") or [])
    if not events:
        raise ValidationFailed(
            "weather.events is empty", [FieldProblem("weather.events", "must list event words")]
        )
    levels_spec = _need(spec, "levels", "weather")
    if not isinstance(levels_spec, dict) or not levels_spec:
        raise ValidationFailed(
            "weather.levels is empty",
            [FieldProblem("weather.levels", "must map colour levels to values")],
        )
    levels = {str(k): _number(v, f"weather.levels.{k}") for k, v in levels_spec.items()}
    if any(not 0 <= v <= 1 for v in levels.values()):
        raise ValidationFailed(
            "weather.levels out of range", [FieldProblem("weather.levels", "values must be 0–1")]
        )
    return WeatherFactor(
        str(spec.get("zh", "气象预警")),
        str(spec.get("en", "Weather warning")),
        weight,
        events,
        levels,
    )


def parse(text: str) -> RiskModel:
    """A checked :class:`RiskModel` from YAML text."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed(
            f"the risk weights are not valid YAML: {exc}", [FieldProblem("weights", "YAML")]
        ) from None
    if not isinstance(doc, dict):
        raise ValidationFailed("the risk weights file is empty", [FieldProblem("weights", "empty")])
    crit = _need(doc, "criteria", "weights")
    order = [str(x) for x in _need(crit, "order", "criteria")]
    crit_w, crit_cr = _matrix(_need(crit, "matrix", "criteria"), "criteria.matrix", len(order))
    groups = _need(doc, "groups", "weights")
    factor_specs = _need(doc, "factors", "weights")
    factors: dict[str, Factor] = {}
    criteria: dict[str, Criterion] = {}
    for name, cw in zip(order, crit_w, strict=True):
        g = _need(groups, name, "groups")
        names = [str(x) for x in _need(g, "factors", f"groups.{name}")]
        if not names:
            raise ValidationFailed(
                f"groups.{name} has no factors",
                [FieldProblem(f"groups.{name}.factors", "must list at least one factor")],
            )
        if len(names) == 1:
            inner, cr = [1.0], 0.0
        else:
            inner, cr = _matrix(
                _need(g, "matrix", f"groups.{name}"), f"groups.{name}.matrix", len(names)
            )
        for fname, fw in zip(names, inner, strict=True):
            if fname in factors:
                raise ValidationFailed(
                    f"factor {fname} is in two groups",
                    [FieldProblem(f"groups.{name}.factors", f"{fname} is already used")],
                )
            factors[fname] = _factor(fname, factor_specs.get(fname), cw * fw, name)
        criteria[name] = Criterion(
            name, str(g.get("zh", name)), str(g.get("en", name)), cw, cr, tuple(names)
        )
    grades = _need(doc, "grades", "weights")
    grade_from = {g: _number(_need(grades, g, "grades"), f"grades.{g}") for g in GRADES[:-1]}
    if not 100 >= grade_from["I"] > grade_from["II"] > grade_from["III"] > 0:
        raise ValidationFailed(
            "grade thresholds out of order",
            [FieldProblem("grades", "must satisfy 100 ≥ I > II > III > 0")],
        )
    res = int(doc.get("h3_resolution", 8))
    if not 0 <= res <= 15:
        raise ValidationFailed(
            "h3_resolution out of range", [FieldProblem("h3_resolution", "must be 0–15")]
        )
    warn = {k: _number(v, f"warnings.{k}") for k, v in dict(doc.get("warnings") or {}).items()}
    return RiskModel(
        factors=factors,
        criteria=criteria,
        consistency_ratio=crit_cr,
        grade_from=grade_from,
        h3_resolution=res,
        warnings=warn,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
        raw=doc,
        weather=_weather(doc.get("weather")),
    )


def load(path: Path | str | None = None) -> RiskModel:
    """The model from ``path`` (default: the shipped ``data/weights.yaml``)."""
    p = Path(path) if path else DEFAULT_PATH
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read the risk weights {p}: {exc.strerror}",
            [FieldProblem("weights", "file must exist and be readable")],
        ) from None
    return parse(text)
