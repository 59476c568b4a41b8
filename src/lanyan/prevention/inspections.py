"""Inspection service (监督检查): inspector certificates, recusals, inspections and findings.

An inspection needs at least two distinct inspectors (双人执法), each holding a certificate valid
on the inspection day (持证), none of them linked to the unit (回避). Its findings become hazards
in the same transaction, so a refused inspection leaves nothing behind.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.accounts.models import User
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.prevention import checklists, hazard_service
from lanyan.prevention.choices import InspectionKind, ItemResult, MajorIndicator
from lanyan.prevention.hazards import local_date
from lanyan.prevention.models.inspections import (
    Draw,
    Hazard,
    InspectionInspector,
    InspectionResult,
    InspectorCertificate,
    Recusal,
)
from lanyan.prevention.models.inspections import (
    Inspection as InspectionRow,
)
from lanyan.prevention.schemas.inspections import CertificateCreate, InspectionCreate, RecusalCreate
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "inspections"
INSPECTORS_SLUG = "inspectors"
MIN_INSPECTORS = 2


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(InspectionRow.jurisdiction_id)


def _user(session: Session, username: str, field: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise ValidationFailed(
            f"user {username} does not exist", [FieldProblem(field, f"no user {username}")]
        )
    return user


def _unit(session: Session, scope: Scope, code: str) -> Unit:
    unit = session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if unit is None or not scope.contains(session, unit.jurisdiction_id):
        raise ValidationFailed(
            f"unit {code} does not exist or is outside your jurisdiction",
            [FieldProblem("unit_code", f"no unit {code} inside your jurisdiction")],
        )
    return unit


def _snapshot(row: Any) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in type(row).__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def add_certificate(
    session: Session,
    actor: Actor,
    payload: CertificateCreate,
) -> InspectorCertificate:
    """Record an inspector's 执法资格证."""
    if payload.valid_until < payload.valid_from:
        raise ValidationFailed(
            "the certificate ends before it starts",
            [FieldProblem("valid_until", "must not be before valid_from")],
        )
    audit.begin_write(session)
    user = _user(session, payload.username, "username")
    taken = session.execute(
        select(InspectorCertificate.id).where(
            InspectorCertificate.certificate_no == payload.certificate_no
        )
    ).first()
    if taken:
        raise Conflict(
            f"certificate {payload.certificate_no} is already recorded",
            [FieldProblem("certificate_no", "must be unique")],
        )
    row = InspectorCertificate(
        certificate_no=payload.certificate_no,
        user_id=user.id,
        valid_from=payload.valid_from,
        valid_until=payload.valid_until,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        INSPECTORS_SLUG,
        row.id,
        None,
        _snapshot(row) | {"username": user.username},
        scope_path=row_path(session, user),
    )
    return row


def add_recusal(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: RecusalCreate,
) -> Recusal:
    """Record that an inspector is linked to a unit and must not inspect it (回避)."""
    audit.begin_write(session)
    user = _user(session, payload.username, "username")
    unit = _unit(session, scope, payload.unit_code)
    row = Recusal(user_id=user.id, unit_id=unit.id, reason=payload.reason)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"{user.username} is already recused from {unit.code}",
            [FieldProblem("unit_code", "one recusal per inspector and unit")],
        ) from None
    audit.record(
        session,
        actor,
        "create",
        "recusals",
        row.id,
        None,
        _snapshot(row),
        scope_path=row_path(session, unit),
    )
    return row


def valid_certificate(session: Session, user_id: int, on: date) -> InspectorCertificate | None:
    """The user's certificate valid on ``on`` (the latest-ending one), if any."""
    return (
        session.execute(
            select(InspectorCertificate)
            .where(
                InspectorCertificate.user_id == user_id,
                InspectorCertificate.revoked.is_(False),
                InspectorCertificate.valid_from <= on,
                InspectorCertificate.valid_until >= on,
            )
            .order_by(InspectorCertificate.valid_until.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def recused_user_ids(session: Session, unit_id: int) -> set[int]:
    return set(session.execute(select(Recusal.user_id).where(Recusal.unit_id == unit_id)).scalars())


def check_team(
    session: Session, usernames: list[str], unit: Unit, on: date
) -> list[tuple[User, InspectorCertificate]]:
    """双人执法、持证、回避: the inspectors with their certificates, or every problem at once."""
    problems: list[FieldProblem] = []
    distinct = list(dict.fromkeys(u.strip() for u in usernames if u.strip()))
    if len(distinct) < MIN_INSPECTORS:
        problems.append(
            FieldProblem(
                "inspectors", f"needs at least {MIN_INSPECTORS} different inspectors (双人执法)"
            )
        )
    recused = recused_user_ids(session, unit.id)
    team = []
    for name in distinct:
        user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
        if user is None or not user.is_active:
            problems.append(FieldProblem("inspectors", f"{name} is not an active user"))
            continue
        cert = valid_certificate(session, user.id, on)
        if cert is None:
            problems.append(
                FieldProblem("inspectors", f"{name} holds no certificate valid on {on} (持证)")
            )
        if user.id in recused:
            problems.append(
                FieldProblem("inspectors", f"{name} is linked to unit {unit.code} (回避)")
            )
        if cert is not None and user.id not in recused:
            team.append((user, cert))
    if problems:
        raise ValidationFailed("the inspection team is not allowed", problems)
    return team


def create_inspection(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: InspectionCreate,
    draw_code: str | None = None,
    checklist_dir: Path | None = None,
) -> InspectionRow:
    """Record an inspection and turn its findings and failed checklist items into hazards, all
    audited; ``checklist_dir`` holds a deployment's own checklist files."""
    audit.begin_write(session)
    unit = _unit(session, scope, payload.unit_code)
    inspected_at = payload.inspected_at or utcnow()
    team = check_team(session, payload.inspectors, unit, local_date(inspected_at))
    row = InspectionRow(
        code=f"tmp-{uuid.uuid4().hex[:20]}",
        kind=payload.kind.value,
        unit_id=unit.id,
        jurisdiction_id=unit.jurisdiction_id,
        inspected_at=inspected_at,
        notes=payload.notes,
        draw_code=draw_code,
    )
    session.add(row)
    session.flush()
    local = to_local(inspected_at)
    assert local is not None
    row.code = f"JC{local:%Y%m%d}{row.id:06d}"  # 检查编号, unique because the id is
    for user, cert in team:
        session.add(
            InspectionInspector(
                inspection_id=row.id, user_id=user.id, certificate_no=cert.certificate_no
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        SLUG,
        row.id,
        None,
        _snapshot(row) | {"inspectors": [u.username for u, _ in team]},
        scope_path=row_path(session, row),
    )
    for i, finding in enumerate(payload.findings):
        try:
            hazard_service.new_hazard(
                session,
                actor,
                unit,
                finding.description,
                inspected_at,
                finding.is_major,
                finding.deadline,
                row,
            )
        except ValidationFailed as err:
            # Name the finding so that the caller knows which one; the transaction rolls back.
            raise ValidationFailed(
                f"finding {i + 1}: {err.message}",
                [FieldProblem(f"findings[{i}].{p.field}", p.rule) for p in err.problems],
            ) from None
    record_checklist(session, actor, unit, row, payload, inspected_at, checklist_dir)
    return row


def record_checklist(
    session: Session,
    actor: Actor,
    unit: Unit,
    inspection: InspectionRow,
    payload: InspectionCreate,
    inspected_at: datetime,
    checklist_dir: Path | None = None,
) -> list[InspectionResult]:
    """Store one result per item of the unit category's checklist; a failed item that is a hazard
    becomes a hazard (a major one when the item is a 直接判定要素), ordered by ``rectify_by``."""
    if not payload.checklist:
        return []
    checklist = checklists.for_category(unit.category, checklist_dir)
    problems: list[FieldProblem] = []
    seen: set[str] = set()
    for i, r in enumerate(payload.checklist):
        if checklist.item(r.item_code) is None:
            problems.append(
                FieldProblem(
                    f"checklist[{i}].item_code",
                    f"{r.item_code} is not an item of checklist {checklist.code}",
                )
            )
        if r.item_code in seen:
            problems.append(
                FieldProblem(f"checklist[{i}].item_code", f"{r.item_code} is given twice")
            )
        seen.add(r.item_code)
    if problems:
        raise ValidationFailed("the checklist results are not valid", problems)
    out = []
    for r in payload.checklist:
        item = checklist.item(r.item_code)
        assert item is not None
        hazard_id = None
        if r.result is ItemResult.FAIL and item.hazard:
            words = f"[{item.code}] {item.zh}" + (f"：{r.note}" if r.note else "")
            try:
                hazard = hazard_service.new_hazard(
                    session,
                    actor,
                    unit,
                    words,
                    inspected_at,
                    item.major is MajorIndicator.DIRECT,
                    payload.rectify_by,
                    inspection,
                )
            except ValidationFailed as err:
                raise ValidationFailed(
                    f"checklist item {item.code}: {err.message}",
                    [FieldProblem("rectify_by", p.rule) for p in err.problems],
                ) from None
            hazard_id = hazard.id
        result = InspectionResult(
            inspection_id=inspection.id,
            checklist=checklist.code,
            item_code=item.code,
            item_zh=item.zh,
            basis=item.basis,
            result=r.result.value,
            note=r.note,
            hazard_id=hazard_id,
        )
        session.add(result)
        out.append(result)
    session.flush()
    audit.record(
        session,
        actor,
        "checklist",
        SLUG,
        inspection.id,
        None,
        {
            "checklist": checklist.code,
            "results": [
                {"item": r.item_code, "result": r.result, "hazard_id": r.hazard_id} for r in out
            ],
        },
        scope_path=row_path(session, inspection),
    )
    return out


def get_inspection(session: Session, scope: Scope, inspection_id: int) -> InspectionRow:
    row = session.execute(
        select(InspectionRow).where(InspectionRow.id == inspection_id, in_scope(scope))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"inspection {inspection_id} does not exist or is outside your jurisdiction")
    return row


def list_inspections(
    session: Session,
    scope: Scope,
    kind: InspectionKind | None = None,
    page: int = 1,
    size: int = 50,
    unit_id: int | None = None,
) -> tuple[list[InspectionRow], int]:
    where: list[ColumnElement[bool]] = [in_scope(scope)]
    if kind is not None:
        where.append(InspectionRow.kind == kind.value)
    if unit_id is not None:
        where.append(InspectionRow.unit_id == unit_id)
    return paginate(
        session,
        select(InspectionRow)
        .where(*where)
        .order_by(InspectionRow.inspected_at.desc(), InspectionRow.id.desc()),
        page,
        size,
    )


def public(session: Session, row: InspectionRow) -> dict[str, Any]:
    unit_code = session.execute(select(Unit.code).where(Unit.id == row.unit_id)).scalar_one()
    jcode = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
    ).scalar_one()
    team = session.execute(
        select(User.username, InspectionInspector.certificate_no)
        .join(User, User.id == InspectionInspector.user_id)
        .where(InspectionInspector.inspection_id == row.id)
        .order_by(User.username)
    ).all()
    hazard_codes = session.execute(
        select(Hazard.code).where(Hazard.inspection_id == row.id).order_by(Hazard.id)
    ).scalars()
    results = session.execute(
        select(InspectionResult, Hazard.code)
        .outerjoin(Hazard, Hazard.id == InspectionResult.hazard_id)
        .where(InspectionResult.inspection_id == row.id)
        .order_by(InspectionResult.id)
    ).all()
    return {
        "id": row.id,
        "code": row.code,
        "kind": row.kind,
        "unit_code": unit_code,
        "jurisdiction_code": jcode,
        "inspected_at": row.inspected_at,
        "notes": row.notes,
        "draw_code": row.draw_code,
        "inspectors": [{"username": u, "certificate_no": c} for u, c in team],
        "hazard_codes": list(hazard_codes),
        "checklist": [
            {
                "checklist": r.checklist,
                "item_code": r.item_code,
                "item_zh": r.item_zh,
                "basis": r.basis,
                "result": r.result,
                "note": r.note,
                "hazard_code": code,
            }
            for r, code in results
        ],
    }


# ---- what the inspector's phone page shows ---------------------------------------------------


def certified_partners(session: Session, scope: Scope, user_id: int, on: date) -> list[User]:
    """Active users in ``scope`` holding a certificate valid on ``on`` (excluding ``user_id``)."""
    users = session.execute(
        select(User)
        .where(scope.within(User.jurisdiction_id), User.is_active.is_(True))
        .order_by(User.username)
    ).scalars()
    return [
        u for u in users if u.id != user_id and valid_certificate(session, u.id, on) is not None
    ]


def draw_tasks(session: Session, scope: Scope, username: str) -> list[dict[str, Any]]:
    """Units drawn (双随机) for ``username`` that have no inspection from that draw yet."""
    tasks = []
    draws = session.execute(
        select(Draw)
        .where(Draw.drawn_at.is_not(None), scope.within(Draw.jurisdiction_id))
        .order_by(Draw.drawn_at.desc())
        .limit(20)
    ).scalars()
    for d in draws:
        mine = [a for a in d.record.get("result") or [] if username in a["inspectors"]]
        if not mine:
            continue
        done = set(
            session.execute(
                select(Unit.code)
                .join(InspectionRow, InspectionRow.unit_id == Unit.id)
                .where(InspectionRow.draw_code == d.code)
            ).scalars()
        )
        codes = [a["unit"] for a in mine if a["unit"] not in done]
        units = {
            u.code: u for u in session.execute(select(Unit).where(Unit.code.in_(codes))).scalars()
        }
        for a in mine:
            if a["unit"] in units:
                partners = [i for i in a["inspectors"] if i != username]
                tasks.append({"draw": d.code, "unit": units[a["unit"]], "partners": partners})
    return tasks


def inspected_by_since(session: Session, user_id: int, start: datetime) -> list[InspectionRow]:
    """The inspections ``user_id`` took part in since ``start``, latest first."""
    return list(
        session.execute(
            select(InspectionRow)
            .join(InspectionInspector, InspectionInspector.inspection_id == InspectionRow.id)
            .where(InspectionInspector.user_id == user_id, InspectionRow.inspected_at >= start)
            .order_by(InspectionRow.inspected_at.desc())
        ).scalars()
    )
