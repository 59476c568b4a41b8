"""The API documentation page (Swagger UI) and the OpenAPI document, served from local assets,
never from a CDN. In production both need a signed-in user: the document maps every endpoint."""

from __future__ import annotations

from html import escape
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import optional_user
from lanyan.core.errors import Unauthorized

router = APIRouter(include_in_schema=False)
VENDOR = "/static/vendor/swagger-ui"
OPENAPI_URL = "/openapi.json"
MaybeUser = Annotated[CurrentUser | None, Depends(optional_user)]


def _closed(request: Request, user: CurrentUser | None) -> bool:
    return request.app.state.settings.environment == "production" and user is None


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, user: MaybeUser) -> Response:
    if _closed(request, user):
        return RedirectResponse(f"/login?next={quote('/docs')}", status_code=303)
    title = escape(f"{request.app.title} · API")
    return HTMLResponse(
        f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="{VENDOR}/swagger-ui.css">
<link rel="icon" href="/static/img/logo.svg">
<title>{title}</title>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{OPENAPI_URL}"></div>
<script src="{VENDOR}/swagger-ui-bundle.js"></script>
<script src="/static/js/swagger-init.js"></script>
</body>
</html>"""
    )


@router.get(OPENAPI_URL)
def openapi(request: Request, user: MaybeUser) -> Any:
    if _closed(request, user):
        raise Unauthorized("sign in to read the API description")
    return JSONResponse(request.app.openapi())
