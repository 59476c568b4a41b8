"""Options and start-up shared by the long-running commands (gateways, ingests, processors)."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.core.config import Settings

MetricsPort = Annotated[
    int,
    typer.Option(
        min=0,
        max=65535,
        help="expose this process's Prometheus metrics on 127.0.0.1:PORT/metrics (0: off)",
    ),
]


def observe(settings: Settings, metrics_port: int) -> None:
    """Logs as the settings say (``LANYAN_LOG_FORMAT``: text or json) and, when a port is
    given, this process's metrics on it."""
    from lanyan.ops.logs import configure
    from lanyan.ops.metrics import serve_metrics

    configure(settings.log_format)
    if metrics_port:
        serve_metrics(metrics_port)
