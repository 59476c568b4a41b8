"""Prometheus metrics (运维指标) of ``lanyan serve``, in the text format of the official client.

Three kinds of figures:

* **in-process instruments** (the library's default registry): request latency per route
  template (``RequestTimer``), and — in the processes that store device messages — ingest
  frames and group-commit batch sizes (``lanyan.monitoring.meters``);
* **scrape-time gauges** (``ScrapeGauges``): cheap SQL counts read when Prometheus scrapes,
  so every web worker answers the same: open fire alarms, devices online, outbox lag. Adding
  one is one line: ``gauges.add("name", "help", fn)`` with ``fn(session) -> float | None``
  (``add_age`` for a function returning a datetime, e.g. the last good backup);
* under ``lanyan serve --workers N``, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder and
  the in-process counters of all workers are summed (the client's multiprocess mode).

Separate processes (the GB/T 26875.3 gateway, ``lanyan monitor process``, ``lanyan mqtt
ingest``) have no web server: ``serve_metrics(port)`` exposes their instruments on a port of
their own (loopback by default).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lanyan.core.timeutil import utcnow
from lanyan.monitoring import public as monitoring

log = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "lanyan_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template (/api/units/{id}, not the raw "
    "path) and status class",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
UNMATCHED = "<unmatched>"  # a path no route answers: one label, not one per scanned path


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/api/alarms/{alarm_id}``), never the raw
    path: label values stay bounded whatever clients request."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope.get("path", "").startswith("/static/"):
        return "/static"
    return UNMATCHED


class RequestTimer:
    """ASGI middleware: observes each HTTP request's duration in ``REQUEST_SECONDS``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            REQUEST_SECONDS.labels(
                scope.get("method", ""), route_template(scope), f"{status // 100}xx"
            ).observe(time.perf_counter() - start)


GaugeFn = Callable[[Session], float | int | None]


class ScrapeGauges(Collector):
    """Gauges computed when scraped, all in one short read-only session.

    A gauge whose function fails (or returns None) is left out of that scrape and counted in
    ``lanyan_metrics_gauge_failures``; the others still answer.
    """

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self.gauges: list[tuple[str, str, GaugeFn]] = []
        self.failures = 0

    def add(self, name: str, documentation: str, fn: GaugeFn) -> None:
        """One more gauge: ``fn(session)`` is its value at scrape time (None: no value)."""
        self.gauges.append((name, documentation, fn))

    def add_age(
        self, name: str, documentation: str, fn: Callable[[Session], datetime | None]
    ) -> None:
        """A gauge of the seconds since ``fn(session)``'s moment (None: no value), e.g.
        ``add_age("lanyan_backup_last_good_age_seconds", "…", backup.last_good_backup_at)``."""
        self.add(name, documentation, lambda s: age_seconds(fn(s)))

    def collect(self) -> Any:
        values: list[tuple[str, str, float]] = []
        with self.sessions() as session:
            for name, documentation, fn in self.gauges:
                try:
                    value = fn(session)
                except Exception as exc:
                    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                    log.warning("metric %s could not be read: %s", name, reason)
                    session.rollback()
                    self.failures += 1
                    continue
                if value is not None:
                    values.append((name, documentation, float(value)))
            session.rollback()  # read-only: end the snapshot
        for name, documentation, value in values:
            yield GaugeMetricFamily(name, documentation, value=value)
        yield GaugeMetricFamily(
            "lanyan_metrics_gauge_failures",
            "Scrape-time gauges that failed to read since this process started",
            value=self.failures,
        )


def age_seconds(moment: datetime | None) -> float | None:
    """Seconds from ``moment`` (aware, or naive UTC) to now; None stays None."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (utcnow() - moment).total_seconds())


def standard_gauges(sessions: sessionmaker[Session]) -> ScrapeGauges:
    """The platform's scrape-time gauges: open fire alarms, devices online, outbox lag."""
    gauges = ScrapeGauges(sessions)
    cache: dict[int, tuple[Session, monitoring.OpsFigures]] = {}

    def figures(session: Session) -> monitoring.OpsFigures:
        # One read of the three figures per scrape (the session is new for each scrape).
        held = cache.get(0)
        if held is None or held[0] is not session:
            held = cache[0] = (session, monitoring.ops_figures(session))
        return held[1]

    gauges.add(
        "lanyan_fire_alarms_open",
        "Fire alarms (火警) not yet closed by a person (未处理 or 已确认)",
        lambda s: figures(s).open_fire_alarms,
    )
    gauges.add(
        "lanyan_devices_online",
        "Devices whose heartbeat is recent (在线)",
        lambda s: figures(s).devices_online,
    )
    gauges.add(
        "lanyan_outbox_lag_seconds",
        "Age of the oldest monitoring outbox event not yet consumed (0 when none waits)",
        lambda s: age_seconds(figures(s).oldest_pending_event_at) or 0.0,
    )
    return gauges


def exposition(gauges: ScrapeGauges | None) -> bytes:
    """The text exposition: this process's (or, in multiprocess mode, all workers')
    instruments, then the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        out = generate_latest(registry)
    else:
        out = generate_latest(REGISTRY)
    if gauges is not None:
        own = CollectorRegistry(auto_describe=False)
        own.register(gauges)
        out += generate_latest(own)
    return out


def serve_metrics(port: int, addr: str = "127.0.0.1") -> None:
    """Expose this process's instruments on ``http://addr:port/metrics`` (a daemon thread):
    for the processes without a web server (gateway, alarm processors, MQTT ingest)."""
    start_http_server(port, addr=addr)
