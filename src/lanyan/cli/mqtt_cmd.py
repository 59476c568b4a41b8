"""``lanyan mqtt ingest``: subscribe to MQTT devices and feed the alarm pipeline."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.cli.common import console, err_console, load_settings, sessions
from lanyan.cli.monitor_cmd import Mode, names_from
from lanyan.cli.options import MetricsPort, observe
from lanyan.core.runtime import settle_heap
from lanyan.monitoring.jetstream import BlockingPublisher
from lanyan.monitoring.mqtt import DEFAULT_PREFIX, MqttIngest, Thresholds
from lanyan.store.migrate import upgrade

mqtt_app = typer.Typer(help="MQTT device ingest 物联网设备接入.", no_args_is_help=True)


@mqtt_app.command("ingest")
def ingest(
    host: Annotated[str, typer.Option(help="MQTT broker host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="MQTT broker port")] = 1883,
    prefix: Annotated[str, typer.Option(help="topic prefix: {prefix}/{device}/{kind}")] = (
        DEFAULT_PREFIX
    ),
    client_id: Annotated[
        str, typer.Option(help="fixed client id: the broker keeps its session and backlog")
    ] = "lanyan-mqtt-ingest",
    hydrant_low_mpa: Annotated[
        float, typer.Option(help="hydrant pressure below this is supervisory, MPa")
    ] = Thresholds.hydrant_low_mpa,
    residual_ma: Annotated[
        float, typer.Option(help="residual current at or above this is supervisory, mA")
    ] = Thresholds.residual_ma,
    cable_temp_c: Annotated[
        float, typer.Option(help="cable temperature at or above this is supervisory, °C")
    ] = Thresholds.cable_temp_c,
    mode: Annotated[
        Mode | None,
        typer.Option(
            help="embedded: store here; nats: publish to JetStream for `lanyan monitor "
            "process` (default: LANYAN_MONITORING_MODE)"
        ),
    ] = None,
    metrics_port: MetricsPort = 0,
) -> None:
    """Store every valid device message (or hand it to JetStream), then acknowledge it (QoS 1,
    at least once)."""
    settings = load_settings()
    observe(settings, metrics_port)
    limits = Thresholds(hydrant_low_mpa, residual_ma, cable_temp_c)
    mode = mode or Mode(settings.monitoring_mode)
    if mode is Mode.NATS:
        names = names_from(settings)
        try:
            publisher = BlockingPublisher(names)
        except Exception as exc:
            err_console.print(f"[red]error:[/red] cannot reach NATS at {names.url}: {exc}")
            raise typer.Exit(1) from None
        subscriber = MqttIngest(
            sessions(settings),
            prefix=prefix,
            client_id=client_id,
            thresholds=limits,
            store=publisher.store,
        )
    else:
        upgrade(settings.resolved_database_url)
        subscriber = MqttIngest(
            sessions(settings), prefix=prefix, client_id=client_id, thresholds=limits
        )
    try:
        subscriber.connect(host, port)
    except OSError as exc:
        err_console.print(f"[red]error:[/red] cannot reach the MQTT broker at {host}:{port}: {exc}")
        raise typer.Exit(1) from None
    console.print(f"MQTT ingest: [bold]{host}:{port}[/bold] topics {prefix}/+/+")
    settle_heap()
    try:
        subscriber.serve_forever()
    except KeyboardInterrupt:
        console.print(f"stopped; {subscriber.stats}")


def register(app: typer.Typer) -> None:
    app.add_typer(mqtt_app, name="mqtt")
