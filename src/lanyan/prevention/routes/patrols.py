"""HTTP routes of patrols (巡查): checkpoints and their QR labels, duties, grid tasks, patrols with
their scans, units' patrol compliance and 九小场所 coverage per grid."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, SettingsDep, require
from lanyan.api.paging import Page, PageNo, PageSize
from lanyan.core.timeutil import local_today
from lanyan.logistics import labels
from lanyan.prevention import patrols
from lanyan.prevention.models.patrols import Checkpoint, PatrolRound
from lanyan.prevention.nine_small import checklists as nine_small_checklists
from lanyan.prevention.patrols import PatrolKind
from lanyan.registry.models import Grid, Unit

router = APIRouter(prefix="/api/patrols", tags=["Patrols 巡查"])
reader = require(patrols.SLUG, "read")
writer = require(patrols.SLUG, "write")
manager = require("patrol-admin", "write")
CODE = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$"


class CheckpointCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=CODE)
    name: str = Field(min_length=1, max_length=100)
    unit_code: str | None = Field(None, min_length=1)
    grid_code: str | None = Field(None, min_length=1)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class DutyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    unit_code: str | None = Field(None, min_length=1)
    grid_code: str | None = Field(None, min_length=1)


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grid_code: str
    assignee: str
    due_on: date
    title: str = Field(min_length=1, max_length=200)
    unit_code: str | None = Field(None, min_length=1)


class PatrolStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PatrolKind
    unit_code: str | None = Field(None, min_length=1)
    grid_code: str | None = Field(None, min_length=1)
    task_id: int | None = None


class ScanCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=32)
    ok: bool
    note: str = Field("", max_length=255)
    hazard_unit_code: str | None = None
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    place_kind: str | None = None
    checklist: list[str] = Field(default_factory=list, max_length=40)


class GridWorkerPublic(BaseModel):
    code: str  # the user name (what the picker posts)
    name: str


class ReportedHazard(BaseModel):
    id: int
    code: str
    description: str
    state: str
    found_at: Any
    unit_name: str
    lon: float | None
    lat: float | None
    place_kind: str | None


def checkpoint_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/patrol/cp/{token}"


def checkpoint_public(session: Any, row: Checkpoint, base_url: str) -> dict[str, Any]:
    unit = session.get(Unit, row.unit_id) if row.unit_id else None
    grid = session.get(Grid, row.grid_id) if row.grid_id else None
    return {
        "code": row.code,
        "name": row.name,
        "unit_code": unit.code if unit else None,
        "unit_name": unit.name if unit else None,
        "grid_code": grid.code if grid else None,
        "active": row.active,
        "url": checkpoint_url(base_url, row.token),
    }


def patrol_public(session: Any, row: PatrolRound) -> dict[str, Any]:
    stops = patrols.route(session, row)
    return {
        "id": row.id,
        "kind": row.kind,
        "kind_name": PatrolKind(row.kind).zh,
        "patroller": row.patroller,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "checked_on": row.checked_on,
        "expected": row.expected,
        "scanned": row.scanned,
        "problems": row.problems,
        "route": [
            {
                "checkpoint": s.checkpoint.code,
                "name": s.checkpoint.name,
                "scanned_at": s.scan.scanned_at if s.scan else None,
                "ok": s.scan.ok if s.scan else None,
                "note": s.scan.note if s.scan else "",
                "hazard_id": s.scan.hazard_id if s.scan else None,
            }
            for s in stops
        ],
        "missed": [s.checkpoint.code for s in stops if s.scan is None] if row.finished_at else [],
    }


@router.post("/checkpoints", status_code=201, summary="Add a QR checkpoint (巡查点)")
def create_checkpoint(
    payload: Annotated[CheckpointCreate, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    if user.role in patrols.DUTY_BOUND:  # unit managers add points of the units they patrol
        unit = grid = None
        if payload.unit_code:
            unit = patrols.by_code(
                session, user.scope, Unit, payload.unit_code, "unit_code", "unit"
            )
        if payload.grid_code:
            grid = patrols.by_code(
                session, user.scope, Grid, payload.grid_code, "grid_code", "grid"
            )
        if unit or grid:
            patrols.may_patrol(session, user.role, user.id, user.scope, unit, grid)
    row = patrols.create_checkpoint(session, user.actor, user.scope, **payload.model_dump())
    return checkpoint_public(session, row, settings.public_base_url)


@router.get("/checkpoints", summary="Checkpoints of a unit or a grid")
def list_checkpoints(
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, reader],
    unit_code: str | None = None,
    grid_code: str | None = None,
) -> list[dict[str, Any]]:
    stmt = select(Checkpoint).where(patrols.in_scope(Checkpoint, user.scope))
    if unit_code:
        stmt = stmt.join(Unit, Unit.id == Checkpoint.unit_id).where(Unit.code == unit_code)
    if grid_code:
        stmt = stmt.join(Grid, Grid.id == Checkpoint.grid_id).where(Grid.code == grid_code)
    rows = session.execute(stmt.order_by(Checkpoint.code).limit(2000)).scalars()
    return [checkpoint_public(session, r, settings.public_base_url) for r in rows]


@router.get("/checkpoints/labels.{fmt}", summary="Printable QR sheet of checkpoints")
def checkpoint_labels(
    fmt: Literal["png", "svg", "pdf"],
    session: SessionDep,
    settings: SettingsDep,
    user: Annotated[CurrentUser, reader],
    codes: Annotated[list[str], Query()] = [],  # noqa: B006 — FastAPI copies query defaults
) -> Response:
    rows = session.execute(
        select(Checkpoint)
        .where(Checkpoint.code.in_(codes), patrols.in_scope(Checkpoint, user.scope))
        .order_by(Checkpoint.code)
    ).scalars()
    sheet = [
        labels.Label(r.code, r.name, checkpoint_url(settings.public_base_url, r.token))
        for r in rows
    ]
    body = labels.render(sheet, fmt, settings.label_font)
    return Response(
        body,
        media_type=labels.MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'inline; filename="checkpoints.{fmt}"'},
    )


@router.post("/duties", status_code=201, summary="Put a unit manager or grid worker on duty")
def assign_duty(
    payload: Annotated[DutyCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, manager],
) -> dict[str, Any]:
    row = patrols.assign_duty(session, user.actor, user.scope, **payload.model_dump())
    return {"id": row.id, **payload.model_dump()}


@router.post("/tasks", status_code=201, summary="Give a grid worker a patrol task")
def create_task(
    payload: Annotated[TaskCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, manager],
) -> dict[str, Any]:
    row = patrols.create_task(session, user.actor, user.scope, **payload.model_dump())
    return {"id": row.id, "due_on": row.due_on, "title": row.title}


@router.get(
    "/grid-workers",
    response_model=Page[GridWorkerPublic],
    summary="Grid workers on duty in your scope (the task picker's list)",
)
def grid_workers(
    session: SessionDep,
    user: Annotated[CurrentUser, manager],
    q: str = "",
    page: PageNo = 1,
    size: PageSize = 20,
) -> Any:
    items, total = patrols.grid_workers(session, user.scope, q, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get(
    "/hazards/mine",
    response_model=Page[ReportedHazard],
    summary="我上报的隐患: hazards I reported on patrols, with their state",
)
def my_hazards(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    page: PageNo = 1,
    size: PageSize = 20,
) -> Any:
    items, total = patrols.reported_hazards(session, user.username, page, size)
    return {"items": items, "total": total, "page": page, "size": size}


@router.get("/nine-small-checklist", summary="The 九小场所 checklist by kind of place")
def nine_small_checklist(user: Annotated[CurrentUser, reader]) -> dict[str, Any]:
    lists = nine_small_checklists()
    return {
        "source_zh": lists.source_zh,
        "source_en": lists.source_en,
        "places": [
            {
                "code": p.code,
                "zh": p.zh,
                "en": p.en,
                "items": [vars(i) for i in p.items],
            }
            for p in lists.places
        ],
    }


@router.get("/tasks/overdue", summary="Grid patrol tasks past their day (逾期任务)")
def overdue_tasks(
    session: SessionDep, user: Annotated[CurrentUser, reader], today: date | None = None
) -> list[dict[str, Any]]:
    rows = patrols.overdue_tasks(session, user.scope, today or local_today())
    return [{"id": t.id, "title": t.title, "due_on": t.due_on, "grid_id": t.grid_id} for t in rows]


@router.post("", status_code=201, summary="Start a patrol (开始巡查)")
def start(
    payload: Annotated[PatrolStart, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = patrols.start(session, user.actor, user.scope, user.role, **payload.model_dump())
    return patrol_public(session, row)


@router.get("/{patrol_id}", summary="A patrol with its route and scans")
def read(patrol_id: int, session: SessionDep, user: Annotated[CurrentUser, reader]) -> dict:
    return patrol_public(session, patrols.get_patrol(session, user.scope, patrol_id))


@router.post("/{patrol_id}/scans", status_code=201, summary="Record a scanned checkpoint")
def scan(
    patrol_id: int,
    payload: Annotated[ScanCreate, Body()],
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
) -> dict[str, Any]:
    row = patrols.scan(session, user.actor, user.scope, patrol_id=patrol_id, **payload.model_dump())
    return {"ok": row.ok, "hazard_id": row.hazard_id, "scanned_at": row.scanned_at}


@router.post("/{patrol_id}/finish", summary="Finish a patrol (结束巡查)")
def finish(patrol_id: int, session: SessionDep, user: Annotated[CurrentUser, writer]) -> dict:
    return patrol_public(session, patrols.finish(session, user.actor, user.scope, patrol_id))


@router.get("/reports/compliance", summary="Units' patrol days and monthly check in a month")
def compliance(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    year: Annotated[int, Query(ge=2000, le=2100)],
    month: Annotated[int, Query(ge=1, le=12)],
) -> list[dict[str, Any]]:
    return [
        {
            "unit_code": c.unit.code,
            "unit_name": c.unit.name,
            "category": c.unit.category,
            "patrol_days": c.patrol_days,
            "days_in_month": c.days_in_month,
            "days_due": c.days_due,
            "patrol_rate": c.patrol_rate,
            "monthly_check": c.monthly_check,
        }
        for c in patrols.compliance(session, user.scope, year, month)
    ]


@router.get("/reports/nine-small-coverage", summary="九小场所 visited by grid patrols, per grid")
def nine_small(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    start_on: date,
    end_on: date,
) -> list[dict[str, Any]]:
    return [
        {
            "grid_code": g.grid.code,
            "grid_name": g.grid.name,
            "nine_small": g.nine_small,
            "visited": g.visited,
            "rate": g.rate,
        }
        for g in patrols.nine_small_coverage(session, user.scope, start_on, end_on)
    ]
