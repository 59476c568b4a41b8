"""``lanyan simulate devices``: drive a gateway with simulated GB/T 26875.3 devices;
``lanyan simulate vehicles``: drive the JT/T 808 gateway with simulated vehicle terminals."""

from __future__ import annotations

import asyncio
import math
import random
import time
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from lanyan.cli.common import console, err_console, friendly_errors, load_settings, sessions
from lanyan.core.errors import LanyanError
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.monitoring.simulator import Fleet, FleetStats, simulate
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.public import dispatch_orders
from lanyan.response.roads import registry_graph
from lanyan.response.routing.networks import GraphCache
from lanyan.response.routing.router import Router
from lanyan.response.routing.speeds import SpeedTable
from lanyan.vehicles.service import simulation_fleet
from lanyan.vehicles.simulator import (
    Navigator,
    Orders,
    Point,
    SimVehicle,
    metres,
)
from lanyan.vehicles.simulator import simulate as simulate_fleet

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


class RoadNavigator(Navigator):
    """Paths along the registry's road network (the straight line where a point is off it)."""

    def __init__(self, router: Router | None) -> None:
        self.router = router

    def route(self, start: Point, end: Point) -> list[Point]:
        if self.router is None:
            return [start, end]
        try:
            found = self.router.route(start, end)
        except LanyanError:
            return [start, end]
        if not found.reachable or not found.path:
            return [start, end]
        return [start, *((x, y) for x, y in found.path), end]

    def wander(self, start: Point, rng: random.Random) -> list[Point]:
        graph = self.router.graph if self.router is not None else None
        if graph is None or len(graph.node_lon) == 0:
            return super().wander(start, rng)
        # A random road junction 0.5–4 km away (a few tries), else somewhere nearby.
        for _ in range(30):
            i = rng.randrange(len(graph.node_lon))
            end = (float(graph.node_lon[i]), float(graph.node_lat[i]))
            if 500 <= metres(start, end) <= 4000:
                return self.route(start, end)
        return super().wander(start, rng)


class DispatchBook:
    """The dispatches the terminals follow, read through the response service at most once
    per ``every`` seconds."""

    def __init__(self, factory: sessionmaker[Session], vehicle_ids: list[int], every: float):
        self.factory, self.vehicle_ids, self.every = factory, vehicle_ids, every
        self.read_at = -math.inf
        self.orders: dict[int, Orders] = {}

    def __call__(self, vehicle_id: int) -> Orders | None:
        if time.monotonic() - self.read_at >= self.every:
            self.read_at = time.monotonic()
            with self.factory() as session:
                found = dispatch_orders(session, self.vehicle_ids)
            self.orders = {
                o.vehicle_id: Orders(o.incident_code, o.lon, o.lat)
                for o in found
                if o.lon is not None and o.lat is not None
            }
        return self.orders.get(vehicle_id)


@simulate_app.command("vehicles")
def vehicles(
    count: Annotated[int, typer.Option(min=1, help="terminals (one TCP connection each)")] = 10,
    interval: Annotated[
        float, typer.Option(min=1.0, help="seconds between one terminal's reports")
    ] = 5.0,
    reports: Annotated[
        int, typer.Option(min=0, help="reports each terminal sends; 0: until stopped")
    ] = 0,
    follow_dispatch: Annotated[
        bool, typer.Option("--follow-dispatch", help="drive a dispatched vehicle to its incident")
    ] = False,
    speed: Annotated[float, typer.Option(min=1, max=120, help="cruising speed, km/h")] = 40.0,
    host: Annotated[str, typer.Option(help="JT/T 808 gateway host")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="JT/T 808 gateway port")] = 6808,
    seed: Annotated[int, typer.Option(help="random seed: same seed, same drives")] = 808,
) -> None:
    """Terminals on the registry's vehicles drive the road network from their stations and
    report over JT/T 808; unbound vehicles get a simulated terminal bound first."""
    settings = load_settings()
    factory = sessions(settings)
    with friendly_errors(), factory() as session:
        fleet = simulation_fleet(session, EVERYWHERE, count)
        session.commit()
        try:
            graph = registry_graph(
                session, SpeedTable.load(), GraphCache(settings.data_dir / "networks")
            )
            router = Router(graph) if len(graph.head) else None
        except LanyanError:
            router = None
    if not fleet:
        err_console.print("error: no vehicle at a station with a position: load the registry first")
        raise typer.Exit(1)
    sims = [
        SimVehicle(m.phone, m.vehicle_id, m.code, m.plate, (m.lon, m.lat), cruise_kmh=speed)
        for m in fleet
    ]
    book = (
        DispatchBook(factory, [m.vehicle_id for m in fleet], interval) if follow_dispatch else None
    )
    console.print(
        f"{len(sims)} terminals → {host}:{port}, a report every {interval:g} s"
        + ("" if router else " (no road network: straight lines)")
    )
    try:
        stats = asyncio.run(
            simulate_fleet(
                host,
                port,
                sims,
                RoadNavigator(router),
                interval=interval,
                reports=reports or None,
                orders=book,
                clock=utcnow,
                seed=seed,
            )
        )
    except OSError as exc:
        err_console.print(f"error: cannot reach the gateway at {host}:{port}: {exc}")
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    console.print(
        f"terminals {stats.terminals}, registered {stats.registered}, reports sent {stats.sent}, "
        f"acknowledged {stats.acknowledged}, refused {stats.refused}, dispatches followed "
        f"{stats.followed}, connections lost {stats.failed}"
    )
    if stats.failed or stats.refused:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(simulate_app, name="simulate")
