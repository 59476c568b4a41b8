"""What the CLI and the API share: resolve the jurisdiction a plan is evaluated for, and build a
report (evaluation + projects tracker)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import local_today
from lanyan.plans.assessment import (
    DEFAULT_WEIGHTS,
    INDICATOR_POINTS,
    PROJECT_POINTS,
    Assessment,
    Weights,
    WeightsInForce,
    rank,
    score,
)
from lanyan.plans.engine import Evaluator
from lanyan.plans.models import AssessmentWeights, PlanAdoption
from lanyan.plans.records import jurisdiction_by_code
from lanyan.plans.report import Report
from lanyan.plans.schema import Plan
from lanyan.plans.tracker import as_of_for, track
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope

FIRST_YEAR, LAST_YEAR = 2000, 2100


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed(
            f"year {year} is out of range",
            [FieldProblem("year", f"must be between {FIRST_YEAR} and {LAST_YEAR}")],
        )
    return year


def target_jurisdiction(session: Session, plan: Plan, code: str | None) -> Jurisdiction:
    """The jurisdiction named by ``code``, or the only one that adopted ``plan``."""
    if code:
        return jurisdiction_by_code(session, code)
    adopters = list(
        session.execute(
            select(Jurisdiction)
            .join(PlanAdoption, PlanAdoption.jurisdiction_id == Jurisdiction.id)
            .where(PlanAdoption.plan_id == plan.id)
            .order_by(Jurisdiction.code)
        ).scalars()
    )
    if len(adopters) == 1:
        return adopters[0]
    if not adopters:
        rule = f"no jurisdiction has adopted '{plan.id}': adopt it or name a jurisdiction"
    else:
        names = ", ".join(f"{j.code} {j.name}" for j in adopters)
        rule = f"several jurisdictions adopted '{plan.id}' ({names}): name one of them"
    raise ValidationFailed(f"which jurisdiction? {rule}", [FieldProblem("jurisdiction", rule)])


def build_report(
    session: Session, plan: Plan, jurisdiction: Jurisdiction, year: int, today: date | None = None
) -> Report:
    check_year(year)
    as_of = as_of_for(year, today or local_today())
    evaluation = Evaluator(session).plan(plan, jurisdiction, year)
    return Report(evaluation, track(session, plan, jurisdiction, as_of), as_of)


def default_year(plan: Plan, today: date | None = None) -> int:
    """This year, kept inside the plan period."""
    year = (today or local_today()).year
    return max(plan.period_start, min(plan.period_end, year))


def scoped_jurisdiction(
    session: Session, plan: Plan, scope: Scope, home_id: int, code: str | None
) -> Jurisdiction:
    """The jurisdiction a user evaluates ``plan`` for: the one named (inside their area), else
    the first inside their area that adopted the plan, else their own."""
    if code:
        place = jurisdiction_by_code(session, code)
        if not scope.contains(session, place.id):
            raise NotFound(f"no jurisdiction with code {code} in your area")
        return place
    adopter = session.execute(
        select(Jurisdiction)
        .join(PlanAdoption, PlanAdoption.jurisdiction_id == Jurisdiction.id)
        .where(PlanAdoption.plan_id == plan.id, scope.jurisdictions())
        .order_by(Jurisdiction.path)
        .limit(1)
    ).scalar_one_or_none()
    return adopter or session.get_one(Jurisdiction, home_id)


def report_dict(report: Report) -> dict[str, object]:
    """The report as JSON: plan, jurisdiction, year, indicators and projects."""
    ev = report.evaluation
    return {
        "plan": {
            "id": ev.plan.id,
            "title": ev.plan.title_zh,
            "title_en": ev.plan.title_en,
            "period_start": ev.plan.period_start,
            "period_end": ev.plan.period_end,
        },
        "jurisdiction": {"code": ev.jurisdiction_code, "name": ev.jurisdiction_name},
        "year": ev.year,
        "kind": report.kind_zh,
        "kind_en": report.kind_en,
        "as_of": report.as_of.isoformat(),
        "counts": {s.value: n for s, n in ev.counts().items()},
        "indicators": ev.as_dicts(),
        "projects": [p.as_dict() for p in report.projects],
    }


def jurisdiction_code(session: Session, jurisdiction_id: int) -> str:
    """The GB/T 2260 code of a jurisdiction (a user's home, for the adopt button)."""
    return session.get_one(Jurisdiction, jurisdiction_id).code


def assess(report: Report, weights: Weights = DEFAULT_WEIGHTS) -> Assessment:
    """规划实施考核 of one report (one adopter, one year) by the platform's default rule
    (plans/assessment.py)."""
    ev = report.evaluation
    return score(
        ev.jurisdiction_code,
        ev.year,
        [(r.indicator.id, r.status) for r in ev.results],
        [(p.project.id, p.state) for p in report.projects],
        weights,
    )


def weights_in_force(session: Session, plan: Plan, home_id: int) -> WeightsInForce:
    """The weights of 规划实施考核 for a user whose home is jurisdiction ``home_id``: those set
    for ``plan`` by the nearest jurisdiction at or above it (a town's committee may set its own;
    otherwise the county's hold), else the platform's default."""
    home = session.get_one(Jurisdiction, home_id)
    rows = session.execute(
        select(AssessmentWeights, Jurisdiction)
        .join(Jurisdiction, Jurisdiction.id == AssessmentWeights.jurisdiction_id)
        .where(AssessmentWeights.plan_id == plan.id)
    ).all()
    above = [(w, j) for w, j in rows if home.path.startswith(j.path)]
    if not above:
        return WeightsInForce(DEFAULT_WEIGHTS)
    w, j = max(above, key=lambda wj: len(wj[1].path))
    weights = Weights(
        w.indicators_weight,
        w.projects_weight,
        {s: getattr(w, f"{s.value}_points") for s in INDICATOR_POINTS},
        {s: getattr(w, f"{s.value}_points") for s in PROJECT_POINTS},
    )
    return WeightsInForce(weights, j.code, j.name, w.set_by, w.updated_at)


def assess_adopters(
    session: Session,
    plan: Plan,
    scope: Scope,
    year: int,
    today: date | None = None,
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[tuple[int, Assessment, str]]:
    """Every jurisdiction inside ``scope`` that adopted ``plan``, scored for ``year`` and ranked
    best first: (rank, assessment, jurisdiction name). The ranking needs every adopter's score,
    so the whole (small: one row per adopting jurisdiction) list is computed."""
    adopters = list(
        session.execute(
            select(Jurisdiction)
            .join(PlanAdoption, PlanAdoption.jurisdiction_id == Jurisdiction.id)
            .where(PlanAdoption.plan_id == plan.id, scope.jurisdictions())
            .order_by(Jurisdiction.code)
        ).scalars()
    )
    names = {j.code: j.name for j in adopters}
    scored = [assess(build_report(session, plan, j, year, today), weights) for j in adopters]
    return [(n, a, names[a.jurisdiction]) for n, a in rank(scored)]
