"""``lanyan monitor``: the monitoring centre's work from the command line — ``process``, an alarm
processor of service mode (服务模式) that consumes device messages from NATS JetStream on the
durable consumer, stores them, then acknowledges; ``housekeeping``, offline detection and
escalation of unconfirmed fires (e.g. from cron when no ``lanyan serve`` runs it)."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Annotated

import typer

from lanyan.cli.common import console, err_console, load_settings, sessions
from lanyan.cli.options import MetricsPort, observe
from lanyan.core.config import Settings
from lanyan.core.runtime import settle_heap
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.jetstream import AlarmProcessor, Names
from lanyan.store.migrate import upgrade

monitor_app = typer.Typer(
    help="Monitoring centre 监控中心: service mode and chores.", no_args_is_help=True
)


class Mode(StrEnum):
    """Where device messages go: stored in-process, or published to JetStream."""

    EMBEDDED = "embedded"
    NATS = "nats"


def names_from(settings: Settings) -> Names:
    return Names(
        url=settings.nats_url,
        stream=settings.nats_stream,
        subject=settings.nats_subject,
        durable=settings.nats_durable,
    )


@monitor_app.command("process")
def process(
    batch: Annotated[int, typer.Option(min=1, help="messages fetched and stored per commit")] = 500,
    ack_wait: Annotated[
        float,
        typer.Option(
            min=0.5, help="seconds before JetStream redelivers what a processor did not acknowledge"
        ),
    ] = 30.0,
    housekeeping: Annotated[
        bool, typer.Option(help="also mark devices offline and escalate unhandled fires")
    ] = True,
    heartbeat: Annotated[
        float | None,
        typer.Option(help="devices' reporting period, seconds (default: settings)"),
    ] = None,
    missed: Annotated[
        int | None, typer.Option(min=1, help="offline after this many missed periods")
    ] = None,
    escalate_after: Annotated[
        float | None,
        typer.Option(help="escalate a fire alarm unhandled this long, seconds (default: settings)"),
    ] = None,
    metrics_port: MetricsPort = 0,
) -> None:
    """Store device messages from JetStream (LANYAN_NATS_URL, LANYAN_NATS_STREAM,
    LANYAN_NATS_SUBJECT, LANYAN_NATS_DURABLE); run as many as the load needs."""
    settings = load_settings()
    heartbeat = heartbeat or settings.monitor_heartbeat_s
    missed = missed or settings.monitor_missed_heartbeats
    escalate_after = escalate_after or settings.monitor_escalate_after_s
    upgrade(settings.resolved_database_url)
    observe(settings, metrics_port)
    factory = sessions(settings)
    names = names_from(settings)
    processor = AlarmProcessor(factory, names, batch=batch, ack_wait=ack_wait)
    chores = Housekeeping.from_settings(settings, heartbeat, missed, escalate_after)

    settle_heap()

    async def run() -> None:
        try:
            await processor.start()
        except Exception as exc:
            err_console.print(f"[red]error:[/red] cannot reach NATS at {names.url}: {exc}")
            raise typer.Exit(1) from None
        console.print(
            f"alarm processor: stream [bold]{names.stream}[/bold] ({names.subject}.>), "
            f"durable consumer {names.durable}"
        )
        sweeper = None
        if housekeeping:
            every = min(heartbeat, escalate_after) / 2
            sweeper = asyncio.create_task(chores.run(factory, every=every))
        try:
            await processor.run()
        finally:
            if sweeper is not None:
                sweeper.cancel()
            await processor.close()

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(run())
    except KeyboardInterrupt:
        console.print(f"stopped; {processor.stats}")


@monitor_app.command("housekeeping")
def housekeeping_cmd(
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
    chores = Housekeeping.from_settings(settings)
    if once:
        offline, escalated = chores.round(factory, utcnow())
        folded = chores.prune(factory, utcnow(), most=None)
        console.print(
            f"{offline} device(s) went offline 离线, {escalated} fire alarm(s) escalated 升级, "
            f"{folded} running-state frame(s) past retention folded into days 运行状态归档"
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
