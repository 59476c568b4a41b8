"""``lanyan simulate devices``: drive a gateway with simulated GB/T 26875.3 devices."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from lanyan.cli.common import console, err_console
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.monitoring.simulator import Fleet, FleetStats, simulate

simulate_app = typer.Typer(help="Load generators.", no_args_is_help=True)


@simulate_app.command("devices")
def devices(
    count: Annotated[
        int, typer.Option(min=1, help="simulated devices (one TCP connection each)")
    ] = 10,
    rate: Annotated[
        float, typer.Option(min=0.001, help="frames per second, all devices together")
    ] = 10.0,
    frames: Annotated[int, typer.Option(min=1, help="reports each device sends")] = 10,
    host: Annotated[str, typer.Option(help="gateway host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="gateway port")] = 9500,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same reports")] = 26875,
) -> None:
    """Heartbeats, faults, fire alarms and resets over the real protocol, confirm by confirm."""
    started = time.perf_counter()
    with console.status(f"{count} devices sending {count * frames} reports…"):
        try:
            stats = asyncio.run(
                simulate(host, port, count=count, rate=rate, frames=frames, seed=seed)
            )
        except OSError as exc:
            err_console.print(f"error: cannot reach the gateway at {host}:{port}: {exc}")
            raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    console.print(
        f"devices {stats.devices}, frames sent {stats.sent} (retransmitted {stats.retransmitted}), "
        f"confirmed {stats.confirmed}, denied {stats.denied}, failed {stats.failed}, "
        f"fire alarms {stats.fires}; {stats.confirmed / elapsed:.1f} confirmed frames/s "
        f"over {elapsed:.1f} s"
    )
    if stats.failed:
        raise typer.Exit(1)


@simulate_app.command("fleet")
def fleet(
    count: Annotated[int, typer.Option(min=1, help="devices (one TCP connection each)")] = 1000,
    rate: Annotated[
        float, typer.Option(min=0, help="frames per second in all; 0: each sends when confirmed")
    ] = 0.0,
    seconds: Annotated[float, typer.Option(min=0.1, help="how long to send")] = 10.0,
    host: Annotated[str, typer.Option(help="gateway host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="gateway port")] = 9500,
    seed: Annotated[int, typer.Option(help="random seed")] = 26875,
) -> None:
    """A lean fleet for load runs (what bench/ingest.py drives): confirms per second and
    send-to-confirm latency; no retransmission."""

    async def run() -> FleetStats:
        devices = Fleet(host, port, count=count, rate=rate, seed=seed)
        await devices.connect()
        try:
            return await devices.run(seconds)
        finally:
            devices.close()

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            stats = runner.run(run())
    except OSError as exc:
        err_console.print(f"error: cannot reach the gateway at {host}:{port}: {exc}")
        raise typer.Exit(1) from None
    waits = sorted(stats.latencies) or [float("nan")]
    console.print(
        f"devices {stats.connected}, sent {stats.sent}, confirmed {stats.confirmed} "
        f"({stats.confirmed / seconds:,.0f}/s), denied {stats.denied}; confirm latency p50 "
        f"{waits[len(waits) // 2] * 1000:.1f} ms, p99 {waits[int(len(waits) * 0.99)] * 1000:.1f} ms"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
