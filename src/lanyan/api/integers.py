"""Integers the database can hold: a value beyond 64 bits is bad input (422), never a 500.

SQLite and PostgreSQL store integers in at most 64 bits, and Python's drivers fail on a larger
one (``OverflowError``, ``NumericValueOutOfRange``). Pydantic accepts integers of any size, so
one check here, run before every route, refuses them: each integer path or query parameter the
route declares, and every integer in a JSON body. The 422 names the field and the rule like any
other validation error. :func:`bound_spec` writes the same bounds into the OpenAPI schema.
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

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
RULE = f"must be an integer from {INT64_MIN} to {INT64_MAX} (64 bits)"
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
                if _declares_int(f.field_info.annotation):
                    yield location, f.alias


def _too_big(value: str) -> bool:
    return bool(_INTEGER.fullmatch(value)) and not INT64_MIN <= int(value) <= INT64_MAX


def _body_problems(value: Any, loc: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """Where in a parsed JSON body an integer lies beyond 64 bits."""
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield loc
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _body_problems(item, (*loc, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _body_problems(item, (*loc, i))


def _error(loc: tuple[str | int, ...], value: object) -> dict[str, object]:
    return {"type": "int64", "loc": loc, "msg": RULE, "input": str(value)[:40]}


async def within_64_bits(request: Request) -> None:
    """An app-wide dependency: 422 for any integer the database could not store."""
    errors: list[dict[str, object]] = []
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        for location, name in _int_params(route):
            if location == "path":
                values = [request.path_params[name]] if name in request.path_params else []
            else:
                values = request.query_params.getlist(name)
            errors += [_error((location, name), v) for v in values if _too_big(str(v))]
    if request.headers.get("content-type", "").split(";")[0].strip().endswith("json"):
        try:
            body = json.loads(await request.body() or b"null")
        except ValueError:
            body = None  # FastAPI reports the malformed body itself
        errors += [_error(("body", *loc), "(too large)") for loc in _body_problems(body, ())]
    if errors:
        raise RequestValidationError(errors)


def bound_spec(node: Any) -> None:
    """Give every ``integer`` schema in an OpenAPI document 64-bit bounds, where it has none."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            if "maximum" not in node and "exclusiveMaximum" not in node:
                node["maximum"] = INT64_MAX
            if "minimum" not in node and "exclusiveMinimum" not in node:
                node["minimum"] = INT64_MIN
        for item in node.values():
            bound_spec(item)
    elif isinstance(node, list):
        for item in node:
            bound_spec(item)
