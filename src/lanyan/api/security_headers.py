"""Security headers on every response, pages and API alike (OWASP Secure Headers).

* ``Content-Security-Policy``: scripts, styles, fonts and data only from this site (every asset
  is served locally; pages keep no inline scripts or event handlers — ``web/static/js/page.js``
  carries the small ones). Inline ``style`` attributes stay allowed ('unsafe-inline' for styles
  only). Images may also be ``data:``/``blob:`` (photo previews, map markers) and, when the
  deployment sets ``LANYAN_TILE_URL``, come from that tile server. No framing, no plugins,
  forms post only here.
* ``X-Frame-Options: DENY`` for browsers without CSP ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: same-origin`` (the Referer still
  reaches this site for the cross-site request check in ``api.csrf``, never another site).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send


def content_security_policy(tile_url: str = "") -> str:
    """The policy for this deployment; ``tile_url`` is the optional map tile URL template."""
    images = ["'self'", "data:", "blob:"]
    parts = urlsplit(tile_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        labels = parts.netloc.split(".")
        # A subdomain placeholder (t{s}.tianditu.gov.cn) becomes a CSP wildcard (*.tianditu…).
        templated = [i for i, label in enumerate(labels) if "{" in label]
        host = ".".join(["*", *labels[templated[-1] + 1 :]]) if templated else parts.netloc
        images.append(f"{parts.scheme}://{host}")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {' '.join(images)}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response that lacks them."""

    def __init__(self, app: ASGIApp, tile_url: str = "") -> None:
        self.app = app
        self.headers = [
            (b"content-security-policy", content_security_policy(tile_url).encode()),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {key.lower() for key, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
