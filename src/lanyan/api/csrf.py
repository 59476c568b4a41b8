"""Cross-site request forgery defence for cookie sessions: an unsafe request (POST, PUT, PATCH,
DELETE) that carries the session cookie must come from this site.

The check follows OWASP's "verify origin with standard headers": browsers send ``Origin`` (or at
least ``Referer``) with every cross-site unsafe request, so a request whose origin names another
host is refused. Requests with neither header come from non-browser clients (the CLI, scripts,
tests) and are let through; a forged browser request always carries one. The session cookie is also
``SameSite=Lax``, which keeps it off cross-site sub-requests in the first place. Bearer-token
clients are not affected: a forger cannot make a browser attach that header.

The log-in endpoints (``LOGIN_PATHS``) are checked even without a session cookie: otherwise a
hostile page could sign a visitor in to the forger's own account ("login CSRF") and collect what
they then type. A browser's cross-site post there carries a foreign ``Origin`` (or ``Referer``,
or ``Sec-Fetch-Site: cross-site``) and is refused.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from lanyan.api.problems import problem

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN_PATHS = frozenset({"/login", "/api/auth/login"})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _has_session_cookie(scope: Scope, cookie: str) -> bool:
    raw = _header(scope, b"cookie") or ""
    return any(part.strip().split("=", 1)[0] == cookie for part in raw.split(";"))


def same_origin(origin: str, host: str) -> bool:
    """Whether ``origin`` (an Origin or Referer value) names ``host`` (the Host header)."""
    parts = urlsplit(origin)
    return bool(parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower())


class OriginCheck:
    """ASGI middleware refusing cross-site unsafe requests that ride on the session cookie."""

    def __init__(self, app: ASGIApp, cookie: str) -> None:
        self.app = app
        self.cookie = cookie

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in UNSAFE
            and (scope["path"] in LOGIN_PATHS or _has_session_cookie(scope, self.cookie))
        ):
            origin = _header(scope, b"origin") or _header(scope, b"referer")
            host = _header(scope, b"host") or ""
            cross_site = _header(scope, b"sec-fetch-site") == "cross-site"
            if cross_site or (origin is not None and not same_origin(origin, host)):
                response = problem(
                    403,
                    "Forbidden",
                    f"cross-site request refused: origin {origin!r} is not this site ({host})",
                    [{"field": "Origin", "rule": "must be this site for a signed-in request"}],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
