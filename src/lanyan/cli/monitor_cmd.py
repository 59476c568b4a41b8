"""``lanyan monitor``: the monitoring centre's periodic work from the command line (e.g. from
cron when no ``lanyan serve`` runs it): offline detection and escalation of unconfirmed fires."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer

from lanyan.cli.common import console, load_settings, sessions
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.housekeeping import Housekeeping

monitor_app = typer.Typer(help="Monitoring centre 监控中心 chores.", no_args_is_help=True)


@monitor_app.command("housekeeping")
def housekeeping(
    once: Annotated[bool, typer.Option("--once", help="run one round and exit")] = False,
    every: Annotated[
        float | None, typer.Option(min=1, help="seconds between rounds (default: settings)")
    ] = None,
) -> None:
    """Mark devices offline after missed heartbeats; escalate unconfirmed fire alarms.

    Periods come from LANYAN_MONITOR_HEARTBEAT_S, LANYAN_MONITOR_MISSED_HEARTBEATS and
    LANYAN_MONITOR_ESCALATE_AFTER_S."""
    settings = load_settings()
    factory = sessions(settings)
    chores = Housekeeping(
        timedelta(seconds=settings.monitor_heartbeat_s),
        settings.monitor_missed_heartbeats,
        timedelta(seconds=settings.monitor_escalate_after_s),
    )
    if once:
        offline, escalated = chores.round(factory, utcnow())
        console.print(
            f"{offline} device(s) went offline 离线, {escalated} fire alarm(s) escalated 升级"
        )
        return
    period = every or settings.monitor_housekeeping_every_s or 30.0
    console.print(f"monitoring housekeeping every {period:g} s (Ctrl-C stops)")
    try:
        asyncio.run(chores.run(factory, period))
    except KeyboardInterrupt:
        console.print("stopped")


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")
