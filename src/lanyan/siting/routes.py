"""HTTP routes of decision support (辅助决策): coverage, what-if, siting runs, hydrant gaps.

Reading (coverage, what-if, hydrant gaps) needs read access to ``planning``; a siting run,
which holds a CPU for up to its time limit, needs write access (the roles that write plans).
Everything is limited to the user's jurisdiction scope. Siting runs go to a background job
(one at a time on this server) that the client polls for its stage and result.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field, model_validator

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.registry.choices import RoadClass
from lanyan.response.roads import registry_graph
from lanyan.response.routing.networks import GraphCache
from lanyan.response.routing.router import Router
from lanyan.response.routing.speeds import SpeedTable
from lanyan.siting.coverage import check_minutes
from lanyan.siting.report import Change, what_if_coverages, what_if_figures
from lanyan.siting.service import (
    coverage_with_layers,
    gaps_geojson,
    hydrant_gaps,
    load_study,
    service_areas,
    site_run,
    uncovered_geojson,
)

SLUG = "planning"
router = APIRouter(prefix="/api/planning", tags=["Planning 辅助决策"])
reader = require(SLUG, "read")
writer = require(SLUG, "write")
Status = Literal["existing", "under_construction", "planned"]
URBAN_CLASSES = [RoadClass.ARTERIAL.value, RoadClass.SECONDARY.value, RoadClass.LOCAL.value]
JOBS_KEPT = 20


def _router(request: Request, session: SessionDep) -> Router:
    settings = request.app.state.settings
    graph = registry_graph(session, SpeedTable.load(), GraphCache(settings.data_dir / "networks"))
    return Router(graph)


class StudyParams(BaseModel):
    minutes: float = Field(5.0, gt=0, le=60, description="response standard (min), 建标152")
    turnout_minutes: float = Field(1.0, ge=0, le=10, description="turn-out time inside it (min)")
    statuses: list[Status] = Field(["existing"], min_length=1)
    cell_m: float = Field(500.0, ge=100, le=5000, description="demand grid cell (m)")


class ChangeIn(BaseModel):
    action: Literal["add", "move", "remove"]
    code: str | None = Field(None, max_length=50)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)

    @model_validator(mode="after")
    def _complete(self) -> ChangeIn:
        if self.action in ("add", "move") and (self.lon is None or self.lat is None):
            raise ValueError(f"{self.action} needs lon and lat")
        if self.action in ("move", "remove") and not self.code:
            raise ValueError(f"{self.action} needs the station code")
        return self


class WhatIfIn(StudyParams):
    changes: list[ChangeIn] = Field(min_length=1, max_length=50)


class SitingIn(StudyParams):
    model: Literal["lscp", "mclp", "pmedian"]
    p: int = Field(1, ge=1, le=50, description="new sites (mclp, pmedian)")
    spacing_m: float = Field(2000.0, ge=200, le=20000, description="candidate grid spacing (m)")
    time_limit: float = Field(60.0, gt=0, le=600, description="HiGHS time limit (s)")
    gap: float = Field(1e-4, ge=0, le=0.1, description="relative MIP gap to stop at")
    cell_m: float = Field(1000.0, ge=100, le=5000, description="demand grid cell (m)")


@dataclass
class Job:
    id: str
    owner: int
    scope_path: str  # the materialised path of the jurisdiction the run studied
    params: dict[str, Any]
    state: str = "queued"  # queued, running, done, failed
    stage: str = "queued"
    progress: float = 0.0
    started: float = field(default_factory=time.time)
    seconds: float | None = None
    result: dict[str, Any] | None = None
    errors: list[dict[str, object]] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "stage": self.stage,
            "progress": round(self.progress, 3),
            "seconds": self.seconds,
            "params": self.params,
            "result": self.result,
            "errors": self.errors,
        }


class Jobs:
    """Siting runs of this server process, newest kept; one runs at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, Job] = {}

    def running(self) -> Job | None:
        return next((j for j in self.items.values() if j.state in ("queued", "running")), None)

    def add(self, job: Job) -> None:
        with self.lock:
            busy = self.running()
            if busy is not None:
                raise Conflict(
                    f"siting run {busy.id} is still running",
                    [FieldProblem("model", "one siting run at a time: wait for the running one")],
                )
            self.items[job.id] = job
            for old in list(self.items)[:-JOBS_KEPT]:
                del self.items[old]


def _jobs(request: Request) -> Jobs:
    state = request.app.state
    if getattr(state, "planning_jobs", None) is None:
        state.planning_jobs = Jobs()
    return state.planning_jobs


@router.get("/coverage", summary="Coverage per station and in total, with service areas")
def coverage(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    minutes: Annotated[float, Query(gt=0, le=60)] = 5.0,
    turnout_minutes: Annotated[float, Query(ge=0, le=10)] = 1.0,
    statuses: Annotated[list[Status] | None, Query()] = None,
    cell_m: Annotated[float, Query(ge=100, le=5000)] = 500.0,
    polygons: bool = True,
    gaps: Annotated[int, Query(ge=0, le=500)] = 20,
) -> dict[str, Any]:
    check_minutes(minutes, turnout_minutes)
    study = load_study(session, user.scope, statuses or ["existing"], cell_m)
    return coverage_with_layers(
        _router(request, session), study, minutes, turnout_minutes, gaps, polygons
    )


@router.post("/what-if", summary="Coverage change from adding, moving or removing stations")
def what_if(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    payload: Annotated[WhatIfIn, Body()],
) -> dict[str, Any]:
    check_minutes(payload.minutes, payload.turnout_minutes)
    study = load_study(session, user.scope, payload.statuses, payload.cell_m)
    changes = [
        Change(c.action, c.code or f"NEW-{n}", c.lon, c.lat)
        for n, c in enumerate(payload.changes, start=1)
    ]
    codes = {s.code for s in study.sites}
    for n, c in enumerate(payload.changes):
        if c.action != "add" and c.code not in codes:
            raise ValidationFailed(
                f"no station {c.code} in this study",
                [FieldProblem(f"changes.{n}.code", "must name a station in your jurisdiction")],
            )
        if c.action == "add":
            codes.add(f"NEW-{n + 1}")
    before, after, after_sites = what_if_coverages(
        _router(request, session),
        study.sites,
        changes,
        study.demand,
        study.key_units,
        payload.minutes,
        payload.turnout_minutes,
    )
    out = what_if_figures(before, after, after_sites, changes, study.demand)
    out["stations"] = [
        {"code": s.code, "name": s.name, "lon": s.lon, "lat": s.lat, "status": s.status}
        for s in after_sites
    ]
    out["uncovered"] = uncovered_geojson(study, after.covered)
    drive_s = (payload.minutes - payload.turnout_minutes) * 60.0
    changed = [s for s in after_sites if s.status == "what_if"]
    out["service_areas"] = service_areas(_router(request, session), changed, drive_s)
    return out


@router.post("/siting", status_code=202, summary="Start a siting run (LSCP, MCLP, p-median)")
def start_siting(
    request: Request,
    session: SessionDep,
    user: Annotated[CurrentUser, writer],
    payload: Annotated[SitingIn, Body()],
) -> dict[str, Any]:
    check_minutes(payload.minutes, payload.turnout_minutes)
    study = load_study(session, user.scope, payload.statuses, payload.cell_m)
    rt = _router(request, session)
    job = Job(uuid.uuid4().hex[:12], user.id, user.scope.path, payload.model_dump())
    jobs = _jobs(request)
    jobs.add(job)

    def progress(stage: str, fraction: float) -> None:
        job.stage, job.progress = stage, fraction

    def run() -> None:
        job.state = "running"
        t0 = time.perf_counter()
        try:
            job.result = site_run(
                rt,
                study,
                payload.model,
                payload.p,
                payload.minutes,
                payload.turnout_minutes,
                payload.spacing_m,
                payload.time_limit,
                payload.gap,
                progress,
            )
            job.state, job.stage, job.progress = "done", "done", 1.0
        except ValidationFailed as exc:
            job.state, job.stage = "failed", "failed"
            job.errors = [p.as_dict() for p in exc.problems] or [
                {"field": "model", "rule": exc.message}
            ]
        except Exception as exc:
            job.state, job.stage = "failed", "failed"
            job.errors = [{"field": "model", "rule": f"the run failed ({exc.__class__.__name__})"}]
        job.seconds = round(time.perf_counter() - t0, 3)

    threading.Thread(target=run, name=f"siting-{job.id}", daemon=True).start()
    return job.public()


@router.get("/siting/{job_id}", summary="A siting run's stage, progress and result")
def siting_job(
    request: Request, job_id: str, user: Annotated[CurrentUser, reader]
) -> dict[str, Any]:
    job = _jobs(request).items.get(job_id)
    # A run of another jurisdiction is not shown outside it (its sites and figures are its own).
    if job is None or not job.scope_path.startswith(user.scope.path):
        raise NotFound(f"no siting run {job_id}")
    return job.public()


@router.get("/hydrant-gaps", summary="Hydrant gaps along roads, proposed hydrants, build list")
def gaps(
    session: SessionDep,
    user: Annotated[CurrentUser, reader],
    radius_m: Annotated[float, Query(gt=0, le=500)] = 150.0,
    spacing_m: Annotated[float, Query(gt=0, le=500)] = 120.0,
    per_year: Annotated[int | None, Query(ge=1, le=10000)] = None,
    distance: Literal["network", "straight"] = "network",
    classes: Annotated[list[str] | None, Query()] = None,
    time_limit: Annotated[float, Query(gt=0, le=600)] = 60.0,
    gap: Annotated[float, Query(ge=0, le=0.1, description="relative MIP gap")] = 0.01,
) -> dict[str, Any]:
    wanted = classes or URBAN_CLASSES
    known = {c.value for c in RoadClass}
    for n, c in enumerate(wanted):
        if c not in known:
            raise ValidationFailed(
                f"{c!r} is not a road class",
                [FieldProblem(f"classes.{n}", f"must be one of {', '.join(sorted(known))}")],
            )
    g, build = hydrant_gaps(
        session,
        user.scope,
        wanted,
        radius_m,
        spacing_m,
        per_year,
        network=distance == "network",
        time_limit=time_limit,
        mip_rel_gap=gap,
    )
    return {
        "standard": "GB 50974-2014 §7.2",
        "radius_m": radius_m,
        "spacing_m": spacing_m,
        "road_km": round(g.total_m / 1000, 3),
        "uncovered_km": round(g.uncovered_m / 1000, 3),
        "uncovered_share": round(g.uncovered_m / g.total_m, 4) if g.total_m else 0.0,
        "hydrants_usable": len(g.usable),
        "hydrants_unusable": len(g.unusable),
        "spacing_gaps": g.spacing_gaps,
        "proposed_count": g.proposed_count,
        "gap": g.gap,
        "status": g.status,
        "per_year": per_year,
        "years": max((b["year"] for b in build), default=0),
        "build_list": build,
        **gaps_geojson(g, build),
    }
