"""Outreach service: the roster, certificates, trainings, health checks, education events,
volunteer participations, station open days and awareness surveys.

Functions take the caller's session (the caller's unit of work owns the transaction, so an import
that fails on any row commits nothing), the acting user's ``Actor`` and ``Scope``; every write is
audited in the same transaction with the jurisdiction path of the row it touches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import ColumnElement, Integer, and_, cast, func, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, LanyanError, NotFound, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, to_local, utcnow
from lanyan.outreach import survey as survey_scoring
from lanyan.outreach.choices import EventKind, PersonKind, TrainingKind
from lanyan.outreach.models import (
    Certification,
    Event,
    EventParticipants,
    HealthCheck,
    OpenDay,
    Person,
    Survey,
    SurveyResponse,
    TrainingRecord,
    VolunteerParticipation,
)
from lanyan.outreach.schemas import (
    CertificationCreate,
    EventCreate,
    HealthCheckCreate,
    OpenDayCreate,
    ParticipationCreate,
    PersonCreate,
    TrainingCreate,
)
from lanyan.outreach.tabular import read_table
from lanyan.registry.choices import ForceType, StationStatus
from lanyan.registry.models import Jurisdiction, Station, Unit
from lanyan.registry.scope import Scope
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.paging import paginate

# Role-table slugs: the roster side (people, certificates, trainings, health checks) and the
# public side (events, volunteers, open days, surveys).
PEOPLE, OUTREACH = "people", "outreach"
# Audit object types.
PERSONS, CERTIFICATIONS, TRAININGS, HEALTH_CHECKS = (
    "people",
    "certifications",
    "trainings",
    "health-checks",
)
EVENTS, PARTICIPATIONS, OPEN_DAYS, SURVEYS = (
    "events",
    "volunteer-participations",
    "open-days",
    "surveys",
)
# Dafeng plan L327: 每年开放不少于30天，每月开放不少于2天.
OPEN_DAYS_PER_YEAR, OPEN_DAYS_PER_MONTH = 30, 2

M = TypeVar("M", bound=BaseModel)


def today() -> date:
    """Today in Asia/Shanghai."""
    local = to_local(utcnow())
    assert local is not None
    return local.date()


def _snapshot(row: Any) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in type(row).__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def _path(session: Session, jurisdiction_id: int) -> str:
    return session.execute(
        select(Jurisdiction.path).where(Jurisdiction.id == jurisdiction_id)
    ).scalar_one()


def _refused(field_name: str, rule: str) -> ValidationFailed:
    return ValidationFailed(f"{field_name}: {rule}", [FieldProblem(field_name, rule)])


def _jurisdiction(session: Session, scope: Scope, code: str, field_name: str) -> Jurisdiction:
    row = session.execute(
        select(Jurisdiction).where(Jurisdiction.code == code)
    ).scalar_one_or_none()
    if row is None:
        raise _refused(field_name, f"no jurisdiction {code}")
    if not scope.contains(session, row.id):
        raise _refused(field_name, f"jurisdiction {code} is outside your jurisdiction")
    return row


def _scoped(
    session: Session, scope: Scope, model: Any, code: str, field_name: str, what: str
) -> Any:
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise _refused(field_name, f"no {what} {code} in your jurisdiction")
    return row


def _write(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    row: Any,
    before: dict[str, Any] | None,
    jurisdiction_id: int,
) -> None:
    audit.record(
        session,
        actor,
        action,
        object_type,
        row.id,
        before,
        None if action == "delete" else _snapshot(row),
        scope_path=_path(session, jurisdiction_id),
    )


# --- people ------------------------------------------------------------------------------------


def in_scope(model: Any, scope: Scope) -> ColumnElement[bool]:
    return scope.within(model.jurisdiction_id)


def create_person(session: Session, actor: Actor, scope: Scope, payload: PersonCreate) -> Person:
    audit.begin_write(session)
    jur = _jurisdiction(session, scope, payload.jurisdiction_code, "jurisdiction_code")
    if session.execute(select(Person.id).where(Person.code == payload.code)).first():
        raise Conflict(
            f"person {payload.code} already exists", [FieldProblem("code", "must be unique")]
        )
    unit = (
        _scoped(session, scope, Unit, payload.unit_code, "unit_code", "unit")
        if payload.unit_code
        else None
    )
    station = (
        _scoped(session, scope, Station, payload.station_code, "station_code", "station")
        if payload.station_code
        else None
    )
    row = Person(
        code=payload.code,
        name=payload.name,
        kind=payload.kind.value,
        jurisdiction_id=jur.id,
        unit_id=unit.id if unit else None,
        station_id=station.id if station else None,
        position=payload.position,
        phone=payload.phone,
        joined_on=payload.joined_on,
        left_on=payload.left_on,
    )
    session.add(row)
    session.flush()
    _write(session, actor, "create", PERSONS, row, None, jur.id)
    return row


def get_person(session: Session, scope: Scope, code: str) -> Person:
    row = session.execute(
        select(Person).where(Person.code == code, in_scope(Person, scope))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no person {code} in your jurisdiction")
    return row


def list_people(
    session: Session,
    scope: Scope,
    kind: PersonKind | None = None,
    text: str = "",
    page: int = 1,
    size: int = 50,
) -> tuple[list[Person], int]:
    where: list[ColumnElement[bool]] = [in_scope(Person, scope)]
    if kind is not None:
        where.append(Person.kind == kind.value)
    if text:
        where.append(or_(Person.code.contains(text), Person.name.contains(text)))
    return paginate(session, select(Person).where(*where).order_by(Person.code), page, size)


def _person_field(session: Session, scope: Scope, code: str) -> Person:
    try:
        return get_person(session, scope, code)
    except NotFound:
        raise _refused("person_code", f"no person {code} in your jurisdiction") from None


def add_certification(
    session: Session, actor: Actor, scope: Scope, payload: CertificationCreate
) -> Certification:
    audit.begin_write(session)
    person = _person_field(session, scope, payload.person_code)
    row = Certification(
        person_id=person.id,
        name=payload.name,
        number=payload.number,
        issued_on=payload.issued_on,
        valid_until=payload.valid_until,
    )
    session.add(row)
    session.flush()
    _write(session, actor, "create", CERTIFICATIONS, row, None, person.jurisdiction_id)
    return row


def add_training(
    session: Session, actor: Actor, scope: Scope, payload: TrainingCreate
) -> TrainingRecord:
    """A training record. A specialised training belongs to a rescuer in post on the day; an
    employee training to a social unit, placed where the unit is."""
    audit.begin_write(session)
    person = unit = None
    if payload.kind is TrainingKind.SPECIALISED:
        assert payload.person_code is not None
        person = _person_field(session, scope, payload.person_code)
        if person.kind not in (PersonKind.RESCUER.value, PersonKind.GOVERNMENT_FULLTIME.value):
            raise _refused("person_code", f"{person.code} is not rescue personnel")
        if person.joined_on > payload.held_on or (
            person.left_on is not None and person.left_on <= payload.held_on
        ):
            raise _refused("held_on", f"{person.code} was not in post on {payload.held_on}")
        jurisdiction_id = person.jurisdiction_id
    else:
        assert payload.unit_code is not None
        unit = _scoped(session, scope, Unit, payload.unit_code, "unit_code", "unit")
        jurisdiction_id = unit.jurisdiction_id
    if payload.jurisdiction_code:
        jurisdiction_id = _jurisdiction(
            session, scope, payload.jurisdiction_code, "jurisdiction_code"
        ).id
    row = TrainingRecord(
        kind=payload.kind.value,
        speciality=payload.speciality.value if payload.speciality else "",
        title=payload.title,
        jurisdiction_id=jurisdiction_id,
        unit_id=unit.id if unit else None,
        person_id=person.id if person else None,
        held_on=payload.held_on,
        year=payload.held_on.year,
        hours=payload.hours,
        attendees=payload.attendees if unit else 1,
    )
    session.add(row)
    session.flush()
    _write(session, actor, "create", TRAININGS, row, None, jurisdiction_id)
    return row


def add_health_check(
    session: Session, actor: Actor, scope: Scope, payload: HealthCheckCreate
) -> HealthCheck:
    audit.begin_write(session)
    person = _person_field(session, scope, payload.person_code)
    row = HealthCheck(
        person_id=person.id,
        checked_on=payload.checked_on,
        year=payload.checked_on.year,
        result=payload.result.value,
        institution=payload.institution,
        note=payload.note,
    )
    session.add(row)
    session.flush()
    _write(session, actor, "create", HEALTH_CHECKS, row, None, person.jurisdiction_id)
    return row


@dataclass
class PersonFile:
    """A person with their certificates, trainings, health checks and volunteer service."""

    person: Person
    certifications: list[Certification]
    trainings: list[TrainingRecord]
    health_checks: list[HealthCheck]
    participations: list[tuple[VolunteerParticipation, Event]]


def person_file(session: Session, scope: Scope, code: str) -> PersonFile:
    p = get_person(session, scope, code)
    certs = session.execute(
        select(Certification)
        .where(Certification.person_id == p.id)
        .order_by(Certification.valid_until.desc())
    ).scalars()
    trainings = session.execute(
        select(TrainingRecord)
        .where(TrainingRecord.person_id == p.id)
        .order_by(TrainingRecord.held_on.desc())
    ).scalars()
    checks = session.execute(
        select(HealthCheck)
        .where(HealthCheck.person_id == p.id)
        .order_by(HealthCheck.checked_on.desc())
    ).scalars()
    service = session.execute(
        select(VolunteerParticipation, Event)
        .join(Event, Event.id == VolunteerParticipation.event_id)
        .where(VolunteerParticipation.person_id == p.id)
        .order_by(Event.held_on.desc())
    ).all()
    return PersonFile(p, list(certs), list(trainings), list(checks), [(v, e) for v, e in service])


@dataclass(frozen=True)
class RosterRates:
    """Roster figures for one category on a day: in post, certified (持证率) and trained in the
    year (专项培训率), in people and %."""

    kind: PersonKind
    in_post: int
    certified: int
    trained: int

    @property
    def certified_rate(self) -> float | None:
        return self.certified / self.in_post * 100 if self.in_post else None

    @property
    def trained_rate(self) -> float | None:
        return self.trained / self.in_post * 100 if self.in_post else None


def roster_rates(session: Session, scope: Scope, on: date | None = None) -> list[RosterRates]:
    """Per category, the people in post on ``on`` (default today), how many hold a valid
    certificate that day and how many had a specialised training in that year."""
    on = on or today()
    in_post = (
        in_scope(Person, scope),
        Person.joined_on <= on,
        or_(Person.left_on.is_(None), Person.left_on > on),
    )
    valid = (
        select(Certification.id)
        .where(
            Certification.person_id == Person.id,
            Certification.valid_until >= on,
            or_(Certification.issued_on.is_(None), Certification.issued_on <= on),
        )
        .exists()
    )
    trained = (
        select(TrainingRecord.id)
        .where(
            TrainingRecord.person_id == Person.id,
            TrainingRecord.kind == TrainingKind.SPECIALISED.value,
            TrainingRecord.year == on.year,
        )
        .exists()
    )
    rows = session.execute(
        select(
            Person.kind,
            func.count(),
            func.sum(cast(valid, Integer)),
            func.sum(cast(trained, Integer)),
        )
        .where(*in_post)
        .group_by(Person.kind)
    ).all()
    found = {k: (int(n), int(c or 0), int(t or 0)) for k, n, c, t in rows}
    return [RosterRates(k, *found.get(k.value, (0, 0, 0))) for k in PersonKind]


def latest_training_year(session: Session, scope: Scope) -> int | None:
    """The latest year with a specialised-training record in scope (the roster page's default)."""
    return session.execute(
        select(func.max(TrainingRecord.year)).where(
            in_scope(TrainingRecord, scope),
            TrainingRecord.kind == TrainingKind.SPECIALISED.value,
            TrainingRecord.year <= today().year,
        )
    ).scalar_one_or_none()


def list_trainings(
    session: Session, scope: Scope, kind: TrainingKind | None = None, limit: int = 200
) -> list[tuple[TrainingRecord, str, str]]:
    """(record, unit name or '', person name or '') newest first."""
    where = [in_scope(TrainingRecord, scope)]
    if kind is not None:
        where.append(TrainingRecord.kind == kind.value)
    rows = session.execute(
        select(TrainingRecord, Unit.name, Person.name)
        .outerjoin(Unit, Unit.id == TrainingRecord.unit_id)
        .outerjoin(Person, Person.id == TrainingRecord.person_id)
        .where(*where)
        .order_by(TrainingRecord.held_on.desc(), TrainingRecord.id.desc())
        .limit(limit)
    ).all()
    return [(t, u or "", p or "") for t, u, p in rows]


def unit_trainings(
    session: Session, scope: Scope, unit_id: int, page: int = 1, size: int = 50
) -> tuple[list[TrainingRecord], int]:
    """One unit's employee trainings (单位员工消防培训), newest first, paged in SQL."""
    stmt = (
        select(TrainingRecord)
        .where(in_scope(TrainingRecord, scope), TrainingRecord.unit_id == unit_id)
        .order_by(TrainingRecord.held_on.desc(), TrainingRecord.id.desc())
    )
    return paginate(session, stmt, page, size)


def unit_drills(
    session: Session, scope: Scope, unit_id: int, page: int = 1, size: int = 50
) -> tuple[list[Event], int]:
    """One unit's drills (疏散演练, 校园消防演练), newest first, paged in SQL."""
    stmt = (
        select(Event)
        .where(
            in_scope(Event, scope),
            Event.unit_id == unit_id,
            Event.kind.in_((EventKind.DRILL.value, EventKind.SCHOOL_DRILL.value)),
        )
        .order_by(Event.held_on.desc(), Event.id.desc())
    )
    return paginate(session, stmt, page, size)


def list_health_checks(
    session: Session, scope: Scope, limit: int = 200
) -> list[tuple[HealthCheck, Person]]:
    rows = session.execute(
        select(HealthCheck, Person)
        .join(Person, Person.id == HealthCheck.person_id)
        .where(in_scope(Person, scope))
        .order_by(HealthCheck.checked_on.desc())
        .limit(limit)
    ).all()
    return [(h, p) for h, p in rows]


# --- imports -----------------------------------------------------------------------------------

IMPORTS: dict[str, tuple[type[BaseModel], Callable[..., Any]]] = {
    "people": (PersonCreate, create_person),
    "certifications": (CertificationCreate, add_certification),
    "trainings": (TrainingCreate, add_training),
    "health-checks": (HealthCheckCreate, add_health_check),
}


def _pydantic_problems(exc: ValidationError, row: int) -> list[FieldProblem]:
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "row"
        out.append(FieldProblem(name, str(err["msg"]).removeprefix("Value error, "), row))
    return out


def import_rows(
    session: Session, actor: Actor, scope: Scope, what: str, data: bytes, filename: str
) -> int:
    """Import a CSV/XLSX file of ``what`` (people, certifications, trainings, health-checks),
    one row per record, columns named as the API's fields. All or nothing: any bad row raises
    ``ValidationFailed`` naming every bad row, field and rule, and the caller's unit of work
    rolls back whatever earlier rows wrote."""
    if what not in IMPORTS:
        raise NotFound(f"nothing to import as '{what}'; known: {', '.join(IMPORTS)}")
    schema, create = IMPORTS[what]
    table = read_table(data, filename)
    unknown = [h for h in table.header if h and h not in schema.model_fields]
    if unknown:
        raise ValidationFailed(
            "unknown columns",
            [
                FieldProblem(h, f"not a column of {what}: use {', '.join(schema.model_fields)}", 1)
                for h in unknown
            ],
        )
    problems: list[FieldProblem] = []
    done = 0
    for row, cells in table.rows:
        values = {k: v for k, v in cells.items() if v != ""}
        try:
            payload = schema.model_validate(values)
        except ValidationError as exc:
            problems.extend(_pydantic_problems(exc, row))
            continue
        try:
            create(session, actor, scope, payload)
            done += 1
        except LanyanError as exc:
            found = exc.problems or [FieldProblem("row", exc.message)]
            problems.extend(FieldProblem(p.field, p.rule, row) for p in found)
    if problems:
        rows = sorted({p.row for p in problems if p.row is not None})
        raise ValidationFailed(
            f"{len(rows)} bad row(s): {', '.join(map(str, rows))}; nothing was imported", problems
        )
    if done == 0:
        raise ValidationFailed(
            "the file has no rows", [FieldProblem("file", "has no data rows", 2)]
        )
    return done


# --- events and volunteers --------------------------------------------------------------------


def create_event(session: Session, actor: Actor, scope: Scope, payload: EventCreate) -> Event:
    audit.begin_write(session)
    jur = _jurisdiction(session, scope, payload.jurisdiction_code, "jurisdiction_code")
    unit = (
        _scoped(session, scope, Unit, payload.unit_code, "unit_code", "unit")
        if payload.unit_code
        else None
    )
    row = Event(
        title=payload.title,
        kind=payload.kind.value,
        channel=payload.channel.value,
        jurisdiction_id=jur.id,
        unit_id=unit.id if unit else None,
        held_on=payload.held_on,
        year=payload.held_on.year,
        volunteer_person_times=payload.volunteer_person_times,
        note=payload.note,
    )
    session.add(row)
    session.flush()
    for group, count in payload.participants.items():
        if count:
            session.add(EventParticipants(event_id=row.id, group=group.value, count=count))
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        EVENTS,
        row.id,
        None,
        {**_snapshot(row), "participants": {g.value: n for g, n in payload.participants.items()}},
        scope_path=jur.path,
    )
    return row


def get_event(session: Session, scope: Scope, event_id: int) -> Event:
    row = session.execute(
        select(Event).where(Event.id == event_id, in_scope(Event, scope))
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no event {event_id} in your jurisdiction")
    return row


def participants(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for p in session.execute(
        select(EventParticipants).where(EventParticipants.event_id.in_(event_ids))
    ).scalars():
        out.setdefault(p.event_id, {})[p.group] = p.count
    return out


def list_events(
    session: Session, scope: Scope, year: int | None = None, limit: int = 200
) -> list[Event]:
    where = [in_scope(Event, scope)]
    if year is not None:
        where.append(Event.year == year)
    return list(
        session.execute(
            select(Event).where(*where).order_by(Event.held_on.desc(), Event.id.desc()).limit(limit)
        ).scalars()
    )


def add_participation(
    session: Session, actor: Actor, scope: Scope, event_id: int, payload: ParticipationCreate
) -> VolunteerParticipation:
    """A registered volunteer served at an event: one more volunteer person-time (人次)."""
    audit.begin_write(session)
    event = get_event(session, scope, event_id)
    person = _person_field(session, scope, payload.person_code)
    if person.kind != PersonKind.VOLUNTEER.value:
        raise _refused("person_code", f"{person.code} is not a registered volunteer")
    if person.joined_on > event.held_on or (
        person.left_on is not None and person.left_on <= event.held_on
    ):
        raise _refused("person_code", f"{person.code} was not registered on {event.held_on}")
    if session.execute(
        select(VolunteerParticipation.id).where(
            VolunteerParticipation.event_id == event.id,
            VolunteerParticipation.person_id == person.id,
        )
    ).first():
        raise Conflict(
            f"{person.code} is already recorded at this event",
            [FieldProblem("person_code", "already recorded at this event")],
        )
    before = _snapshot(event)
    row = VolunteerParticipation(event_id=event.id, person_id=person.id, hours=payload.hours)
    session.add(row)
    event.volunteer_person_times += 1
    session.flush()
    _write(session, actor, "create", PARTICIPATIONS, row, None, event.jurisdiction_id)
    _write(session, actor, "update", EVENTS, event, before, event.jurisdiction_id)
    return row


@dataclass(frozen=True)
class VolunteerRow:
    person: Person
    participations: int
    hours: float


def volunteers(session: Session, scope: Scope, limit: int = 500) -> list[VolunteerRow]:
    """Registered volunteers with their participations (参与次数) and service hours."""
    rows = session.execute(
        select(
            Person,
            func.count(VolunteerParticipation.id),
            func.coalesce(func.sum(VolunteerParticipation.hours), 0.0),
        )
        .outerjoin(VolunteerParticipation, VolunteerParticipation.person_id == Person.id)
        .where(in_scope(Person, scope), Person.kind == PersonKind.VOLUNTEER.value)
        .group_by(Person.id)
        .order_by(Person.code)
        .limit(limit)
    ).all()
    return [VolunteerRow(p, int(n), float(h)) for p, n, h in rows]


# --- open days ---------------------------------------------------------------------------------


def record_open_day(
    session: Session, actor: Actor, scope: Scope, payload: OpenDayCreate
) -> OpenDay:
    audit.begin_write(session)
    station = _scoped(session, scope, Station, payload.station_code, "station_code", "station")
    if session.execute(
        select(OpenDay.id).where(OpenDay.station_id == station.id, OpenDay.day == payload.day)
    ).first():
        raise Conflict(
            f"{station.name} is already recorded open on {payload.day}",
            [FieldProblem("day", "already recorded for this station")],
        )
    row = OpenDay(
        station_id=station.id,
        jurisdiction_id=station.jurisdiction_id,
        day=payload.day,
        year=payload.day.year,
        month=payload.day.month,
        visitors=payload.visitors,
    )
    session.add(row)
    session.flush()
    _write(session, actor, "create", OPEN_DAYS, row, None, station.jurisdiction_id)
    return row


def remove_open_day(
    session: Session, actor: Actor, scope: Scope, station_code: str, day: date
) -> None:
    audit.begin_write(session)
    station = _scoped(session, scope, Station, station_code, "station_code", "station")
    row = session.execute(
        select(OpenDay).where(OpenDay.station_id == station.id, OpenDay.day == day)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"{station.name} has no open day on {day}")
    before = _snapshot(row)
    session.delete(row)
    session.flush()
    _write(session, actor, "delete", OPEN_DAYS, row, before, station.jurisdiction_id)


@dataclass
class OpenDayCheck:
    """One station's open days in a year against Dafeng L327 (≥30 a year, ≥2 every month).
    ``months`` holds the days open in January … December."""

    station_code: str
    station_name: str
    year: int
    months: list[int]
    days: list[date] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.months)

    @property
    def short_months(self) -> list[int]:
        return [m for m, n in enumerate(self.months, start=1) if n < OPEN_DAYS_PER_MONTH]

    @property
    def met(self) -> bool:
        return self.total >= OPEN_DAYS_PER_YEAR and not self.short_months


def open_day_checks(
    session: Session, scope: Scope, year: int, station_code: str | None = None
) -> list[OpenDayCheck]:
    """The stations in scope that the open rate counts — fire rescue stations on duty
    (existing national and government full-time stations) — and any other station with open
    days recorded in ``year``, each with its open days and the 30/2 check."""
    recorded = select(OpenDay.station_id).where(OpenDay.year == year)
    on_duty = and_(
        Station.status == StationStatus.EXISTING.value,
        Station.force_type.in_((ForceType.NATIONAL.value, ForceType.GOVERNMENT_FULLTIME.value)),
    )
    where = [in_scope(Station, scope), or_(on_duty, Station.id.in_(recorded))]
    if station_code:
        where.append(Station.code == station_code)
    stations = session.execute(
        select(Station.id, Station.code, Station.name).where(*where).order_by(Station.code)
    ).all()
    checks = {sid: OpenDayCheck(code, name, year, [0] * 12) for sid, code, name in stations}
    for sid, day in session.execute(
        select(OpenDay.station_id, OpenDay.day)
        .where(OpenDay.station_id.in_(list(checks)), OpenDay.year == year)
        .order_by(OpenDay.day)
    ):
        checks[sid].months[day.month - 1] += 1
        checks[sid].days.append(day)
    return list(checks.values())


# --- surveys -----------------------------------------------------------------------------------


def import_survey(
    session: Session,
    actor: Actor,
    scope: Scope,
    data: bytes,
    filename: str,
    jurisdiction_code: str,
    key_id: str = "public-awareness",
    title: str = "",
    surveyed_on: date | None = None,
) -> Survey:
    """Score a questionnaire export against answer key ``key_id`` and store the batch with every
    respondent's score. Any bad row: ``ValidationFailed`` naming each row, column and rule, and
    nothing stored. The batch's year is that of ``surveyed_on`` (default: the latest
    submission's day); every submission must fall in that year."""
    audit.begin_write(session)
    jur = _jurisdiction(session, scope, jurisdiction_code, "jurisdiction_code")
    key = survey_scoring.answer_key(key_id)
    table = read_table(data, filename)
    scored, problems = survey_scoring.score(key, table, surveyed_on.year if surveyed_on else None)
    if not problems and surveyed_on is None:
        surveyed_on = survey_scoring.surveyed_on(scored)
        if surveyed_on is None:
            problems.append(
                FieldProblem("surveyed_on", "required: the file has no submission times")
            )
        else:
            _, problems = survey_scoring.score(key, table, surveyed_on.year)
    if problems:
        rows = sorted({p.row for p in problems if p.row is not None})
        raise ValidationFailed(
            f"{len(rows)} bad row(s): {', '.join(map(str, rows))}; nothing was imported"
            if rows
            else "survey refused; nothing was imported",
            problems,
        )
    assert surveyed_on is not None
    row = Survey(
        jurisdiction_id=jur.id,
        title=title or key.title,
        surveyed_on=surveyed_on,
        year=surveyed_on.year,
        respondents=len(scored),
        passed=sum(1 for s in scored if s.passed),
        educated=sum(1 for s in scored if s.educated),
        method="问卷导出 (questionnaire export)",
        answer_key=key.id,
        source_file=filename[:255],
    )
    session.add(row)
    session.flush()
    session.add_all(
        SurveyResponse(
            survey_id=row.id,
            respondent=s.respondent,
            submitted_at=s.submitted_at.replace(tzinfo=CHINA_TZ).astimezone(UTC)
            if s.submitted_at
            else None,
            score=s.score,
            passed=s.passed,
            educated=s.educated,
        )
        for s in scored
    )
    session.flush()
    _write(session, actor, "create", SURVEYS, row, None, jur.id)
    return row


def list_surveys(session: Session, scope: Scope, limit: int = 200) -> list[tuple[Survey, str]]:
    rows = session.execute(
        select(Survey, Jurisdiction.name)
        .join(Jurisdiction, Jurisdiction.id == Survey.jurisdiction_id)
        .where(in_scope(Survey, scope))
        .order_by(Survey.surveyed_on.desc(), Survey.id.desc())
        .limit(limit)
    ).all()
    return [(s, n) for s, n in rows]
