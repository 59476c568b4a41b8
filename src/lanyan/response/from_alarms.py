"""Incidents opened from confirmed IoT fire alarms (物联网火警 → 警情).

The monitoring domain writes ``fire_confirmed`` into its transactional outbox
(``monitoring_outbox``) in the transaction that confirms the alarm. This consumer reads the
undelivered events oldest first and, for each, opens an incident (source 物联网报警, type 火灾,
unit/building/place from the alarm, 接警 at the time the alarm was raised) and marks the event
delivered in the same transaction. A fire alarm at a building (else a unit) that already has an
open incident (处置中) attaches to it as a further report (多次报警) instead: two detectors at one
fire are one incident, whose 接警 is the earliest alarm.

Guarantees:
- *every alarm reports exactly one incident*: ``response_incident_calls.alarm_id`` is unique,
  and an alarm that already reported one (opened by hand through the API first) only gets its
  event delivered;
- *never two consumers on one event*: each event is handled under the audit writers' lock and a
  row lock on the event, and ``delivered_at`` is re-read under them;
- *in order*: events are taken strictly by id, one transaction each, so a failure stops the
  queue at that event (it is retried on the next round) instead of skipping it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.monitoring import public as monitoring
from lanyan.registry.models import Building, Jurisdiction, Unit
from lanyan.registry.scope import EVERYWHERE, Scope
from lanyan.response import lifecycle_service
from lanyan.response.choices import IncidentSource, IncidentType
from lanyan.response.incidents import create_incident, incident_for_alarm
from lanyan.response.models import Incident
from lanyan.response.schemas import IncidentCreate
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.db import unit_of_work

log = logging.getLogger(__name__)

TOPIC = "fire_confirmed"
CONSUMER = Actor("system:incidents-from-alarms")


@dataclass(frozen=True)
class Delivery:
    """What one outbox event turned into."""

    event_id: int
    alarm_id: int
    incident_code: str
    opened: bool  # False: the alarm already had an incident, or attached to an open one
    attached: bool = False  # True: a further alarm at an open incident's place (多次报警)


def _root_jurisdiction(session: Session) -> int:
    """The top of the jurisdiction tree (the dispatch centre) for an alarm that has none."""
    jid = session.execute(
        select(Jurisdiction.id).where(Jurisdiction.parent_id.is_(None)).order_by(Jurisdiction.id)
    ).scalar()
    if jid is None:
        raise ValidationFailed(
            "no jurisdiction to open the incident in",
            [FieldProblem("jurisdiction_id", "the registry holds no jurisdiction")],
        )
    return int(jid)


def open_from_alarm(
    session: Session,
    actor: Actor,
    scope: Scope,
    alarm_id: int,
    received_at: datetime | None = None,
    confirmed: bool = False,
) -> tuple[Incident, bool]:
    """The incident of a confirmed fire alarm, opened now unless the alarm already has one.

    Returns ``(incident, opened)``. The alarm must be a fire alarm an operator confirmed; the
    incident's 接警 time is when the alarm was raised (``received_at`` overrides it). An alarm
    at the building (else unit) of an open incident attaches to it (多次报警, ``opened`` False).
    ``confirmed=True`` (the ``fire_confirmed`` event is the proof) accepts an alarm that was
    confirmed and has since been reset (复位).
    """
    audit.begin_write(session)  # the writers' lock first: concurrent openers queue here
    existing = incident_for_alarm(session, alarm_id)
    if existing is not None:
        if not scope.contains(session, existing.jurisdiction_id):
            raise NotFound(f"alarm {alarm_id} does not exist or is outside your jurisdiction")
        return existing, False
    alarm = monitoring.alarm_facts(session, alarm_id)
    if alarm is None or not scope.contains(session, alarm.jurisdiction_id):
        raise NotFound(f"alarm {alarm_id} does not exist or is outside your jurisdiction")
    if alarm.kind != "fire":
        raise ValidationFailed(
            f"alarm {alarm_id} is a {alarm.kind} alarm",
            [FieldProblem("alarm_id", "must be a fire alarm (火警) to open a fire incident")],
        )
    was_confirmed = alarm.status == "confirmed" or (
        confirmed and alarm.status == "cleared" and alarm.handled_at is not None
    )
    if not was_confirmed:
        raise Conflict(
            f"alarm {alarm_id} is {alarm.status}: an operator must confirm the fire (人工确认) "
            "before an incident is opened from it"
        )
    raised = received_at or alarm.raised_at or alarm.handled_at or utcnow()
    where = " ".join(p for p in (alarm.location, alarm.point) if p)
    open_one = lifecycle_service.open_incident_at(session, alarm.building_id, alarm.unit_id)
    if open_one is not None and scope.contains(session, open_one.jurisdiction_id):
        lifecycle_service.attach_alarm(session, actor, open_one, alarm.id, raised, where)
        return open_one, False
    building = session.get(Building, alarm.building_id) if alarm.building_id else None
    unit = session.get(Unit, alarm.unit_id) if alarm.unit_id else None
    place = (unit or building) if (unit or building) is not None else None
    jurisdiction_id = alarm.jurisdiction_id or (
        place.jurisdiction_id if place is not None else _root_jurisdiction(session)
    )
    jcode = session.execute(
        select(Jurisdiction.code).where(Jurisdiction.id == jurisdiction_id)
    ).scalar_one()
    lon = lat = None
    if building is None and unit is not None:
        lon, lat = unit.lon, unit.lat
    address = (building.address if building else "") or (unit.address if unit else "")
    if not address:
        address = f"报警设备 {alarm.source}"
    summary = f"物联网火警确认 (alarm #{alarm.id}"
    summary += f", {where})" if where else ")"
    if alarm.unverified:
        summary += "；报警设备未登记 (unverified sender)"
    payload = IncidentCreate(
        incident_type=IncidentType.FIRE,
        received_at=raised,
        source=IncidentSource.IOT_ALARM,
        caller_name=(unit.name if unit else "")[:50],
        address=address[:255],
        lon=lon,
        lat=lat,
        summary=summary,
        unit_code=unit.code if unit else None,
        building_code=building.code if building else None,
        jurisdiction_code=jcode,
    )
    row = create_incident(session, actor, scope, payload, alarm_id=alarm.id)
    return row, True


def next_event_id(session: Session) -> int | None:
    """The oldest undelivered ``fire_confirmed`` event."""
    return monitoring.next_event(session, TOPIC)


def deliver(session: Session, event_id: int, actor: Actor = CONSUMER) -> Delivery | None:
    """Open the incident of one event and mark it delivered, in the caller's transaction;
    ``None`` when another consumer delivered it first."""
    audit.begin_write(session)
    event = monitoring.claim_event(session, event_id)
    if event is None:
        return None
    alarm_id = int(event.payload["alarm_id"])
    reported = incident_for_alarm(session, alarm_id) is not None
    incident, opened = open_from_alarm(session, actor, EVERYWHERE, alarm_id, confirmed=True)
    monitoring.mark_delivered(session, event.id)
    session.flush()
    return Delivery(event.id, alarm_id, incident.code, opened, not opened and not reported)


def park(session: Session, event_id: int, reason: str, actor: Actor = CONSUMER) -> None:
    """Mark an event that can never open an incident (its alarm is gone) delivered, with the
    reason in the audit log, so it does not hold up the fires behind it."""
    audit.begin_write(session)
    event = monitoring.claim_event(session, event_id)
    if event is None:
        return
    monitoring.mark_delivered(session, event.id)
    audit.record(
        session,
        actor,
        "undeliverable",
        "monitoring_outbox",
        event.id,
        None,
        {"topic": event.topic, "payload": event.payload, "reason": reason},
    )


def run_once(sessions: sessionmaker[Session], limit: int = 1000) -> list[Delivery]:
    """Deliver every pending event (at most ``limit`` tries), one transaction each, in order."""
    out: list[Delivery] = []
    for _ in range(limit):
        with sessions() as session:
            event_id = next_event_id(session)
        if event_id is None:
            break
        try:
            with unit_of_work(sessions) as session:
                done = deliver(session, event_id)
        except (NotFound, ValidationFailed, Conflict) as exc:
            # Permanent for this event (its alarm is gone or never was a confirmed fire): park
            # it with the reason. Anything else (database down) propagates, and the same event
            # is tried again next round.
            log.error("outbox event %s cannot open an incident: %s", event_id, exc.message)
            with unit_of_work(sessions) as session:
                park(session, event_id, exc.message)
            continue
        if done is None:
            continue  # another consumer took it
        log.info(
            "alarm %s → incident %s%s",
            done.alarm_id,
            done.incident_code,
            "" if done.opened else " (attached: 多次报警)" if done.attached else " (already open)",
        )
        out.append(done)
    return out


def pending(session: Session) -> int:
    """Undelivered ``fire_confirmed`` events."""
    return monitoring.pending_events(session, TOPIC)


async def consume_forever(sessions: sessionmaker[Session], interval_s: float) -> None:
    """The background consumer of ``lanyan serve``: a round every ``interval_s`` seconds.

    Rounds run in a worker thread (the database calls block); an error is logged and the round
    retried later, never ending the loop. Cancel the task to stop it.
    """
    import asyncio

    while True:
        try:
            await asyncio.to_thread(run_once, sessions)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database outage must not end the consumer
            log.exception("incidents-from-alarms round failed; retrying")
        await asyncio.sleep(interval_s)
