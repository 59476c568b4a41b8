"""HTTP routes of the monitoring centre (监控中心): alarms and their handling, the live alarm
stream, devices' status by unit, the quarantine of unknown senders, and the figures.

Writes open their own unit of work so the live feed is woken only after the commit."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.api.storable import INT_MAX
from lanyan.core.timeutil import local_today, utcnow
from lanyan.monitoring import (
    alarm_machine,
    duty,
    duty_check_service,
    duty_checks,
    duty_service,
    handling,
    history,
    maintenance,
    maintenance_service,
    views,
    work_order_service,
)
from lanyan.monitoring.choices import (
    AlarmStatus,
    CheckState,
    PanelState,
    QuarantineStatus,
    SignalKind,
    SiteVerdict,
    WorkOrderStatus,
)
from lanyan.monitoring.ingest import accept_sender, reject_sender
from lanyan.monitoring.live import AlarmHub
from lanyan.store.db import unit_of_work

ALARMS, QUARANTINE, MONITORING = "alarms", "quarantine", "monitoring"
SITE = "alarm-site"  # 现场确认 by a unit's control room (消控室值班员)
router = APIRouter(prefix="/api/monitoring", tags=["Monitoring 监控中心"])
alarm_reader, alarm_writer = require(ALARMS, "read"), require(ALARMS, "write")
q_reader, q_writer = require(QUARANTINE, "read"), require(QUARANTINE, "write")
stats_reader = require(MONITORING, "read")
site_writer = require(SITE, "write")
duty_reader, duty_writer = require(duty_service.SLUG, "read"), require(duty_service.SLUG, "write")
check_reader = require(duty_check_service.SLUG, "read")
check_writer = require(duty_check_service.SLUG, "write")
order_reader = require(work_order_service.SLUG, "read")
order_writer = require(work_order_service.SLUG, "write")

KEEPALIVE_S = 15.0


class AlarmPage(Page[dict[str, Any]]):
    """A page of alarms (its items are ``views.alarm_item`` dicts), named for the OpenAPI."""


class Handling(BaseModel):
    """An operator's decision on an alarm, with an optional note (处置说明)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: str = Field(default="", max_length=alarm_machine.NOTE_MAX)


class SiteConfirmation(BaseModel):
    """现场确认: what the unit's control-room operator found on site, and a note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    verdict: SiteVerdict = Field(description="fire: real fire · false: false alarm · test: test")
    note: str = Field(min_length=1, max_length=alarm_machine.NOTE_MAX)


class Handover(BaseModel):
    """交接班: the incoming operator (a control-room operator of the unit) and a note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    accepted_by: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=duty.NOTE_MAX)


class HandoverPublic(BaseModel):
    id: int
    unit_code: str
    handed_by: str
    accepted_by: str
    at: datetime
    note: str


class RosterEntry(BaseModel):
    """值班人员名册: a control-room operator of the unit and their certificate."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    username: str = Field(min_length=1, max_length=64)
    certificate_no: str = Field(min_length=1, max_length=64)
    certificate_expires: date


class RosterEntryPublic(RosterEntry):
    model_config = ConfigDict(extra="ignore")
    id: int
    unit_code: str


class ShiftCreate(BaseModel):
    """值班排班: a shift's start and end (with a time zone) and its two certified operators."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    starts_at: datetime
    ends_at: datetime
    operators: list[str] = Field(max_length=10)


class ShiftPublic(BaseModel):
    id: int
    unit_code: str
    starts_at: datetime
    ends_at: datetime
    operators: list[str]
    slots: int
    created_by: str


class LogEntryCreate(BaseModel):
    """值班记录: when (not in the future), the panel's state and a note."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    at: datetime
    panel_state: PanelState
    note: str = Field(default="", max_length=duty.NOTE_MAX)


class LogEntryPublic(BaseModel):
    id: int
    unit_code: str
    at: datetime
    panel_state: str
    note: str
    recorded_by: str
    recorded_at: datetime


class ComplianceRowPublic(BaseModel):
    unit_code: str
    unit_name: str
    month: str
    shifts: int
    log_slots_due: int
    log_slots_on_time: int
    log_rate: float | None
    handovers: int


class CheckRoundCreate(BaseModel):
    """查岗: one unit (``unit_code``) or a random sample (``sample_size``) of the units in
    scope, answered within ``answer_within_minutes`` (1–255, as GB/T 26875.3 type 91)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    unit_code: str | None = Field(default=None, min_length=1, max_length=64)
    sample_size: int | None = Field(default=None, ge=1, le=duty_check_service.MAX_SAMPLE)
    answer_within_minutes: int = Field(
        default=duty_checks.DEFAULT_ANSWER_MINUTES, ge=1, le=duty_checks.MAX_ANSWER_MINUTES
    )


class CheckRoundPublic(BaseModel):
    id: int
    started_by: str
    started_at: datetime
    answer_within_minutes: int
    sample_size: int | None
    seed: str | None
    units: int
    counts: dict[str, int] = Field(default_factory=dict)


class DutyCheckPublic(BaseModel):
    id: int
    round_id: int
    unit_code: str
    unit_name: str
    sent_at: datetime
    deadline: datetime
    missed_at: datetime
    state: str
    answered_at: datetime | None
    answered_by: str | None
    seconds: float | None


class Accept(BaseModel):
    """Bind a quarantined sender to the registry device it belongs to."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    device_code: str = Field(min_length=1, max_length=64)


def hub_of(request: Request) -> AlarmHub:
    return request.app.state.alarm_hub


def unplaced_for(request: Request, session: Session, user: CurrentUser) -> bool:
    """Whether this user's desk gets unregistered senders' alarms (``views.sees_unplaced``)."""
    gateway = request.app.state.settings.monitor_unregistered_jurisdiction
    return views.sees_unplaced(session, user.role, user.scope, gateway)


_public = views.public_alarm


# --- alarms --------------------------------------------------------------------------------


@router.get("/alarms", response_model=AlarmPage, summary="List alarms, open fire alarms first")
def list_alarms(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, alarm_reader],
    kind: SignalKind | None = None,
    status: AlarmStatus | None = None,
    unit: Annotated[str | None, Query(max_length=18, description="unit code")] = None,
    jurisdiction: Annotated[
        str | None, Query(max_length=12, description="GB/T 2260 code; its subtree")
    ] = None,
    since: Annotated[datetime | None, Query(description="raised at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="raised before (ISO 8601)")] = None,
    open: Annotated[bool, Query(description="only active and confirmed")] = False,
    group_offline: Annotated[
        bool,
        Query(description="leave offline alarms out (see /offline-units), unless kind=offline"),
    ] = False,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    filters = views.AlarmFilter(kind, status, unit, jurisdiction, since, until, open, group_offline)
    unplaced = unplaced_for(request, session, user)
    items, total = views.list_alarms(session, user.scope, filters, page, size, unplaced)
    return {"items": [_public(i) for i in items], "total": total, "page": page, "size": size}


@router.get(
    "/offline-units",
    summary="Open offline alarms (离线) per unit: the number of devices offline, most first",
)
def offline_units(
    request: Request, session: SessionDep, user: Annotated[CurrentUser, alarm_reader]
) -> list[dict[str, Any]]:
    return views.offline_groups(session, user.scope, unplaced_for(request, session, user))


@router.get(
    "/alarms/stream",
    summary="Live alarm changes as server-sent events (event: alarm, data: the alarm)",
    response_class=StreamingResponse,
)
async def stream(request: Request, user: Annotated[CurrentUser, alarm_reader]) -> Any:
    hub = hub_of(request)
    with request.app.state.sessions() as session:
        unplaced = unplaced_for(request, session, user)
    sub = hub.subscribe(user.scope.path, unplaced)

    async def events() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\nevent: ready\ndata: {}\n\n"
            while True:
                try:
                    item = await asyncio.wait_for(sub.queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    if sub.dropped:
                        yield "event: resync\ndata: {}\n\n"
                        return
                    yield ": keep-alive\n\n"
                    continue
                data = json.dumps(_public(item), ensure_ascii=False, separators=(",", ":"))
                yield f"id: {item['id']}\nevent: alarm\ndata: {data}\n\n"
                sub.sent += 1
                if sub.dropped and sub.queue.empty():
                    yield "event: resync\ndata: {}\n\n"
                    return
        finally:
            hub.unsubscribe(sub)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/alarms/{alarm_id}", summary="One alarm with the frame that raised it")
def read_alarm(
    alarm_id: int,
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, alarm_reader],
) -> dict[str, Any]:
    unplaced = unplaced_for(request, session, user)
    return _public(views.alarm_detail(session, user.scope, alarm_id, unplaced))


def _handle(request: Request, user: CurrentUser, alarm_id: int, action: Any, note: str) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        unplaced = unplaced_for(request, session, user)
        action(session, user.actor, user.scope, alarm_id, utcnow(), note, unplaced=unplaced)
    hub_of(request).notify()
    with request.app.state.sessions() as session:
        return _public(views.alarm_detail(session, user.scope, alarm_id, unplaced=True))


@router.post("/alarms/{alarm_id}/confirm", summary="Confirm a fire alarm as real (火警确认)")
def confirm(
    alarm_id: int,
    request: Request,
    user: Annotated[CurrentUser, alarm_writer],
    payload: Annotated[Handling, Body()] = Handling(),
) -> Any:
    return _handle(request, user, alarm_id, handling.confirm_alarm, payload.note)


@router.post("/alarms/{alarm_id}/false-alarm", summary="Mark an alarm as false (误报)")
def false_alarm(
    alarm_id: int,
    request: Request,
    user: Annotated[CurrentUser, alarm_writer],
    payload: Annotated[Handling, Body()] = Handling(),
) -> Any:
    return _handle(request, user, alarm_id, handling.mark_false_alarm, payload.note)


@router.post(
    "/alarms/{alarm_id}/site-confirmation",
    summary="On-site confirmation by the unit's control room (现场确认: fire, false or test)",
)
def site_confirmation(
    alarm_id: int,
    request: Request,
    user: Annotated[CurrentUser, site_writer],
    payload: Annotated[SiteConfirmation, Body()],
) -> Any:
    """Recorded on the alarm and shown on the centre's desk; it closes nothing (only the
    centre's person confirms or marks a fire alarm false). A real fire escalates at once; a
    false or test verdict within ``LANYAN_MONITOR_ESCALATE_AFTER_S`` stops the escalation."""
    settings = request.app.state.settings
    within = timedelta(seconds=settings.monitor_escalate_after_s)
    with unit_of_work(request.app.state.sessions) as session:
        handling.site_confirm_alarm(
            session,
            user.actor,
            user.scope,
            alarm_id,
            payload.verdict,
            utcnow(),
            payload.note,
            within,
        )
    hub_of(request).notify()
    with request.app.state.sessions() as session:
        return _public(views.alarm_detail(session, user.scope, alarm_id))


@router.post(
    "/alarms/{alarm_id}/acknowledge", summary="Acknowledge a fault or other non-fire alarm"
)
def acknowledge(
    alarm_id: int,
    request: Request,
    user: Annotated[CurrentUser, alarm_writer],
    payload: Annotated[Handling, Body()] = Handling(),
) -> Any:
    return _handle(request, user, alarm_id, handling.acknowledge_alarm, payload.note)


@router.post(
    "/alarms/{alarm_id}/bind",
    summary="Bind an unregistered sender's alarm (未登记设备) to a registry device, in one step",
)
def bind(
    alarm_id: int,
    request: Request,
    user: Annotated[CurrentUser, q_writer],
    payload: Annotated[Accept, Body()],
) -> Any:
    """The sender of the alarm joins the device: its quarantined frames and alarms become the
    device's (as accepting it in the quarantine does)."""
    with unit_of_work(request.app.state.sessions) as session:
        unplaced = unplaced_for(request, session, user)
        views.alarm_detail(session, user.scope, alarm_id, unplaced)  # 404 outside the desk
        row = views.sender_of_alarm(session, alarm_id)
        device = views.device_in_scope(session, user.scope, payload.device_code)
        accept_sender(session, user.actor, row.protocol, row.address, device.code)
    hub_of(request).notify()
    with request.app.state.sessions() as session:
        return _public(views.alarm_detail(session, user.scope, alarm_id, unplaced=True))


# --- devices and figures -------------------------------------------------------------------


@router.post(
    "/units/{unit_code}/handovers",
    response_model=HandoverPublic,
    status_code=201,
    summary="Hand the control-room shift over (交接班); refused while alarms are open",
)
def hand_over(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_writer],
    payload: Annotated[Handover, Body()],
) -> Any:
    """Refused (409, naming each alarm) while one of the unit's fire alarms is open or a fault
    waits for a person; the incoming operator must be bound to the unit."""
    row = duty_service.hand_over(
        session, user.actor, user.scope, unit_code, payload.accepted_by, payload.note, utcnow()
    )
    return duty_service.public(row, unit_code)


@router.get(
    "/units/{unit_code}/handovers",
    response_model=Page[HandoverPublic],
    summary="A unit's control-room handovers, latest first",
)
def handovers(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_service.handovers(session, user.scope, unit_code, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/units/{unit_code}/duty-roster",
    response_model=RosterEntryPublic,
    summary="Put an operator and their certificate on the unit's duty roster (值班人员名册)",
)
def save_roster_entry(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_writer],
    payload: Annotated[RosterEntry, Body()],
) -> Any:
    """Adds the operator, or renews the certificate of one already on the roster."""
    row = duty_service.save_operator(
        session,
        user.actor,
        user.scope,
        unit_code,
        payload.username,
        payload.certificate_no,
        payload.certificate_expires,
    )
    return duty_service.operator_public(row, unit_code)


@router.get(
    "/units/{unit_code}/duty-roster",
    response_model=Page[RosterEntryPublic],
    summary="A unit's duty roster with certificates",
)
def roster(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_service.roster(session, user.scope, unit_code, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/units/{unit_code}/duty-shifts",
    response_model=ShiftPublic,
    status_code=201,
    summary="Plan a shift (值班排班): two certified operators of the roster",
)
def add_shift(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_writer],
    payload: Annotated[ShiftCreate, Body()],
) -> Any:
    """Refused (422 naming ``operators``) unless two different operators of the roster, with
    certificates valid to the shift's end, staff it."""
    row = duty_service.add_shift(
        session,
        user.actor,
        user.scope,
        unit_code,
        payload.starts_at,
        payload.ends_at,
        payload.operators,
    )
    return duty_service.shift_public(row, unit_code)


@router.get(
    "/units/{unit_code}/duty-shifts",
    response_model=Page[ShiftPublic],
    summary="A unit's shifts, latest first",
)
def shifts(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_service.shifts(session, user.scope, unit_code, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/units/{unit_code}/duty-log",
    response_model=LogEntryPublic,
    status_code=201,
    summary="Write a duty-log entry (值班记录) with the panel's state",
)
def add_log_entry(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_writer],
    payload: Annotated[LogEntryCreate, Body()],
) -> Any:
    """Refused (422 naming ``at``) for a time in the future or more than a day back."""
    row = duty_service.add_log_entry(
        session,
        user.actor,
        user.scope,
        unit_code,
        payload.at,
        payload.panel_state.value,
        payload.note,
        utcnow(),
    )
    return duty_service.log_public(row, unit_code)


@router.get(
    "/units/{unit_code}/duty-log",
    response_model=Page[LogEntryPublic],
    summary="A unit's duty log, latest first",
)
def log_entries(
    unit_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, duty_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_service.log_entries(session, user.scope, unit_code, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/duty-compliance",
    response_model=Page[ComplianceRowPublic],
    summary="Monthly duty compliance per unit (shifts, log slots on time, handovers)",
)
def duty_compliance(
    session: SessionDep,
    user: Annotated[CurrentUser, duty_reader],
    month: Annotated[
        str, Query(pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM, 1900–2099")
    ],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    first = date(int(month[:4]), int(month[5:7]), 1)
    items, total = duty_service.compliance(session, user.scope, first, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.post(
    "/duty-checks",
    response_model=CheckRoundPublic,
    status_code=201,
    summary="Start a remote duty check (查岗) of one unit or a random sample",
)
def start_duty_check(
    session: SessionDep,
    user: Annotated[CurrentUser, check_writer],
    payload: Annotated[CheckRoundCreate, Body()],
) -> Any:
    """The sample is drawn from a seed out of ``secrets``, kept on the round."""
    row = duty_check_service.start_round(
        session,
        user.actor,
        user.scope,
        utcnow(),
        payload.answer_within_minutes,
        payload.unit_code,
        payload.sample_size,
    )
    return {**duty_check_service.round_public(row), "counts": {}}


@router.get(
    "/duty-checks", response_model=Page[DutyCheckPublic], summary="Duty checks, latest first"
)
def duty_check_list(
    session: SessionDep,
    user: Annotated[CurrentUser, check_reader],
    round_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    state: CheckState | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_check_service.checks(session, user.scope, page, size, round_id, state)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/duty-checks/pending",
    response_model=list[DutyCheckPublic],
    summary="The pending duty checks of the caller's units (the control room's page)",
)
def pending_duty_checks(session: SessionDep, user: Annotated[CurrentUser, duty_reader]) -> Any:
    return duty_check_service.pending(session, user.scope, utcnow())


@router.post(
    "/duty-checks/{check_id}/answer",
    response_model=DutyCheckPublic,
    summary="The control room answers a duty check (查岗应答)",
)
def answer_duty_check(
    check_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    user: Annotated[CurrentUser, duty_writer],
) -> Any:
    """Answered or late by the clock; 409 once the check is missed or already answered."""
    return duty_check_service.answer(session, user.actor, user.scope, check_id, utcnow())


@router.get(
    "/duty-check-rounds",
    response_model=Page[CheckRoundPublic],
    summary="Duty-check rounds, latest first",
)
def duty_check_rounds(
    session: SessionDep,
    user: Annotated[CurrentUser, check_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = duty_check_service.rounds(session, user.scope, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/duty-check-rounds/{round_id}",
    response_model=CheckRoundPublic,
    summary="One duty-check round with its checks counted by state",
)
def duty_check_round(
    round_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    user: Annotated[CurrentUser, check_reader],
) -> Any:
    return duty_check_service.round_report(session, user.scope, round_id)


@router.get("/units/{unit_code}/devices", summary="A unit's devices: status and last heartbeat")
def unit_devices(
    unit_code: str, session: SessionDep, user: Annotated[CurrentUser, stats_reader]
) -> dict[str, Any]:
    return views.unit_devices(session, user.scope, unit_code)


@router.get(
    "/stats/units",
    summary="Per unit: online rate, open faults, false-alarm rate; least healthy first, paged",
)
def stats_units(
    session: SessionDep,
    user: Annotated[CurrentUser, stats_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> dict[str, Any]:
    items, total = views.unit_stats(session, user.scope, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get("/stats/jurisdictions", summary="Per jurisdiction: key units' connection rate")
def stats_jurisdictions(
    session: SessionDep, user: Annotated[CurrentUser, stats_reader]
) -> list[dict[str, Any]]:
    return views.jurisdiction_stats(session, user.scope)


@router.get(
    "/devices/{device_code}/history",
    summary="A device: status, messages received per day (设备在线记录), latest alarms",
)
def device_history(
    device_code: str,
    session: SessionDep,
    user: Annotated[CurrentUser, stats_reader],
    days: Annotated[int, Query(description="days back from today, 1 to 366")] = (
        history.DEFAULT_DAYS
    ),
) -> dict[str, Any]:
    return views.device_history(session, user.scope, device_code, days, local_today())


# --- quarantine ----------------------------------------------------------------------------


@router.get("/quarantine", summary="Unknown senders (隔离区), pending first")
def quarantine(
    session: SessionDep,
    user: Annotated[CurrentUser, q_reader],
    status: QuarantineStatus | None = None,
) -> list[dict[str, Any]]:
    return views.quarantine_list(session, status)


@router.post("/quarantine/{quarantine_id}/accept", summary="Bind a sender to a registry device")
def accept(
    quarantine_id: int,
    request: Request,
    user: Annotated[CurrentUser, q_writer],
    payload: Annotated[Accept, Body()],
) -> dict[str, Any]:
    with unit_of_work(request.app.state.sessions) as session:
        row = views.quarantine_row(session, quarantine_id)
        device = views.device_in_scope(session, user.scope, payload.device_code)
        accept_sender(session, user.actor, row.protocol, row.address, device.code)
        protocol, address = row.protocol, row.address
    hub_of(request).notify()  # its alarms are verified now and may move into scopes
    with request.app.state.sessions() as session:
        return next(
            q
            for q in views.quarantine_list(session, None)
            if (q["protocol"], q["address"]) == (protocol, address)
        )


@router.post("/quarantine/{quarantine_id}/reject", summary="Mark a sender as not ours")
def reject(
    quarantine_id: int,
    request: Request,
    user: Annotated[CurrentUser, q_writer],
) -> dict[str, Any]:
    with unit_of_work(request.app.state.sessions) as session:
        row = views.quarantine_row(session, quarantine_id)
        reject_sender(session, user.actor, row.protocol, row.address)
        protocol, address = row.protocol, row.address
    with request.app.state.sessions() as session:
        return next(
            q
            for q in views.quarantine_list(session, None)
            if (q["protocol"], q["address"]) == (protocol, address)
        )


async def run_housekeeping(app: Any) -> None:
    """The housekeeping loop of ``lanyan serve`` (see ``Settings.monitor_*``)."""

    from lanyan.monitoring.housekeeping import Housekeeping

    settings = app.state.settings
    chores = Housekeeping.from_settings(settings)
    with contextlib.suppress(asyncio.CancelledError):
        await chores.run(
            app.state.sessions,
            settings.monitor_housekeeping_every_s,
            on_change=app.state.alarm_hub.notify,
        )


# --- repair work orders (维修工单) ----------------------------------------------------------


class WorkOrderPage(Page[dict[str, Any]]):
    """A page of repair work orders (``work_order_service.order_item`` dicts)."""


class RepairStart(BaseModel):
    """开始维修: who repairs it."""

    model_config = ConfigDict(extra="forbid")
    repairer: str = Field(description="the repairer's name (维修人)")


class RepairDoneBody(BaseModel):
    """维修完成: what was done."""

    model_config = ConfigDict(extra="forbid")
    work_done: str = Field(description="what was done (维修内容)")


@router.post("/alarms/{alarm_id}/work-order", summary="Open the repair work order of a fault")
def open_work_order(
    alarm_id: int, request: Request, user: Annotated[CurrentUser, order_writer]
) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        order_id = work_order_service.open_order(
            session, user.actor, user.scope, alarm_id, utcnow()
        ).id
    with request.app.state.sessions() as session:
        return work_order_service.order_detail(session, user.scope, order_id)


@router.get("/work-orders", response_model=WorkOrderPage, summary="Repair work orders (维修工单)")
def work_orders_list(
    session: SessionDep,
    user: Annotated[CurrentUser, order_reader],
    page: PageNo = 1,
    size: PageSize = 50,
    status: WorkOrderStatus | None = None,
) -> Any:
    items, total = work_order_service.list_orders(session, user.scope, status, page, size)
    return WorkOrderPage(items=items, total=total, page=page, size=size)


@router.get("/work-orders/{order_id}", summary="One repair work order")
def work_order_detail(
    order_id: int, session: SessionDep, user: Annotated[CurrentUser, order_reader]
) -> Any:
    return work_order_service.order_detail(session, user.scope, order_id)


@router.post("/work-orders/{order_id}/start", summary="Start the repair (开始维修)")
def work_order_start(
    order_id: int,
    request: Request,
    user: Annotated[CurrentUser, order_writer],
    payload: Annotated[RepairStart, Body()],
) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        work_order_service.start_repair(
            session, user.actor, user.scope, order_id, utcnow(), payload.repairer
        )
    with request.app.state.sessions() as session:
        return work_order_service.order_detail(session, user.scope, order_id)


@router.post(
    "/work-orders/{order_id}/done", summary="Repair done (维修完成): closes the fault alarm"
)
def work_order_done(
    order_id: int,
    request: Request,
    user: Annotated[CurrentUser, order_writer],
    payload: Annotated[RepairDoneBody, Body()],
) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        work_order_service.complete_repair(
            session, user.actor, user.scope, order_id, utcnow(), payload.work_done
        )
    hub_of(request).notify()
    with request.app.state.sessions() as session:
        return work_order_service.order_detail(session, user.scope, order_id)


# --- maintenance (维保, GB 25201) ------------------------------------------------------------

maintenance_reader = require(maintenance_service.SLUG, "read")
maintenance_writer = require(maintenance_service.SLUG, "write")


class MaintenancePage(Page[dict[str, Any]]):
    """A page of maintenance rows (contracts, records, reports or units)."""


class ContractBody(BaseModel):
    """维保合同: the company by its 统一社会信用代码, the period and the systems covered."""

    model_config = ConfigDict(extra="forbid")
    unit_id: int
    company_code: str = Field(description="the maintenance company's code (维保单位)")
    number: str = Field(description="the contract's number (合同编号)")
    start_on: date
    end_on: date
    systems: list[str] = Field(description="checklist system codes (GET .../checklist)")


class ItemAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    result: str = Field(description="normal (正常), abnormal (异常) or not_applicable (不适用)")
    note: str = ""
    open_order: bool = Field(False, description="an abnormal item: open a repair work order")


class RecordBody(BaseModel):
    """月度维护保养记录 of one system: every item of the system answered."""

    model_config = ConfigDict(extra="forbid")
    unit_id: int
    month: str = Field(description="YYYY-MM")
    system: str
    items: dict[str, ItemAnswer]


def _remind_days(request: Request) -> int:
    return int(request.app.state.settings.maintenance_remind_days)


@router.get("/maintenance/checklist", summary="The monthly maintenance checklist (GB 25201)")
def maintenance_checklist(user: Annotated[CurrentUser, maintenance_reader]) -> Any:
    return [
        {
            "code": s.code,
            "zh": s.zh,
            "en": s.en,
            "fire_systems": sorted(s.fire_systems),
            "always": s.always,
            "items": [{"code": i.code, "zh": i.zh, "en": i.en} for i in s.items],
        }
        for s in maintenance.checklist()
    ]


@router.get("/maintenance/units", response_model=MaintenancePage, summary="Units in reach")
def maintenance_units(
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    q: str = "",
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.units_in_reach(session, user.scope, q, page, size)
    return MaintenancePage(items=items, total=total, page=page, size=size)


@router.get("/maintenance/units/{unit_id}/systems", summary="The checklist systems a unit has")
def maintenance_unit_systems(
    unit_id: int, session: SessionDep, user: Annotated[CurrentUser, maintenance_reader]
) -> Any:
    unit = maintenance_service.reachable_unit(session, user.scope, unit_id)
    return [{"code": s.code, "zh": s.zh} for s in maintenance_service.systems_of(session, unit.id)]


@router.post("/maintenance/contracts", summary="Add a maintenance contract (维保合同)")
def maintenance_contract_create(
    request: Request,
    user: Annotated[CurrentUser, maintenance_writer],
    payload: Annotated[ContractBody, Body()],
) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        row = maintenance_service.create_contract(
            session,
            user.actor,
            user.scope,
            payload.unit_id,
            payload.company_code,
            payload.number,
            payload.start_on,
            payload.end_on,
            payload.systems,
        )
        contract_id = row.id
    with request.app.state.sessions() as session:
        items, _ = maintenance_service.list_contracts(
            session, user.scope, payload.unit_id, local_today(), _remind_days(request), 1, 1000
        )
        return next(c for c in items if c["id"] == contract_id)


@router.get("/maintenance/contracts", response_model=MaintenancePage, summary="Contracts")
def maintenance_contracts(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    unit_id: int | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.list_contracts(
        session, user.scope, unit_id, local_today(), _remind_days(request), page, size
    )
    return MaintenancePage(items=items, total=total, page=page, size=size)


@router.get(
    "/maintenance/reminders",
    response_model=MaintenancePage,
    summary="Contracts expiring within LANYAN_MAINTENANCE_REMIND_DAYS or expired (到期提醒)",
)
def maintenance_reminders(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.expiry_reminders(
        session, user.scope, local_today(), _remind_days(request), page, size
    )
    return MaintenancePage(items=items, total=total, page=page, size=size)


@router.post("/maintenance/records", summary="Record a month's maintenance of one system")
def maintenance_record_create(
    request: Request,
    user: Annotated[CurrentUser, maintenance_writer],
    payload: Annotated[RecordBody, Body()],
) -> Any:
    with unit_of_work(request.app.state.sessions) as session:
        row = maintenance_service.record_month(
            session,
            user.actor,
            user.scope,
            payload.unit_id,
            payload.month,
            payload.system,
            {k: (v.result, v.note) for k, v in payload.items.items()},
            {k for k, v in payload.items.items() if v.open_order},
            local_today(),
            utcnow(),
        )
        record_id = row.id
    with request.app.state.sessions() as session:
        return maintenance_service.record_detail(session, user.scope, record_id)


@router.get("/maintenance/records", response_model=MaintenancePage, summary="Monthly records")
def maintenance_records(
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    unit_id: int | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.list_records(session, user.scope, unit_id, page, size)
    return MaintenancePage(items=items, total=total, page=page, size=size)


@router.get("/maintenance/records/{record_id}", summary="One monthly record with its items")
def maintenance_record(
    record_id: int, session: SessionDep, user: Annotated[CurrentUser, maintenance_reader]
) -> Any:
    return maintenance_service.record_detail(session, user.scope, record_id)


# Multipart fields are not seen by api.storable's check: bounded here (a NUL or a 64-bit integer
# would reach PostgreSQL and come back as a 500).
NO_NUL = r"^[^\x00]*$"


@router.post(
    "/maintenance/reports",
    status_code=201,
    summary="Upload the annual test report (年度检测, a PDF)",
    **upload(UploadKind.ATTACHMENT),
)
def maintenance_report_upload(
    request: Request,
    user: Annotated[CurrentUser, maintenance_writer],
    unit_id: Annotated[int, Form(ge=1, le=INT_MAX)],
    year: Annotated[int, Form(ge=1900, le=2100)],
    company_code: Annotated[str, Form(max_length=64, pattern=NO_NUL)],
    tested_on: Annotated[date, Form()],
    conclusion: Annotated[
        str, Form(max_length=16, pattern=NO_NUL, description="pass (合格) or fail (不合格)")
    ],
    file: Annotated[UploadFile, File(description="the report as a PDF")],
) -> Any:
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    data = file.file.read(limit + 1)
    with unit_of_work(request.app.state.sessions) as session:
        row = maintenance_service.upload_report(
            session,
            user.actor,
            user.scope,
            unit_id,
            year,
            company_code,
            tested_on,
            conclusion,
            file.filename or "",
            data,
            settings.data_dir,
            limit,
            local_today(),
        )
        report_id = row.id
    with request.app.state.sessions() as session:
        return maintenance_service.report_item(session, user.scope, report_id)


@router.get("/maintenance/reports", response_model=MaintenancePage, summary="Annual reports")
def maintenance_reports(
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    unit_id: int | None = None,
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.list_reports(session, user.scope, unit_id, page, size)
    return MaintenancePage(items=items, total=total, page=page, size=size)


@router.get("/maintenance/reports/{report_id}/content", summary="The annual report's PDF")
def maintenance_report_content(
    report_id: int,
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
) -> Response:
    row, data = maintenance_service.report_content(
        session, user.scope, report_id, request.app.state.settings.data_dir
    )
    return Response(
        data,
        media_type=maintenance_service.PDF,
        headers={
            "Content-Disposition": f'inline; filename="report-{row.year}-{row.id}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{row.sha256}"',
        },
    )


@router.get(
    "/maintenance/missing-reports",
    response_model=MaintenancePage,
    summary="Key units without an annual test report for the year",
)
def maintenance_missing_reports(
    session: SessionDep,
    user: Annotated[CurrentUser, maintenance_reader],
    year: Annotated[int, Query(ge=2000, le=2100)],
    page: PageNo = 1,
    size: PageSize = 50,
) -> Any:
    items, total = maintenance_service.units_without_report(session, user.scope, year, page, size)
    return MaintenancePage(items=items, total=total, page=page, size=size)
