"""The OpenAPI document as the API behaves: every operation lists its problem+json errors.

FastAPI documents only the success response and its own 422 shape. Lanyan answers every error
with an RFC 9457 problem (:mod:`lanyan.api.problems`), so the document built here adds, to each
operation, the statuses it can answer with and the ``ProblemDetails`` schema, in one place rather
than on each route. Integers clients send get the columns' bounds (:mod:`lanyan.api.storable`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from lanyan.api.deps import ClientCheck, current_user
from lanyan.api.problems import PROBLEM
from lanyan.api.storable import bound_spec

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "ProblemDetails",
    "description": "An RFC 9457 problem: what went wrong, and each broken rule by field.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "always about:blank"},
        "title": {"type": "string", "description": "the status in words"},
        "status": {"type": "integer", "description": "the HTTP status code"},
        "detail": {"type": "string", "description": "what went wrong, for people"},
        "instance": {"type": "string", "description": "the request's path"},
        "errors": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/ProblemField"},
        },
    },
}
FIELD_SCHEMA: dict[str, Any] = {
    "title": "ProblemField",
    "type": "object",
    "required": ["field", "rule"],
    "properties": {
        "field": {"type": "string", "description": "the input field, dotted (items.0.code)"},
        "rule": {"type": "string", "description": "the rule the value broke"},
        "row": {"type": "integer", "description": "the 1-based line of an imported file"},
    },
}
# Status → when it is answered.
ALWAYS = {
    "400": "Bad request: the input breaks a rule of the domain",
    "404": "Not found: a row named in the path or the body does not exist (or is out of scope)",
    "409": "Conflict: the change clashes with the current state (a duplicate code, a used row)",
    "422": "Validation failed: a field does not match the schema",
    "500": "Internal error: the server could not finish; the error is logged",
}
SIGNED_IN = {
    "401": "Unauthorized: sign in first (Bearer token or session cookie)",
    "403": "Forbidden: the user's role or jurisdiction does not allow this",
}
# Signing in answers 401 for a wrong name or password, without a user to check.
SIGN_IN_PATH = "/api/auth/login"
UPLOAD = {"413": "Content too large: the upload is over this endpoint's limit"}
METHODS = {"get", "post", "put", "patch", "delete"}


def _needs_user(dependant: Dependant) -> bool:
    pending = [dependant]
    while pending:
        d = pending.pop()
        if d.call is current_user or isinstance(d.call, ClientCheck):
            return True
        pending.extend(d.dependencies)
    return False


def _errors_for(route: APIRoute | RouteContext, operation: dict[str, Any]) -> dict[str, str]:
    statuses = dict(ALWAYS)
    if route.path_format == SIGN_IN_PATH or _needs_user(route.dependant):
        statuses |= SIGNED_IN
    if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
        statuses |= UPLOAD
    return statuses


def build(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with problem+json errors on every operation."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["ProblemDetails"] = PROBLEM_SCHEMA
    schemas["ProblemField"] = FIELD_SCHEMA
    problem_ref = {PROBLEM: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        item = spec["paths"].get(route.path_format, {})
        for method in route.methods:
            operation = item.get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _errors_for(route, operation).items():
                responses[status] = {"description": description, "content": problem_ref}
            operation["responses"] = dict(sorted(responses.items()))
    bound_spec(spec)
    return spec


def install(app: FastAPI) -> None:
    """Serve :func:`build`'s document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
