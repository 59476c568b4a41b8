"""Registry pages, generic over ``OBJECT_TYPES``: list, detail, create, edit and delete.

Every write goes through ``registry.service`` in one unit of work with the user's actor and
scope, so the pages obey the same validation, scoping and audit as the API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, UserDep, permit
from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.registry import service
from lanyan.registry.types import BY_SLUG, OBJECT_TYPES, ObjectType
from lanyan.store.db import unit_of_work
from lanyan.web.forms import (
    FieldSpec,
    FormDep,
    filter_fields,
    form_fields,
    form_value,
    parse_form,
)
from lanyan.web.map.layers import geometry_of
from lanyan.web.render import render

router = APIRouter(prefix="/registry", include_in_schema=False)
PAGE_SIZE = 50
TYPE_OF_MODEL = {ot.model: ot for ot in OBJECT_TYPES}


@dataclass(frozen=True)
class Access:
    ot: ObjectType
    user: CurrentUser


def _access(slug: str, user: CurrentUser, action: str) -> Access:
    ot = BY_SLUG.get(slug)
    if ot is None:
        raise NotFound(f"no object type {slug!r}")
    return Access(ot, permit(user, slug, action))


def reader(slug: str, user: UserDep) -> Access:
    return _access(slug, user, "read")


def writer(slug: str, user: UserDep) -> Access:
    return _access(slug, user, "write")


ReadDep = Annotated[Access, Depends(reader)]
WriteDep = Annotated[Access, Depends(writer)]


def problems_by_field(
    problems: list[FieldProblem], specs: list[FieldSpec]
) -> tuple[dict[str, list[str]], list[str]]:
    """Problems keyed by form field (``fire_systems.0`` belongs to ``fire_systems``); the rest."""
    names = {s.name for s in specs}
    by_field: dict[str, list[str]] = {}
    general = []
    for p in problems:
        head = p.field.split(".")[0]
        if head in names:
            by_field.setdefault(head, []).append(p.rule)
        else:
            general.append(f"{p.field}: {p.rule}")
    return by_field, general


def ref_pickers(ot: ObjectType, user: CurrentUser) -> dict[str, tuple[str, str]]:
    """For each reference field the user may search: the list API the picker queries and the
    column shown beside the code (``name``, else the type's next search column)."""
    out: dict[str, tuple[str, str]] = {}
    for ref in ot.refs:
        target = TYPE_OF_MODEL[ref.model]
        if not roles.can_read(user.role, target.slug):
            continue
        shown = [c for c in target.search_columns if c != "code"]
        label = "name" if hasattr(target.model, "name") else (shown[0] if shown else "code")
        out[ref.field] = (f"/api/{target.slug}", label)
    return out


def ref_links(session: Session, ot: ObjectType, item: dict[str, Any], user: CurrentUser) -> dict:
    """Detail-page links for the row's references that the user may open."""
    links = {}
    for ref in ot.refs:
        code = item.get(ref.field)
        target = TYPE_OF_MODEL[ref.model]
        if not code or not roles.can_read(user.role, target.slug):
            continue
        found = service.id_of_code(session, target, user.scope, code)
        if found is not None:
            links[ref.field] = f"/registry/{target.slug}/{found}"
    return links


@router.get("/{slug}", response_class=HTMLResponse)
def list_page(
    request: Request,
    access: ReadDep,
    session: SessionDep,
    q: str = "",
    page: int = 1,
) -> HTMLResponse:
    ot, user = access.ot, access.user
    specs = filter_fields(ot)
    chosen = {s.name: request.query_params.get(s.name, "") for s in specs}
    filter_error = None
    try:
        filters = ot.filter.model_validate({k: v for k, v in chosen.items() if v})
    except PydanticValidationError as exc:
        filter_error = "; ".join(f"{p.field}: {p.rule}" for p in service.pydantic_problems(exc))
        filters = None
    result = service.list_rows(
        session, ot, user.scope, filters, q=q.strip() or None, page=max(1, page), size=PAGE_SIZE
    )
    rows = service.public_rows(session, ot, result.items)
    pages = max(1, math.ceil(result.total / PAGE_SIZE))
    return render(
        request,
        "registry/list.html",
        user,
        ot=ot,
        rows=rows,
        total=result.total,
        page=result.page,
        pages=pages,
        q=q,
        filter_specs=specs,
        chosen=chosen,
        filter_error=filter_error,
        flash=request.query_params.get("flash"),
    )


def _form_page(
    request: Request,
    access: Access,
    session: Session,
    values: dict[str, Any],
    *,
    row_id: int | None = None,
    errors: dict[str, list[str]] | None = None,
    general: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "registry/form.html",
        access.user,
        status_code=status_code,
        ot=access.ot,
        specs=form_fields(access.ot),
        values={k: form_value(v) for k, v in values.items()},
        row_id=row_id,
        errors=errors or {},
        general=general or [],
        ref_pickers=ref_pickers(access.ot, access.user),
    )


def _failed_form(
    request: Request,
    access: Access,
    session: Session,
    form: FormData,
    exc: ValidationFailed | Conflict,
    row_id: int | None = None,
) -> HTMLResponse:
    specs = form_fields(access.ot)
    errors, general = problems_by_field(exc.problems, specs)
    values: dict[str, Any] = {s.name: form.get(s.name, "") for s in specs}
    for s in specs:
        if s.widget == "multi":
            values[s.name] = form.getlist(s.name)
        elif s.widget == "checkbox":
            values[s.name] = form.get(s.name) in ("on", "true", "1")
    if not exc.problems:
        general.append(exc.message)
    return _form_page(
        request,
        access,
        session,
        values,
        row_id=row_id,
        errors=errors,
        general=general,
        status_code=exc.status,
    )


@router.get("/{slug}/new", response_class=HTMLResponse)
def new_page(request: Request, access: WriteDep, session: SessionDep) -> HTMLResponse:
    defaults = {s.name: s.default for s in form_fields(access.ot)}
    return _form_page(request, access, session, defaults)


@router.post("/{slug}/new", response_class=HTMLResponse)
def create_submit(
    request: Request, access: WriteDep, session: SessionDep, form: FormDep
) -> Response:
    ot, user = access.ot, access.user
    data = parse_form(form_fields(ot), form, for_update=False)
    try:
        with unit_of_work(request.app.state.sessions) as s:
            row_id = service.create(s, ot, user.actor, user.scope, data).id
    except (ValidationFailed, Conflict) as exc:
        return _failed_form(request, access, session, form, exc)
    return RedirectResponse(f"/registry/{ot.slug}/{row_id}?flash=saved", status_code=303)


@router.get("/{slug}/{row_id}", response_class=HTMLResponse)
def detail_page(
    request: Request, row_id: int, access: ReadDep, session: SessionDep
) -> HTMLResponse:
    ot, user = access.ot, access.user
    row = service.get(session, ot, user.scope, row_id)
    item = service.public_rows(session, ot, [row])[0]
    return render(
        request,
        "registry/detail.html",
        user,
        ot=ot,
        item=item,
        links=ref_links(session, ot, item, user),
        geometry=geometry_of(ot, row),
        flash=request.query_params.get("flash"),
    )


@router.get("/{slug}/{row_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, row_id: int, access: WriteDep, session: SessionDep) -> HTMLResponse:
    row = service.get(session, access.ot, access.user.scope, row_id)
    return _form_page(
        request, access, session, service.input_of(session, access.ot, row), row_id=row_id
    )


@router.post("/{slug}/{row_id}/edit", response_class=HTMLResponse)
def edit_submit(
    request: Request, row_id: int, access: WriteDep, session: SessionDep, form: FormDep
) -> Response:
    ot, user = access.ot, access.user
    data = parse_form(form_fields(ot), form, for_update=True)
    try:
        with unit_of_work(request.app.state.sessions) as s:
            service.update(s, ot, user.actor, user.scope, row_id, data)
    except (ValidationFailed, Conflict) as exc:
        return _failed_form(request, access, session, form, exc, row_id)
    return RedirectResponse(f"/registry/{ot.slug}/{row_id}?flash=saved", status_code=303)


@router.get("/{slug}/{row_id}/delete", response_class=HTMLResponse)
def delete_page(
    request: Request, row_id: int, access: WriteDep, session: SessionDep
) -> HTMLResponse:
    row = service.get(session, access.ot, access.user.scope, row_id)
    return render(request, "registry/delete.html", access.user, ot=access.ot, row=row, error=None)


@router.post("/{slug}/{row_id}/delete", response_class=HTMLResponse)
def delete_submit(request: Request, row_id: int, access: WriteDep, session: SessionDep) -> Response:
    ot, user = access.ot, access.user
    try:
        with unit_of_work(request.app.state.sessions) as s:
            service.delete(s, ot, user.actor, user.scope, row_id)
    except Conflict as exc:
        row = service.get(session, ot, user.scope, row_id)
        rules = [p.rule for p in exc.problems] or [exc.message]
        return render(
            request, "registry/delete.html", user, status_code=409, ot=ot, row=row, errors=rules
        )
    return RedirectResponse(f"/registry/{ot.slug}?flash=deleted", status_code=303)
