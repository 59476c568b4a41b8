"""Incident service (警情): record a 119 call, read and list incidents, add timeline steps.

Functions take the caller's session (the caller owns the transaction), the acting user's
``Actor`` and ``Scope``; every write is audited in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, select, update
from sqlalchemy.orm import Session

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import metres_between
from lanyan.core.timeutil import to_local, utcnow
from lanyan.exchange import public as exchange
from lanyan.exchange.choices import EventType
from lanyan.registry.models import Building, Jurisdiction, Station, Unit, Vehicle
from lanyan.registry.scope import Scope, row_path
from lanyan.response.choices import (
    BuildingClass,
    CallKind,
    IncidentStatus,
    TimelineStep,
)
from lanyan.response.lifecycle import Case
from lanyan.response.models import Dispatch, Incident, IncidentCall, IncidentEvent
from lanyan.response.schemas import IncidentCreate, StepCreate
from lanyan.response.timeline import NOTES, check_step
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "incidents"


def in_scope(scope: Scope) -> ColumnElement[bool]:
    """WHERE clause keeping incidents inside ``scope``."""
    return scope.within(Incident.jurisdiction_id)


def building_class_of(building: Building | None) -> BuildingClass:
    """The run-card building class a registry building falls in (其他 when unknown)."""
    if building is None:
        return BuildingClass.OTHER
    if building.is_high_rise:
        return BuildingClass.HIGH_RISE
    if building.floors_below and building.floors_above <= 1:
        return BuildingClass.UNDERGROUND
    if building.use in ("industrial", "warehouse"):
        return BuildingClass.FACTORY_WAREHOUSE
    if building.use == "residential":
        return BuildingClass.RESIDENTIAL
    return BuildingClass.OTHER


def snapshot(row: Incident) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in Incident.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


# A picked point farther than this from the building named on the call is refused.
BUILDING_POINT_M = 200.0


def _by_code(session: Session, model: Any, code: str, field: str) -> Any:
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None:
        raise ValidationFailed(
            f"{field} {code} does not exist",
            [FieldProblem(field, f"no {model.__tablename__} row has code {code}")],
        )
    return row


def create_incident(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: IncidentCreate,
    alarm_id: int | None = None,
) -> Incident:
    """Record a 119 call: the incident with its 接警 step, audited. ``alarm_id`` links the
    confirmed IoT fire alarm that opened it (see :mod:`lanyan.response.from_alarms`)."""
    problems = payload.where_problems()
    if problems:
        raise ValidationFailed("the call does not say where", problems)
    audit.begin_write(session)
    building = (
        _by_code(session, Building, payload.building_code, "building_code")
        if payload.building_code
        else None
    )
    unit = _by_code(session, Unit, payload.unit_code, "unit_code") if payload.unit_code else None
    if unit is None and building is not None and building.unit_id is not None:
        unit = session.get(Unit, building.unit_id)
    if payload.jurisdiction_code:
        jurisdiction_id = _by_code(
            session, Jurisdiction, payload.jurisdiction_code, "jurisdiction_code"
        ).id
        field = "jurisdiction_code"
    elif building is not None:
        jurisdiction_id = building.jurisdiction_id
        field = "building_code"
    elif unit is not None:
        jurisdiction_id = unit.jurisdiction_id
        field = "unit_code"
    else:
        raise ValidationFailed(
            "the incident needs a jurisdiction",
            [FieldProblem("jurisdiction_code", "must be given when no building or unit is linked")],
        )
    if not scope.contains(session, jurisdiction_id):
        raise ValidationFailed(
            "the incident is outside your jurisdiction",
            [FieldProblem(field, "is outside your jurisdiction")],
        )
    lon, lat = payload.lon, payload.lat
    if building is not None and lon is not None and lat is not None:
        apart = metres_between(lon, lat, building.lon, building.lat)
        if apart > BUILDING_POINT_M:
            # a stale map pick must not move the fire away from the building the caller named
            raise ValidationFailed(
                f"building {building.code} ({building.name}) is {apart:.0f} m from the picked "
                f"point {lon:.6f},{lat:.6f}",
                [
                    FieldProblem(
                        "building_code",
                        f"building {building.code} {building.name} lies {apart:.0f} m from the "
                        f"point (lon, lat); at most {BUILDING_POINT_M:.0f} m",
                    ),
                    FieldProblem(
                        "lon", f"the picked point {lon:.6f},{lat:.6f} is not at the building"
                    ),
                ],
            )
    if lon is None and building is not None:
        lon, lat = building.lon, building.lat  # the call named the building: use its point
    received_at = payload.received_at or utcnow()
    row = Incident(
        code=f"tmp-{uuid.uuid4().hex[:20]}",
        received_at=received_at,
        incident_type=payload.incident_type.value,
        source=payload.source.value,
        status=IncidentStatus.ACTIVE.value,
        alarm_level=payload.alarm_level,
        building_class=(payload.building_class or building_class_of(building)).value,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        address=payload.address or (building.address if building else ""),
        lon=lon,
        lat=lat,
        summary=payload.summary,
        unit_id=unit.id if unit else None,
        building_id=building.id if building else None,
        jurisdiction_id=jurisdiction_id,
        alarm_id=alarm_id,
    )
    session.add(row)
    session.flush()
    # 警情编号: JQ + local date + the row id, unique because the id is.
    local = to_local(received_at)
    row.code = f"JQ{local:%Y%m%d}{row.id:06d}" if local else f"JQ{row.id:06d}"
    session.add(
        IncidentEvent(
            incident_id=row.id,
            step=TimelineStep.RECEIVED.value,
            at=received_at,
            note="",
            recorded_by=actor.username,
        )
    )
    session.add(
        IncidentCall(
            incident_id=row.id,
            kind=(CallKind.CALL if alarm_id is None else CallKind.ALARM).value,
            at=received_at,
            caller_name=payload.caller_name,
            caller_phone=payload.caller_phone,
            alarm_id=alarm_id,
            note="",
            recorded_by=actor.username,
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
        snapshot(row),
        scope_path=row_path(session, row),
    )
    exchange.emit(session, EventType.INCIDENT_OPENED, exchange_view(row), received_at)
    return row


def exchange_view(row: Incident) -> dict[str, Any]:
    """What other departments' webhooks hear of an incident: no caller's name or phone."""
    return {
        "code": row.code,
        "incident_type": row.incident_type,
        "status": row.status,
        "received_at": row.received_at,
        "alarm_level": row.alarm_level,
        "address": row.address,
        "lon": row.lon,
        "lat": row.lat,
        "jurisdiction_id": row.jurisdiction_id,
        "alarm_id": row.alarm_id,
    }


def incident_for_alarm(session: Session, alarm_id: int) -> Incident | None:
    """The incident a confirmed IoT fire alarm reported (opened it, or attached to it as
    多次报警, or was merged into), if any: the alarm side of the link."""
    return session.execute(
        select(Incident)
        .join(IncidentCall, IncidentCall.incident_id == Incident.id)
        .where(IncidentCall.alarm_id == alarm_id)
    ).scalar_one_or_none()


def incidents_for_alarms(session: Session, alarm_ids: list[int]) -> dict[int, tuple[int, str]]:
    """``alarm id → (incident id, 警情编号)`` for the alarms that reported one (alarm lists)."""
    if not alarm_ids:
        return {}
    rows = session.execute(
        select(IncidentCall.alarm_id, Incident.id, Incident.code)
        .join(Incident, Incident.id == IncidentCall.incident_id)
        .where(IncidentCall.alarm_id.in_(alarm_ids))
    ).all()
    return {a: (i, c) for a, i, c in rows if a is not None}  # IN(...) matches no NULL


def calls_of(session: Session, incident_id: int) -> list[IncidentCall]:
    """Every report of an incident (多次报警), earliest first."""
    return list(
        session.execute(
            select(IncidentCall)
            .where(IncidentCall.incident_id == incident_id)
            .order_by(IncidentCall.at, IncidentCall.id)
        )
        .scalars()
        .all()
    )


def get_incident(session: Session, scope: Scope, incident_id: int, lock: bool = False) -> Incident:
    stmt = select(Incident).where(Incident.id == incident_id, in_scope(scope))
    return one_or_not_found(
        session,
        stmt,
        f"incident {incident_id} does not exist or is outside your jurisdiction",
        lock,
    )


def list_incidents(
    session: Session,
    scope: Scope,
    status: IncidentStatus | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Incident], int]:
    """Incidents inside ``scope``: active ones still without a point (待定位, taken by the API
    from an address alone) first, then newest call first."""
    where = [in_scope(scope)]
    if status is not None:
        where.append(Incident.status == status.value)
    unlocated = case(
        (and_(Incident.lon.is_(None), Incident.status == IncidentStatus.ACTIVE.value), 0), else_=1
    )
    return paginate(
        session,
        select(Incident)
        .where(*where)
        .order_by(unlocated, Incident.received_at.desc(), Incident.id.desc()),
        page,
        size,
    )


def history(session: Session, incident_id: int) -> list[IncidentEvent]:
    return list(
        session.execute(
            select(IncidentEvent)
            .where(IncidentEvent.incident_id == incident_id)
            .order_by(IncidentEvent.at, IncidentEvent.id)
        )
        .scalars()
        .all()
    )


def append_step(
    session: Session,
    actor: Actor,
    incident: Incident,
    step: TimelineStep,
    at: datetime,
    note: str,
) -> IncidentEvent:
    """Check the timeline rule and write one step (the caller holds the audit lock)."""
    past = [(TimelineStep(e.step), e.at) for e in history(session, incident.id)]
    check_step(past, step, at)
    event = IncidentEvent(
        incident_id=incident.id, step=step.value, at=at, note=note, recorded_by=actor.username
    )
    session.add(event)
    if step is TimelineStep.RETURNED:
        _release_vehicles(session, actor, incident, at)
        incident.status = IncidentStatus.CLOSED.value
        exchange.emit(
            session, EventType.INCIDENT_CLOSED, {**exchange_view(incident), "closed_at": at}, at
        )
    session.flush()
    audit.record(
        session,
        actor,
        "timeline",
        SLUG,
        incident.id,
        None,
        {"step": step.value, "at": at, "note": note},
        scope_path=row_path(session, incident),
    )
    return event


def rules_view(row: Incident) -> Case:
    """The lifecycle rules' view of a row, for a check that needs no dispatch facts."""
    return Case(row.code, IncidentStatus(row.status), row.alarm_level, row.received_at)


def record_step(
    session: Session,
    actor: Actor,
    scope: Scope,
    incident_id: int,
    payload: StepCreate,
) -> IncidentEvent:
    """Add a timeline step to an incident inside ``scope``."""
    if payload.step in NOTES:
        raise ValidationFailed(
            f"{payload.step.zh} is written by its workflow (增援, 修改, 合并 …), not by hand",
            [FieldProblem("step", "must be a step (到场, 出水 …), not a workflow entry")],
        )
    audit.begin_write(session)
    incident = get_incident(session, scope, incident_id, lock=True)
    rules_view(incident).check_step()
    return append_step(session, actor, incident, payload.step, payload.at or utcnow(), payload.note)


def _release_vehicles(session: Session, actor: Actor, incident: Incident, at: datetime) -> None:
    """归队: every vehicle still on this incident is available again."""
    active = (
        session.execute(
            select(Dispatch).where(
                Dispatch.incident_id == incident.id, Dispatch.released_at.is_(None)
            )
        )
        .scalars()
        .all()
    )
    for d in active:
        d.released_at = at
        session.execute(
            update(Vehicle)
            .where(Vehicle.id == d.vehicle_id, Vehicle.status == "dispatched")
            .values(status="available")
        )
        audit.record(
            session,
            actor,
            "release",
            "vehicles",
            d.vehicle_id,
            {"status": "dispatched"},
            {"status": "available", "incident": incident.code},
            scope_path=row_path(session, session.get(Vehicle, d.vehicle_id)),
        )


def public(session: Session, row: Incident) -> dict[str, Any]:
    """The incident as its API shape, with timeline and dispatches."""
    codes = {}
    for model, rid in ((Unit, row.unit_id), (Building, row.building_id)):
        codes[model] = (
            session.execute(select(model.code).where(model.id == rid)).scalar_one()
            if rid is not None
            else None
        )
    jcode = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == row.jurisdiction_id)
    ).scalar_one()
    dispatches = session.execute(
        select(Dispatch, Vehicle.code, Station.code)
        .join(Vehicle, Vehicle.id == Dispatch.vehicle_id)
        .join(Station, Station.id == Dispatch.station_id)
        .where(Dispatch.incident_id == row.id)
        .order_by(Dispatch.dispatched_at, Dispatch.id)
    ).all()
    merged_into = (
        session.execute(select(Incident.code).where(Incident.id == row.merged_into_id)).scalar()
        if row.merged_into_id is not None
        else None
    )
    return {
        **{c.key: getattr(row, c.key) for c in Incident.__table__.columns},
        "building_class": row.building_class or BuildingClass.OTHER.value,
        "located": row.lon is not None,
        "merged_into_code": merged_into,
        "calls": [
            {
                "kind": c.kind,
                "at": c.at,
                "caller_name": c.caller_name,
                "caller_phone": c.caller_phone,
                "alarm_id": c.alarm_id,
                "note": c.note,
                "recorded_by": c.recorded_by,
            }
            for c in calls_of(session, row.id)
        ],
        "unit_code": codes[Unit],
        "building_code": codes[Building],
        "jurisdiction_code": jcode,
        "timeline": [
            {
                "step": e.step,
                "zh": TimelineStep(e.step).zh,
                "at": e.at,
                "note": e.note,
                "recorded_by": e.recorded_by,
            }
            for e in history(session, row.id)
        ],
        "dispatches": [
            {
                "vehicle_code": vcode,
                "station_code": scode,
                "capability": d.capability,
                "eta_s": d.eta_s,
                "is_reinforcement": d.is_reinforcement,
                "dispatched_at": d.dispatched_at,
                "released_at": d.released_at,
            }
            for d, vcode, scode in dispatches
        ],
    }
