"""Writing the plans domain's records: adoptions, manual entries and project progress. Every write
is audited inside the caller's transaction. (The fire grade rule moved to ``lanyan.stats``.)"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.plans.assessment import Weights
from lanyan.plans.catalog import load_plan
from lanyan.plans.models import AssessmentWeights, ManualEntry, PlanAdoption, ProjectProgress
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.stats.choices import LARGER_OR_ABOVE, FireGrade, fire_grade
from lanyan.store import audit
from lanyan.store.audit import Actor

__all__ = ["LARGER_OR_ABOVE", "FireGrade", "fire_grade"]  # kept importable from here


def jurisdiction_by_code(session: Session, code: str) -> Jurisdiction:
    row = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == code)
    ).scalar_one_or_none()
    if row is None:
        raise ValidationFailed(
            f"no jurisdiction with code {code}",
            [FieldProblem("jurisdiction", f"unknown code '{code}'")],
        )
    return row


def _inside(session: Session, scope: Scope, j: Jurisdiction) -> None:
    if not scope.contains(session, j.id):
        raise NotFound(f"no jurisdiction with code {j.code} in your area")


def adopt(session: Session, actor: Actor, scope: Scope, plan_id: str, code: str) -> PlanAdoption:
    """Record that jurisdiction ``code`` adopts plan ``plan_id``."""
    load_plan(plan_id)  # NotFound names the known plans
    j = jurisdiction_by_code(session, code)
    _inside(session, scope, j)
    audit.begin_write(session)
    existing = session.execute(
        select(PlanAdoption).where(
            PlanAdoption.plan_id == plan_id, PlanAdoption.jurisdiction_id == j.id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(f"{j.name} ({code}) has already adopted plan '{plan_id}'")
    row = PlanAdoption(plan_id=plan_id, jurisdiction_id=j.id, adopted_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "plan-adoptions",
        row.id,
        None,
        {"plan_id": plan_id, "jurisdiction": code},
        scope_path=j.path,
    )
    return row


def adoptions(session: Session) -> list[tuple[str, str, str]]:
    """(plan id, jurisdiction code, jurisdiction name) of every adoption."""
    rows = session.execute(
        select(PlanAdoption.plan_id, Jurisdiction.code, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == PlanAdoption.jurisdiction_id)
        .order_by(PlanAdoption.plan_id, Jurisdiction.code)
    )
    return [(r[0], r[1], r[2]) for r in rows]


def add_manual_entry(
    session: Session, actor: Actor, scope: Scope, payload: dict[str, Any]
) -> ManualEntry:
    """A hand-entered value of a manual indicator. ``payload``: plan, indicator, jurisdiction
    (code), year, value, evidence, optional evidence_file."""
    problems: list[FieldProblem] = []
    plan = load_plan(str(payload.get("plan", "")))
    indicator_id = str(payload.get("indicator", ""))
    try:
        indicator = plan.indicator(indicator_id)
    except KeyError:
        raise ValidationFailed(
            f"plan '{plan.id}' has no indicator '{indicator_id}'",
            [FieldProblem("indicator", "unknown indicator id")],
        ) from None
    if not indicator.manual:
        problems.append(
            FieldProblem("indicator", f"'{indicator_id}' is computed from records, not entered")
        )
    evidence = str(payload.get("evidence", "")).strip()
    if not evidence:
        problems.append(FieldProblem("evidence", f"required: {indicator.evidence_required}"))
    try:
        year = int(payload["year"])
        value = float(payload["value"])
    except (KeyError, TypeError, ValueError):
        problems.append(FieldProblem("year/value", "year must be an integer and value a number"))
        year, value = 0, 0.0
    if year and not plan.period_start - 5 <= year <= plan.period_end:
        problems.append(FieldProblem("year", f"must lie in {plan.period_start}–{plan.period_end}"))
    if problems:
        raise ValidationFailed("manual entry refused", problems)
    j = jurisdiction_by_code(session, str(payload.get("jurisdiction", "")))
    _inside(session, scope, j)
    audit.begin_write(session)
    row = ManualEntry(
        plan_id=plan.id,
        indicator_id=indicator_id,
        jurisdiction_id=j.id,
        year=year,
        value=value,
        evidence=evidence,
        evidence_file=str(payload.get("evidence_file", "")),
        entered_by=actor.username,
    )
    session.add(row)
    session.flush()
    after = {
        "plan": plan.id,
        "indicator": indicator_id,
        "jurisdiction": j.code,
        "year": year,
        "value": value,
        "evidence": evidence,
        "evidence_file": row.evidence_file,
    }
    audit.record(
        session, actor, "create", "plan-manual-entries", row.id, None, after, scope_path=j.path
    )
    return row


def add_progress(
    session: Session, actor: Actor, scope: Scope, payload: dict[str, Any]
) -> ProjectProgress:
    """Progress of a plan project. ``payload``: plan, project, jurisdiction (code), reported_on
    (ISO date), and at least one of milestone (a name the plan gives), quantity, completed."""
    plan = load_plan(str(payload.get("plan", "")))
    project_id = str(payload.get("project", ""))
    project = next((p for p in plan.projects if p.id == project_id), None)
    problems: list[FieldProblem] = []
    if project is None:
        raise ValidationFailed(
            f"plan '{plan.id}' has no project '{project_id}'",
            [FieldProblem("project", "unknown project id")],
        )
    milestone = payload.get("milestone") or None
    if milestone is not None and milestone not in {m.name for m in project.milestones}:
        names = "、".join(m.name for m in project.milestones) or "(none)"
        problems.append(FieldProblem("milestone", f"must be one of the plan's milestones: {names}"))
    quantity = payload.get("quantity")
    if quantity is not None:
        try:
            quantity = float(quantity)
        except (TypeError, ValueError):
            problems.append(FieldProblem("quantity", "must be a number"))
    completed = bool(payload.get("completed", False))
    if milestone is None and quantity is None and not completed:
        problems.append(FieldProblem("milestone", "give a milestone, a quantity or completed"))
    try:
        reported_on = date.fromisoformat(str(payload.get("reported_on", "")))
    except ValueError:
        problems.append(FieldProblem("reported_on", "must be a date YYYY-MM-DD"))
        reported_on = date.min
    if problems:
        raise ValidationFailed("progress record refused", problems)
    j = jurisdiction_by_code(session, str(payload.get("jurisdiction", "")))
    _inside(session, scope, j)
    audit.begin_write(session)
    row = ProjectProgress(
        plan_id=plan.id,
        project_id=project_id,
        jurisdiction_id=j.id,
        reported_on=reported_on,
        milestone=milestone,
        quantity=quantity,
        completed=completed,
        note=str(payload.get("note", "")),
        entered_by=actor.username,
    )
    session.add(row)
    session.flush()
    after = {
        "plan": plan.id,
        "project": project_id,
        "jurisdiction": j.code,
        "reported_on": reported_on,
        "milestone": milestone,
        "quantity": quantity,
        "completed": completed,
    }
    audit.record(session, actor, "create", "plan-progress", row.id, None, after, scope_path=j.path)
    return row


def _weights_row(row: AssessmentWeights) -> dict[str, Any]:
    return {k: getattr(row, k) for k in Weights().as_fields()}


def set_assessment_weights(
    session: Session,
    actor: Actor,
    scope: Scope,
    plan_id: str,
    code: str,
    values: dict[str, Any],
) -> AssessmentWeights:
    """Set the weights of 规划实施考核 of plan ``plan_id`` for the committee of jurisdiction
    ``code`` (inside ``scope``): ``values`` maps each field of ``Weights.as_fields`` to a number
    (or its text). Every bad field is refused at once, by name, and nothing is written."""
    load_plan(plan_id)  # NotFound names the known plans
    weights = Weights.from_fields(values)
    j = jurisdiction_by_code(session, code)
    _inside(session, scope, j)
    audit.begin_write(session)
    row = session.execute(
        select(AssessmentWeights).where(
            AssessmentWeights.plan_id == plan_id, AssessmentWeights.jurisdiction_id == j.id
        )
    ).scalar_one_or_none()
    before = None if row is None else {**_weights_row(row), "set_by": row.set_by}
    if row is None:
        row = AssessmentWeights(plan_id=plan_id, jurisdiction_id=j.id)
        session.add(row)
    for name, value in weights.as_fields().items():
        setattr(row, name, value)
    row.set_by = actor.username
    session.flush()
    after = {"plan": plan_id, "jurisdiction": j.code, **weights.as_fields(), "set_by": row.set_by}
    if before is not None:
        before = {"plan": plan_id, "jurisdiction": j.code, **before}
    audit.record(
        session,
        actor,
        "create" if before is None else "update",
        "plan-assessment-weights",
        row.id,
        before,
        after,
        scope_path=j.path,
    )
    return row
