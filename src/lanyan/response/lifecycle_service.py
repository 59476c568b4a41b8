"""Incident lifecycle service: edit, further calls (多次报警), merge, cancel, alarm level.

Each function takes the caller's session (the caller owns the transaction), holds the audit
writers' lock, locks the incident, builds a :class:`~.lifecycle.Case`, calls one rule method and
stores the new state with the events it recorded: each event is one timeline entry and one audit
row, written in the same transaction, so nothing is half-written when a rule refuses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import metres_between
from lanyan.core.timeutil import utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.registry.models import Building
from lanyan.registry.scope import Scope, row_path
from lanyan.response.choices import (
    BuildingClass,
    CallKind,
    IncidentStatus,
    IncidentType,
    TimelineStep,
)
from lanyan.response.incidents import (
    BUILDING_POINT_M,
    SLUG,
    building_class_of,
    exchange_view,
    get_incident,
    in_scope,
    snapshot,
)
from lanyan.response.lifecycle import Case, IncidentEvent
from lanyan.response.models import Dispatch, Incident, IncidentCall
from lanyan.response.models import IncidentEvent as EventRow
from lanyan.response.schemas import (
    CallCreate,
    CancelRequest,
    IncidentEdit,
    LevelChange,
    MergeRequest,
)
from lanyan.store import audit
from lanyan.store.audit import Actor

ENDED = frozenset({IncidentStatus.CANCELLED, IncidentStatus.MERGED})


def case_of(session: Session, row: Incident) -> Case:
    """The rules' view of an incident row."""
    dispatched = session.execute(
        select(exists().where(Dispatch.incident_id == row.id))
    ).scalar_one()
    return Case(
        row.code, IncidentStatus(row.status), row.alarm_level, row.received_at, bool(dispatched)
    )


def _store(
    session: Session, actor: Actor, row: Incident, case: Case, before: dict[str, Any]
) -> None:
    """Write the case's state and its events (timeline entries and audit rows)."""
    ended = row.status != case.status.value and case.status in ENDED
    row.status = case.status.value
    row.alarm_level = case.level
    if case.received_at != row.received_at:
        row.received_at = case.received_at
        # 接警 is the earliest report: its timeline step moves with it.
        session.execute(
            update(EventRow)
            .where(EventRow.incident_id == row.id, EventRow.step == TimelineStep.RECEIVED.value)
            .values(at=case.received_at)
        )
    for event in case.events:
        _write_event(session, actor, row, event)
    session.flush()
    if ended:  # webhook subscribers that heard it open hear it end (status: cancelled, merged)
        at = case.events[-1].at
        exchange.emit(
            session, EventType.INCIDENT_CLOSED, {**exchange_view(row), "closed_at": at}, at
        )
    audit.record(
        session,
        actor,
        case.events[-1].step.value if case.events else "edit",
        SLUG,
        row.id,
        before,
        snapshot(row),
        scope_path=row_path(session, row),
    )
    case.events.clear()


def _write_event(session: Session, actor: Actor, row: Incident, event: IncidentEvent) -> None:
    session.add(
        EventRow(
            incident_id=row.id,
            step=event.step.value,
            at=event.at,
            note=event.note()[:255],
            recorded_by=actor.username,
        )
    )


def _building(session: Session, scope: Scope, code: str) -> Building:
    row = session.execute(select(Building).where(Building.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"building {code} does not exist or is outside your jurisdiction",
            [FieldProblem("building_code", f"no building in your jurisdiction has code {code}")],
        )
    return row


def edit(
    session: Session, actor: Actor, scope: Scope, incident_id: int, payload: IncidentEdit
) -> Incident:
    """修改: change the place, type, building, floor or building class of an open incident."""
    problems = payload.problems()
    if problems:
        raise ValidationFailed("the edit is not valid", problems)
    audit.begin_write(session)
    row = get_incident(session, scope, incident_id, lock=True)
    case = case_of(session, row)
    given = payload.model_fields_set
    after: dict[str, Any] = {}
    if "incident_type" in given and payload.incident_type is not None:
        after["incident_type"] = IncidentType(payload.incident_type).value
    if "address" in given and payload.address is not None:
        after["address"] = payload.address.strip()
    if "floor" in given:
        after["floor"] = payload.floor
    if "building_class" in given:
        after["building_class"] = (payload.building_class or BuildingClass.OTHER).value
    if "lon" in given:
        after["lon"], after["lat"] = payload.lon, payload.lat
    if "building_code" in given:
        if payload.building_code:
            building = _building(session, scope, payload.building_code)
            after["building_id"] = building.id
            if building.unit_id is not None:
                after["unit_id"] = building.unit_id
            if "building_class" not in given:
                after["building_class"] = building_class_of(building).value
            if "lon" not in given:
                after["lon"], after["lat"] = building.lon, building.lat
            elif payload.lon is not None and payload.lat is not None:
                apart = metres_between(payload.lon, payload.lat, building.lon, building.lat)
                if apart > BUILDING_POINT_M:
                    raise ValidationFailed(
                        f"building {building.code} ({building.name}) is {apart:.0f} m from the "
                        "point",
                        [
                            FieldProblem(
                                "building_code",
                                f"building {building.code} lies {apart:.0f} m from the point "
                                f"(lon, lat); at most {BUILDING_POINT_M:.0f} m",
                            )
                        ],
                    )
            if "address" not in given and not row.address:
                after["address"] = building.address
        else:
            after["building_id"] = None
    changes = {k: (getattr(row, k), v) for k, v in after.items()}
    event = case.edit(changes, actor.username, utcnow(), payload.note)
    before = snapshot(row)
    for name, _old, new in event.changes:
        setattr(row, name, new)
    _store(session, actor, row, case, before)
    return row


def add_call(
    session: Session, actor: Actor, scope: Scope, incident_id: int, payload: CallCreate
) -> Incident:
    """多次报警: record a further call about an open incident."""
    audit.begin_write(session)
    row = get_incident(session, scope, incident_id, lock=True)
    case = case_of(session, row)
    at = payload.at or utcnow()
    case.add_call(CallKind.CALL, at, payload.caller_phone, actor.username, utcnow())
    before = snapshot(row)
    session.add(
        IncidentCall(
            incident_id=row.id,
            kind=CallKind.CALL.value,
            at=at,
            caller_name=payload.caller_name,
            caller_phone=payload.caller_phone,
            note=payload.note,
            recorded_by=actor.username,
        )
    )
    _store(session, actor, row, case, before)
    return row


def attach_alarm(
    session: Session, actor: Actor, row: Incident, alarm_id: int, raised_at: datetime, where: str
) -> None:
    """多次报警 from an IoT fire alarm at the place of an open incident (the caller holds the
    audit lock and has checked the alarm)."""
    case = case_of(session, row)
    case.add_call(CallKind.ALARM, raised_at, f"alarm #{alarm_id} {where}".strip(), actor.username,
                  utcnow())  # fmt: skip
    before = snapshot(row)
    session.add(
        IncidentCall(
            incident_id=row.id,
            kind=CallKind.ALARM.value,
            at=raised_at,
            alarm_id=alarm_id,
            note=where[:255],
            recorded_by=actor.username,
        )
    )
    _store(session, actor, row, case, before)


def open_incident_at(
    session: Session, building_id: int | None, unit_id: int | None
) -> Incident | None:
    """The open incident (处置中) at this building, else at this unit when no building is known:
    where a second alarm attaches instead of opening another incident. Oldest first."""
    if building_id is not None:
        where = Incident.building_id == building_id
    elif unit_id is not None:
        where = Incident.unit_id == unit_id
    else:
        return None
    return (
        session.execute(
            select(Incident)
            .where(where, Incident.status == IncidentStatus.ACTIVE.value)
            .order_by(Incident.received_at, Incident.id)
            .limit(1)
            .with_for_update()
        )
        .scalars()
        .first()
    )


def merge(
    session: Session, actor: Actor, scope: Scope, incident_id: int, payload: MergeRequest
) -> Incident:
    """合并: fold a duplicate into the incident ``payload.into``; its calls and alarms move there.
    Returns the incident kept."""
    audit.begin_write(session)
    row = get_incident(session, scope, incident_id, lock=True)
    target = session.execute(
        select(Incident).where(Incident.code == payload.into, in_scope(scope)).with_for_update()
    ).scalar_one_or_none()
    if target is None:
        raise ValidationFailed(
            f"incident {payload.into} does not exist or is outside your jurisdiction",
            [FieldProblem("into", f"no incident in your jurisdiction has code {payload.into}")],
        )
    case, into = case_of(session, row), case_of(session, target)
    now = utcnow()
    case.merge_into(into, payload.reason, actor.username, now)
    before, target_before = snapshot(row), snapshot(target)
    session.execute(
        update(IncidentCall).where(IncidentCall.incident_id == row.id).values(incident_id=target.id)
    )
    row.merged_into_id = target.id
    _store(session, actor, row, case, before)
    _store(session, actor, target, into, target_before)
    return target


def cancel(
    session: Session, actor: Actor, scope: Scope, incident_id: int, payload: CancelRequest
) -> Incident:
    """撤销: end an incident that had no dispatch (误报, 重复, 已处置)."""
    audit.begin_write(session)
    row = get_incident(session, scope, incident_id, lock=True)
    case = case_of(session, row)
    case.cancel(payload.reason, payload.note, actor.username, utcnow())
    before = snapshot(row)
    row.cancel_reason = payload.reason.value
    row.cancel_note = payload.note.strip()
    _store(session, actor, row, case, before)
    return row


def set_level(
    session: Session, actor: Actor, scope: Scope, incident_id: int, payload: LevelChange
) -> Incident:
    """调整等级: a new alarm level; the recommendation then follows the new run card."""
    audit.begin_write(session)
    row = get_incident(session, scope, incident_id, lock=True)
    case = case_of(session, row)
    case.set_level(payload.level, actor.username, utcnow())
    before = snapshot(row)
    _store(session, actor, row, case, before)
    return row
