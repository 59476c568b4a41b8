"""Phone-sized patrol pages (巡查): my duties and tasks, a patrol's route, the page a scanned
checkpoint QR opens (with photos, the phone's location and the 九小场所 checklist for a
finding), a grid worker's tasks and the hazards they reported (我上报的隐患), the officers'
task form, and the officers' compliance and 九小 coverage report."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import FieldProblem, Forbidden, LanyanError, ValidationFailed
from lanyan.core.timeutil import local_today
from lanyan.prevention import nine_small, patrols
from lanyan.prevention.choices import HazardState
from lanyan.prevention.patrols import PatrolKind
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep, error_text
from lanyan.web.render import render, ui_for

router = APIRouter(prefix="/patrol", include_in_schema=False)


ReaderDep = Annotated[CurrentUser, require(patrols.SLUG, "read")]
ManagerDep = Annotated[CurrentUser, require("patrol-admin", "write")]
PAGE_SIZE = 20

WORDS: dict[str, tuple[str, str]] = {
    "patrol_new_task": ("派发巡查任务", "Assign a patrol task"),
    "patrol_task_hint": (
        "选择网格员、网格和（可选）具体场所，设定截止日期。",
        "Pick a grid worker, a grid and (optionally) one place, and a due date.",
    ),
    "patrol_assignee": ("网格员", "Grid worker"),
    "patrol_grid": ("网格", "Grid"),
    "patrol_place": ("场所（单位，可选）", "Place (unit, optional)"),
    "patrol_due": ("截止日期", "Due on"),
    "patrol_title": ("任务内容", "Task"),
    "patrol_assign": ("派发", "Assign"),
    "patrol_assigned": ("任务已派发。", "The task is assigned."),
    "patrol_my_tasks": ("我的巡查任务", "My patrol tasks"),
    "patrol_my_hazards": ("我上报的隐患", "Hazards I reported"),
    "patrol_no_tasks": ("暂无任务。", "No tasks."),
    "patrol_no_hazards": ("暂无上报的隐患。", "No hazards reported yet."),
    "patrol_done": ("已完成", "Done"),
    "patrol_open": ("待巡查", "To do"),
    "patrol_prev": ("上一页", "Previous"),
    "patrol_next": ("下一页", "Next"),
    "patrol_page_of": (
        "第 {page} / {pages} 页，共 {total} 条",
        "Page {page} of {pages}, {total} in all",
    ),
    "patrol_photos": ("现场照片（可多张）", "Photos (one or more)"),
    "patrol_location": ("位置", "Location"),
    "patrol_locate": ("使用手机当前位置", "Use the phone's location"),
    "patrol_locating": ("正在定位…", "Locating…"),
    "patrol_located": ("已定位", "Located"),
    "patrol_locate_failed": (
        "无法定位，请手动填写经纬度",
        "No location: type longitude and latitude",
    ),
    "patrol_lon": ("经度", "Longitude"),
    "patrol_lat": ("纬度", "Latitude"),
    "patrol_place_kind": ("场所类别（九小场所）", "Kind of place (九小场所)"),
    "patrol_place_kind_none": ("— 非九小场所 —", "— not a small place —"),
    "patrol_checklist": ("检查表：勾选不合格项", "Checklist: tick what fails"),
    "patrol_checklist_source": ("检查表来源", "Checklist source"),
    "patrol_found_on": ("上报时间", "Reported"),
    "patrol_state": ("状态", "State"),
    # A refused form names the field and its rule in the page's language.
    "patrol_err_photos": (
        "照片须为图片（JPEG、PNG 或 WebP），且随“发现隐患”提交",
        "photos must be JPEG, PNG or WebP images, sent with a hazard found",
    ),
    "patrol_err_due_on": ("截止日期须为今天或以后的日期", "the due date must be today or later"),
    "patrol_err_lon": (
        "位置须同时填写经度和纬度，且在有效范围内",
        "give both longitude and latitude, within range",
    ),
    "patrol_err_place_kind": ("请选择九小场所类别", "choose the kind of small place"),
    "patrol_err_checklist": (
        "检查项须属于所选场所类别",
        "checklist items must belong to the kind of place",
    ),
    "patrol_err_assignee": (
        "须为在该网格值守的网格员",
        "must be a grid worker on duty for the grid",
    ),
    "patrol_err_grid_code": ("网格须在您的辖区内", "the grid must be in your jurisdiction"),
    "patrol_err_unit_code": ("场所须在您的辖区内", "the place must be in your jurisdiction"),
    "patrol_err_title": ("任务内容必填", "the task needs a title"),
    "patrol_err_note": ("发现隐患时须填写问题描述", "describe the hazard"),
    "patrol_err_hazard_unit_code": ("请填写隐患所属单位", "name the unit of the hazard"),
}
_ERROR_KEYS = {"lat": "lon"}


def _refusal(exc: LanyanError, lang: str) -> str:
    """A refusal in the page's language: each field with its rule; the service's message
    where this page has no words for a field."""
    parts = []
    for problem in exc.problems:
        key = "patrol_err_" + _ERROR_KEYS.get(problem.field, problem.field)
        if key in WORDS:
            parts.append(f"{WORDS[key][0 if lang == 'zh' else 1]}（{problem.field}）")
    return "；".join(parts) if parts else error_text(exc)


def _open_patrols(session: Session, user: CurrentUser) -> list[patrols.PatrolRound]:
    return patrols.open_patrols_of(session, user.username)


@router.get("", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: ReaderDep) -> HTMLResponse:
    open_rows = _open_patrols(session, user)
    return render(
        request,
        "prevention/patrol_home.html",
        user,
        duties=patrols.duties_of(session, user.id),
        tasks=patrols.open_tasks(session, user.id),
        open_patrols=[(p, patrols.target_name(session, p)) for p in open_rows],
        can_write=roles.can_write(user.role, patrols.SLUG),
        today=local_today(),
        error=request.query_params.get("error"),
        PatrolKind=PatrolKind,
    )


def _write(request: Request, action: Any) -> Any:
    with unit_of_work(request.app.state.sessions) as s:
        return action(s)


@router.post("/start", response_class=HTMLResponse)
def start_submit(request: Request, user: ReaderDep, form: FormDep) -> Response:
    def act(s: Session) -> int:
        row = patrols.start(
            s,
            user.actor,
            user.scope,
            user.role,
            kind=PatrolKind(str(form.get("kind"))),
            unit_code=str(form.get("unit_code") or "") or None,
            grid_code=str(form.get("grid_code") or "") or None,
            task_id=int(str(form.get("task_id"))) if form.get("task_id") else None,
        )
        return row.id

    back = str(form.get("back") or "")
    try:
        pid = _write(request, act)
    except (LanyanError, ValueError) as exc:
        text = error_text(exc) if isinstance(exc, LanyanError) else str(exc)
        return RedirectResponse(f"/patrol?error={text}", status_code=303)
    if back.startswith("/patrol/cp/"):
        return RedirectResponse(back, status_code=303)
    return RedirectResponse(f"/patrol/{pid}", status_code=303)


def _route_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    patrol: patrols.PatrolRound,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/patrol_route.html",
        user,
        status_code=status_code,
        patrol=patrol,
        kind=PatrolKind(patrol.kind),
        target=patrols.target_name(session, patrol),
        stops=patrols.route(session, patrol),
        mine=patrol.patroller == user.username and patrol.finished_at is None,
        error=error,
        flash=request.query_params.get("flash"),
    )


@router.get("/{patrol_id:int}", response_class=HTMLResponse)
def route_page(
    request: Request, patrol_id: int, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    return _route_page(request, session, user, patrols.get_patrol(session, user.scope, patrol_id))


@router.post("/{patrol_id:int}/finish", response_class=HTMLResponse)
def finish_submit(
    request: Request, patrol_id: int, session: SessionDep, user: ReaderDep
) -> Response:
    try:
        _write(request, lambda s: patrols.finish(s, user.actor, user.scope, patrol_id))
    except LanyanError as exc:
        patrol = patrols.get_patrol(session, user.scope, patrol_id)
        return _route_page(request, session, user, patrol, error_text(exc), exc.status)
    return RedirectResponse(f"/patrol/{patrol_id}?flash=finished", status_code=303)


@router.get("/cp/{token}", response_class=HTMLResponse)
def checkpoint_page(
    request: Request, token: str, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    """What a scanned checkpoint QR opens: record it on the open patrol it belongs to, or start
    a patrol of its unit or grid."""
    point = patrols.checkpoint_by_token(session, token)
    if not user.scope.contains(session, point.jurisdiction_id):
        raise Forbidden("this checkpoint is outside your jurisdiction")
    if point.grid_id is None and not user.scope.units.contains(point.unit_id):
        raise Forbidden("this checkpoint belongs to a unit you do not manage")
    unit, grid = patrols.checkpoint_target(session, point)
    patrol = next(
        (
            p
            for p in _open_patrols(session, user)
            if (p.grid_id is not None and p.grid_id == point.grid_id)
            or (p.unit_id is not None and p.unit_id == point.unit_id and point.grid_id is None)
        ),
        None,
    )
    return render(
        request,
        "prevention/patrol_checkpoint.html",
        user,
        point=point,
        unit=unit,
        grid=grid,
        patrol=patrol,
        kinds=[PatrolKind.GRID_PATROL] if grid else list(patrols.UNIT_KINDS),
        error=request.query_params.get("error"),
        nine_small=nine_small.checklists(),
    )


@router.post("/cp/{token}", response_class=HTMLResponse)
def checkpoint_submit(request: Request, token: str, user: ReaderDep, form: FormDep) -> Response:
    pid = int(str(form.get("patrol_id") or 0))
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    photos = [
        (f.filename or "", f.file.read(limit + 1))
        for f in form.getlist("photos")
        if isinstance(f, UploadFile) and f.filename
    ]

    def number(name: str) -> float | None:
        text = str(form.get(name) or "").strip()
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise ValidationFailed(
                f"{name} is not a number", [FieldProblem(name, "must be a number")]
            ) from None

    def act(s: Session) -> None:
        row = patrols.scan(
            s,
            user.actor,
            user.scope,
            patrol_id=pid,
            token=token,
            ok=str(form.get("result")) == "ok",
            note=str(form.get("note") or ""),
            hazard_unit_code=str(form.get("hazard_unit_code") or "") or None,
            lon=number("lon"),
            lat=number("lat"),
            place_kind=str(form.get("place_kind") or "") or None,
            checklist=[str(c) for c in form.getlist("checklist")],
        )
        if photos:
            if row.hazard_id is None:
                raise ValidationFailed(
                    "photos go with a hazard found",
                    [FieldProblem("photos", "choose 发现隐患 to send photos")],
                )
            patrols.attach_finding_photos(
                s, user.actor, user.scope, row.hazard_id, photos, settings.data_dir, limit
            )

    try:
        _write(request, act)
    except LanyanError as exc:
        text = _refusal(exc, ui_for(request, user).lang)
        return RedirectResponse(f"/patrol/cp/{token}?error={quote(text)}", status_code=303)
    return RedirectResponse(f"/patrol/{pid}?flash=scanned", status_code=303)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


@router.get("/tasks", response_class=HTMLResponse)
def my_tasks_page(
    request: Request, session: SessionDep, user: ReaderDep, page: int = Query(1, ge=1)
) -> HTMLResponse:
    """A grid worker's tasks, open first, paged."""
    rows, total = patrols.tasks_of(session, user.id, page, PAGE_SIZE)
    return render(
        request,
        "prevention/patrol_tasks.html",
        user,
        rows=rows,
        total=total,
        page=page,
        pages=_pages(total),
        today=local_today(),
        can_write=roles.can_write(user.role, patrols.SLUG),
        PatrolKind=PatrolKind,
    )


@router.get("/hazards", response_class=HTMLResponse)
def my_hazards_page(
    request: Request, session: SessionDep, user: ReaderDep, page: int = Query(1, ge=1)
) -> HTMLResponse:
    """我上报的隐患: what I reported on patrols and where each one stands."""
    rows, total = patrols.reported_hazards(session, user.username, page, PAGE_SIZE)
    return render(
        request,
        "prevention/patrol_hazards.html",
        user,
        rows=rows,
        total=total,
        page=page,
        pages=_pages(total),
        HazardState=HazardState,
        kinds={p.code: p for p in nine_small.checklists().places},
    )


def _task_form(
    request: Request,
    user: CurrentUser,
    values: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "prevention/patrol_task_form.html",
        user,
        status_code=status_code,
        values=values or {},
        error=error,
        flash=request.query_params.get("flash"),
        today=local_today(),
    )


@router.get("/tasks/new", response_class=HTMLResponse)
def task_form(request: Request, user: ManagerDep) -> HTMLResponse:
    return _task_form(request, user)


@router.post("/tasks/new", response_class=HTMLResponse)
def task_submit(request: Request, user: ManagerDep, form: FormDep) -> Response:
    values = {
        k: str(form.get(k) or "").strip()
        for k in ("assignee", "grid_code", "unit_code", "due_on", "title")
    }
    try:
        try:
            due = date.fromisoformat(values["due_on"])
        except ValueError:
            raise ValidationFailed(
                "the due date is not a date", [FieldProblem("due_on", "must be a date")]
            ) from None
        _write(
            request,
            lambda s: patrols.create_task(
                s,
                user.actor,
                user.scope,
                grid_code=values["grid_code"],
                assignee=values["assignee"],
                due_on=due,
                title=values["title"],
                unit_code=values["unit_code"] or None,
            ),
        )
    except LanyanError as exc:
        text = _refusal(exc, ui_for(request, user).lang)
        return _task_form(request, user, values, text, exc.status)
    return RedirectResponse("/patrol/tasks/new?flash=assigned", status_code=303)


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    user: ReaderDep,
    year: int | None = None,
    month: int | None = None,
) -> HTMLResponse:
    today = local_today()
    year, month = year or today.year, month or today.month
    first = date(year, month, 1)
    return render(
        request,
        "prevention/patrol_reports.html",
        user,
        year=year,
        month=month,
        compliance=patrols.compliance(session, user.scope, year, month),
        coverage=patrols.nine_small_coverage(session, user.scope, first, today),
        overdue=patrols.overdue_tasks(session, user.scope, today),
        first=first,
        today=today,
    )
