"""``/healthz``, ``/readyz`` and ``/metrics``: for load balancers, systemd and Prometheus.

None of them needs a log-in (a scraper has no session); none is in the OpenAPI document.
``/metrics`` is read only by the host itself (loopback: a Prometheus or node agent on the
server) unless ``LANYAN_METRICS_TOKEN`` is set: then only with ``Authorization: Bearer
<token>`` (the intranet's Prometheus, ``bearer_token_file`` in its scrape config), from any
address. Behind a reverse proxy with ``LANYAN_TRUSTED_PROXY_HEADER``, the forwarded client
address counts, so the proxy's own loopback address does not open the page to everyone.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from lanyan import __version__
from lanyan.accounts.login_limits import client_address
from lanyan.core.config import Settings
from lanyan.ops import health, metrics

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up. Touches nothing else (no database)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database is reachable and migrated, and NATS / MQTT when used."""
    checks = await health.readiness(request.app.state.settings, request.app.state.engine)
    status, body = health.report(checks)
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})


def _is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_refusal(request: Request, settings: Settings) -> Response | None:
    """None if this request may read ``/metrics`` (see the module's rule), else the refusal:
    a one-line plain-text 401 or 403 (a scraper reads no HTML error page or log-in redirect)."""
    if settings.metrics_token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), settings.metrics_token.encode()
        ):
            return None
        return PlainTextResponse(
            "/metrics needs Authorization: Bearer with the token in LANYAN_METRICS_TOKEN\n",
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    if _is_loopback(client_address(request, settings.trusted_proxy_header)):
        return None
    return PlainTextResponse(
        "/metrics is read only from this host; set LANYAN_METRICS_TOKEN to let a scraper "
        "elsewhere read it with a bearer token\n",
        status_code=403,
    )


@router.get("/metrics")
def read_metrics(request: Request) -> Response:
    """Prometheus text exposition: this process's instruments and the scrape-time gauges."""
    refusal = metrics_refusal(request, request.app.state.settings)
    if refusal is not None:
        return refusal
    gauges: Any = getattr(request.app.state, "metric_gauges", None)
    return Response(
        metrics.exposition(gauges),
        media_type=metrics.CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
