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
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True)
class Weights:
    """The weights of the indicator part and the project part (non-negative, not both zero)."""

    indicators: float = 70.0
    projects: float = 30.0

    def __post_init__(self) -> None:
        problems = [
            FieldProblem(f"{name}_weight", "must be a number from 0 to 100")
            for name, w in (("indicators", self.indicators), ("projects", self.projects))
            if not 0 <= w <= 100
        ]
        if not problems and self.indicators + self.projects == 0:
            problems.append(FieldProblem("indicators_weight", "the two weights must not both be 0"))
        if problems:
            raise ValidationFailed("bad weights", problems)


DEFAULT_WEIGHTS = Weights()


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
            "weights": {"indicators": self.weights.indicators, "projects": self.weights.projects},
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
    ind = tuple(Line(i, s.value, INDICATOR_POINTS[s]) for i, s in indicators)
    prj = tuple(Line(i, s.value, PROJECT_POINTS[s]) for i, s in projects)
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
