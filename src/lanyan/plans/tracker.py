"""Projects tracker (重点项目跟踪): each plan project's milestones by year, what progress records
say was reached, and late flags.

Rules:

* A milestone is reached on the date of the first progress record naming it. Completing the
  project (a record with ``completed``) or reaching its last milestone reaches every milestone.
* A milestone is *late* when it is not reached by the end of its year (the as-of date is on or
  after 31 December of that year); it was *reached late* when reached after that day.
* A project with no dated milestone is due by the end of the plan period.
* The delivered quantity is the sum of reported quantities, or the whole quantity once completed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.plans.models import ProjectProgress
from lanyan.plans.schema import Plan, Project
from lanyan.registry.choices import Choice
from lanyan.registry.models import Jurisdiction


class ProjectState(Choice):
    DONE = ("done", "已完成", "done", "#1a9850")
    ON_TRACK = ("on_track", "按期推进", "on track", "#4575b4")
    LATE = ("late", "滞后", "late", "#d73027")
    NOT_STARTED = ("not_started", "未启动", "not started", "#969696")


@dataclass
class MilestoneState:
    name: str
    year: int
    reached_on: date | None
    late: bool
    reached_late: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "year": self.year,
            "reached_on": self.reached_on.isoformat() if self.reached_on else None,
            "late": self.late,
            "reached_late": self.reached_late,
        }


@dataclass
class ProjectStatus:
    project: Project
    due_year: int
    state: ProjectState
    delivered: float
    completed_on: date | None
    milestones: list[MilestoneState] = field(default_factory=list)
    records: int = 0

    @property
    def late(self) -> bool:
        return self.state == ProjectState.LATE

    def as_dict(self) -> dict[str, Any]:
        p = self.project
        return {
            "id": p.id,
            "name": p.name_zh,
            "name_en": p.name_en,
            "kind": p.kind.value,
            "quantity": p.quantity,
            "unit": p.unit.value if p.unit else None,
            "delivered": self.delivered,
            "due_year": self.due_year,
            "state": self.state.value,
            "state_zh": self.state.zh,
            "late": self.late,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "milestones": [m.as_dict() for m in self.milestones],
            "records": self.records,
        }


def _status(
    project: Project, rows: list[ProjectProgress], plan: Plan, as_of: date
) -> ProjectStatus:
    rows = sorted(rows, key=lambda r: (r.reported_on, r.id))
    reached: dict[str, date] = {}
    completed_on: date | None = None
    reported = 0.0
    for r in rows:
        if r.milestone and r.milestone not in reached:
            reached[r.milestone] = r.reported_on
        if r.quantity is not None:
            reported += r.quantity
        if r.completed and completed_on is None:
            completed_on = r.reported_on
    if project.milestones and completed_on is None:
        completed_on = reached.get(project.milestones[-1].name)
    milestones: list[MilestoneState] = []
    for m in project.milestones:
        on = reached.get(m.name) or completed_on
        end = date(m.year, 12, 31)
        milestones.append(
            MilestoneState(
                m.name,
                m.year,
                on,
                late=on is None and as_of >= end,
                reached_late=on is not None and on > end,
            )
        )
    due_year = project.milestones[-1].year if project.milestones else plan.period_end
    whole = project.quantity if project.quantity is not None else 1.0
    delivered = max(reported, whole) if completed_on else reported
    if completed_on is not None:
        state = ProjectState.DONE
    elif any(m.late for m in milestones) or (not milestones and as_of >= date(due_year, 12, 31)):
        state = ProjectState.LATE
    elif rows:
        state = ProjectState.ON_TRACK
    else:
        state = ProjectState.NOT_STARTED
    return ProjectStatus(project, due_year, state, delivered, completed_on, milestones, len(rows))


def track(
    session: Session, plan: Plan, jurisdiction: Jurisdiction, as_of: date
) -> list[ProjectStatus]:
    """Every project of ``plan`` for ``jurisdiction``'s subtree, judged on ``as_of``: only progress
    reported on or before it counts."""
    rows = session.execute(
        select(ProjectProgress)
        .join(Jurisdiction, Jurisdiction.id == ProjectProgress.jurisdiction_id)
        .where(
            ProjectProgress.plan_id == plan.id,
            ProjectProgress.reported_on <= as_of,
            Jurisdiction.path.startswith(jurisdiction.path, autoescape=True),
        )
    ).scalars()
    by_project: dict[str, list[ProjectProgress]] = {}
    for row in rows:
        by_project.setdefault(row.project_id, []).append(row)
    return [_status(p, by_project.get(p.id, []), plan, as_of) for p in plan.projects]


def as_of_for(year: int, today: date) -> date:
    """The date an evaluation of ``year`` is judged on: the year end, or today within the year."""
    return min(date(year, 12, 31), today)
