"""Pre-plan pages (数字化预案): the list, the view, the edit form and the printable A4 page.

Writes go through ``lanyan.response.preplans`` in one unit of work with the user's actor and
scope, so the pages obey the same validation, revision check and audit as the API.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api import limits
from lanyan.api.deps import SessionDep, require
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.registry.choices import (
    BuildingUse,
    FireLaneStatus,
    FireSystem,
    UnitCategory,
    WaterSourceKind,
    WaterSourceStatus,
)
from lanyan.registry.service import pydantic_problems
from lanyan.response import preplans
from lanyan.response.preplans import PrePlanCreate, PrePlanUpdate
from lanyan.store.db import unit_of_work
from lanyan.web.forms import FormDep
from lanyan.web.i18n import rule_text
from lanyan.web.render import render

router = APIRouter(prefix="/preplans", include_in_schema=False)

WORDS: dict[str, tuple[str, str]] = {
    "pp_nav": ("数字化预案", "Pre-plans"),
    "pp_new": ("新建预案", "New pre-plan"),
    "pp_edit": ("编辑预案", "Edit pre-plan"),
    "pp_print": ("打印预案", "Print"),
    "pp_search": ("搜索单位或预案", "Search unit or pre-plan"),
    "pp_none": ("尚无预案", "No pre-plans yet"),
    "pp_code": ("预案编号", "Pre-plan no."),
    "pp_title_f": ("预案名称", "Title"),
    "pp_unit": ("单位", "Unit"),
    "pp_unit_code": ("单位统一社会信用代码", "Unit (USCC)"),
    "pp_building": ("建筑", "Building"),
    "pp_building_code": ("建筑编码（可选）", "Building code (optional)"),
    "pp_revision": ("版本", "Revision"),
    "pp_updated": ("更新", "Updated"),
    "pp_facts": ("建筑概况", "Building facts"),
    "pp_height": ("建筑高度", "Height"),
    "pp_floors": ("层数（地上/地下）", "Floors (above/below)"),
    "pp_use": ("使用性质", "Use"),
    "pp_structure": ("结构类型", "Structure"),
    "pp_occ_day": ("白天人数", "Occupants (day)"),
    "pp_occ_night": ("夜间人数", "Occupants (night)"),
    "pp_key_parts": ("重点部位", "Key parts"),
    "pp_key_parts_hint": (
        "每行一项：名称 | 位置 | 说明",
        "One per line: name | location | note",
    ),
    "pp_hazards": ("危险物品", "Hazardous materials"),
    "pp_hazards_hint": (
        "每行一项：名称 | 数量 | 位置 | 说明",
        "One per line: name | quantity | location | note",
    ),
    "pp_facilities": ("固定消防设施", "Fixed fire facilities"),
    "pp_sprinklers": ("自动喷水灭火系统", "Sprinklers"),
    "pp_hydrant_system": ("消火栓系统", "Hydrant system"),
    "pp_pump_room": ("消防水泵房", "Fire pump room"),
    "pp_control_room": ("消防控制室", "Fire control room"),
    "pp_other_facilities": ("其他设施", "Other facilities"),
    "pp_registry_systems": ("登记的消防系统", "Registered fire systems"),
    "pp_water": ("周边水源（1 km 内）", "Water sources within 1 km"),
    "pp_lanes": ("消防车通道", "Fire lanes"),
    "pp_attack": ("灭火进攻要点", "Attack notes"),
    "pp_evacuation": ("疏散救人要点", "Evacuation and rescue notes"),
    "pp_forces": ("调派力量", "Forces to send"),
    "pp_contacts": ("联系人", "Contacts"),
    "pp_contacts_hint": ("每行一人：姓名 | 职务 | 电话", "One per line: name | role | phone"),
    "pp_attachments": ("附件（平面图）", "Attachments (floor plans)"),
    "pp_upload": ("上传图片", "Upload image"),
    "pp_caption": ("说明", "Caption"),
    "pp_remove": ("删除", "Remove"),
    "pp_sketch": ("现场示意图", "Site sketch"),
    "pp_sketch_legend": (
        "■ 建筑  ● 水源（红色为损坏）  ┅ 消防车通道  ▬ 道路",
        "■ building  ● water (red: damaged)  ┅ fire lane  ▬ road",
    ),
    "pp_history": ("修订记录", "Revision history"),
    "pp_save": ("保存", "Save"),
    "pp_saved": ("已保存", "Saved"),
    "pp_responsible": ("消防安全责任人", "Fire-safety responsible person"),
    "pp_manager": ("消防安全管理人", "Fire-safety manager"),
    "pp_distance": ("距离", "Distance"),
    "pp_status": ("状态", "Status"),
    "pp_printed": ("打印时间", "Printed"),
    "pp_no_building": ("（单位总体预案）", "(unit-wide pre-plan)"),
}


ReaderDep = Annotated[CurrentUser, require(preplans.SLUG, "read")]
WriterDep = Annotated[CurrentUser, require(preplans.SLUG, "write")]


LISTS = {
    "key_parts": ("name", "location", "note"),
    "hazardous_materials": ("name", "quantity", "location", "note"),
    "contacts": ("name", "role", "phone"),
}
TEXTS = (
    "title",
    "structure",
    "sprinklers",
    "hydrant_system",
    "pump_room",
    "control_room",
    "other_facilities",
    "attack_notes",
    "evacuation_notes",
    "forces",
)


def lines_to_items(text: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """``名称 | 位置 | 说明`` lines (ASCII or full-width bar) to dicts; blank lines skipped."""
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in re.split(r"[|｜]", line, maxsplit=len(keys) - 1)]
        out.append(dict(zip(keys, cells + [""] * (len(keys) - len(cells)), strict=True)))
    return out


def items_to_lines(items: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    return "\n".join(" | ".join(str(i.get(k, "")) for k in keys).rstrip(" |") for i in items)


def _payload(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in TEXTS}
    for k in ("occupants_day", "occupants_night"):
        raw = str(form.get(k) or "").strip()
        data[k] = raw or None
    for k, keys in LISTS.items():
        data[k] = lines_to_items(str(form.get(k) or ""), keys)
    return data


def _form_values(row: Any) -> dict[str, Any]:
    values = {k: getattr(row, k) for k in TEXTS}
    values.update(
        occupants_day=row.occupants_day if row.occupants_day is not None else "",
        occupants_night=row.occupants_night if row.occupants_night is not None else "",
    )
    for k, keys in LISTS.items():
        values[k] = items_to_lines(getattr(row, k), keys)
    return values


def _errors(problems: list[FieldProblem], lang: str) -> dict[str, str]:
    """Field → message; list rows (``key_parts.2.name``) are reported on the list's box."""
    out: dict[str, str] = {}
    for p in problems:
        field = p.field.split(".")[0]
        row = p.field.split(".")[1] if "." in p.field else None
        text = rule_text(p.rule, lang)
        if row is not None and row.isdigit():
            text = f"{'第' if lang == 'zh' else 'line '}{int(row) + 1}{'行' if lang == 'zh' else ''}: {text}"
        out[field] = f"{out[field]}; {text}" if field in out else text
    return out


def _form(
    request: Request,
    session: Session,
    user: CurrentUser,
    values: dict[str, Any],
    preplan: Any = None,
    errors: dict[str, str] | None = None,
    general: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "response/preplan_form.html",
        user,
        status_code=status_code,
        values=values,
        preplan=preplan,
        errors=errors or {},
        general=general,
    )


@router.get("", response_class=HTMLResponse)
def list_page(
    request: Request, session: SessionDep, user: ReaderDep, q: str = "", page: int = 1
) -> HTMLResponse:
    rows, total = preplans.list_preplans(session, user.scope, q, max(1, page), 100)
    return render(
        request,
        "response/preplans.html",
        user,
        rows=rows,
        total=total,
        q=q,
        can_write=roles.can_write(user.role, preplans.SLUG),
        when=preplans.when,
    )


@router.get("/new", response_class=HTMLResponse)
def new_page(
    request: Request, session: SessionDep, user: WriterDep, unit_code: str = ""
) -> HTMLResponse:
    return _form(request, session, user, {"unit_code": unit_code})


@router.post("/new", response_class=HTMLResponse)
def new_submit(request: Request, session: SessionDep, user: WriterDep, form: FormDep) -> Response:
    values = _payload(form)
    values["unit_code"] = str(form.get("unit_code") or "").strip()
    values["building_code"] = str(form.get("building_code") or "").strip() or None
    lang = _lang(request, user)
    try:
        payload = PrePlanCreate.model_validate(values)
        with unit_of_work(request.app.state.sessions) as s:
            row = preplans.create_preplan(s, user.actor, user.scope, payload)
            new_id = row.id
    except PydanticValidationError as exc:
        return _form(
            request, session, user, _raw(form), errors=_errors(pydantic_problems(exc), lang),
            status_code=422,
        )  # fmt: skip
    except LanyanError as exc:
        return _form(
            request, session, user, _raw(form), errors=_errors(exc.problems, lang),
            general=exc.message, status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/preplans/{new_id}?flash=saved", status_code=303)


def _raw(form: FormData) -> dict[str, Any]:
    return {k: str(v) for k, v in form.items() if not isinstance(v, UploadFile)}


def _lang(request: Request, user: CurrentUser) -> str:
    from lanyan.web.render import ui_for

    return ui_for(request, user).lang


@router.get("/{preplan_id}", response_class=HTMLResponse)
def view_page(
    request: Request, preplan_id: int, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    return _view(request, session, user, preplan_id, "response/preplan_view.html")


@router.get("/{preplan_id}/print", response_class=HTMLResponse)
def print_page(
    request: Request, preplan_id: int, session: SessionDep, user: ReaderDep
) -> HTMLResponse:
    return _view(request, session, user, preplan_id, "response/preplan_print.html")


def _view(
    request: Request,
    session: Session,
    user: CurrentUser,
    preplan_id: int,
    template: str,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    from lanyan.core.timeutil import utcnow

    row = preplans.get_preplan(session, user.scope, preplan_id)
    data = preplans.public(session, row)
    return render(
        request,
        template,
        user,
        status_code=status_code,
        p=data,
        sketch=Markup(preplans.sketch_svg(data["surroundings"])),  # escaped inside
        history=preplans.revision_history(session, user.scope, row),
        can_write=roles.can_write(user.role, preplans.SLUG),
        when=preplans.when,
        now=utcnow(),
        flash=request.query_params.get("flash"),
        error=error,
        BuildingUse=BuildingUse,
        FireSystem=FireSystem,
        UnitCategory=UnitCategory,
        WaterSourceKind=WaterSourceKind,
        WaterSourceStatus=WaterSourceStatus,
        FireLaneStatus=FireLaneStatus,
        choice=_choice_label,
    )


def _choice_label(enum: Any, value: str | None, lang: str) -> str:
    try:
        return enum(value).label(lang) if value else "—"
    except ValueError:
        return str(value)


@router.get("/{preplan_id}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request, preplan_id: int, session: SessionDep, user: WriterDep
) -> HTMLResponse:
    row = preplans.get_preplan(session, user.scope, preplan_id)
    values = _form_values(row) | {"revision": row.revision}
    return _form(request, session, user, values, preplan=preplans.public(session, row, False))


@router.post("/{preplan_id}/edit", response_class=HTMLResponse)
def edit_submit(
    request: Request, preplan_id: int, session: SessionDep, user: WriterDep, form: FormDep
) -> Response:
    row = preplans.get_preplan(session, user.scope, preplan_id)
    shown = preplans.public(session, row, False)
    values = _payload(form)
    values["revision"] = str(form.get("revision") or "0")
    lang = _lang(request, user)
    try:
        payload = PrePlanUpdate.model_validate(values)
        with unit_of_work(request.app.state.sessions) as s:
            preplans.update_preplan(
                s, user.actor, user.scope, preplan_id, payload,
                )  # fmt: skip
    except PydanticValidationError as exc:
        return _form(
            request, session, user, _raw(form), preplan=shown,
            errors=_errors(pydantic_problems(exc), lang), status_code=422,
        )  # fmt: skip
    except LanyanError as exc:
        return _form(
            request, session, user, _raw(form), preplan=shown,
            errors=_errors(exc.problems, lang), general=exc.message, status_code=exc.status,
        )  # fmt: skip
    return RedirectResponse(f"/preplans/{preplan_id}?flash=saved", status_code=303)


@router.post(
    "/{preplan_id}/attachments",
    response_class=HTMLResponse,
    **limits.upload(limits.UploadKind.IMAGE),
)
def attach_submit(
    request: Request, preplan_id: int, session: SessionDep, user: WriterDep, form: FormDep
) -> Response:
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile):
            raise ValidationFailed("no file", [FieldProblem("file", "choose an image to upload")])
        max_bytes = request.app.state.settings.max_image_mb * limits.MIB
        data = upload.file.read(max_bytes + 1)
        with unit_of_work(request.app.state.sessions) as s:
            preplans.add_attachment(
                s, user.actor, user.scope, preplan_id, upload.filename or "image",
                upload.content_type or "", data, str(form.get("caption") or "").strip(),
                max_bytes,
            )  # fmt: skip
    except LanyanError as exc:
        problems = "; ".join(f"{p.field}: {p.rule}" for p in exc.problems)
        message = f"{exc.message}{' — ' + problems if problems else ''}"
        return _view(
            request, session, user, preplan_id, "response/preplan_view.html", message, exc.status
        )
    return RedirectResponse(f"/preplans/{preplan_id}?flash=saved#attachments", status_code=303)


@router.post("/{preplan_id}/attachments/{attachment_id}/delete", response_class=HTMLResponse)
def detach_submit(
    request: Request, preplan_id: int, attachment_id: int, user: WriterDep
) -> Response:
    with unit_of_work(request.app.state.sessions) as s:
        preplans.remove_attachment(
            s, user.actor, user.scope, preplan_id, attachment_id,
            )  # fmt: skip
    return RedirectResponse(f"/preplans/{preplan_id}#attachments", status_code=303)
