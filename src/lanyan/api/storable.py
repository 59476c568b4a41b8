"""Values the database can store: anything else is bad input (422), never a 500.

Two kinds of value reached the database and came back as a 500:

* Integers. Lanyan's integer columns (ids, counts, years) are SQL ``INTEGER``: 32 bits on PostgreSQL, and
SQLite's driver fails beyond 64. Pydantic accepts integers of any size, so a larger id in a path
or count in a body reached the database and came back as a 500 (``NumericValueOutOfRange``,
``OverflowError``). Checked: each integer path or query parameter the route declares, and
every integer in a JSON body. :func:`bound_spec` writes the bounds into the OpenAPI document.
* Text with a NUL character (U+0000), which PostgreSQL's text and JSON types cannot hold (a
search term or a code with one was a 500 there, and SQLite would store what PostgreSQL refuses).
Checked: every path and query value, every string and key in a JSON body, and every text
field of a form (multipart or URL-encoded), with the integer fields a route declares.

One dependency, run before every route (:func:`storable_input`), refuses both with a 422 that
names the field and the rule like any other validation error.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
RULE = f"must be an integer from {INT_MIN} to {INT_MAX}"
NUL_RULE = "must not contain the NUL character (U+0000)"
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def _declares_int(annotation: object) -> bool:
    if annotation is int:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, typing.Annotated):
        return any(_declares_int(arg) for arg in typing.get_args(annotation))
    return False


def _int_params(route: APIRoute) -> Iterator[tuple[str, str]]:
    """(location, name) of every integer path/query parameter of ``route`` and its dependencies."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        for location, fields in (
            ("path", dependant.path_params),
            ("query", dependant.query_params),
        ):
            for f in fields:
                annotation = f.field_info.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    # A query model (``Annotated[Filter, Query()]``): one parameter per field.
                    for name, info in annotation.model_fields.items():
                        if _declares_int(info.annotation):
                            yield location, info.alias or name
                elif _declares_int(annotation):
                    yield location, f.alias


def _out_of_range(value: str) -> bool:
    return bool(_INTEGER.fullmatch(value)) and not INT_MIN <= int(value) <= INT_MAX


Loc = tuple[str | int, ...]


def _body_problems(value: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """(where, rule) for each value of a parsed JSON body the database could not store."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            yield loc, RULE
    elif isinstance(value, str):
        if "\x00" in value:
            yield loc, NUL_RULE
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield (*loc, key), NUL_RULE
            yield from _body_problems(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _body_problems(item, (*loc, i))


def _int_form_fields(route: APIRoute) -> set[str]:
    """Names of the integer form fields ``route`` and its dependencies declare."""
    names: set[str] = set()
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        pending.extend(dependant.dependencies)
        names.update(
            f.alias for f in dependant.body_params if _declares_int(f.field_info.annotation)
        )
    return names


async def _form_problems(request: Request, route: object) -> list[dict[str, object]]:
    """Form fields (multipart or URL-encoded) the database could not store: a NUL in any text
    field, an out-of-range value in a declared integer field. The form is parsed once (Starlette
    keeps it for the route); a form that does not parse is left to the route to report."""
    try:
        form = await request.form()
    except Exception:
        return []
    ints = _int_form_fields(route) if isinstance(route, APIRoute) else set()
    errors: list[dict[str, object]] = []
    for name, value in form.multi_items():
        if not isinstance(value, str):
            continue  # an uploaded file: its bytes are not stored as text
        if "\x00" in value or "\x00" in name:
            errors.append(_error(("body", name), NUL_RULE))
        elif name in ints and _out_of_range(value):
            errors.append(_error(("body", name), RULE))
    return errors


def _error(loc: Loc, rule: str) -> dict[str, object]:
    return {"type": "not_storable", "loc": loc, "msg": rule, "input": None}


async def storable_input(request: Request) -> None:
    """An app-wide dependency: 422 for any value the database could not store."""
    errors: list[dict[str, object]] = []
    for location, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items() if location == "path" else params.multi_items():
            if "\x00" in str(value):
                errors.append(_error((location, name), NUL_RULE))
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        for location, name in _int_params(route):
            if location == "path":
                values = [request.path_params[name]] if name in request.path_params else []
            else:
                values = request.query_params.getlist(name)
            errors += [_error((location, name), RULE) for v in values if _out_of_range(str(v))]
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        errors += await _form_problems(request, route)
    if kind.endswith("json"):
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None  # FastAPI reports the malformed body itself
        errors += [_error(("body", *loc), rule) for loc, rule in _body_problems(body, ())]
    if errors:
        raise RequestValidationError(errors)


def _bound(node: Any, components: dict[str, Any], seen: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            _bound(components.get(ref.rsplit("/", 1)[-1]), components, seen)
        if node.get("type") == "integer":
            node.setdefault("maximum", INT_MAX)
            node.setdefault("minimum", INT_MIN)
        for item in node.values():
            _bound(item, components, seen)
    elif isinstance(node, list):
        for item in node:
            _bound(item, components, seen)


def bound_spec(spec: dict[str, Any]) -> None:
    """Bound every integer a client sends (parameters and request bodies) in an OpenAPI document.

    Responses keep their schemas: a stored size in bytes may pass 32 bits.
    """
    components = spec.get("components", {}).get("schemas", {})
    seen: set[str] = set()
    for item in spec.get("paths", {}).values():
        for operation in item.values():
            _bound(operation.get("parameters", []), components, seen)
            _bound(operation.get("requestBody", {}), components, seen)
