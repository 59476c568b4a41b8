"""规划实施考核 — scoring one adopted plan's implementation in a jurisdiction for a year, for the
committee (消安委) that compares jurisdictions. Pure rule, no database: it takes the evaluation's
indicator statuses and the tracker's project states and returns the score with its breakdown.

Why: the Dafeng plan names the gap and asks for the mechanism without giving a formula —
L25 "消防安全工作考核尚未纳入大丰区绩效考核评价体系，尚未与奖励惩戒、干部管理挂钩" and
L384 "建立完善规划实施考核机制，保障规划分步有效实施。……上级政府要将下级政府及有关部门规划实施
进度和年度实施情况作为工作考评的重要内容，加强监督检查。" (/work/shared/plans/dafeng.zh.txt).

The rule below is the PLATFORM'S DEFAULT, not the plan's (no plan text in the catalogue gives
points or weights):

* Indicator part (0–100): each indicator earns a share of one point by its status —
  达标 met = 1, 有风险 at risk = 0.5, 未达标 not met = 0, 无数据 no data = 0 (and the indicator is
  listed under ``missing`` so the committee sees what was not reported). The part is
  100 × points ÷ number of indicators.
* Project part (0–100): each key project earns by its state — 已完成 done = 1, 按期推进 on track
  = 1 (on time so far), 滞后 late = 0.5, 未启动 not started = 0. The part is
  100 × points ÷ number of projects.
* Total = (indicator weight × indicator part + project weight × project part) ÷ (sum of the
  weights). Default weights 70 / 30 (``DEFAULT_WEIGHTS``). A part with nothing in it (a plan
  without projects) drops out and the other part carries the whole weight.

The committee may change all of it (``Weights``: the two weights, 0–100 each and adding up to
100, and the points of each status, 0–1); the service keeps the weights a jurisdiction set for a
plan (``plans_assessment_weights``) and this rule applies them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from math import isfinite
from typing import Any

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.plans.engine import Status
from lanyan.plans.tracker import ProjectState

INDICATOR_POINTS: dict[Status, float] = {
    Status.MET: 1.0,
    Status.AT_RISK: 0.5,
    Status.NOT_MET: 0.0,
    Status.NO_DATA: 0.0,
}
PROJECT_POINTS: dict[ProjectState, float] = {
    ProjectState.DONE: 1.0,
    ProjectState.ON_TRACK: 1.0,
    ProjectState.LATE: 0.5,
    ProjectState.NOT_STARTED: 0.0,
}


def points_field(state: Status | ProjectState) -> str:
    """The name of the field that holds a status's points (``met_points``, ``late_points`` …):
    the form, the API body, the table column and the error messages all use it."""
    return f"{state.value}_points"


POINT_FIELDS: tuple[str, ...] = tuple(points_field(s) for s in [*Status, *ProjectState])


@dataclass(frozen=True)
class Weights:
    """The weights of the indicator part and the project part (each 0–100, adding up to 100)
    and the points each status earns (each 0–1). Bad values raise ``ValidationFailed`` naming
    every bad field and its rule."""

    indicators: float = 70.0
    projects: float = 30.0
    indicator_points: Mapping[Status, float] = field(default_factory=lambda: dict(INDICATOR_POINTS))
    project_points: Mapping[ProjectState, float] = field(
        default_factory=lambda: dict(PROJECT_POINTS)
    )

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"{name}_weight", "must be a number from 0 to 100")
            for name, w in (("indicators", self.indicators), ("projects", self.projects))
            if not (isfinite(w) and 0 <= w <= 100)
        ]
        if not problems and abs(self.indicators + self.projects - 100) > 1e-9:
            total = f"{self.indicators + self.projects:g}"
            problems.append(
                FieldProblem(
                    "indicators_weight",
                    f"indicators_weight + projects_weight must be 100 (now {total})",
                )
            )
        states: list[tuple[Status | ProjectState, Mapping[Any, float]]] = [
            *((s, self.indicator_points) for s in Status),
            *((s, self.project_points) for s in ProjectState),
        ]
        for state, table in states:
            v = table.get(state)
            if v is None or not (isfinite(v) and 0 <= v <= 1):
                problems.append(FieldProblem(points_field(state), "must be a number from 0 to 1"))
        if problems:
            raise ValidationFailed("bad weights", problems)

    @property
    def is_default(self) -> bool:
        return self == DEFAULT_WEIGHTS

    def as_fields(self) -> dict[str, float]:
        """Every value under its field name (the form's, the API's and the table's)."""
        out = {"indicators_weight": self.indicators, "projects_weight": self.projects}
        out.update({points_field(s): self.indicator_points[s] for s in Status})
        out.update({points_field(s): self.project_points[s] for s in ProjectState})
        return out

    @classmethod
    def from_fields(cls, values: Mapping[str, Any]) -> Weights:
        """Weights from field name → value (numbers or the text of a form); a missing or
        non-numeric value is reported under its field name with the others."""
        problems: list[FieldProblem] = []

        def number(name: str, rule: str) -> float:
            raw = values.get(name)
            try:
                v = float(str(raw).strip()) if raw is not None and str(raw).strip() else None
            except ValueError:
                v = None
            if v is None:
                problems.append(FieldProblem(name, rule))
                return 0.0
            return v

        ind = number("indicators_weight", "required: a number from 0 to 100")
        prj = number("projects_weight", "required: a number from 0 to 100")
        ip = {s: number(points_field(s), "required: a number from 0 to 1") for s in Status}
        pp = {s: number(points_field(s), "required: a number from 0 to 1") for s in ProjectState}
        try:
            weights = cls(ind, prj, ip, pp)
        except ValidationFailed as exc:
            seen = {p.field for p in problems}
            problems.extend(p for p in exc.problems if p.field not in seen)
            weights = None
        if problems or weights is None:
            raise ValidationFailed("bad weights", problems)
        return weights


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class WeightsInForce:
    """The weights a ranking uses and where they come from: set by ``set_by`` at ``set_at``
    for the committee of jurisdiction ``code`` ``name``, or the platform's default (None)."""

    weights: Weights
    code: str | None = None
    name: str | None = None
    set_by: str | None = None
    set_at: datetime | None = None

    @property
    def is_default(self) -> bool:
        return self.code is None

    def points_text(self) -> str:
        """The weights and points in one line, zh-CN then English (the XLSX prints it)."""
        w = self.weights
        ind = "，".join(f"{s.zh} {w.indicator_points[s]:g}" for s in Status)
        prj = "，".join(f"{s.zh} {w.project_points[s]:g}" for s in ProjectState)
        return (
            f"权重 Weights：指标 indicators {w.indicators:g} / 项目 projects {w.projects:g}；"
            f"指标得分 indicator points：{ind}；项目得分 project points：{prj}"
        )


@dataclass(frozen=True)
class Line:
    """One scored item of the breakdown: an indicator or a project, its status and its points."""

    id: str
    status: str
    points: float


@dataclass(frozen=True)
class Assessment:
    jurisdiction: str
    year: int
    weights: Weights
    indicators: tuple[Line, ...]
    projects: tuple[Line, ...]
    missing: tuple[str, ...] = field(default=())

    @property
    def indicator_score(self) -> float | None:
        return _part(self.indicators)

    @property
    def project_score(self) -> float | None:
        return _part(self.projects)

    @property
    def total(self) -> float:
        parts = [
            (self.weights.indicators, self.indicator_score),
            (self.weights.projects, self.project_score),
        ]
        weighed = [(w, s) for w, s in parts if s is not None and w > 0]
        if not weighed:
            return 0.0
        return sum(w * s for w, s in weighed) / sum(w for w, _ in weighed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "jurisdiction": self.jurisdiction,
            "year": self.year,
            "weights": {
                "indicators": self.weights.indicators,
                "projects": self.weights.projects,
                "points": {k: v for k, v in self.weights.as_fields().items() if "_points" in k},
            },
            "indicator_score": self.indicator_score,
            "project_score": self.project_score,
            "total": self.total,
            "missing": list(self.missing),
            "indicators": [vars(x) for x in self.indicators],
            "projects": [vars(x) for x in self.projects],
        }


def _part(lines: Sequence[Line]) -> float | None:
    return 100.0 * sum(x.points for x in lines) / len(lines) if lines else None


def score(
    jurisdiction: str,
    year: int,
    indicators: Iterable[tuple[str, Status]],
    projects: Iterable[tuple[str, ProjectState]],
    weights: Weights = DEFAULT_WEIGHTS,
) -> Assessment:
    """Score one jurisdiction's implementation of a plan for ``year`` by the rule above, from the
    evaluation's (indicator id, status) and the tracker's (project id, state) pairs."""
    ind = tuple(Line(i, s.value, weights.indicator_points[s]) for i, s in indicators)
    prj = tuple(Line(i, s.value, weights.project_points[s]) for i, s in projects)
    missing = tuple(x.id for x in ind if x.status == Status.NO_DATA.value)
    return Assessment(jurisdiction, year, weights, ind, prj, missing)


def rank(assessments: Iterable[Assessment]) -> list[tuple[int, Assessment]]:
    """Jurisdictions best first (total descending, then code); equal totals share a rank
    (1, 2, 2, 4)."""
    ordered = sorted(assessments, key=lambda a: (-round(a.total, 9), a.jurisdiction))
    out: list[tuple[int, Assessment]] = []
    for i, a in enumerate(ordered, start=1):
        same = out and round(out[-1][1].total, 9) == round(a.total, 9)
        out.append((out[-1][0] if same else i, a))
    return out
