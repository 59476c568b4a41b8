"""``lanyan simulate devices``: drive a gateway with simulated GB/T 26875.3 devices."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer

from lanyan.cli.common import console, err_console
from lanyan.monitoring.simulator import simulate

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


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
