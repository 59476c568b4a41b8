"""Patrols (巡查) over QR checkpoints: units' own daily patrols and monthly checks (自知、自查、
自改), grid workers' patrols of their grids (网格巡查), and what they find becoming hazards.

Rules the service keeps:

* A patrol covers one unit (防火巡查, 防火检查) or one grid (网格巡查). Unit safety managers patrol
  the units bound to their account (``accounts.AccountUnit``, the one record of which units a
  manager manages), grid workers their grids (``PatrolDuty``); prevention officers and
  administrators may patrol anything inside their jurisdiction.
* A scan must be of an active checkpoint of the patrol's unit or grid, once per patrol, while
  the patrol is open. A problem found at a checkpoint is reported as a hazard (发现) of the
  checkpoint's unit (or, for a grid checkpoint with no unit, the unit the patroller names).
* Finishing a patrol records how many checkpoints it missed (漏检); finishing a grid patrol that
  belongs to a task closes the task.
* 九小场所 coverage per grid: the share of a grid's 九小 units whose checkpoints a grid patrol
  scanned in the period.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from lanyan.accounts.models import UNIT_BOUND_ROLE, AccountUnit, User, bind_unit, bound_unit_ids
from lanyan.core.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.prevention import attachments, hazard_service, nine_small, unit_file_service, unit_files
from lanyan.prevention.models.inspections import Hazard
from lanyan.prevention.models.patrols import (
    Checkpoint,
    GridTask,
    PatrolDuty,
    PatrolRound,
    PatrolScan,
)
from lanyan.registry.choices import Choice, UnitCategory
from lanyan.registry.models import Grid, Unit
from lanyan.registry.scope import Scope, row_path
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "patrols"
CHECKPOINTS, DUTIES, TASKS, PATROLS = (
    "checkpoints",
    "patrol-duties",
    "grid-tasks",
    "patrols",
)
# Roles that patrol only what they are on duty for; the others patrol inside their scope.
DUTY_BOUND = frozenset({"unit_manager", "grid_worker"})


class PatrolKind(Choice):
    """巡查类别."""

    DAILY_PATROL = ("daily_patrol", "防火巡查", "Daily fire patrol")
    MONTHLY_CHECK = ("monthly_check", "防火检查", "Monthly fire check")
    GRID_PATROL = ("grid_patrol", "网格巡查", "Grid patrol")


UNIT_KINDS = (PatrolKind.DAILY_PATROL, PatrolKind.MONTHLY_CHECK)


def in_scope(model: Any, scope: Scope) -> ColumnElement[bool]:
    clause = scope.within(model.jurisdiction_id)
    if not scope.units.unrestricted and (model is Unit or hasattr(model, "unit_id")):
        # a unit manager's own units
        clause = clause & scope.units.within(Unit.id if model is Unit else model.unit_id)
    return clause


def _snapshot(row: Any) -> dict[str, Any]:
    return {
        c.name: getattr(row, c.key)
        for c in type(row).__table__.columns
        if c.name not in ("created_at", "updated_at", "token")
    }


def _record(session: Session, actor: Actor, action: str, slug: str, row: Any, before: Any) -> None:
    audit.record(
        session,
        actor,
        action,
        slug,
        row.id,
        before,
        _snapshot(row),
        scope_path=row_path(session, row),
    )


def _local_day(at: datetime) -> date:
    local = to_local(at)
    assert local is not None
    return local.date()


def by_code(session: Session, scope: Scope, model: Any, code: str, field: str, what: str) -> Any:
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()
    if row is None or not scope.contains(session, row.jurisdiction_id):
        raise ValidationFailed(
            f"{what} {code} does not exist in your jurisdiction",
            [FieldProblem(field, f"no {what} {code} inside your jurisdiction")],
        )
    return row


def _user(session: Session, username: str, field: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise ValidationFailed(
            f"user {username} does not exist", [FieldProblem(field, f"no user {username}")]
        )
    return user


# --- checkpoints and duties -------------------------------------------------------------------


def create_checkpoint(
    session: Session,
    actor: Actor,
    scope: Scope,
    *,
    code: str,
    name: str,
    unit_code: str | None = None,
    grid_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> Checkpoint:
    """Add a QR checkpoint of a unit, of a grid, or of a unit inside a grid (a 九小 shop a grid
    worker visits). Its token is random; its QR code opens ``/patrol/cp/<token>``."""
    audit.begin_write(session)
    if not unit_code and not grid_code:
        raise ValidationFailed(
            "a checkpoint belongs to a unit or a grid",
            [FieldProblem("unit_code", "give a unit_code or a grid_code")],
        )
    if session.execute(select(Checkpoint.id).where(Checkpoint.code == code)).first():
        raise Conflict(
            f"checkpoint {code} already exists", [FieldProblem("code", "must be unique")]
        )
    unit = by_code(session, scope, Unit, unit_code, "unit_code", "unit") if unit_code else None
    grid = by_code(session, scope, Grid, grid_code, "grid_code", "grid") if grid_code else None
    owner = unit or grid
    assert owner is not None
    row = Checkpoint(
        code=code,
        token=secrets.token_urlsafe(12),
        name=name,
        unit_id=unit.id if unit else None,
        grid_id=grid.id if grid else None,
        jurisdiction_id=owner.jurisdiction_id,
        lon=lon if lon is not None else (unit.lon if unit else None),
        lat=lat if lat is not None else (unit.lat if unit else None),
    )
    session.add(row)
    session.flush()
    _record(session, actor, "create", CHECKPOINTS, row, None)
    return row


def checkpoint_by_token(session: Session, token: str) -> Checkpoint:
    row = session.execute(select(Checkpoint).where(Checkpoint.token == token)).scalar_one_or_none()
    if row is None or not row.active:
        raise NotFound("no active checkpoint has this code: the label may be old or damaged")
    return row


def assign_duty(
    session: Session,
    actor: Actor,
    scope: Scope,
    *,
    username: str,
    unit_code: str | None = None,
    grid_code: str | None = None,
) -> PatrolDuty | AccountUnit:
    """Put a grid worker on duty for a grid, or bind a unit safety manager to a unit: for a unit
    manager the account's unit binding is the patrol duty (one record of who manages a unit)."""
    audit.begin_write(session)
    user = _user(session, username, "username")
    if bool(unit_code) == bool(grid_code):
        raise ValidationFailed(
            "a duty is for one unit or one grid",
            [FieldProblem("unit_code", "give exactly one of unit_code and grid_code")],
        )
    if unit_code is not None and user.role != "unit_manager":
        raise ValidationFailed(
            f"{username} is a {user.role}", [FieldProblem("username", "must be a unit manager")]
        )
    if grid_code is not None and user.role != "grid_worker":
        raise ValidationFailed(
            f"{username} is a {user.role}", [FieldProblem("username", "must be a grid worker")]
        )
    unit = by_code(session, scope, Unit, unit_code, "unit_code", "unit") if unit_code else None
    if unit is not None:
        return bind_unit(session, actor, user, unit)
    grid = by_code(session, scope, Grid, grid_code, "grid_code", "grid") if grid_code else None
    owner = unit or grid
    assert owner is not None
    target = PatrolDuty.unit_id == owner.id if unit else PatrolDuty.grid_id == owner.id
    exists = session.execute(
        select(PatrolDuty.id).where(PatrolDuty.user_id == user.id, target)
    ).first()
    if exists:
        raise Conflict(
            f"{username} is already on this duty", [FieldProblem("username", "duty exists")]
        )
    row = PatrolDuty(
        user_id=user.id,
        unit_id=unit.id if unit else None,
        grid_id=grid.id if grid else None,
        jurisdiction_id=owner.jurisdiction_id,
    )
    session.add(row)
    session.flush()
    _record(session, actor, "create", DUTIES, row, None)
    return row


def may_patrol(
    session: Session, role: str, user_id: int, scope: Scope, unit: Unit | None, grid: Grid | None
) -> None:
    owner = unit or grid
    assert owner is not None
    if not scope.contains(session, owner.jurisdiction_id):
        raise Forbidden("this unit or grid is outside your jurisdiction")
    if role not in DUTY_BOUND:
        return
    if unit is not None and role == UNIT_BOUND_ROLE:
        if unit.id not in bound_unit_ids(session, user_id):
            raise Forbidden(f"unit {unit.code} is not one of the units you manage")
        return
    clause = PatrolDuty.unit_id == owner.id if unit else PatrolDuty.grid_id == owner.id
    if not session.execute(
        select(PatrolDuty.id).where(PatrolDuty.user_id == user_id, clause)
    ).first():
        raise Forbidden("you are not on patrol duty for this unit or grid")


def duties_of(
    session: Session, user_id: int
) -> list[tuple[PatrolDuty | AccountUnit, Unit | None, Grid | None]]:
    """What a user patrols: the units bound to their account, then their grids."""
    units: list[tuple[PatrolDuty | AccountUnit, Unit | None, Grid | None]] = [
        (b, u, None)
        for b, u in session.execute(
            select(AccountUnit, Unit)
            .join(Unit, Unit.id == AccountUnit.unit_id)
            .where(AccountUnit.user_id == user_id)
            .order_by(Unit.code)
        ).all()
    ]
    rows = session.execute(
        select(PatrolDuty, Unit, Grid)
        .outerjoin(Unit, Unit.id == PatrolDuty.unit_id)
        .outerjoin(Grid, Grid.id == PatrolDuty.grid_id)
        .where(PatrolDuty.user_id == user_id)
        .order_by(PatrolDuty.id)
    ).all()
    return units + [(d, u, g) for d, u, g in rows]


# --- grid tasks -------------------------------------------------------------------------------


def create_task(
    session: Session,
    actor: Actor,
    scope: Scope,
    *,
    grid_code: str,
    assignee: str,
    due_on: date,
    title: str,
    today: date | None = None,
    unit_code: str | None = None,
) -> GridTask:
    """Give a grid worker a patrol task (派发巡查任务) for one of their grids, optionally of one
    place in it (a unit, e.g. a 九小场所 shop)."""
    audit.begin_write(session)
    grid = by_code(session, scope, Grid, grid_code, "grid_code", "grid")
    unit = by_code(session, scope, Unit, unit_code, "unit_code", "unit") if unit_code else None
    if not title.strip():
        raise ValidationFailed("the task needs a title", [FieldProblem("title", "is required")])
    user = _user(session, assignee, "assignee")
    if due_on < (today or _local_day(utcnow())):
        raise ValidationFailed(
            "the task is due in the past", [FieldProblem("due_on", "must be today or later")]
        )
    if not session.execute(
        select(PatrolDuty.id).where(PatrolDuty.user_id == user.id, PatrolDuty.grid_id == grid.id)
    ).first():
        raise ValidationFailed(
            f"{assignee} is not on duty for grid {grid_code}",
            [FieldProblem("assignee", f"must be a grid worker on duty for {grid_code}")],
        )
    row = GridTask(
        grid_id=grid.id,
        unit_id=unit.id if unit else None,
        assignee_id=user.id,
        jurisdiction_id=grid.jurisdiction_id,
        title=title.strip()[:200],
        due_on=due_on,
        assigned_by=actor.username,
    )
    session.add(row)
    session.flush()
    _record(session, actor, "create", TASKS, row, None)
    return row


def open_tasks(session: Session, user_id: int) -> list[tuple[GridTask, Grid]]:
    return [
        (t, g)
        for t, g in session.execute(
            select(GridTask, Grid)
            .join(Grid, Grid.id == GridTask.grid_id)
            .where(GridTask.assignee_id == user_id, GridTask.done_on.is_(None))
            .order_by(GridTask.due_on, GridTask.id)
        ).all()
    ]


def tasks_of(
    session: Session, user_id: int, page: int, size: int
) -> tuple[list[tuple[GridTask, Grid, Unit | None]], int]:
    """A grid worker's tasks, open ones first by due day, then done ones latest first; paged
    in SQL."""
    stmt = (
        select(GridTask, Grid, Unit)
        .join(Grid, Grid.id == GridTask.grid_id)
        .outerjoin(Unit, Unit.id == GridTask.unit_id)
        .where(GridTask.assignee_id == user_id)
        .order_by(GridTask.done_on.is_not(None), GridTask.due_on, GridTask.id)
    )
    rows, total = paginate(session, stmt, page, size)
    return [(t, g, u) for t, g, u in rows], total


def grid_workers(
    session: Session, scope: Scope, q: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """Grid workers on duty for a grid in the caller's scope, searched by user name or name
    (what the task form's picker lists: ``code`` is the user name), paged in SQL."""
    on_duty = select(PatrolDuty.user_id).where(
        PatrolDuty.grid_id.is_not(None), in_scope(PatrolDuty, scope)
    )
    stmt = select(User).where(User.role == "grid_worker", User.id.in_(on_duty))
    if q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    rows, total = paginate(session, stmt.order_by(User.username), page, size)
    return [{"code": u.username, "name": u.display_name or u.username} for u in rows], total


def reported_hazards(
    session: Session, username: str, page: int, size: int
) -> tuple[list[dict[str, Any]], int]:
    """我上报的隐患: the hazards a patroller reported from their patrols, latest first, with
    their state, paged in SQL."""
    stmt = (
        select(Hazard, Unit.name, PatrolScan.lon, PatrolScan.lat, PatrolScan.place_kind)
        .join(PatrolScan, PatrolScan.hazard_id == Hazard.id)
        .join(PatrolRound, PatrolRound.id == PatrolScan.patrol_id)
        .join(Unit, Unit.id == Hazard.unit_id)
        .where(PatrolRound.patroller == username)
        .order_by(Hazard.found_at.desc(), Hazard.id.desc())
    )
    rows, total = paginate(session, stmt, page, size)
    return [
        {
            "id": h.id,
            "code": h.code,
            "description": h.description,
            "state": h.state,
            "found_at": h.found_at,
            "unit_name": unit_name,
            "lon": lon,
            "lat": lat,
            "place_kind": kind,
        }
        for h, unit_name, lon, lat, kind in rows
    ], total


def attach_finding_photos(
    session: Session,
    actor: Actor,
    scope: Scope,
    hazard_id: int,
    photos: list[tuple[str, bytes]],
    root: Path,
    max_bytes: int,
) -> int:
    """Photos of a finding, kept as evidence of its hazard: each must be an image by its
    content (JPEG, PNG or WebP), else refused naming the field ``photos``."""
    for number, (name, data) in enumerate(photos, 1):
        try:
            attachments.check_size(len(data), max_bytes)
            attachments.sniff(data, attachments.IMAGE_TYPES)
        except ValidationFailed as exc:
            raise ValidationFailed(
                f"photo {number} ({name or '?'}): {exc}",
                [FieldProblem("photos", f"photo {number} must be a JPEG, PNG or WebP image")],
            ) from None
    for name, data in photos:
        attachments.attach(
            session,
            actor,
            scope,
            "hazards",
            hazard_id,
            name,
            data,
            root,
            max_bytes,
            description="巡查发现照片",
            allowed=attachments.IMAGE_TYPES,
            purpose="evidence",
        )
    return len(photos)


def overdue_tasks(session: Session, scope: Scope, today: date) -> list[GridTask]:
    return list(
        session.execute(
            select(GridTask)
            .where(in_scope(GridTask, scope), GridTask.done_on.is_(None), GridTask.due_on < today)
            .order_by(GridTask.due_on)
        ).scalars()
    )


# --- patrols ----------------------------------------------------------------------------------


def _checkpoints_of(session: Session, patrol: PatrolRound) -> list[Checkpoint]:
    owner = (
        Checkpoint.unit_id == patrol.unit_id
        if patrol.unit_id is not None
        else Checkpoint.grid_id == patrol.grid_id
    )
    clause = [owner, Checkpoint.active.is_(True)]
    if patrol.unit_id is not None:
        clause.append(Checkpoint.grid_id.is_(None))  # a unit's own points, not a grid's
    return list(
        session.execute(select(Checkpoint).where(*clause).order_by(Checkpoint.code)).scalars()
    )


def start(
    session: Session,
    actor: Actor,
    scope: Scope,
    role: str,
    *,
    kind: PatrolKind,
    unit_code: str | None = None,
    grid_code: str | None = None,
    task_id: int | None = None,
    now: datetime | None = None,
) -> PatrolRound:
    """Start a patrol of a unit (防火巡查/防火检查) or a grid (网格巡查)."""
    audit.begin_write(session)
    now = now or utcnow()
    unit = grid = None
    if kind in UNIT_KINDS:
        if unit_code is None:
            raise ValidationFailed(
                f"a {kind.zh} is of a unit", [FieldProblem("unit_code", "is required")]
            )
        unit = by_code(session, scope, Unit, unit_code, "unit_code", "unit")
    else:
        if grid_code is None:
            raise ValidationFailed(
                f"a {kind.zh} is of a grid", [FieldProblem("grid_code", "is required")]
            )
        grid = by_code(session, scope, Grid, grid_code, "grid_code", "grid")
    assert actor.user_id is not None
    may_patrol(session, role, actor.user_id, scope, unit, grid)
    if task_id is not None:
        task = session.get(GridTask, task_id)
        if task is None or grid is None or task.grid_id != grid.id or task.done_on is not None:
            raise ValidationFailed(
                "no open task of this grid has this id",
                [FieldProblem("task_id", "must be an open task of the patrolled grid")],
            )
    owner = unit or grid
    assert owner is not None
    day = _local_day(now)
    row = PatrolRound(
        kind=kind.value,
        unit_id=unit.id if unit else None,
        grid_id=grid.id if grid else None,
        task_id=task_id,
        jurisdiction_id=owner.jurisdiction_id,
        patroller=actor.username,
        started_at=now,
        checked_on=day,
        year=day.year,
    )
    session.add(row)
    session.flush()
    row.expected = len(_checkpoints_of(session, row))
    _record(session, actor, "start", PATROLS, row, None)
    return row


def get_patrol(session: Session, scope: Scope, patrol_id: int, lock: bool = False) -> PatrolRound:
    stmt = select(PatrolRound).where(PatrolRound.id == patrol_id, in_scope(PatrolRound, scope))
    return one_or_not_found(session, stmt, f"no patrol {patrol_id} in your jurisdiction", lock)


def open_patrols_of(session: Session, username: str) -> list[PatrolRound]:
    """The patrols ``username`` started and has not finished, newest first."""
    return list(
        session.execute(
            select(PatrolRound)
            .where(PatrolRound.patroller == username, PatrolRound.finished_at.is_(None))
            .order_by(PatrolRound.id.desc())
        ).scalars()
    )


def target_name(session: Session, row: PatrolRound) -> str:
    """The name of what a patrol covers: its unit, else its grid."""
    if row.unit_id:
        unit = session.get(Unit, row.unit_id)
        return unit.name if unit else ""
    grid = session.get(Grid, row.grid_id)
    return grid.name if grid else ""


def checkpoint_target(session: Session, point: Checkpoint) -> tuple[Unit | None, Grid | None]:
    """The unit and the grid a checkpoint belongs to (either may be None)."""
    unit = session.get(Unit, point.unit_id) if point.unit_id else None
    grid = session.get(Grid, point.grid_id) if point.grid_id else None
    return unit, grid


def _own_open_patrol(session: Session, actor: Actor, scope: Scope, patrol_id: int) -> PatrolRound:
    patrol = get_patrol(session, scope, patrol_id, lock=True)
    if patrol.patroller != actor.username:
        raise Forbidden("only the patroller who started this patrol records its scans")
    if patrol.finished_at is not None:
        raise Conflict(
            f"patrol {patrol_id} is finished", [FieldProblem("patrol_id", "must be an open patrol")]
        )
    return patrol


def scan(
    session: Session,
    actor: Actor,
    scope: Scope,
    *,
    patrol_id: int,
    token: str,
    ok: bool,
    note: str = "",
    hazard_unit_code: str | None = None,
    now: datetime | None = None,
    lon: float | None = None,
    lat: float | None = None,
    place_kind: str | None = None,
    checklist: list[str] | None = None,
) -> PatrolScan:
    """Record a scanned checkpoint. ``ok=False`` reports a hazard (发现) with ``note`` as its
    description, of the checkpoint's unit (or ``hazard_unit_code`` for a grid checkpoint).

    A grid worker's finding may carry where the phone was (``lon``/``lat``, WGS-84) and the
    九小场所 checklist: the kind of place and the items it fails (``nine_small``); a failed item
    makes the scan a problem, described by the items when no note is given."""
    audit.begin_write(session)
    now = now or utcnow()
    if (lon is None) != (lat is None):
        raise ValidationFailed(
            "a location needs both longitude and latitude",
            [FieldProblem("lat" if lat is None else "lon", "give both lon and lat, or neither")],
        )
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            "the location is outside the globe",
            [FieldProblem("lon", "lon −180…180 and lat −90…90")],
        )
    if place_kind:
        nine_small.checklists().place(place_kind)
    failed = nine_small.failed_items(place_kind, checklist or [])
    if failed:
        ok = False
        if not note.strip():
            note = "检查表不合格：" + "；".join(i.zh for i in failed)
    patrol = _own_open_patrol(session, actor, scope, patrol_id)
    point = checkpoint_by_token(session, token)
    belongs = (
        point.unit_id == patrol.unit_id and point.grid_id is None
        if patrol.unit_id is not None
        else point.grid_id == patrol.grid_id
    )
    if not belongs:
        raise ValidationFailed(
            f"checkpoint {point.code} is not on this patrol's route",
            [FieldProblem("token", "must be a checkpoint of the patrolled unit or grid")],
        )
    if session.execute(
        select(PatrolScan.id).where(
            PatrolScan.patrol_id == patrol.id, PatrolScan.checkpoint_id == point.id
        )
    ).first():
        raise Conflict(
            f"checkpoint {point.code} is already scanned on this patrol",
            [FieldProblem("token", "each checkpoint is scanned once per patrol")],
        )
    hazard_id = None
    if not ok:
        if not note.strip():
            raise ValidationFailed(
                "a problem needs a description", [FieldProblem("note", "describe what is wrong")]
            )
        unit_id = point.unit_id or patrol.unit_id
        if unit_id is None:
            if not hazard_unit_code:
                raise ValidationFailed(
                    "this grid checkpoint has no unit: name the unit with the hazard",
                    [FieldProblem("hazard_unit_code", "is required for a grid checkpoint")],
                )
            unit = by_code(session, scope, Unit, hazard_unit_code, "hazard_unit_code", "unit")
        else:
            unit = session.get(Unit, unit_id)
            assert unit is not None
        where = f"[{PatrolKind(patrol.kind).zh} · {point.name}] "
        # A finding of the unit's own patrol at its own checkpoint is its to fix (自查自改).
        own = patrol.unit_id is not None and unit.id == patrol.unit_id
        hazard = hazard_service.new_hazard(
            session, actor, unit, where + note.strip(), now, self_found=own
        )
        hazard_id = hazard.id
    row = PatrolScan(
        patrol_id=patrol.id,
        checkpoint_id=point.id,
        scanned_at=now,
        ok=ok,
        note=note.strip()[:255],
        hazard_id=hazard_id,
        lon=lon,
        lat=lat,
        place_kind=place_kind or None,
        checklist=[i.code for i in failed] or None,
    )
    session.add(row)
    before = _snapshot(patrol)
    patrol.scanned += 1
    patrol.problems += 0 if ok else 1
    session.flush()
    _record(session, actor, "scan", PATROLS, patrol, before)
    return row


def finish(
    session: Session, actor: Actor, scope: Scope, patrol_id: int, now: datetime | None = None
) -> PatrolRound:
    """Finish a patrol; a grid patrol on a task closes the task."""
    audit.begin_write(session)
    now = now or utcnow()
    patrol = _own_open_patrol(session, actor, scope, patrol_id)
    before = _snapshot(patrol)
    patrol.finished_at = now
    session.flush()
    _record(session, actor, "finish", PATROLS, patrol, before)
    if patrol.task_id is not None:
        task = session.get(GridTask, patrol.task_id)
        assert task is not None
        if task.done_on is None:
            task_before = _snapshot(task)
            task.done_on = _local_day(now)
            session.flush()
            _record(session, actor, "done", TASKS, task, task_before)
    return patrol


@dataclass(frozen=True)
class RouteStop:
    checkpoint: Checkpoint
    scan: PatrolScan | None


def route(session: Session, patrol: PatrolRound) -> list[RouteStop]:
    """The patrol's checkpoints in order, each with its scan (None: not yet or missed)."""
    scans = {
        s.checkpoint_id: s
        for s in session.execute(
            select(PatrolScan).where(PatrolScan.patrol_id == patrol.id)
        ).scalars()
    }
    return [RouteStop(p, scans.get(p.id)) for p in _checkpoints_of(session, patrol)]


def missed(session: Session, patrol: PatrolRound) -> list[Checkpoint]:
    """Checkpoints a finished patrol did not scan (漏检)."""
    return [stop.checkpoint for stop in route(session, patrol) if stop.scan is None]


# --- compliance and coverage ------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCompliance:
    """A unit's own patrolling in a month: days with a 防火巡查 against the days due so far
    (only days that have passed: ``unit_files.days_due``), and whether a 防火检查 was done."""

    unit: Unit
    patrol_days: int
    days_in_month: int
    monthly_check: bool
    days_due: int

    @property
    def patrol_rate(self) -> float | None:
        """Patrol days over days due; None before any day of the month is due."""
        return min(1.0, self.patrol_days / self.days_due) if self.days_due else None


def compliance(
    session: Session,
    scope: Scope,
    year: int,
    month: int,
    categories: tuple[str, ...] | None = None,
    today: date | None = None,
) -> list[UnitCompliance]:
    """Per unit (key units and crowded places by default: 消防安全重点单位 patrol daily and check
    monthly), the month's patrol days and monthly check; units with no record show zero. Days
    still to come are not due (as of ``today``, local)."""
    if not 1 <= month <= 12:
        raise ValidationFailed("no such month", [FieldProblem("month", "must be 1–12")])
    today = today or _local_day(utcnow())
    categories = categories or (UnitCategory.KEY.value, UnitCategory.CROWDED.value)
    first = date(year, month, 1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    units = (
        session.execute(
            select(Unit)
            .where(Unit.category.in_(categories), in_scope(Unit, scope))
            .order_by(Unit.code)
        )
        .scalars()
        .all()
    )
    ids = [u.id for u in units]
    done = PatrolRound.finished_at.is_not(None)
    stats = {
        (uid, kind): days
        for uid, kind, days in session.execute(
            select(
                PatrolRound.unit_id,
                PatrolRound.kind,
                func.count(func.distinct(PatrolRound.checked_on)),
            )
            .where(
                PatrolRound.unit_id.in_(ids),
                PatrolRound.checked_on.between(first, min(last, today)),
                done,
            )
            .group_by(PatrolRound.unit_id, PatrolRound.kind)
        ).all()
    }
    patrolled_today = set(
        session.execute(
            select(PatrolRound.unit_id).where(
                PatrolRound.unit_id.in_(ids),
                PatrolRound.checked_on == today,
                PatrolRound.kind == PatrolKind.DAILY_PATROL.value,
                done,
            )
        ).scalars()
    )
    # a 每月防火检查 with its own checklist counts as the month's check too
    checked = unit_file_service.checked_units(session, ids, year, month)
    return [
        UnitCompliance(
            u,
            stats.get((u.id, PatrolKind.DAILY_PATROL.value), 0),
            last.day,
            stats.get((u.id, PatrolKind.MONTHLY_CHECK.value), 0) > 0 or u.id in checked,
            unit_files.days_due(year, month, today, u.id in patrolled_today),
        )
        for u in units
    ]


@dataclass(frozen=True)
class GridCoverage:
    """九小场所 coverage of one grid: its 九小 units and those a grid patrol scanned."""

    grid: Grid
    nine_small: int
    visited: int

    @property
    def rate(self) -> float | None:
        return self.visited / self.nine_small if self.nine_small else None


def nine_small_coverage(
    session: Session, scope: Scope, start_on: date, end_on: date
) -> list[GridCoverage]:
    """Per grid in scope, how many of its 九小 units had a checkpoint scanned by a grid patrol
    between ``start_on`` and ``end_on`` (inclusive)."""
    if end_on < start_on:
        raise ValidationFailed(
            "the period ends before it starts",
            [FieldProblem("end_on", "must be on or after start_on")],
        )
    grids = (
        session.execute(select(Grid).where(in_scope(Grid, scope)).order_by(Grid.code))
        .scalars()
        .all()
    )
    totals = dict(
        session.execute(
            select(Unit.grid_id, func.count(Unit.id))
            .where(Unit.category == UnitCategory.NINE_SMALL.value, in_scope(Unit, scope))
            .group_by(Unit.grid_id)
        ).all()
    )
    visited = dict(
        session.execute(
            select(Unit.grid_id, func.count(func.distinct(Unit.id)))
            .join(Checkpoint, Checkpoint.unit_id == Unit.id)
            .join(PatrolScan, PatrolScan.checkpoint_id == Checkpoint.id)
            .join(PatrolRound, PatrolRound.id == PatrolScan.patrol_id)
            .where(
                Unit.category == UnitCategory.NINE_SMALL.value,
                in_scope(Unit, scope),
                PatrolRound.kind == PatrolKind.GRID_PATROL.value,
                PatrolRound.checked_on.between(start_on, end_on),
            )
            .group_by(Unit.grid_id)
        ).all()
    )
    return [GridCoverage(g, totals.get(g.id, 0), visited.get(g.id, 0)) for g in grids]
