"""HTML error pages for browser requests; API paths keep their RFC 9457 JSON problems.

The JSON handlers of ``api.problems`` stay in place and are wrapped: a page request gets a
readable page (or the log-in page when signed out) and never a stack trace.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from lanyan.api.deps import optional_user
from lanyan.api.problems import explained
from lanyan.core.errors import LanyanError, NotSaved, PayloadTooLarge, Unauthorized
from lanyan.store.readiness import DatabaseEmpty, DatabaseOutdated, DatabaseUnreachable
from lanyan.web.render import render

log = logging.getLogger("lanyan.web")
NOT_PAGES = ("/api/", "/static/", "/docs", "/redoc", "/openapi.json")
# Errors whose page says more than their status does (a catalogue key each).
PAGE_KEYS: dict[type[Exception], str] = {
    NotSaved: "error_not_saved",
    DatabaseEmpty: "error_db_empty",
    DatabaseOutdated: "error_db_outdated",
    DatabaseUnreachable: "error_db_unreachable",
}
Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


def _status_of(exc: Exception) -> int:
    if isinstance(exc, LanyanError):
        return exc.status
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, RequestValidationError):
        return 422
    return 500


def html_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, Unauthorized):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    exc = explained(request, exc)
    status = _status_of(exc)
    if status >= 500 and exc.__class__ not in PAGE_KEYS:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
    try:
        user = optional_user(request)
    except Exception:  # the database itself may be what failed; show the page without a user
        user = None
    key = {403: "error_403", 404: "error_404", 413: "error_413"}.get(
        status, "error_500" if status >= 500 else None
    )
    key = PAGE_KEYS.get(type(exc), key)
    detail = str(exc) if status < 500 and isinstance(exc, LanyanError) else None
    if isinstance(exc, PayloadTooLarge):  # the limit and its setting: the same in zh and en
        detail = f"≤ {exc.limit_mb:g} MB · {exc.setting}"
    if isinstance(exc, RequestValidationError):
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()
        )
    return render(
        request, "error.html", user, status_code=status, status=status, key=key, detail=detail
    )


def install(app: FastAPI) -> None:
    """Wrap the JSON problem handlers so page requests get HTML instead."""
    for exc_class in (
        LanyanError,
        RequestValidationError,
        StarletteHTTPException,
        SQLAlchemyError,
        Exception,
    ):
        fallback: Handler = app.exception_handlers[exc_class]

        def make(fallback: Handler) -> Handler:
            async def handler(request: Request, exc: Exception) -> Response:
                if is_page(request):
                    return html_error(request, exc)
                return await fallback(request, exc)

            return handler

        app.add_exception_handler(exc_class, make(fallback))
