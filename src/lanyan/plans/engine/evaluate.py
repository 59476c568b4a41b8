"""Evaluating a plan's indicators for a jurisdiction and a year: value, target, status, lineage.

Status rule (指标状态), for year Y:

* 无数据 no data — no value could be computed or was entered.
* A target is *due* in Y when the plan gives a milestone for Y, when Y is the deadline or later,
  or when the indicator is held every year (``per_year``). Then the value either meets it
  (达标 met) or not (未达标 not met).
* Before the deadline with nothing due (an interim year), the yearly values so far are fitted
  with a least-squares line and projected to the deadline. If the projection misses the final
  target the indicator is 有风险 (at risk) — whether or not it meets the target today — because
  the trend heads away from it. Otherwise it is 达标 if the value already meets the final target
  and 未达标 (not yet met, but on course) if it does not. With one yearly value the projection is
  the value itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.plans.choices import Averaging, Comparison, Computation
from lanyan.plans.engine import computations as _registered  # noqa: F401  (fills COMPUTATIONS)
from lanyan.plans.engine.core import COMPUTATIONS, Context, Figure, Source
from lanyan.plans.models import ManualEntry
from lanyan.plans.schema import Indicator, Plan
from lanyan.registry.choices import Choice
from lanyan.registry.models import Jurisdiction

EPS = 1e-9


class Status(Choice):
    MET = ("met", "达标", "met", "#1a9850")
    NOT_MET = ("not_met", "未达标", "not met", "#d73027")
    AT_RISK = ("at_risk", "有风险", "at risk", "#fd8d3c")
    NO_DATA = ("no_data", "无数据", "no data", "#969696")


def meets(comparison: Comparison, value: float, target: float) -> bool:
    """Whether ``value`` satisfies ``target`` (for ``fall_by_percent`` pass the threshold level:
    the value must be at most it)."""
    if comparison in (Comparison.AT_MOST, Comparison.FALL_BY_PERCENT):
        return value <= target + EPS
    if comparison == Comparison.AT_LEAST:
        return value >= target - EPS
    if comparison == Comparison.BELOW:
        return value < target - EPS
    return abs(value - target) <= EPS


def due_target(ind: Indicator, year: int) -> float | None:
    """The target the plan holds the indicator to in ``year``, or None in an interim year."""
    if year in ind.milestones:
        return ind.milestones[year]
    if year >= ind.deadline or ind.averaging == Averaging.PER_YEAR:
        return ind.target
    return None


def projection(series: dict[int, float], deadline: int) -> float | None:
    """The least-squares line through ``series`` (year → value) evaluated at ``deadline``."""
    if not series:
        return None
    xs = sorted(series)
    if len(xs) == 1:
        return series[xs[0]]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(series[x] for x in xs) / len(xs)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (series[x] - mean_y) for x in xs) / sxx
    return mean_y + slope * (deadline - mean_x)


def judge(
    ind: Indicator,
    year: int,
    value: float | None,
    series: dict[int, float],
    threshold: float | None = None,
) -> tuple[Status, float | None]:
    """The status of ``ind`` in ``year`` and the projected value at the deadline (interim years).

    ``series`` holds the comparable values (after averaging) of the years up to ``year``;
    ``threshold`` replaces the target for ``fall_by_percent`` (the baseline less the fall)."""
    if value is None:
        return Status.NO_DATA, None
    due = due_target(ind, year)
    if ind.comparison == Comparison.FALL_BY_PERCENT:
        if threshold is None:
            return Status.NO_DATA, None
        due = threshold if due is not None else None
        final = threshold
    else:
        final = ind.target
    if due is not None:
        return (Status.MET if meets(ind.comparison, value, due) else Status.NOT_MET), None
    projected = projection(series, ind.deadline)
    if projected is not None and not meets(ind.comparison, projected, final):
        return Status.AT_RISK, projected
    return (Status.MET if meets(ind.comparison, value, final) else Status.NOT_MET), projected


# A computed value resting on fewer records than this is flagged as thin (数据不足) beside it.
THIN_RECORDS = 5


@dataclass(frozen=True)
class Completeness:
    """How complete the data under a computed value is: the records it rests on (the sum over
    its lineage) and what is missing — years of the plan period up to the evaluated one with no
    value (they feed the trend, and the value itself when it is cumulative or a mean), and inputs
    the computation had to take from another year (``Figure.missing``)."""

    records: int
    missing_years: tuple[int, ...]
    stand_ins: tuple[tuple[str, int, int | None], ...]

    @property
    def thin(self) -> bool:
        return self.records < THIN_RECORDS

    @property
    def warn(self) -> bool:
        return self.thin or bool(self.missing_years) or bool(self.stand_ins)

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "thin": self.thin,
            "missing_years": list(self.missing_years),
            "stand_ins": [{"what": w, "year": y, "used": u} for w, y, u in self.stand_ins],
        }


def completeness(
    ind: Indicator, figure: Figure, raw: dict[int, float | None], start: int, year: int
) -> Completeness | None:
    """The completeness of a computed indicator's value; None for a manual one or no value."""
    if ind.manual or figure.value is None:
        return None
    only = ind.parameters.only_year if ind.parameters is not None else None
    gaps = () if only is not None else tuple(y for y in range(start, year) if raw.get(y) is None)
    records = sum(s.records for s in figure.sources)
    return Completeness(records, gaps, figure.missing)


@dataclass
class IndicatorResult:
    indicator: Indicator
    year: int
    value: float | None
    status: Status
    series: dict[int, float | None]
    figure: Figure
    target_due: float | None
    threshold: float | None = None
    baseline: float | None = None
    projected: float | None = None
    manual_evidence: list[dict[str, Any]] = field(default_factory=list)
    completeness: Completeness | None = None

    def as_dict(self) -> dict[str, Any]:
        ind = self.indicator
        out: dict[str, Any] = {
            "id": ind.id,
            "name": ind.name_zh,
            "name_en": ind.name_en,
            "value": _round(self.value),
            "target": ind.target,
            "target_this_year": self.target_due,
            "comparison": ind.comparison.value,
            "status": self.status.value,
            "status_zh": self.status.zh,
            "unit": ind.unit.value,
            "deadline": ind.deadline,
            "attribute": ind.attribute.value,
            "averaging": ind.averaging.value,
            "how": "manual" if ind.manual else str(ind.computation),
            "numerator": _round(self.figure.numerator),
            "denominator": _round(self.figure.denominator),
            "series": {str(y): _round(v) for y, v in self.series.items()},
            "lineage": [s.as_dict() for s in self.figure.sources],
        }
        if self.projected is not None:
            out["projected_at_deadline"] = _round(self.projected)
        if ind.comparison == Comparison.FALL_BY_PERCENT:
            out["baseline"] = _round(self.baseline)
            out["threshold"] = _round(self.threshold)
        if self.figure.note:
            out["note"] = self.figure.note
        if self.manual_evidence:
            out["evidence"] = self.manual_evidence
        if self.completeness is not None:
            out["completeness"] = self.completeness.as_dict()
        return out


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


@dataclass
class PlanEvaluation:
    plan: Plan
    jurisdiction_code: str
    jurisdiction_name: str
    year: int
    results: list[IndicatorResult]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.results]

    def counts(self) -> dict[Status, int]:
        return {s: sum(1 for r in self.results if r.status == s) for s in Status}


def _combine(ind: Indicator, raw: dict[int, float | None], start: int, year: int) -> float | None:
    """The value compared with the target in ``year``, from the yearly values."""
    if ind.averaging in (Averaging.YEAR_END, Averaging.PER_YEAR):
        return raw.get(year)
    known = [v for y, v in raw.items() if start <= y <= year and v is not None]
    if not known:
        return None
    if ind.averaging == Averaging.CUMULATIVE:
        return sum(known)
    return sum(known) / len(known)


def _manual(
    session: Session, plan: Plan, ind: Indicator, jurisdiction: Jurisdiction, years: Sequence[int]
) -> tuple[dict[int, Figure], dict[int, dict[str, Any]]]:
    """The entry in force (the newest) per year, for the evaluated jurisdiction itself: hand-entered
    values are statements about that jurisdiction and are not added up over its subtree."""
    rows = session.execute(
        select(ManualEntry)
        .where(
            ManualEntry.plan_id == plan.id,
            ManualEntry.indicator_id == ind.id,
            ManualEntry.jurisdiction_id == jurisdiction.id,
            ManualEntry.year.in_(years),
        )
        .order_by(ManualEntry.id)
    ).scalars()
    latest: dict[int, ManualEntry] = {}
    for row in rows:
        latest[row.year] = row
    figures: dict[int, Figure] = {}
    evidence: dict[int, dict[str, Any]] = {}
    for y in years:
        entry = latest.get(y)
        if entry is None:
            figures[y] = Figure(None, note=f"no manual entry; needs: {ind.evidence_required}")
            continue
        src = Source("plans_manual_entries", 1, f"entered by {entry.entered_by}", (entry.id,))
        figures[y] = Figure(entry.value, sources=(src,))
        evidence[y] = {
            "year": y,
            "evidence": entry.evidence,
            "file": entry.evidence_file,
            "entered_by": entry.entered_by,
        }
    return figures, evidence


class Evaluator:
    """Evaluates indicators, sharing computed series between indicators and plans that use the
    same computation over the same jurisdiction (e.g. yearly and cumulative new hydrants)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[tuple[Any, ...], dict[int, Figure]] = {}
        self._memos: dict[int, dict[Any, Any]] = {}

    def _figures(self, ctx: Context, ind: Indicator, years: Sequence[int]) -> dict[int, Figure]:
        assert ind.computation is not None
        key = (
            ind.computation,
            ctx.jurisdiction.id,
            ind.unit,
            ctx.plan.id if ind.computation == Computation.PROJECT_QUANTITY_DELIVERED else "",
            tuple(ind.counts_projects),
            ind.parameters.key() if ind.parameters is not None else "",
        )
        # Each year's figure depends on that year alone: a later evaluation of an earlier year
        # (a five-year series, the trend) reuses what a longer range already computed.
        known = self._cache.setdefault(key, {})
        missing = [y for y in years if y not in known]
        if missing:
            known.update(COMPUTATIONS[ind.computation](ctx, ind, missing))
        return {y: known[y] for y in years}

    def indicator(self, ctx: Context, ind: Indicator, year: int) -> IndicatorResult:
        start = min(ctx.plan.period_start, year)
        first = start
        if ind.baseline is not None:
            first = min(first, ind.baseline.from_year or ind.baseline.year)
        years = list(range(first, year + 1))
        evidence: dict[int, dict[str, Any]] = {}
        if ind.manual:
            figures, evidence = _manual(self.session, ctx.plan, ind, ctx.jurisdiction, years)
        else:
            figures = self._figures(ctx, ind, years)
        raw = {y: figures[y].value for y in years}
        shown = figures[year]
        only = ind.parameters.only_year if ind.parameters is not None else None
        if only is not None:
            # The plan sets the figure for one year: every later year is scored on that year's.
            raw = {
                y: (figures[only].value if only in figures and y >= only else None) for y in years
            }
            if year >= only and only in figures:
                f = figures[only]
                shown = Figure(
                    f.value, f.numerator, f.denominator, f.sources, f"scored on {only} only"
                )
            else:
                shown = Figure(None, note=f"the plan sets this figure for {only} only")
        series = {y: _combine(ind, raw, start, y) for y in range(start, year + 1)}
        value = series[year]
        baseline = threshold = None
        if ind.baseline is not None:
            baseline = ind.baseline.value
            if baseline is None:
                known = [
                    v
                    for y, v in raw.items()
                    if (ind.baseline.from_year or ind.baseline.year) <= y <= ind.baseline.year
                    and v is not None
                ]
                baseline = sum(known) / len(known) if known else None
            threshold = None if baseline is None else baseline * (1 - ind.target / 100.0)
        known_series = {y: v for y, v in series.items() if v is not None}
        status, projected = judge(ind, year, value, known_series, threshold)
        return IndicatorResult(
            indicator=ind,
            year=year,
            value=value,
            status=status,
            series=series,
            figure=shown,
            target_due=threshold if ind.baseline is not None else due_target(ind, year),
            threshold=threshold,
            baseline=baseline,
            projected=projected,
            manual_evidence=[evidence[y] for y in sorted(evidence)],
            completeness=completeness(ind, shown, raw, start, year),
        )

    def series(
        self, plan: Plan, jurisdiction: Jurisdiction, years: Sequence[int]
    ) -> dict[int, PlanEvaluation]:
        """The plan evaluated for each of ``years``: the latest first, so its range is computed
        in one pass per computation and the earlier years read it back."""
        done = {y: self.plan(plan, jurisdiction, y) for y in sorted(years, reverse=True)}
        return {y: done[y] for y in sorted(years)}

    def plan(self, plan: Plan, jurisdiction: Jurisdiction, year: int) -> PlanEvaluation:
        memo = self._memos.setdefault(jurisdiction.id, {})
        ctx = Context.build(self.session, plan, jurisdiction, memo)
        results = [self.indicator(ctx, ind, year) for ind in plan.indicators]
        return PlanEvaluation(plan, jurisdiction.code, jurisdiction.name, year, results)


def evaluate(session: Session, plan: Plan, jurisdiction: Jurisdiction, year: int) -> PlanEvaluation:
    """Every indicator of ``plan`` for ``jurisdiction``'s subtree in ``year``."""
    return Evaluator(session).plan(plan, jurisdiction, year)
