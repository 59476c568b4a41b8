"""Enforcement actions (行政强制和处罚): 三停 (停产停业, 停止使用, 停止施工), 临时查封 and 罚款.

Each cites its legal basis from the catalogue ``prevention/data/legal_bases.yaml`` (articles of
the 消防法), which says which actions an article allows and, for a fine, the range for a unit. A
stop order or seal-up is lifted (解除) by its own decision and audit entry:

* 三停 only after an inspection of the unit on or after the order found it rectified
  (消防法第七十条: 经检查合格，方可恢复);
* 临时查封 only once the hazard it was about, if any, passed its recheck (消防法第五十四条);
* a fine is paid, never lifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.prevention import lookup
from lanyan.prevention.choices import EnforcementKind, EnforcementState, HazardState
from lanyan.prevention.models.inspections import EnforcementAction, Hazard, Inspection
from lanyan.prevention.schemas.records import EnforcementCreate, EnforcementLift
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "enforcement"
STOPS = frozenset(
    {EnforcementKind.STOP_PRODUCTION, EnforcementKind.STOP_USE, EnforcementKind.STOP_CONSTRUCTION}
)
HAZARD_REMOVED = frozenset({HazardState.RECHECK_PASSED.value, HazardState.CLOSED.value})


@dataclass(frozen=True)
class LegalBasis:
    key: str
    zh: str
    en: str
    kinds: frozenset[EnforcementKind]
    fine_min: Decimal | None = None
    fine_max: Decimal | None = None


@cache
def legal_bases() -> dict[str, LegalBasis]:
    """The catalogue of legal bases, by key (e.g. ``xfl_60``)."""
    text = resources.files("lanyan.prevention.data").joinpath("legal_bases.yaml").read_text("utf-8")
    out = {}
    for key, v in yaml.safe_load(text).items():
        out[key] = LegalBasis(
            key,
            v["zh"],
            v["en"],
            frozenset(EnforcementKind(k) for k in v["kinds"]),
            Decimal(v["fine_min"]) if "fine_min" in v else None,
            Decimal(v["fine_max"]) if "fine_max" in v else None,
        )
    return out


def describe_bases() -> list[dict[str, Any]]:
    return [
        {
            "key": b.key,
            "zh": b.zh,
            "en": b.en,
            "kinds": sorted(b.kinds),
            "fine_min": b.fine_min,
            "fine_max": b.fine_max,
        }
        for b in legal_bases().values()
    ]


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(EnforcementAction.jurisdiction_id)


def check_decision(payload: EnforcementCreate) -> list[FieldProblem]:
    """Every rule a decision breaks: basis, amount, dates (pure; no database)."""
    problems: list[FieldProblem] = []
    basis = legal_bases().get(payload.basis)
    if basis is None:
        problems.append(FieldProblem("basis", f"must be one of {', '.join(sorted(legal_bases()))}"))
    elif payload.kind not in basis.kinds:
        allowed = "、".join(k.zh for k in EnforcementKind if k in basis.kinds)
        problems.append(
            FieldProblem(
                "basis", f"{basis.key} does not allow {payload.kind.zh}; it allows {allowed}"
            )
        )
    if payload.kind is EnforcementKind.FINE:
        if payload.amount_yuan is None:
            problems.append(FieldProblem("amount_yuan", "is required for a fine (罚款)"))
        elif payload.amount_yuan <= 0:
            problems.append(FieldProblem("amount_yuan", "must be more than 0"))
        elif (
            basis is not None
            and basis.fine_min is not None
            and basis.fine_max is not None
            and not basis.fine_min <= payload.amount_yuan <= basis.fine_max
        ):
            problems.append(
                FieldProblem(
                    "amount_yuan",
                    f"must be between {basis.fine_min} and {basis.fine_max} yuan under {basis.key}",
                )
            )
        if payload.ends_on is not None:
            problems.append(FieldProblem("ends_on", "a fine has no end date"))
    elif payload.amount_yuan is not None:
        problems.append(
            FieldProblem("amount_yuan", f"only a fine has an amount, not {payload.kind.zh}")
        )
    if payload.starts_on < payload.decided_on:
        problems.append(
            FieldProblem("starts_on", f"must not be before the decision ({payload.decided_on})")
        )
    if payload.ends_on is not None and payload.ends_on < payload.starts_on:
        problems.append(
            FieldProblem("ends_on", f"must not be before starts_on ({payload.starts_on})")
        )
    return problems


def decide(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: EnforcementCreate,
) -> EnforcementAction:
    """Record an enforcement decision against a unit, linked to its hazard and inspection."""
    audit.begin_write(session)
    problems = check_decision(payload)
    unit = lookup.unit(session, scope, payload.unit_code)
    hazard = (
        lookup.hazard(session, scope, payload.hazard_code, "hazard_code", unit.id)
        if payload.hazard_code
        else None
    )
    inspection = (
        lookup.inspection(session, scope, payload.inspection_code, "inspection_code", unit.id)
        if payload.inspection_code
        else None
    )
    if inspection is not None and lookup.local_day(inspection.inspected_at) > payload.decided_on:
        problems.append(FieldProblem("decided_on", "must not be before the inspection it rests on"))
    if problems:
        raise ValidationFailed("the enforcement decision is not valid", problems)
    row = EnforcementAction(
        code=lookup.temporary_code(),
        kind=payload.kind.value,
        state=EnforcementState.IN_FORCE.value,
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        hazard_id=hazard.id if hazard else None,
        inspection_id=inspection.id if inspection else None,
        basis=payload.basis,
        decision_no=payload.decision_no,
        decided_on=payload.decided_on,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        amount_yuan=payload.amount_yuan,
        facts=payload.facts,
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"decision {payload.decision_no} is already recorded",
            [FieldProblem("decision_no", "must be unique")],
        ) from None
    row.code = f"ZF{payload.decided_on:%Y%m%d}{row.id:06d}"
    session.flush()
    lookup.record_created(session, actor, SLUG, row, unit)
    return row


def get_action(
    session: Session, scope: Scope, action_id: int, lock: bool = False
) -> EnforcementAction:
    stmt = select(EnforcementAction).where(EnforcementAction.id == action_id, in_scope(scope))
    return one_or_not_found(
        session,
        stmt,
        f"enforcement action {action_id} does not exist or is outside your jurisdiction",
        lock,
    )


def lift(
    session: Session,
    actor: Actor,
    scope: Scope,
    action_id: int,
    payload: EnforcementLift,
) -> EnforcementAction:
    """解除 a stop order or seal-up (see the module text for when it is allowed)."""
    audit.begin_write(session)
    row = get_action(session, scope, action_id, lock=True)
    kind = EnforcementKind(row.kind)
    if kind is EnforcementKind.FINE:
        raise Conflict(
            f"a fine (罚款) is not lifted: {row.code}",
            [FieldProblem("action", "lift is not allowed for a fine")],
        )
    if row.state != EnforcementState.IN_FORCE.value:
        raise Conflict(
            f"{row.code} was already lifted on {row.lifted_on}",
            [FieldProblem("action", f"lift is not allowed in state {row.state}")],
        )
    problems = []
    if payload.lifted_on < row.starts_on:
        problems.append(
            FieldProblem("lifted_on", f"must not be before starts_on ({row.starts_on})")
        )
    inspection = None
    if payload.inspection_code:
        inspection = lookup.inspection(
            session, scope, payload.inspection_code, "inspection_code", row.unit_id
        )
        if lookup.local_day(inspection.inspected_at) < row.starts_on:
            problems.append(
                FieldProblem(
                    "inspection_code", f"must be an inspection on or after {row.starts_on}"
                )
            )
    if kind in STOPS and inspection is None:
        problems.append(
            FieldProblem(
                "inspection_code",
                "is required: a stop order is lifted only after an inspection finds the unit "
                "rectified (消防法第七十条)",
            )
        )
    if kind is EnforcementKind.SEAL_UP and row.hazard_id is not None:
        state = session.execute(select(Hazard.state).where(Hazard.id == row.hazard_id)).scalar_one()
        if state not in HAZARD_REMOVED:
            problems.append(
                FieldProblem(
                    "action",
                    f"the sealed hazard is still {HazardState(state).zh} ({state}); it must pass "
                    "its recheck first (消防法第五十四条)",
                )
            )
    if problems:
        raise ValidationFailed(f"{row.code} cannot be lifted", problems)
    before = lookup.snapshot(row)
    row.state = EnforcementState.LIFTED.value
    row.lifted_on = payload.lifted_on
    row.lift_decision_no = payload.decision_no
    row.lift_reason = payload.reason
    row.lift_inspection_id = inspection.id if inspection else None
    session.flush()
    audit.record(
        session,
        actor,
        "lift",
        SLUG,
        row.id,
        before,
        lookup.snapshot(row),
        scope_path=row_path(session, row),
    )
    return row


def list_actions(
    session: Session,
    scope: Scope,
    kind: EnforcementKind | None = None,
    state: EnforcementState | None = None,
    unit_code: str | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[EnforcementAction], int]:
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if kind is not None:
        where.append(EnforcementAction.kind == kind.value)
    if state is not None:
        where.append(EnforcementAction.state == state.value)
    if unit_code:
        where.append(EnforcementAction.unit_id.in_(select(Unit.id).where(Unit.code == unit_code)))
    return paginate(
        session,
        select(EnforcementAction)
        .where(*where)
        .order_by(EnforcementAction.decided_on.desc(), EnforcementAction.id.desc()),
        page,
        size,
    )


def public(session: Session, row: EnforcementAction) -> dict[str, Any]:
    kind = EnforcementKind(row.kind)
    basis = legal_bases().get(row.basis)
    return {
        "id": row.id,
        "code": row.code,
        "kind": kind,
        "kind_zh": kind.zh,
        "state": row.state,
        "unit_code": lookup.code_of(session, Unit, row.unit_id),
        "jurisdiction_code": lookup.code_of(session, Jurisdiction, row.jurisdiction_id),
        "hazard_code": lookup.code_of(session, Hazard, row.hazard_id),
        "inspection_code": lookup.code_of(session, Inspection, row.inspection_id),
        "basis": row.basis,
        "basis_zh": basis.zh if basis else row.basis,
        "decision_no": row.decision_no,
        "decided_on": row.decided_on,
        "starts_on": row.starts_on,
        "ends_on": row.ends_on,
        "amount_yuan": row.amount_yuan,
        "facts": row.facts,
        "lifted_on": row.lifted_on,
        "lift_decision_no": row.lift_decision_no,
        "lift_reason": row.lift_reason,
        "lift_inspection_code": lookup.code_of(session, Inspection, row.lift_inspection_id),
    }
