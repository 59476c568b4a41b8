"""Form fields derived from an object type's Create schema, and form data turned back into input.

One description per field (``FieldSpec``) drives the create/edit form, the list filters and
the display of values, so every object type gets the same pages without a template of its own.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Literal

from fastapi import Depends, Request
from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined
from starlette.datastructures import FormData

from lanyan.core.errors import LanyanError
from lanyan.registry.choices import Choice
from lanyan.registry.types import ObjectType, get_type

Widget = Literal["text", "select", "multi", "checkbox", "int", "float", "date", "geometry", "ref"]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    widget: Widget
    required: bool
    nullable: bool
    default: Any
    choice: type[Choice] | None = None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The annotation without ``| None`` / ``Annotated``, and whether None was allowed."""
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, nullable


def spec_of(ot: ObjectType, name: str, info: FieldInfo) -> FieldSpec:
    base, nullable = _unwrap(info.annotation)
    choice: type[Choice] | None = None
    widget: Widget
    if name in ot.ref_by_field:
        widget = "ref"
    elif name in ("boundary", "geometry"):
        widget = "geometry"
    elif isinstance(base, type) and issubclass(base, Choice):
        widget, choice = "select", base
    elif typing.get_origin(base) is list:
        item, _ = _unwrap(typing.get_args(base)[0])
        widget, choice = "multi", item
    elif base is bool:
        widget = "checkbox"
    elif base is int:
        widget = "int"
    elif base is float:
        widget = "float"
    elif base is date:
        widget = "date"
    else:
        widget = "text"
    default = None if info.default is PydanticUndefined else info.default
    if info.default_factory is not None:
        default = info.default_factory()  # type: ignore[call-arg]
    return FieldSpec(name, widget, info.is_required(), nullable, default, choice)


def form_fields(ot: ObjectType) -> list[FieldSpec]:
    return [spec_of(ot, n, i) for n, i in ot.create.model_fields.items()]


def filter_fields(ot: ObjectType) -> list[FieldSpec]:
    return [spec_of(ot, n, i) for n, i in ot.filter.model_fields.items()]


def choice_of(ot: ObjectType, name: str) -> type[Choice] | None:
    """The enumeration behind field ``name`` of the Public schema, if any."""
    return _choice_of(ot.slug, name)


@lru_cache(maxsize=512)  # asked once per value when a map layer of thousands of rows is built
def _choice_of(slug: str, name: str) -> type[Choice] | None:
    info = get_type(slug).public.model_fields.get(name)
    if info is None:
        return None
    base, _ = _unwrap(info.annotation)
    if typing.get_origin(base) is list:
        base, _ = _unwrap(typing.get_args(base)[0])
    return base if isinstance(base, type) and issubclass(base, Choice) else None


def parse_form(specs: list[FieldSpec], form: Any, *, for_update: bool) -> dict[str, Any]:
    """Form data as Create-schema input. Blank optional fields become None or their default.

    A blank required field is left out, so validation reports it as missing by name. On update
    blanks are sent explicitly: leaving a field empty is how a user clears it.
    """
    data: dict[str, Any] = {}
    for spec in specs:
        if spec.widget == "checkbox":
            data[spec.name] = form.get(spec.name) in ("on", "true", "1")
            continue
        if spec.widget == "multi":
            data[spec.name] = [v for v in form.getlist(spec.name) if v]
            continue
        raw = form.get(spec.name)
        value = raw.strip() if isinstance(raw, str) else raw
        if value in (None, ""):
            if spec.required:
                continue
            if spec.nullable:
                data[spec.name] = None
            elif for_update:
                data[spec.name] = spec.default
            continue
        data[spec.name] = value
    return data


def form_value(value: Any) -> Any:
    """A stored value as the text an input shows."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return getattr(value, "value", value)


async def form_data(request: Request) -> FormData:
    """The submitted form, as a dependency every page module shares."""
    return await request.form()


FormDep = typing.Annotated[FormData, Depends(form_data)]


def error_text(exc: Exception) -> str:
    """One line for a refused form: the message and each field with its rule."""
    if isinstance(exc, LanyanError):
        details = "; ".join(f"{p.field}: {p.rule}" for p in exc.problems)
        return f"{exc.message} ({details})" if details else exc.message
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(x) for x in e['loc']) or 'form'}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)
