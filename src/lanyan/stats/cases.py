"""Fire investigation cases (火灾调查): opening a case for a fire record, moving it through the
state machine in ``case_rules``, the evidence chain (items with their SHA-256 and every custody
transfer) and responsibility findings. Every write is audited inside the caller's transaction."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import Scope
from lanyan.stats import case_rules
from lanyan.stats.choices import (
    CaseAction,
    CaseState,
    EvidenceKind,
    FireCause,
    ResponsibilityKind,
)
from lanyan.stats.models import (
    CustodyTransfer,
    Evidence,
    FireRecord,
    InvestigationCase,
    Responsibility,
)
from lanyan.stats.records import get_record
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found

SLUG = "investigations"
CRIMINAL_CAUSES = {FireCause.ARSON.value}


def _path(session: Session, case: InvestigationCase) -> str:
    return session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == case.jurisdiction_id)
    ).scalar_one()


def snapshot(case: InvestigationCase) -> dict[str, Any]:
    return {
        c.name: getattr(case, c.key)
        for c in InvestigationCase.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def _required(text: str, field: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(f"{field} is required", [FieldProblem(field, f"required: {what}")])
    return text


def get_case(session: Session, scope: Scope, code: str, lock: bool = False) -> InvestigationCase:
    query = select(InvestigationCase).where(
        InvestigationCase.code == code, scope.within(InvestigationCase.jurisdiction_id)
    )
    return one_or_not_found(session, query, f"no investigation case {code} in your area", lock)


def case_for_record(session: Session, record_id: int) -> InvestigationCase | None:
    return session.execute(
        select(InvestigationCase).where(InvestigationCase.fire_record_id == record_id)
    ).scalar_one_or_none()


def cases_of_records(session: Session, record_codes: list[str]) -> dict[str, str]:
    """Fire record code -> the code of its investigation case, for those records that have one."""
    if not record_codes:
        return {}
    rows = session.execute(
        select(FireRecord.code, InvestigationCase.code)
        .join(InvestigationCase, InvestigationCase.fire_record_id == FireRecord.id)
        .where(FireRecord.code.in_(record_codes))
    )
    return {rc: cc for rc, cc in rows}


def case_trail(session: Session, case: InvestigationCase, scope: Scope) -> list[audit.AuditEntry]:
    """The case's audit entries a reader in ``scope`` may read, oldest first."""
    return audit.trail(session, SLUG, case.id, scope.path)


def open_case(
    session: Session,
    actor: Actor,
    scope: Scope,
    record_code: str,
    investigator: str = "",
) -> InvestigationCase:
    """Open the investigation case of a fire record (立案). Whether a 延伸调查 is required is
    decided here from the record's deaths, grade and major-social-impact flag."""
    audit.begin_write(session)
    record: FireRecord = get_record(session, scope, record_code)
    existing = case_for_record(session, record.id)
    if existing is not None:
        raise Conflict(f"fire {record_code} already has investigation case {existing.code}")
    reasons = case_rules.extended_reasons(record.deaths, record.grade, record.major_social_impact)
    case = InvestigationCase(
        code=f"DC-{record.code}",
        fire_record_id=record.id,
        jurisdiction_id=record.jurisdiction_id,
        state=CaseState.OPEN.value,
        investigator=(investigator or actor.username)[:100],
        opened_at=utcnow(),
        extended_required=bool(reasons),
        extended_reasons="; ".join(reasons)[:255],
    )
    session.add(case)
    session.flush()
    audit.record(
        session,
        actor,
        "open",
        SLUG,
        case.id,
        None,
        snapshot(case),
        scope_path=_path(session, case),
    )
    return case


def act(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    action: CaseAction,
    payload: dict[str, Any],
) -> InvestigationCase:
    """Apply ``action`` to case ``code`` with its fields: determine_cause needs ``cause`` and
    ``statement``; transfer_police needs ``police_case_no``; finish_extended needs ``findings``;
    close takes an optional ``note``."""
    audit.begin_write(session)
    case = get_case(session, scope, code, lock=True)
    before = snapshot(case)
    state = CaseState(case.state)
    facts = case_rules.CaseFacts(
        case.extended_required, case.extended_done, case.transferred_at is not None
    )
    target = case_rules.next_state(state, action, facts)
    now = utcnow()
    if action is CaseAction.DETERMINE_CAUSE:
        cause = str(payload.get("cause") or "")
        if cause not in {c.value for c in FireCause}:
            raise ValidationFailed(
                "the cause is not a statistics category",
                [FieldProblem("cause", f"must be one of {', '.join(c.value for c in FireCause)}")],
            )
        case.cause = cause
        case.cause_statement = _required(
            str(payload.get("statement") or ""),
            "statement",
            "the determination (火灾事故认定) text",
        )
        case.determined_at = now
        case.criminal = cause in CRIMINAL_CAUSES or case.criminal
        # The determination corrects the statistics record's cause.
        record = session.get(FireRecord, case.fire_record_id)
        if record is not None and record.cause != cause:
            old = record.cause
            record.cause = cause
            audit.record(
                session,
                actor,
                "update",
                "fire-records",
                record.id,
                {"cause": old},
                {"cause": cause, "by_case": case.code},
                scope_path=_path(session, case),
            )
    elif action is CaseAction.TRANSFER_POLICE:
        case.police_case_no = _required(
            str(payload.get("police_case_no") or ""),
            "police_case_no",
            "the receiving police case number (公安机关受案号)",
        )[:60]
        case.criminal = True
        case.transferred_at = now
    elif action is CaseAction.FINISH_EXTENDED:
        case.extended_findings = _required(
            str(payload.get("findings") or ""),
            "findings",
            "the findings of the extended investigation (诱因、灾害成因、责任与整改)",
        )
        case.extended_done = True
    elif action is CaseAction.CLOSE:
        case.closed_at = now
        case.closing_note = str(payload.get("note") or "")
    case.state = target.value
    session.flush()
    audit.record(
        session,
        actor,
        action.value,
        SLUG,
        case.id,
        before,
        snapshot(case),
        scope_path=_path(session, case),
    )
    return case


def flag_social_impact(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    reason: str,
) -> InvestigationCase:
    """Mark the fire as having major social impact (重大社会影响) after the case was opened (wide
    public attention, a sensitive place …): the statistics record carries the flag and the case
    now requires a 延伸调查 (Dafeng plan L79)."""
    audit.begin_write(session)
    case = get_case(session, scope, code, lock=True)
    _open_for_writes(case)
    reason = _required(reason, "reason", "why the fire has major social impact")[:200]
    record = session.get(FireRecord, case.fire_record_id)
    if record is None or record.major_social_impact:
        raise ValidationFailed(
            "the fire is already flagged as having major social impact",
            [FieldProblem("reason", "already flagged")],
        )
    before = snapshot(case)
    record.major_social_impact = True
    reasons = case_rules.extended_reasons(record.deaths, record.grade, True)
    case.extended_required = True
    case.extended_reasons = ("; ".join(reasons) + f" — {reason}")[:255]
    session.flush()
    path = _path(session, case)
    audit.record(
        session, actor, "update", "fire-records", record.id, {"major_social_impact": False},
        {"major_social_impact": True, "reason": reason, "by_case": case.code}, scope_path=path,
    )  # fmt: skip
    audit.record(
        session, actor, "flag-impact", SLUG, case.id, before, snapshot(case), scope_path=path,
    )  # fmt: skip
    return case


def _open_for_writes(case: InvestigationCase) -> None:
    if case.state == CaseState.CLOSED.value:
        raise ValidationFailed(
            f"case {case.code} is closed (已结案): nothing may be added",
            [FieldProblem("case", "must not be closed")],
        )


def add_evidence(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    payload: dict[str, Any],
    content: bytes | None = None,
) -> Evidence:
    """Register an evidence item. The SHA-256 is of the uploaded ``content`` when there is one,
    else of the description (a physical item is fingerprinted by what was written about it)."""
    audit.begin_write(session)
    case = get_case(session, scope, code, lock=True)
    _open_for_writes(case)
    problems = []
    kind = str(payload.get("kind") or "")
    if kind not in {k.value for k in EvidenceKind}:
        problems.append(
            FieldProblem("kind", f"must be one of {', '.join(k.value for k in EvidenceKind)}")
        )
    description = str(payload.get("description") or "").strip()
    if not description:
        problems.append(FieldProblem("description", "required: what the item is and where found"))
    item_code = str(payload.get("code") or "").strip()
    if not item_code:
        problems.append(FieldProblem("code", "required: the item's number within the case"))
    if problems:
        raise ValidationFailed("evidence refused", problems)
    taken = session.execute(
        select(Evidence.id).where(Evidence.case_id == case.id, Evidence.code == item_code)
    ).first()
    if taken is not None:
        raise ValidationFailed(
            f"evidence {item_code} already exists in {case.code}",
            [FieldProblem("code", "must be unique within the case")],
        )
    data = content if content else description.encode("utf-8")
    holder = str(payload.get("holder") or actor.username).strip()[:100]
    item = Evidence(
        case_id=case.id,
        code=item_code[:40],
        kind=kind,
        description=description,
        file_name=str(payload.get("file_name") or "")[:255] if content else "",
        size_bytes=len(content) if content else None,
        sha256=hashlib.sha256(data).hexdigest(),
        collected_at=utcnow(),
        collected_by=actor.username,
        holder=holder,
    )
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor,
        "add-evidence",
        SLUG,
        case.id,
        None,
        {"evidence": item.code, "kind": kind, "sha256": item.sha256, "holder": holder},
        scope_path=_path(session, case),
    )
    return item


def transfer_custody(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    item_code: str,
    to_holder: str,
    reason: str,
) -> CustodyTransfer:
    """Hand an evidence item to a new holder (证据移交), kept in the chain of custody."""
    audit.begin_write(session)
    case = get_case(session, scope, code, lock=True)
    _open_for_writes(case)
    item = session.execute(
        select(Evidence).where(Evidence.case_id == case.id, Evidence.code == item_code)
    ).scalar_one_or_none()
    if item is None:
        raise NotFound(f"no evidence {item_code} in case {code}")
    to_holder = _required(to_holder, "to_holder", "who receives the item")[:100]
    if to_holder == item.holder:
        raise ValidationFailed(
            f"{to_holder} already holds {item_code}",
            [FieldProblem("to_holder", "must differ from the current holder")],
        )
    move = CustodyTransfer(
        evidence_id=item.id,
        from_holder=item.holder,
        to_holder=to_holder,
        at=utcnow(),
        reason=_required(reason, "reason", "why the item changes hands")[:255],
        recorded_by=actor.username,
    )
    session.add(move)
    item.holder = to_holder
    session.flush()
    audit.record(
        session,
        actor,
        "custody",
        SLUG,
        case.id,
        {"evidence": item_code, "holder": move.from_holder},
        {"evidence": item_code, "holder": to_holder, "reason": move.reason},
        scope_path=_path(session, case),
    )
    return move


def add_responsibility(
    session: Session,
    actor: Actor,
    scope: Scope,
    code: str,
    payload: dict[str, Any],
) -> Responsibility:
    """A responsibility finding (责任认定): which link of the chain, which party, what."""
    audit.begin_write(session)
    case = get_case(session, scope, code, lock=True)
    _open_for_writes(case)
    kind = str(payload.get("kind") or "")
    problems = []
    if kind not in {k.value for k in ResponsibilityKind}:
        problems.append(
            FieldProblem("kind", f"must be one of {', '.join(k.value for k in ResponsibilityKind)}")
        )
    party = str(payload.get("party") or "").strip()
    finding = str(payload.get("finding") or "").strip()
    if not party:
        problems.append(FieldProblem("party", "required: the unit or person responsible"))
    if not finding:
        problems.append(FieldProblem("finding", "required: what they failed to do"))
    if problems:
        raise ValidationFailed("responsibility finding refused", problems)
    row = Responsibility(
        case_id=case.id, kind=kind, party=party[:200], finding=finding, recorded_by=actor.username
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "add-responsibility",
        SLUG,
        case.id,
        None,
        {"kind": kind, "party": party, "finding": finding},
        scope_path=_path(session, case),
    )
    return row


def list_cases(session: Session, scope: Scope, limit: int = 200) -> list[Any]:
    return list(
        session.execute(
            select(InvestigationCase, FireRecord.code, FireRecord.grade, FireRecord.deaths)
            .join(FireRecord, FireRecord.id == InvestigationCase.fire_record_id)
            .where(scope.within(InvestigationCase.jurisdiction_id))
            .order_by(InvestigationCase.opened_at.desc())
            .limit(limit)
        ).all()
    )


def case_detail(session: Session, case: InvestigationCase) -> dict[str, Any]:
    """The case with its record, evidence (and each item's custody chain) and findings."""
    record = session.get(FireRecord, case.fire_record_id)
    items = (
        session.execute(select(Evidence).where(Evidence.case_id == case.id).order_by(Evidence.id))
        .scalars()
        .all()
    )
    moves = (
        session.execute(
            select(CustodyTransfer)
            .where(CustodyTransfer.evidence_id.in_([i.id for i in items]))
            .order_by(CustodyTransfer.at, CustodyTransfer.id)
        )
        .scalars()
        .all()
    )
    findings = (
        session.execute(
            select(Responsibility)
            .where(Responsibility.case_id == case.id)
            .order_by(Responsibility.id)
        )
        .scalars()
        .all()
    )
    return {
        "case": case,
        "record": record,
        "evidence": [(i, [m for m in moves if m.evidence_id == i.id]) for i in items],
        "findings": list(findings),
        "actions": case_rules.legal_actions(CaseState(case.state)),
    }
