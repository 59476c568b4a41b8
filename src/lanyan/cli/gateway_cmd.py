"""``lanyan gateway``: run the GB/T 26875.3 gateway; review the quarantine of unknown senders."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.cli.monitor_cmd import Mode, names_from
from lanyan.cli.options import MetricsPort, observe
from lanyan.core.runtime import settle_heap
from lanyan.core.timeutil import to_local
from lanyan.monitoring.batching import MAX_BATCH
from lanyan.monitoring.gateway import Gateway, event_loop_factory
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.ingest import GB26875, accept_sender, pending_senders, reject_sender
from lanyan.monitoring.jetstream import JetStreamSink
from lanyan.store.db import unit_of_work
from lanyan.store.migrate import upgrade

gateway_app = typer.Typer(help="GB/T 26875.3 device gateway 报警传输网关.", no_args_is_help=True)


@gateway_app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="TCP port devices connect to")] = 9500,
    idle_timeout: Annotated[
        float, typer.Option(help="close a connection silent this long, seconds")
    ] = 300.0,
    heartbeat: Annotated[float, typer.Option(help="devices' reporting period, seconds")] = 60.0,
    missed: Annotated[int, typer.Option(min=1, help="offline after this many missed periods")] = 3,
    escalate_after: Annotated[
        float, typer.Option(help="escalate a fire alarm unhandled this long, seconds")
    ] = 180.0,
    max_batch: Annotated[
        int, typer.Option(min=1, help="group commit: most frames stored in one transaction")
    ] = MAX_BATCH,
    max_delay_ms: Annotated[
        float, typer.Option(min=0, help="group commit: longest a frame waits for company, ms")
    ] = 2.0,
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="embedded: store here; nats: publish to JetStream for `lanyan monitor "
            "process` (default: LANYAN_MONITORING_MODE)"
        ),
    ] = None,
    metrics_port: MetricsPort = 0,
    duty_checks: Annotated[
        bool,
        typer.Option(
            help="send 查岗 (GB/T 26875.3 type 91) to connected devices, polling the database"
        ),
    ] = True,
    duty_poll: Annotated[
        float, typer.Option(min=0.1, help="how often to look for 查岗 to send, seconds")
    ] = 1.0,
) -> None:
    """Accept devices over TCP; confirm each frame once it is stored (embedded) or once
    JetStream holds it (nats)."""
    settings = load_settings()
    observe(settings, metrics_port)
    mode = mode or Mode(settings.monitoring_mode)
    factory = None
    if mode is Mode.NATS:
        # No store here: the alarm processors store and do the housekeeping. The database is
        # used only for 查岗 (type 91): claim the pending checks of the devices held here.
        gateway = Gateway(
            sink=JetStreamSink(names_from(settings)),
            idle_timeout=idle_timeout,
            duty_sessions=sessions(settings) if duty_checks else None,
            duty_poll=duty_poll,
        )
    else:
        upgrade(settings.resolved_database_url)
        factory = sessions(settings)
        gateway = Gateway(
            factory,
            idle_timeout=idle_timeout,
            max_batch=max_batch,
            max_delay=max_delay_ms / 1000,
            duty_poll=duty_poll if duty_checks else None,
        )
    chores = Housekeeping.from_settings(settings, heartbeat, missed, escalate_after)

    settle_heap()

    async def run() -> None:
        if isinstance(gateway.sink, JetStreamSink):
            await gateway.sink.start()
        bound = await gateway.start(host, port)
        console.print(
            f"GB/T 26875.3 gateway ({mode.value}) listening on [bold]{bound[0]}:{bound[1]}[/bold]"
        )
        sweeper = None
        if factory is not None:
            every = min(heartbeat, escalate_after) / 2
            sweeper = asyncio.create_task(chores.run(factory, every=every))
        try:
            await gateway.serve_forever()
        finally:
            if sweeper is not None:
                sweeper.cancel()

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            runner.run(run())
    except KeyboardInterrupt:
        console.print(f"stopped; {gateway.stats}")


@gateway_app.command("quarantine")
def quarantine() -> None:
    """List unknown senders waiting for an operator (隔离区)."""
    settings = load_settings()
    with sessions(settings)() as session:
        rows = pending_senders(session)
    table = Table("address 地址", "frames 帧数", "first seen 首次", "last seen 最近", "peer 来源")
    for row in rows:
        table.add_row(
            row.address,
            str(row.frames),
            f"{to_local(row.first_seen):%Y-%m-%d %H:%M:%S}",
            f"{to_local(row.last_seen):%Y-%m-%d %H:%M:%S}",
            row.last_peer,
        )
    console.print(table)


@gateway_app.command("accept")
def accept(
    address: Annotated[str, typer.Argument(help="source address as listed, hex")],
    device: Annotated[str, typer.Option(help="code of the registry device it belongs to")],
    protocol: Annotated[
        str, typer.Option(help="protocol the address was heard on: gb26875 or mqtt")
    ] = GB26875,
    user: Annotated[str | None, typer.Option(help="operator user name (audit)")] = None,
) -> None:
    """Bind a quarantined address to a registry device; its events join that device."""
    settings = load_settings()
    with friendly_errors(), unit_of_work(sessions(settings)) as session:
        actor, _scope = actor_for(session, user, "gateway")
        accept_sender(session, actor, protocol, address, device)
    console.print(f"[green]accepted[/green] {address} as device {device}")


@gateway_app.command("reject")
def reject(
    address: Annotated[str, typer.Argument(help="source address as listed, hex")],
    protocol: Annotated[
        str, typer.Option(help="protocol the address was heard on: gb26875 or mqtt")
    ] = GB26875,
    user: Annotated[str | None, typer.Option(help="operator user name (audit)")] = None,
) -> None:
    """Mark a quarantined address as not ours; its events stay stored and quarantined."""
    settings = load_settings()
    with friendly_errors(), unit_of_work(sessions(settings)) as session:
        actor, _scope = actor_for(session, user, "gateway")
        reject_sender(session, actor, protocol, address)
    console.print(f"[yellow]rejected[/yellow] {address}")


def register(app: typer.Typer) -> None:
    app.add_typer(gateway_app, name="gateway")
