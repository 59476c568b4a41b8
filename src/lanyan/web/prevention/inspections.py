"""Supervision pages (监督管理): the inspector's phone page, the hazard board with its closed
loop and the 挂牌督办 list.

Every write goes through the prevention services in one unit of work with the signed-in user's
actor and scope, so the pages obey the same rules, scoping and audit as the API; a refused step
shows its message (naming the state and the action) in the page.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.api.limits import UploadKind, upload
from lanyan.core.errors import Conflict, FieldProblem, Forbidden, LanyanError, ValidationFailed
from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.prevention import attachments, checklists, hazard_service, hazards, inspections, lookup
from lanyan.prevention.choices import (
    HazardAction,
    HazardParty,
    HazardState,
    InspectionKind,
    ItemResult,
)
from lanyan.prevention.schemas.inspections import (
    ChecklistResultCreate,
    HazardMove,
    InspectionCreate,
)
from lanyan.registry.choices import UnitCategory
from lanyan.registry.service import pydantic_problems
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
FINDING_ROWS = 3  # finding rows on the inspector's form

WORDS: dict[str, tuple[str, str]] = {
    "nav_supervision": ("监督管理", "Supervision"),
    "nav_inspect": ("现场检查", "Field inspection"),
    "nav_hazards": ("隐患整改", "Hazards"),
    "nav_listed": ("挂牌督办", "Listed hazards"),
    "nav_risk": ("风险评估", "Risk"),
    "nav_public_draws": ("双随机公示", "Random draws (public)"),
    "risk_score": ("风险指数", "Risk score"),
    "risk_grade": ("风险等级", "Risk grade"),
    "risk_units": ("单位数", "Units"),
    "risk_mean": ("平均指数", "Mean score"),
    "risk_max": ("最高指数", "Highest score"),
    "layer_risk_units": ("单位风险等级", "Unit risk grade"),
    "layer_risk_h3": ("区域风险（H3）", "Area risk (H3 cells)"),
}


HazardReader = Annotated[CurrentUser, require(hazard_service.SLUG, "read")]
HazardWriter = Annotated[CurrentUser, require(hazard_service.SLUG, "write")]
Inspector = Annotated[CurrentUser, require(inspections.SLUG, "write")]


def today_local() -> date:
    return hazards.local_date(utcnow())


def hazard_rows(
    session: Session, rows: list[hazard_service.Hazard], today: date
) -> list[dict[str, Any]]:
    units = lookup.units_by_id(session, {r.unit_id for r in rows})
    out = []
    for r in rows:
        d = hazard_service.to_domain(r)
        u = units[r.unit_id]
        out.append(
            {
                "row": r,
                "state": HazardState(r.state),
                "unit": u,
                "overdue": d.is_overdue(today),
                "overdue_days": (today - r.deadline).days if d.is_overdue(today) else 0,
                "listed": d.is_listed,
                "listing_overdue": d.listing_overdue(today),
                # 复查时限 while an application waits (3 working days, weekends only)
                "recheck_due": d.recheck_due if d.state is HazardState.RECHECK_REQUESTED else None,
                "recheck_late": d.recheck_late(today),
            }
        )
    return out


# ---- the inspector's phone page -------------------------------------------------------------


def _unit_checklist(
    request: Request, session: Session, user: CurrentUser, unit_code: str
) -> tuple[lookup.Unit | None, checklists.Checklist | None, LanyanError | None]:
    """The unit being inspected and its category's checklist (检查表), or why not."""
    if not unit_code:
        return None, None, None
    try:
        unit = lookup.unit(session, user.scope, unit_code)
        folder = request.app.state.settings.data_dir / "checklists"
        return unit, checklists.for_category(unit.category, folder), None
    except LanyanError as exc:
        return None, None, exc


def _inspect_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    error: LanyanError | None = None,
    form: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = today_local()
    form = dict(form or {})
    if not form:  # opened from a task or a link: ?unit_code=…&kind=…&draw_code=…&partners=…
        form = {k: v for k, v in request.query_params.items() if k in PREFILL}
    unit, checklist, problem = _unit_checklist(
        request, session, user, str(form.get("unit_code") or "").strip()
    )
    error = error or problem
    start = datetime.combine(today, time(), tzinfo=CHINA_TZ)
    mine_today = inspections.inspected_by_since(session, user.id, start)
    done = [inspections.public(session, r) for r in mine_today]
    codes = [c for i in done for c in i["hazard_codes"]]
    hazard_ids = hazard_service.ids_by_code(session, codes)
    rechecks, _ = hazard_service.list_hazards(
        session, user.scope, HazardState.RECHECK_REQUESTED, size=20
    )
    overdue, _ = hazard_service.list_hazards(session, user.scope, overdue=True, size=20)
    attached = attachments.of_inspections(session, user.scope, [i["id"] for i in done])
    return render(
        request,
        "prevention/inspect.html",
        user,
        status_code=status_code,
        unit=unit,
        category_label=_category_label(ui_for(request, user), unit),
        checklist=checklist,
        ItemResult=ItemResult,
        attached=attached,
        today=today,
        draw_tasks=inspections.draw_tasks(session, user.scope, user.username),
        rechecks=hazard_rows(session, rechecks, today),
        overdue=hazard_rows(session, overdue, today),
        done=done,
        hazard_ids=hazard_ids,
        partners=inspections.certified_partners(session, user.scope, user.id, today),
        kinds=list(InspectionKind),
        finding_rows=FINDING_ROWS,
        error=error,
        form=form,
        flash=request.query_params.get("flash"),
        default_deadline=today + timedelta(days=30),
    )


@router.get("/inspect", response_class=HTMLResponse)
def inspect_page(request: Request, session: SessionDep, user: Inspector) -> HTMLResponse:
    return _inspect_page(request, session, user)


def _category_label(ui: Ui, unit: lookup.Unit | None) -> str:
    if unit is None:
        return ""
    known = {c.value: c for c in UnitCategory}
    return ui.choice(known[unit.category]) if unit.category in known else unit.category


PREFILL = frozenset({"unit_code", "kind", "draw_code", "partners"})


def _photos(files: list[Any], limit: int) -> list[tuple[str, bytes]]:
    """The photos chosen in a file input (name and bytes; one byte past the limit is read so
    that an oversize photo is refused by the attachment store)."""
    out = []
    for f in files:
        if not isinstance(f, UploadFile) or not f.filename:
            continue
        data = f.file.read(limit + 1)
        if data:
            out.append((f.filename, data))
    return out


def _checklist_results(form: FormData) -> list[ChecklistResultCreate]:
    """``item_<code>`` = pass / fail / na, with the note in ``note_<code>``; unanswered items are
    left out (the checklist records what was checked)."""
    out = []
    for key, value in form.multi_items():
        if not key.startswith("item_") or not str(value).strip():
            continue
        code = key.removeprefix("item_")
        note = str(form.get(f"note_{code}") or "").strip()
        item = {"item_code": code, "result": str(value), "note": note}
        out.append(ChecklistResultCreate.model_validate(item))
    return out


@router.post("/inspect", response_class=HTMLResponse, **upload(UploadKind.ATTACHMENT))
def inspect_submit(
    request: Request, session: SessionDep, user: Inspector, form: FormDep
) -> Response:
    """Record the inspection, its checklist results and findings (hazards), and store the
    photos as evidence (证据材料) of the inspection and of each finding's hazard; all in one
    unit of work, so a refused photo or finding writes nothing."""
    settings = request.app.state.settings
    limit = settings.attachment_max_mb * 1024 * 1024
    values = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    findings = []
    finding_photos: list[list[tuple[str, bytes]]] = []
    for i in range(FINDING_ROWS):
        text = str(form.get(f"finding_{i}") or "").strip()
        if not text:
            continue
        deadline = str(form.get(f"deadline_{i}") or "").strip()
        findings.append(
            {
                "description": text,
                "is_major": form.get(f"major_{i}") == "on",
                "deadline": deadline or None,
            }
        )
        finding_photos.append(_photos(form.getlist(f"photo_{i}"), limit))
    notes = str(form.get("notes") or "").strip()
    photos = _photos(form.getlist("photos"), limit)
    team = [user.username, *[str(x) for x in form.getlist("partners") if str(x).strip()]]
    draw_code = str(form.get("draw_code") or "") or None
    rectify_by = str(form.get("rectify_by") or "").strip() or None
    try:
        payload = InspectionCreate.model_validate(
            {
                "kind": str(form.get("kind") or "random"),
                "unit_code": str(form.get("unit_code") or "").strip(),
                "inspectors": team,
                "notes": notes[:4000],
                "findings": findings,
                "checklist": _checklist_results(form),
                "rectify_by": rectify_by,
            }
        )
        with unit_of_work(request.app.state.sessions) as s:
            row = inspections.create_inspection(
                s,
                user.actor,
                user.scope,
                payload,
                draw_code=draw_code,
                checklist_dir=settings.data_dir / "checklists",
            )
            evidence: list[tuple[str, int, str, bytes, str]] = [
                ("inspections", row.id, name, data, "现场照片 site photo") for name, data in photos
            ]
            if any(finding_photos):
                # the findings' hazards come first, in the order of the findings
                hazard_ids = hazard_service.ids_of_inspection(s, row.id)
                for i, chosen in enumerate(finding_photos):
                    for name, data in chosen:
                        label = f"问题 {i + 1} finding: {findings[i]['description'][:200]}"
                        evidence.append(("hazards", hazard_ids[i], name, data, label))
            for object_type, object_id, name, data, label in evidence:
                attachments.attach(
                    s,
                    user.actor,
                    user.scope,
                    object_type,
                    object_id,
                    name,
                    data,
                    settings.data_dir,
                    limit,
                    label,
                )
            code = row.code
    except ValidationError as exc:
        err = ValidationFailed("the form does not match the rules", pydantic_problems(exc))
        return _inspect_page(request, session, user, err, values, 422)
    except (ValidationFailed, Conflict) as exc:
        return _inspect_page(request, session, user, exc, values, 422)
    return RedirectResponse(f"/inspect?flash={code}", status_code=303)


# ---- hazard board ----------------------------------------------------------------------------


@router.get("/hazards", response_class=HTMLResponse)
def hazard_board(
    request: Request,
    session: SessionDep,
    user: HazardReader,
    state: str = "",
    page: int = 1,
) -> HTMLResponse:
    today = today_local()
    chosen = HazardState(state) if state in {s.value for s in HazardState} else None
    rows, total = hazard_service.list_hazards(
        session, user.scope, chosen, page=max(1, page), size=PAGE_SIZE
    )
    overdue, n_overdue = hazard_service.list_hazards(session, user.scope, overdue=True, size=100)
    return render(
        request,
        "prevention/hazards.html",
        user,
        rows=hazard_rows(session, rows, today),
        total=total,
        page=max(1, page),
        pages=max(1, math.ceil(total / PAGE_SIZE)),
        overdue=hazard_rows(session, overdue, today),
        n_overdue=n_overdue,
        state=state,
        HazardState=HazardState,
        today=today,
        can_inspect=roles.can_write(user.role, inspections.SLUG),
        may_act=roles.can_write(user.role, hazard_service.SLUG),
        swept=request.query_params.get("swept"),
    )


@router.post("/hazards/sweep", response_class=HTMLResponse)
def hazard_sweep(request: Request, user: HazardWriter) -> Response:
    """Record 逾期 on every hazard whose deadline lapsed (once per deadline), audited."""
    with unit_of_work(request.app.state.sessions) as s:
        noticed = hazard_service.sweep_overdue(s, user.actor, user.scope)
    return RedirectResponse(f"/hazards?swept={len(noticed)}", status_code=303)


@router.get("/hazards/listed", response_class=HTMLResponse)
def listed_page(request: Request, session: SessionDep, user: HazardReader) -> HTMLResponse:
    today = today_local()
    current, _ = hazard_service.list_hazards(session, user.scope, listed=True, size=500)
    off = hazard_service.delisted(session, user.scope, limit=100)
    return render(
        request,
        "prevention/listed.html",
        user,
        current=hazard_rows(session, current, today),
        delisted=hazard_rows(session, list(off), today),
        today=today,
    )


def _hazard_page(
    request: Request,
    session: Session,
    user: CurrentUser,
    hazard_id: int,
    error: LanyanError | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    row = hazard_service.get_hazard(session, user.scope, hazard_id)
    today = today_local()
    d = hazard_service.to_domain(row)
    held = held_parties(user)
    return render(
        request,
        "prevention/hazard.html",
        user,
        status_code=status_code,
        h=hazard_service.public(session, row, today),
        info=hazard_rows(session, [row], today)[0],
        actions=hazard_service.offered(d, held),
        takes_photos=bool(held) and d.takes_rectification_photos(),
        as_unit=held == {HazardParty.UNIT},
        needs_deadline=hazards.NEEDS_DEADLINE,
        needs_department=hazards.NEEDS_DEPARTMENT,
        takes_note=hazards.TAKES_NOTE,
        trail=lookup.audit_trail(session, user.scope, hazard_service.SLUG, [str(row.id)]),
        HazardState=HazardState,
        HazardAction=HazardAction,
        error=error,
        flash=request.query_params.get("flash"),
        default_deadline=max(today, hazards.local_date(row.found_at)) + timedelta(days=30),
    )


@router.get("/hazards/{hazard_id}", response_class=HTMLResponse)
def hazard_page(
    request: Request, hazard_id: int, session: SessionDep, user: HazardReader
) -> HTMLResponse:
    return _hazard_page(request, session, user, hazard_id)


def held_parties(user: CurrentUser) -> frozenset[HazardParty]:
    """Which side of a hazard the user acts for (the authority, the unit), from the role table."""
    return hazard_service.parties(
        roles.can_write(user.role, hazard_service.SLUG),
        roles.can_write(user.role, hazard_service.RECTIFY_SLUG),
    )


@router.post("/hazards/{hazard_id}/photos", response_class=HTMLResponse, **upload(UploadKind.IMAGE))
def hazard_photo(
    request: Request, hazard_id: int, session: SessionDep, user: HazardReader, form: FormDep
) -> Response:
    """整改照片: the unit adds photos of its rectified hazard (images only, by content)."""
    limit = request.app.state.settings.max_image_mb * 1024 * 1024
    photos = _photos(form.getlist("file"), limit)
    if not photos:
        err = ValidationFailed(
            "choose a photo of the rectified hazard",
            [FieldProblem("file", "at least one photo is required")],
        )
        return _hazard_page(request, session, user, hazard_id, err, 422)
    note = str(form.get("note") or "")[:500]
    try:
        with unit_of_work(request.app.state.sessions) as s:
            for name, data in photos:
                hazard_service.add_rectification_photo(
                    s,
                    user.actor,
                    user.scope,
                    held_parties(user),
                    hazard_id,
                    name,
                    data,
                    request.app.state.settings.data_dir,
                    limit,
                    note,
                )
    except (ValidationFailed, Conflict) as exc:
        return _hazard_page(request, session, user, hazard_id, exc, 422)
    except Forbidden as exc:
        return _hazard_page(request, session, user, hazard_id, exc, 403)
    return RedirectResponse(f"/hazards/{hazard_id}?flash=photo", status_code=303)


@router.post("/hazards/{hazard_id}/act", response_class=HTMLResponse)
def hazard_act(
    request: Request, hazard_id: int, session: SessionDep, user: HazardReader, form: FormDep
) -> Response:
    try:
        payload = HazardMove(
            action=HazardAction(str(form.get("action"))),
            deadline=str(form.get("deadline") or "") or None,
            note=str(form.get("note") or "")[:2000],
            department=str(form.get("department") or "")[:100],
            published=form.get("published") == "on",
        )
        with unit_of_work(request.app.state.sessions) as s:
            hazard_service.move(s, user.actor, user.scope, hazard_id, payload, held_parties(user))
    except ValidationError as exc:
        err = ValidationFailed(
            "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        )
        return _hazard_page(request, session, user, hazard_id, err, 422)
    except (ValidationFailed, Conflict) as exc:
        return _hazard_page(request, session, user, hazard_id, exc, 409)
    except Forbidden as exc:
        return _hazard_page(request, session, user, hazard_id, exc, 403)
    except ValueError as exc:  # an action the form never offers
        err = ValidationFailed(str(exc).splitlines()[0])
        return _hazard_page(request, session, user, hazard_id, err, 422)
    return RedirectResponse(f"/hazards/{hazard_id}?flash={payload.action.value}", status_code=303)
