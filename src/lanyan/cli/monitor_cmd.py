"""``lanyan monitor process``: an alarm processor of service mode (服务模式) — consume device
messages from NATS JetStream on the durable consumer, store them, then acknowledge."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

import typer

from lanyan.cli.common import console, err_console, load_settings, sessions
from lanyan.core.config import Settings
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.jetstream import AlarmProcessor, Names
from lanyan.store.migrate import upgrade

monitor_app = typer.Typer(help="Monitoring service mode 监控服务.", no_args_is_help=True)


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
    housekeeping: Annotated[
        bool, typer.Option(help="also mark devices offline and escalate unhandled fires")
    ] = True,
    heartbeat: Annotated[float, typer.Option(help="devices' reporting period, seconds")] = 60.0,
    missed: Annotated[int, typer.Option(min=1, help="offline after this many missed periods")] = 3,
    escalate_after: Annotated[
        float, typer.Option(help="escalate a fire alarm unhandled this long, seconds")
    ] = 180.0,
) -> None:
    """Store device messages from JetStream (LANYAN_NATS_URL, LANYAN_NATS_STREAM,
    LANYAN_NATS_SUBJECT, LANYAN_NATS_DURABLE); run as many as the load needs."""
    settings = load_settings()
    upgrade(settings.resolved_database_url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    factory = sessions(settings)
    names = names_from(settings)
    processor = AlarmProcessor(factory, names, batch=batch)
    chores = Housekeeping(timedelta(seconds=heartbeat), missed, timedelta(seconds=escalate_after))

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


def register(app: typer.Typer) -> None:
    app.add_typer(monitor_app, name="monitor")
