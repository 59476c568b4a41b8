"""Request size limits (issue #14 item 7): every request body has a limit chosen by its route's
upload kind, refused with 413 before it is read further.

A route that takes a file says which kind it is with ``**upload(UploadKind.IMPORT)`` on its
decorator (the kind is kept in the route's OpenAPI extension ``x-upload-limit`` and the 413 is
documented); any other request gets the ``body`` limit. :class:`BodyLimit` enforces it twice:

* from ``Content-Length`` before anything is read, and
* while the body streams in, counting the bytes the application pulls: a missing or lying
  ``Content-Length`` (chunked uploads) is cut off at the first chunk past the limit, so the
  server never holds more than the limit plus one chunk of any request.

Uploads arrive through Starlette's multipart parser, which spools each file to a temporary file
(1 MiB in memory, the rest on disk), so a request within its limit is not held in memory twice.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanyan.core.config import Settings
from lanyan.core.errors import LanyanError, PayloadTooLarge

MIB = 1024 * 1024
# Room for the multipart boundaries and the small fields beside the file (caption, format...).
FORM_ALLOWANCE = 64 * 1024
ROUTE_KEY = "x-upload-limit"


class UploadKind(StrEnum):
    """What a request carries; each kind has its own setting (``LANYAN_<SETTING>``)."""

    IMPORT = "import"  # CSV, XLSX or GeoJSON data files
    IMAGE = "image"  # pre-plan drawings and photos
    ATTACHMENT = "attachment"  # evidence files (证据材料): photos, PDF, video
    BODY = "body"  # everything else: forms and JSON

    @property
    def setting(self) -> str:
        return {
            UploadKind.IMPORT: "max_import_mb",
            UploadKind.IMAGE: "max_image_mb",
            UploadKind.ATTACHMENT: "attachment_max_mb",
            UploadKind.BODY: "max_body_mb",
        }[self]

    @property
    def env(self) -> str:
        return f"LANYAN_{self.setting.upper()}"

    def limit_mb(self, settings: Settings) -> int:
        return int(getattr(settings, self.setting))

    def limit_bytes(self, settings: Settings) -> int:
        """The most a request of this kind may send: the limit, plus the form's own fields."""
        allowance = 0 if self is UploadKind.BODY else FORM_ALLOWANCE
        return self.limit_mb(settings) * MIB + allowance

    def refusal(self, settings: Settings) -> PayloadTooLarge:
        field = "body" if self is UploadKind.BODY else "file"
        return PayloadTooLarge(field, self.limit_mb(settings), self.env)


def upload(kind: UploadKind) -> dict[str, Any]:
    """Keyword arguments for the decorator of a route that takes an upload of ``kind``."""
    return {
        "openapi_extra": {ROUTE_KEY: kind.value},
        "responses": {
            413: {
                "description": f"The upload is over its limit ({kind.env}).",
                "content": {"application/problem+json": {}},
            }
        },
    }


def _upload_routes(app: Any) -> list[tuple[re.Pattern[str], set[str], UploadKind]]:
    """(path pattern, methods, kind) of each route that declared an upload kind, looked up once
    per application (FastAPI composes included routers lazily: walk their effective routes)."""
    cached = getattr(app.state, "upload_routes", None)
    if cached is None:
        cached = []
        for route in iter_route_contexts(app.router.routes):
            extra = getattr(route, "openapi_extra", None)
            if isinstance(extra, dict) and ROUTE_KEY in extra and route.path:
                pattern = compile_path(route.path)[0]
                cached.append((pattern, set(route.methods or ()), UploadKind(extra[ROUTE_KEY])))
        app.state.upload_routes = cached
    return cached


def kind_of(app: Any, scope: Scope) -> UploadKind:
    """The upload kind of the route ``scope`` would reach; ``body`` for every other route."""
    path, method = scope["path"], scope["method"]
    for pattern, methods, kind in _upload_routes(app):
        if method in methods and pattern.match(path):
            return kind
    return UploadKind.BODY


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # counted while streaming instead
    return None


class BodyLimit:
    """ASGI middleware enforcing each route's request size limit (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fastapi_app = scope["app"]
        settings: Settings = fastapi_app.state.settings
        kind = kind_of(fastapi_app, scope)
        limit = kind.limit_bytes(settings)
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, kind.refusal(settings))
            return

        received = 0
        exceeded = False
        answered = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise kind.refusal(settings)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise kind.refusal(settings)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal answered
            if exceeded and not answered:
                # The refusal reached the app's error handlers: it is the 413 itself. Anything
                # else (FastAPI turns errors while parsing a form into a 400) is replaced below.
                if message["type"] == "http.response.start" and message["status"] == 413:
                    answered = True
                else:
                    return
            elif message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except PayloadTooLarge:
            if not exceeded:
                raise
        if exceeded and not answered:
            await _refuse(scope, send, kind.refusal(settings))


async def _refuse(scope: Scope, send: Send, exc: PayloadTooLarge) -> None:
    """Answer with the application's own handler for domain errors: problem+json for the API,
    the error page for pages."""

    async def nothing() -> Message:
        return {"type": "http.disconnect"}

    request = Request(scope, nothing)
    handler = scope["app"].exception_handlers[LanyanError]
    response = await handler(request, exc)
    response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, nothing, send)
