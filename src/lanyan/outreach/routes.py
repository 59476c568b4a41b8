"""HTTP routes of the outreach domain: the roster (``people`` role slug) and public work —
events, volunteers, open days, awareness surveys (``outreach`` role slug)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, File, Form, UploadFile

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import PageNo, PageSize
from lanyan.outreach import service, survey
from lanyan.outreach.choices import PersonKind, TrainingKind
from lanyan.outreach.schemas import (
    CertificationCreate,
    EventCreate,
    HealthCheckCreate,
    OpenDayCreate,
    ParticipationCreate,
    PersonCreate,
    TrainingCreate,
)

people_router = APIRouter(prefix="/api/people", tags=["People 人员与培训"])
outreach_router = APIRouter(prefix="/api/outreach", tags=["Outreach 宣传教育"])
people_reader = require(service.PEOPLE, "read")
people_writer = require(service.PEOPLE, "write")
outreach_reader = require(service.OUTREACH, "read")
outreach_writer = require(service.OUTREACH, "write")


def _person(p: Any) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind,
        "position": p.position,
        "joined_on": p.joined_on,
        "left_on": p.left_on,
    }


@people_router.post("", status_code=201, summary="Add a person to the roster (人员)")
def create_person(
    payload: Annotated[PersonCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, people_writer],
) -> dict[str, Any]:
    return _person(service.create_person(session, user.actor, user.scope, payload))


@people_router.get("", summary="List the roster, by code")
def list_people(
    session: SessionDep,
    user: Annotated[CurrentUser, people_reader],
    kind: PersonKind | None = None,
    q: str = "",
    page: PageNo = 1,
    size: PageSize = 50,
) -> dict[str, Any]:
    rows, total = service.list_people(session, user.scope, kind, q, page, size)
    return {"items": [_person(p) for p in rows], "total": total, "page": page, "size": size}


@people_router.get("/rates", summary="Roster figures today: in post, 持证率, 专项培训率 (%)")
def rates(
    session: SessionDep, user: Annotated[CurrentUser, people_reader], on: date | None = None
) -> list[dict[str, Any]]:
    return [
        {
            "kind": r.kind.value,
            "in_post": r.in_post,
            "certified": r.certified,
            "certified_rate": r.certified_rate,
            "trained": r.trained,
            "trained_rate": r.trained_rate,
        }
        for r in service.roster_rates(session, user.scope, on)
    ]


@people_router.get("/trainings", summary="Training records, newest first")
def list_trainings(
    session: SessionDep,
    user: Annotated[CurrentUser, people_reader],
    kind: TrainingKind | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "id": t.id,
            "kind": t.kind,
            "speciality": t.speciality,
            "title": t.title,
            "held_on": t.held_on,
            "unit": unit,
            "person": person,
            "attendees": t.attendees,
            "hours": t.hours,
        }
        for t, unit, person in service.list_trainings(session, user.scope, kind)
    ]


@people_router.post("/trainings", status_code=201, summary="Record a training (培训记录)")
def add_training(
    payload: Annotated[TrainingCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, people_writer],
) -> dict[str, Any]:
    row = service.add_training(session, user.actor, user.scope, payload)
    return {"id": row.id, "year": row.year}


@people_router.post("/certifications", status_code=201, summary="Record a certificate (证书)")
def add_certification(
    payload: Annotated[CertificationCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, people_writer],
) -> dict[str, Any]:
    return {"id": service.add_certification(session, user.actor, user.scope, payload).id}


@people_router.post(
    "/health-checks", status_code=201, summary="Record a health check (职业健康检查)"
)
def add_health_check(
    payload: Annotated[HealthCheckCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, people_writer],
) -> dict[str, Any]:
    return {"id": service.add_health_check(session, user.actor, user.scope, payload).id}


@people_router.post(
    "/import",
    summary="Import people, certificates, trainings or health checks",
    **upload(UploadKind.IMPORT),
)
def import_file(
    what: Annotated[Literal["people", "certifications", "trainings", "health-checks"], Form()],
    file: Annotated[UploadFile, File(description="CSV (UTF-8 or GBK) or XLSX")],
    session: SessionDep,
    user: Annotated[CurrentUser, people_writer],
) -> dict[str, Any]:
    data = file.file.read()
    n = service.import_rows(session, user.actor, user.scope, what, data, file.filename or "")
    return {"imported": n, "what": what}


@people_router.get("/{code}", summary="One person with certificates, trainings, health checks")
def read_person(
    code: str, session: SessionDep, user: Annotated[CurrentUser, people_reader]
) -> dict[str, Any]:
    f = service.person_file(session, user.scope, code)
    return {
        **_person(f.person),
        "certifications": [
            {
                "name": c.name,
                "number": c.number,
                "issued_on": c.issued_on,
                "valid_until": c.valid_until,
            }
            for c in f.certifications
        ],
        "trainings": [
            {"kind": t.kind, "speciality": t.speciality, "title": t.title, "held_on": t.held_on}
            for t in f.trainings
        ],
        "health_checks": [
            {"checked_on": h.checked_on, "result": h.result, "institution": h.institution}
            for h in f.health_checks
        ],
        "volunteer_service": [
            {"event_id": e.id, "title": e.title, "held_on": e.held_on, "hours": v.hours}
            for v, e in f.participations
        ],
    }


# --- outreach -----------------------------------------------------------------------------------


def _event(e: Any, groups: dict[str, int]) -> dict[str, Any]:
    return {
        "id": e.id,
        "title": e.title,
        "kind": e.kind,
        "channel": e.channel,
        "held_on": e.held_on,
        "volunteer_person_times": e.volunteer_person_times,
        "participants": groups,
        "participants_total": sum(groups.values()),
    }


@outreach_router.post("/events", status_code=201, summary="Record an education event (宣传教育)")
def create_event(
    payload: Annotated[EventCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_writer],
) -> dict[str, Any]:
    row = service.create_event(session, user.actor, user.scope, payload)
    return _event(row, {g.value: n for g, n in payload.participants.items() if n})


@outreach_router.get("/events", summary="Education events, newest first")
def list_events(
    session: SessionDep, user: Annotated[CurrentUser, outreach_reader], year: int | None = None
) -> list[dict[str, Any]]:
    rows = service.list_events(session, user.scope, year)
    groups = service.participants(session, [e.id for e in rows])
    return [_event(e, groups.get(e.id, {})) for e in rows]


@outreach_router.post(
    "/events/{event_id}/volunteers", status_code=201, summary="A volunteer served at an event"
)
def add_participation(
    event_id: int,
    payload: Annotated[ParticipationCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_writer],
) -> dict[str, Any]:
    row = service.add_participation(session, user.actor, user.scope, event_id, payload)
    return {"id": row.id, "event_id": event_id, "person_code": payload.person_code}


@outreach_router.get("/volunteers", summary="Registered volunteers with participations and hours")
def list_volunteers(
    session: SessionDep, user: Annotated[CurrentUser, outreach_reader]
) -> list[dict[str, Any]]:
    return [
        {**_person(v.person), "participations": v.participations, "hours": v.hours}
        for v in service.volunteers(session, user.scope)
    ]


@outreach_router.post("/open-days", status_code=201, summary="Record a station open day (开放日)")
def record_open_day(
    payload: Annotated[OpenDayCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_writer],
) -> dict[str, Any]:
    row = service.record_open_day(session, user.actor, user.scope, payload)
    return {"id": row.id, "station_code": payload.station_code, "day": row.day}


@outreach_router.delete(
    "/open-days/{station_code}/{day}", status_code=204, summary="Remove an open day"
)
def remove_open_day(
    station_code: str,
    day: date,
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_writer],
) -> None:
    service.remove_open_day(session, user.actor, user.scope, station_code, day)


@outreach_router.get(
    "/open-days/check", summary="Each station's open days in a year against ≥30/year, ≥2/month"
)
def open_day_check(
    year: int,
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_reader],
    station: str | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "station_code": c.station_code,
            "station_name": c.station_name,
            "year": c.year,
            "months": c.months,
            "total": c.total,
            "short_months": c.short_months,
            "met": c.met,
        }
        for c in service.open_day_checks(session, user.scope, year, station)
    ]


@outreach_router.get("/survey-keys", summary="Answer keys a questionnaire export is scored with")
def survey_keys(user: Annotated[CurrentUser, outreach_reader]) -> list[dict[str, Any]]:
    return [
        {
            "id": k.id,
            "title": k.title,
            "pass_mark": k.pass_mark,
            "total_points": k.total_points,
            "questions": [{"number": q.number, "text": q.text} for q in k.questions],
            "educated_question": k.educated.number,
        }
        for k in survey.builtin_keys().values()
    ]


@outreach_router.post(
    "/surveys/import",
    status_code=201,
    summary="Import a questionnaire export (知晓率)",
    **upload(UploadKind.IMPORT),
)
def import_survey(
    file: Annotated[UploadFile, File(description="问卷星-style export, CSV or XLSX")],
    jurisdiction_code: Annotated[str, Form()],
    session: SessionDep,
    user: Annotated[CurrentUser, outreach_writer],
    key: Annotated[str, Form()] = "public-awareness",
    title: Annotated[str, Form()] = "",
    surveyed_on: Annotated[date | None, Form()] = None,
) -> dict[str, Any]:
    row = service.import_survey(
        session,
        user.actor,
        user.scope,
        file.file.read(),
        file.filename or "",
        jurisdiction_code,
        key,
        title,
        surveyed_on,
    )
    return _survey(row)


def _survey(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "surveyed_on": s.surveyed_on,
        "year": s.year,
        "respondents": s.respondents,
        "passed": s.passed,
        "educated": s.educated,
        "awareness_rate": s.passed / s.respondents * 100 if s.respondents else None,
    }


@outreach_router.get("/surveys", summary="Survey batches, newest first")
def list_surveys(
    session: SessionDep, user: Annotated[CurrentUser, outreach_reader]
) -> list[dict[str, Any]]:
    return [
        {**_survey(s), "jurisdiction": name}
        for s, name in service.list_surveys(session, user.scope)
    ]
