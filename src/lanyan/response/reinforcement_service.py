"""Reinforcement service (跨区增援请求): load the domain request, apply one action, store state,
history, audit and the requesting incident's timeline in the caller's transaction.

Who may do what (besides ``require("incidents", "write")`` on the routes):

* request and cancel: a user whose jurisdiction holds the incident, for vehicles outside it;
* approve and refuse: a user whose jurisdiction holds every requested vehicle;
* dispatch of a vehicle outside the dispatcher's jurisdiction (see :mod:`.dispatch`): only when
  an approved request of the same incident names it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, LanyanError, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.registry.choices import VehicleStatus
from lanyan.registry.models import Jurisdiction, Station, Vehicle
from lanyan.registry.scope import Scope, row_path
from lanyan.response import incidents, reinforcements
from lanyan.response.choices import (
    IncidentStatus,
    IncidentType,
    ReinforcementAction,
    ReinforcementState,
    TimelineStep,
)
from lanyan.response.models import (
    Dispatch,
    Incident,
    Reinforcement,
    ReinforcementEventRow,
    ReinforcementVehicle,
)
from lanyan.response.schemas import ReinforcementAnswer, ReinforcementCreate
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

SLUG = "reinforcements"  # the audit's object type; permissions are those of incidents


class OutsideScope(LanyanError):
    """A vehicle outside the user's jurisdiction, committed or answered without the right."""

    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        super().__init__(message, problems, 403, "Forbidden")


def _contains(scope: Scope, path: str) -> bool:
    return scope.unrestricted or path.startswith(scope.path)


def outside_rule(code: str) -> str:
    return (
        f"vehicle {code} is outside your jurisdiction: request reinforcement (跨区增援请求) "
        "and have it approved by its jurisdiction"
    )


def county_of(session: Session, path: str) -> Jurisdiction:
    """The county (县/区) on a materialised path, or its deepest jurisdiction if none is one."""
    ids = [int(p) for p in path.strip("/").split("/") if p]
    rows = {
        j.id: j
        for j in session.execute(select(Jurisdiction).where(Jurisdiction.id.in_(ids))).scalars()
    }
    for jid in ids:
        if rows[jid].level == "county":
            return rows[jid]
    return rows[ids[-1]]


def vehicles_by_code(session: Session, codes: Sequence[str]) -> dict[str, tuple[Vehicle, str]]:
    """``code → (vehicle, its jurisdiction's path)``; ValidationFailed naming unknown codes."""
    found = {
        v.code: (v, path)
        for v, path in session.execute(
            select(Vehicle, Jurisdiction.path)
            .join(Jurisdiction, Jurisdiction.id == Vehicle.jurisdiction_id)
            .where(Vehicle.code.in_(codes))
        ).all()
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed(
            "unknown vehicle",
            [FieldProblem("vehicles", f"no vehicle has code {c}") for c in missing],
        )
    return found


def busy_reasons(session: Session, vehicle_ids: Sequence[int]) -> dict[int, str]:
    """Why each unavailable vehicle cannot go now: the incident (and its county) it is on, or
    its status. Available vehicles are left out."""
    rows = session.execute(
        select(Vehicle.id, Vehicle.code, Vehicle.status).where(Vehicle.id.in_(vehicle_ids))
    ).all()
    on = {
        vid: (code, path)
        for vid, code, path in session.execute(
            select(Dispatch.vehicle_id, Incident.code, Jurisdiction.path)
            .join(Incident, Incident.id == Dispatch.incident_id)
            .join(Jurisdiction, Jurisdiction.id == Incident.jurisdiction_id)
            .where(Dispatch.vehicle_id.in_(vehicle_ids), Dispatch.released_at.is_(None))
        ).all()
    }
    out = {}
    for vid, _code, status in rows:
        if vid in on:
            code, path = on[vid]
            out[vid] = f"on incident {code} of {county_of(session, path).name}"
        elif status != VehicleStatus.AVAILABLE.value:
            st = VehicleStatus(status)
            out[vid] = f"not available ({st.zh} {st.en})"
    return out


# ---- rows ⇄ domain -------------------------------------------------------------------------


def _items(session: Session, row: Reinforcement) -> list[tuple[ReinforcementVehicle, Vehicle]]:
    return list(
        session.execute(
            select(ReinforcementVehicle, Vehicle)
            .join(Vehicle, Vehicle.id == ReinforcementVehicle.vehicle_id)
            .where(ReinforcementVehicle.reinforcement_id == row.id)
            .order_by(ReinforcementVehicle.id)
        ).all()
    )


def to_domain(session: Session, row: Reinforcement) -> reinforcements.Reinforcement:
    items = _items(session, row)
    return reinforcements.Reinforcement(
        code=row.code,
        vehicles=tuple(v.code for _, v in items),
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        state=ReinforcementState(row.state),
        dispatched=frozenset(v.code for i, v in items if i.dispatched_at is not None),
        decided_by=row.decided_by,
        reason=row.reason,
        last_at=row.last_at,
    )


def _snapshot(row: Reinforcement) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in Reinforcement.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in detail.items()}


def _timeline_note(
    event: reinforcements.ReinforcementEvent, target: str
) -> tuple[TimelineStep | None, str]:
    """The requesting incident's timeline entry for an event (None: 出动 says it already)."""
    d = event.detail()
    if isinstance(event, reinforcements.ReinforcementRequested):
        text = f"{event.request} → {target}: {'、'.join(d['vehicles'])}"
        if d["note"]:
            text += f" ({d['note']})"
        return TimelineStep.REINFORCEMENT_REQUESTED, text
    if isinstance(event, reinforcements.ReinforcementApproved):
        return TimelineStep.REINFORCEMENT_APPROVED, f"{event.request} {target} {d['note']}".strip()
    if isinstance(event, reinforcements.ReinforcementRefused):
        return TimelineStep.REINFORCEMENT_REFUSED, f"{event.request} {target}: {d['reason']}"
    if isinstance(event, reinforcements.ReinforcementCancelled):
        return TimelineStep.REINFORCEMENT_CANCELLED, f"{event.request} {d['reason']}".strip()
    return None, ""


def save(
    session: Session,
    actor: Actor,
    row: Reinforcement,
    domain: reinforcements.Reinforcement,
    incident: Incident,
) -> None:
    """Copy the domain state onto the row; write each event: history, audit, timeline note."""
    before = None if domain.events and domain.events[0].from_state is None else _snapshot(row)
    row.state = domain.state.value
    row.decided_by = domain.decided_by
    row.reason = domain.reason[:255]
    row.last_at = domain.last_at or row.last_at
    for event in domain.events:
        if isinstance(
            event, (reinforcements.ReinforcementApproved, reinforcements.ReinforcementRefused)
        ):
            row.decided_at = event.at
    session.add(row)
    session.flush()
    target = session.get(Jurisdiction, row.target_jurisdiction_id)
    assert target is not None  # a foreign key
    for event in domain.events:
        detail = _jsonable(event.detail())
        session.add(
            ReinforcementEventRow(
                reinforcement_id=row.id,
                event=event.name,
                from_state=event.from_state.value if event.from_state else None,
                to_state=event.to_state.value,
                at=event.at,
                by=event.by,
                detail=detail,
            )
        )
        # The answering side's entries are filed under its own jurisdiction in the audit log.
        answered = event.name in (ReinforcementAction.APPROVE, ReinforcementAction.REFUSE)
        path = target.path if answered else row_path(session, incident)
        after = _snapshot(row) | {"event": event.name, "at": event.at, **detail}
        audit.record(session, actor, event.name, SLUG, row.id, before, after, scope_path=path)
        before = _snapshot(row)
        step, note = _timeline_note(event, target.name)
        if step is not None:
            incidents.append_step(session, Actor(event.by), incident, step, event.at, note[:255])
    domain.events.clear()
    session.flush()


# ---- actions -------------------------------------------------------------------------------


def request(
    session: Session,
    actor: Actor,
    scope: Scope,
    incident_id: int,
    payload: ReinforcementCreate,
) -> list[Reinforcement]:
    """增援请求 for vehicles outside ``scope``: one request per county they belong to."""
    audit.begin_write(session)
    incident = incidents.get_incident(session, scope, incident_id, lock=True)
    if incident.status != IncidentStatus.ACTIVE.value:
        raise Conflict(
            f"incident {incident.code} is closed",
            [FieldProblem("incident", "must be active to request reinforcement")],
        )
    codes = [c.vehicle_code for c in payload.vehicles]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise ValidationFailed(
            "a vehicle is listed twice",
            [FieldProblem("vehicles", f"{c} must be listed once") for c in repeated],
        )
    found = vehicles_by_code(session, codes)
    inside = [c for c in codes if _contains(scope, found[c][1])]
    if inside:
        raise ValidationFailed(
            "these vehicles are inside your jurisdiction: dispatch them directly",
            [
                FieldProblem("vehicles", f"{c} is inside your jurisdiction: no request needed")
                for c in inside
            ],
        )
    open_for = set(
        session.execute(
            select(Vehicle.code)
            .join(ReinforcementVehicle, ReinforcementVehicle.vehicle_id == Vehicle.id)
            .join(Reinforcement, Reinforcement.id == ReinforcementVehicle.reinforcement_id)
            .where(
                Reinforcement.incident_id == incident.id,
                Reinforcement.state.in_(
                    [ReinforcementState.PENDING.value, ReinforcementState.APPROVED.value]
                ),
                ReinforcementVehicle.dispatched_at.is_(None),
                Vehicle.code.in_(codes),
            )
        ).scalars()
    )
    if open_for:
        raise Conflict(
            "a request for these vehicles is already open on this incident",
            [
                FieldProblem("vehicles", f"{c} is already requested for {incident.code}")
                for c in sorted(open_for)
            ],
        )
    by_county: dict[int, list[Any]] = {}
    for choice in payload.vehicles:
        county = county_of(session, found[choice.vehicle_code][1])
        by_county.setdefault(county.id, []).append(choice)
    at = utcnow()
    out = []
    for county_id, choices in by_county.items():
        row = Reinforcement(
            code=f"tmp-{uuid.uuid4().hex[:20]}",
            incident_id=incident.id,
            target_jurisdiction_id=county_id,
            state=ReinforcementState.PENDING.value,
            note=payload.note,
            requested_by=actor.username,
            requested_at=at,
            last_at=at,
            reason="",
        )
        session.add(row)
        session.flush()
        local = to_local(at)
        assert local is not None
        row.code = f"ZY{local:%Y%m%d}{row.id:06d}"  # 增援请求编号, unique because the id is
        domain = reinforcements.Reinforcement.request(
            row.code, [c.vehicle_code for c in choices], at, actor.username, payload.note
        )
        for choice in choices:
            session.add(
                ReinforcementVehicle(
                    reinforcement_id=row.id,
                    vehicle_id=found[choice.vehicle_code][0].id,
                    capability=choice.capability,
                    eta_s=choice.eta_s,
                )
            )
        save(session, actor, row, domain, incident)
        out.append(row)
    return out


def get_request(session: Session, reinforcement_id: int, lock: bool = False) -> Reinforcement:
    stmt = select(Reinforcement).where(Reinforcement.id == reinforcement_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.execute(stmt).scalar_one_or_none()
    if row is None:
        raise NotFound(f"reinforcement request {reinforcement_id} does not exist")
    return row


def may_decide(session: Session, scope: Scope, row: Reinforcement) -> bool:
    """Whether ``scope`` holds every vehicle the request names (so its holder may answer)."""
    paths = session.execute(
        select(Jurisdiction.path)
        .join(Vehicle, Vehicle.jurisdiction_id == Jurisdiction.id)
        .join(ReinforcementVehicle, ReinforcementVehicle.vehicle_id == Vehicle.id)
        .where(ReinforcementVehicle.reinforcement_id == row.id)
    ).scalars()
    return all(_contains(scope, p) for p in paths)


def may_cancel(session: Session, scope: Scope, row: Reinforcement) -> bool:
    """Whether ``scope`` holds the requesting incident (so its holder may cancel)."""
    jurisdiction_id = session.execute(
        select(Incident.jurisdiction_id).where(Incident.id == row.incident_id)
    ).scalar_one()
    return scope.contains(session, jurisdiction_id)


def _visible_or_404(session: Session, scope: Scope, row: Reinforcement) -> None:
    if not (may_decide(session, scope, row) or may_cancel(session, scope, row)):
        raise NotFound(
            f"reinforcement request {row.id} does not exist or is outside your jurisdiction"
        )


def answer(
    session: Session,
    actor: Actor,
    scope: Scope,
    reinforcement_id: int,
    action: ReinforcementAction,
    payload: ReinforcementAnswer,
) -> Reinforcement:
    """批准, 拒绝 or 撤回 one request; refused actions write nothing."""
    audit.begin_write(session)
    row = get_request(session, reinforcement_id, lock=True)
    _visible_or_404(session, scope, row)
    incident = session.get(Incident, row.incident_id)
    assert incident is not None
    domain = to_domain(session, row)
    at = utcnow()
    if action is ReinforcementAction.CANCEL:
        if not may_cancel(session, scope, row):
            raise OutsideScope(
                f"incident {incident.code} is outside your jurisdiction: only its side cancels",
                [FieldProblem("action", "cancel is for the requesting jurisdiction")],
            )
        domain.cancel(at, actor.username, payload.reason)
    else:
        if not may_decide(session, scope, row):
            outside = [
                code
                for code, path in session.execute(
                    select(Vehicle.code, Jurisdiction.path)
                    .join(Jurisdiction, Jurisdiction.id == Vehicle.jurisdiction_id)
                    .join(ReinforcementVehicle, ReinforcementVehicle.vehicle_id == Vehicle.id)
                    .where(ReinforcementVehicle.reinforcement_id == row.id)
                ).all()
                if not _contains(scope, path)
            ]
            raise OutsideScope(
                f"vehicle {', '.join(outside)} is outside your jurisdiction: only a commander "
                "of its jurisdiction answers this request",
                [
                    FieldProblem("vehicles", f"{c} must be inside your jurisdiction")
                    for c in outside
                ],
            )
        if action is ReinforcementAction.APPROVE:
            if incident.status != IncidentStatus.ACTIVE.value:
                raise Conflict(
                    f"incident {incident.code} is closed",
                    [FieldProblem("incident", "must be active to approve reinforcement")],
                )
            items = _items(session, row)
            busy = busy_reasons(session, [v.id for _, v in items])
            domain.approve(
                at,
                actor.username,
                payload.reason,
                {v.code: busy[v.id] for _, v in items if v.id in busy},
            )
        elif action is ReinforcementAction.REFUSE:
            domain.refuse(at, actor.username, payload.reason)
        else:
            raise ValidationFailed(
                f"{action.value} is not an answer",
                [FieldProblem("action", "must be approve, refuse or cancel")],
            )
    save(session, actor, row, domain, incident)
    return row


def approved_cover(
    session: Session, incident_id: int, vehicle_ids: Sequence[int]
) -> dict[int, Reinforcement]:
    """``vehicle id → approved request`` of this incident naming it and not yet sent; the
    requests are locked (the caller is about to dispatch)."""
    if not vehicle_ids:
        return {}
    pairs = session.execute(
        select(ReinforcementVehicle.vehicle_id, Reinforcement)
        .join(Reinforcement, Reinforcement.id == ReinforcementVehicle.reinforcement_id)
        .where(
            Reinforcement.incident_id == incident_id,
            Reinforcement.state == ReinforcementState.APPROVED.value,
            ReinforcementVehicle.vehicle_id.in_(vehicle_ids),
            ReinforcementVehicle.dispatched_at.is_(None),
        )
        .order_by(Reinforcement.id)
        .with_for_update(of=Reinforcement)
    ).all()
    return {vid: row for vid, row in pairs}


def record_dispatch(
    session: Session,
    actor: Actor,
    incident: Incident,
    sent: dict[int, list[Vehicle]],
    rows: dict[int, Reinforcement],
    at: datetime,
) -> None:
    """调派: mark ``sent`` (request id → vehicles) as dispatched on their approved requests."""
    for rid, vehicles in sent.items():
        row = rows[rid]
        domain = to_domain(session, row)
        domain.dispatch([v.code for v in vehicles], at, actor.username)
        for item, v in _items(session, row):
            if v.id in {x.id for x in vehicles}:
                item.dispatched_at = at
        save(session, actor, row, domain, incident)


# ---- reading -------------------------------------------------------------------------------


def _incoming(scope: Scope) -> ColumnElement[bool]:
    """Requests naming a vehicle inside ``scope`` (the answering side's queue)."""
    return exists(
        select(ReinforcementVehicle.id)
        .join(Vehicle, Vehicle.id == ReinforcementVehicle.vehicle_id)
        .where(
            ReinforcementVehicle.reinforcement_id == Reinforcement.id,
            scope.within(Vehicle.jurisdiction_id),
        )
    )


def _outgoing(scope: Scope) -> ColumnElement[bool]:
    """Requests of incidents inside ``scope`` (the requesting side)."""
    return Reinforcement.incident_id.in_(select(Incident.id).where(incidents.in_scope(scope)))


def list_requests(
    session: Session,
    scope: Scope,
    state: ReinforcementState | None = None,
    side: str | None = None,
    incident_id: int | None = None,
    page: int = 1,
    size: int = 50,
) -> tuple[list[Reinforcement], int]:
    """Requests visible in ``scope``, newest first; ``side`` is "incoming", "outgoing" or both."""
    if side == "incoming":
        where: list[ColumnElement[bool]] = [_incoming(scope)]
    elif side == "outgoing":
        where = [_outgoing(scope)]
    else:
        where = [or_(_incoming(scope), _outgoing(scope))]
    if state is not None:
        where.append(Reinforcement.state == state.value)
    if incident_id is not None:
        where.append(Reinforcement.incident_id == incident_id)
    return paginate(
        session,
        select(Reinforcement)
        .where(*where)
        .order_by(Reinforcement.requested_at.desc(), Reinforcement.id.desc()),
        page,
        size,
    )


def read(session: Session, scope: Scope, reinforcement_id: int) -> Reinforcement:
    row = get_request(session, reinforcement_id)
    _visible_or_404(session, scope, row)
    return row


def public(session: Session, scope: Scope, row: Reinforcement) -> dict[str, Any]:
    """The request as its API shape: the incident's facts, the vehicles (with why each is busy),
    what the caller may do, and the history."""
    incident = session.get(Incident, row.incident_id)
    assert incident is not None
    home = session.get(Jurisdiction, incident.jurisdiction_id)
    target = session.get(Jurisdiction, row.target_jurisdiction_id)
    assert home is not None and target is not None
    items = _items(session, row)
    busy = busy_reasons(session, [v.id for _, v in items])
    stations = {
        s.id: s
        for s in session.execute(
            select(Station).where(Station.id.in_([v.station_id for _, v in items]))
        ).scalars()
    }
    jcodes = dict(
        session.execute(
            select(Jurisdiction.id, Jurisdiction.code).where(
                Jurisdiction.id.in_([v.jurisdiction_id for _, v in items])
            )
        ).all()
    )
    state = ReinforcementState(row.state)
    pending = state is ReinforcementState.PENDING
    kind = IncidentType(incident.incident_type)
    history = session.execute(
        select(ReinforcementEventRow)
        .where(ReinforcementEventRow.reinforcement_id == row.id)
        .order_by(ReinforcementEventRow.id)
    ).scalars()
    return {
        "id": row.id,
        "code": row.code,
        "state": state,
        "state_zh": state.zh,
        "incident": {
            "id": incident.id,
            "code": incident.code,
            "incident_type": kind,
            "incident_type_zh": kind.zh,
            "alarm_level": incident.alarm_level,
            "address": incident.address,
            "lon": incident.lon,
            "lat": incident.lat,
            "received_at": incident.received_at,
            "summary": incident.summary,
            "status": incident.status,
            "jurisdiction_code": home.code,
            "jurisdiction_name": home.name,
        },
        "target_jurisdiction_code": target.code,
        "target_jurisdiction_name": target.name,
        "note": row.note,
        "requested_by": row.requested_by,
        "requested_at": row.requested_at,
        "decided_by": row.decided_by,
        "decided_at": row.decided_at,
        "reason": row.reason,
        "vehicles": [
            {
                "vehicle_code": v.code,
                "vehicle_type": v.vehicle_type,
                "station_code": stations[v.station_id].code,
                "station_name": stations[v.station_id].name,
                "jurisdiction_code": jcodes[v.jurisdiction_id],
                "status": v.status,
                "capability": item.capability,
                "eta_s": item.eta_s,
                "dispatched_at": item.dispatched_at,
                "busy": busy.get(v.id) if item.dispatched_at is None else None,
            }
            for item, v in items
        ],
        "can_decide": pending and may_decide(session, scope, row),
        "can_cancel": pending and may_cancel(session, scope, row),
        "history": [
            {
                "event": e.event,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "at": e.at,
                "by": e.by,
                "detail": e.detail,
            }
            for e in history
        ],
    }


def mark_needs_request(
    session: Session, scope: Scope, incident_id: int, card: dict[str, Any]
) -> None:
    """Mark each recommended vehicle outside ``scope`` with ``needs_request`` and, when this
    incident already has an open request naming it, ``request_state`` (pending or approved)."""
    vehicles = [v for g in card.get("requirements", []) for v in g["vehicles"]]
    if not vehicles:
        return
    codes = sorted({v["code"] for v in vehicles})
    paths = dict(
        session.execute(
            select(Vehicle.code, Jurisdiction.path)
            .join(Jurisdiction, Jurisdiction.id == Vehicle.jurisdiction_id)
            .where(Vehicle.code.in_(codes))
        ).all()
    )
    open_states = dict(
        session.execute(
            select(Vehicle.code, Reinforcement.state)
            .join(ReinforcementVehicle, ReinforcementVehicle.vehicle_id == Vehicle.id)
            .join(Reinforcement, Reinforcement.id == ReinforcementVehicle.reinforcement_id)
            .where(
                Reinforcement.incident_id == incident_id,
                Reinforcement.state.in_(
                    [ReinforcementState.PENDING.value, ReinforcementState.APPROVED.value]
                ),
                ReinforcementVehicle.dispatched_at.is_(None),
                Vehicle.code.in_(codes),
            )
        ).all()
    )
    for v in vehicles:
        v["needs_request"] = not _contains(scope, paths.get(v["code"], ""))
        v["request_state"] = open_states.get(v["code"])
