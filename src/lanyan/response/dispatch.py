"""Dispatch (调派): commit vehicles to an incident, so no vehicle is ever sent twice.

The claim on each vehicle is one conditional update, ``UPDATE vehicles SET status='dispatched'
WHERE id=? AND status='available'``; a row count of 0 means another dispatcher (or a status
change) took it first, and the whole commit rolls back with a Conflict naming the vehicle. A
partial unique index on unreleased dispatches backs the rule up inside the database.

A vehicle outside the dispatcher's jurisdiction is committed only under an approved
reinforcement request (跨区增援请求) of the same incident that names it (see
:mod:`.reinforcement_service`); the request is locked with the incident and marked dispatched in
the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.choices import VehicleStatus
from lanyan.registry.models import Jurisdiction, Station, Vehicle
from lanyan.registry.scope import Scope, row_path
from lanyan.response import reinforcement_service
from lanyan.response.choices import TimelineStep
from lanyan.response.incidents import append_step, get_incident, rules_view
from lanyan.response.models import Dispatch, Incident
from lanyan.response.schemas import DispatchChoice, DispatchCommit
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import rowcount


def home_path(session: Session, jurisdiction_id: int) -> str:
    """Materialised path of the county (县/区) an area belongs to: the incident's own forces
    are the ones inside it; anything outside is 跨区增援 (cross-jurisdiction reinforcement)."""
    path = session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)
    ).scalar_one()
    ids = [int(p) for p in path.strip("/").split("/") if p]
    levels = dict(
        session.execute(
            select(Jurisdiction.id, Jurisdiction.level).where(Jurisdiction.id.in_(ids))
        ).all()
    )
    for depth, jid in enumerate(ids):
        if levels.get(jid) == "county":
            return "/" + "/".join(str(i) for i in ids[: depth + 1]) + "/"
    return path


def commit(
    session: Session,
    actor: Actor,
    scope: Scope,
    incident_id: int,
    payload: DispatchCommit,
) -> list[Dispatch]:
    """Commit the chosen vehicles to the incident and write 出动 to its timeline."""
    audit.begin_write(session)
    incident = get_incident(session, scope, incident_id, lock=True)
    rules_view(incident).check_dispatch()  # 调派 and 增派: at any time while 处置中
    codes = [c.vehicle_code for c in payload.vehicles]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValidationFailed(
            "a vehicle is listed twice",
            [FieldProblem("vehicles", f"{c} must be listed once") for c in repeated],
        )
    found = reinforcement_service.vehicles_by_code(session, codes)
    outside = [
        found[c][0] for c in codes if not (scope.unrestricted or found[c][1].startswith(scope.path))
    ]
    cover = reinforcement_service.approved_cover(session, incident.id, [v.id for v in outside])
    uncovered = [v.code for v in outside if v.id not in cover]
    if uncovered:
        raise reinforcement_service.OutsideScope(
            f"vehicle {', '.join(uncovered)} is outside your jurisdiction: request reinforcement",
            [FieldProblem("vehicles", reinforcement_service.outside_rule(c)) for c in uncovered],
        )
    at = payload.at or utcnow()
    home = home_path(session, incident.jurisdiction_id)
    out = []
    for choice in payload.vehicles:
        vehicle, path = found[choice.vehicle_code]
        out.append(_claim(session, actor, incident, vehicle, path, home, choice, at))
    append_step(
        session,
        actor,
        incident,
        TimelineStep.DISPATCHED,
        at,
        " ".join(filter(None, [payload.note, "、".join(codes)])),
    )
    sent: dict[int, list[Vehicle]] = {}
    for vehicle in outside:
        sent.setdefault(cover[vehicle.id].id, []).append(vehicle)
    reinforcement_service.record_dispatch(
        session, actor, incident, sent, {r.id: r for r in cover.values()}, at
    )
    return out


def _claim(
    session: Session,
    actor: Actor,
    incident: Incident,
    vehicle: Vehicle,
    path: str,
    home: str,
    choice: DispatchChoice,
    at: datetime,
) -> Dispatch:
    claimed = session.execute(
        update(Vehicle)
        .where(Vehicle.id == vehicle.id, Vehicle.status == VehicleStatus.AVAILABLE.value)
        .values(status=VehicleStatus.DISPATCHED.value)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        session.refresh(vehicle)
        status = VehicleStatus(vehicle.status)
        raise Conflict(
            f"vehicle {vehicle.code} is not available ({status.zh} {status.en}); "
            "another dispatcher may have committed it",
            [FieldProblem("vehicles", f"{vehicle.code} must be available")],
        )
    station = session.get(Station, vehicle.station_id)
    if station is None:  # the foreign key makes this impossible; say so rather than crash
        raise ValidationFailed(
            f"vehicle {vehicle.code} has no station",
            [FieldProblem("vehicles", f"{vehicle.code} must belong to a station")],
        )
    row = Dispatch(
        incident_id=incident.id,
        vehicle_id=vehicle.id,
        station_id=station.id,
        capability=choice.capability,
        eta_s=choice.eta_s,
        is_reinforcement=not path.startswith(home),
        dispatched_at=at,
        dispatched_by=actor.username,
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"vehicle {vehicle.code} is already on another incident",
            [FieldProblem("vehicles", f"{vehicle.code} must not be on an active dispatch")],
        ) from None
    audit.record(
        session,
        actor,
        "dispatch",
        "vehicles",
        vehicle.id,
        {"status": VehicleStatus.AVAILABLE.value},
        {"status": VehicleStatus.DISPATCHED.value, "incident": incident.code},
        scope_path=row_path(session, vehicle),
    )
    return row
