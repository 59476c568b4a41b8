"""Errors as RFC 9457 problem details: JSON naming the field and the rule, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lanyan.core.errors import LanyanError
from lanyan.store.readiness import not_ready

log = logging.getLogger("lanyan.api")
PROBLEM = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    """An RFC 9457 problem; the OpenAPI document describes it as ``ProblemDetails``."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance is not None:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def explained(request: Request, exc: Exception) -> Exception:
    """A database error as ``DatabaseNotReady`` (503, naming the fix) when the database is
    unreachable, empty or at another schema revision; any other error unchanged."""
    if isinstance(exc, SQLAlchemyError):
        return not_ready(request.app.state.engine) or exc
    return exc


def install(app: FastAPI) -> None:
    @app.exception_handler(LanyanError)
    async def _lanyan(request: Request, exc: LanyanError) -> JSONResponse:
        errors = [p.as_dict() for p in exc.problems]
        return problem(exc.status, exc.title, exc.message, errors, request.url.path)

    @app.exception_handler(SQLAlchemyError)
    async def _database(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        reason = explained(request, exc)
        if isinstance(reason, LanyanError):
            return await _lanyan(request, reason)
        return await _unexpected(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err["loc"] if p not in ("body", "query", "path")]
            errors.append(
                {
                    "field": ".".join(loc) or "(body)",
                    "rule": err["msg"].removeprefix("Value error, "),
                }
            )
        detail = "the request does not match the schema"
        return problem(422, "Validation failed", detail, errors, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail)
        return problem(exc.status_code, detail, detail, instance=request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        detail = "the server could not finish this request; it was logged"
        return problem(500, "Internal error", detail, instance=request.url.path)
