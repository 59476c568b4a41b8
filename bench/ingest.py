"""Benchmark: the GB/T 26875.3 gateway under 10,000 simulated devices over loopback TCP.

Each device is one TCP connection speaking the real protocol (send → confirm, §6.3): mostly
running-state heartbeats, some component faults, fire alarms (half with the test bit clear) and
resets (``monitoring.simulator.MIX``). The gateway is the real ``lanyan gateway serve`` in its
own process on a fresh database (SQLite in a temporary folder by default, ``--url`` for
PostgreSQL); all devices are registered, so every frame takes the full path (device lookup,
event row, health, alarms, outbox). The devices run in ``--clients`` processes of their own.

Phases, in one run:

1. **anchor** — the gateway with per-frame commits (``--max-batch 1 --max-delay-ms 0``, what
   the gateway did before group commit), closed loop: every device sends again as soon as it
   is confirmed, so the gateway is saturated.
2. **group commit** — the default gateway (``--max-batch 2000 --max-delay-ms 2``; ``--max-batch``
   here changes it), closed loop.
3. **latency** — the default gateway at a paced rate (``--rate``, default a quarter of phase
   2's throughput): alarm-to-event latency is the time from a fire-alarm frame's send to its
   confirm. The gateway confirms only after the transaction that stored the frame, its alarm
   and the alarm's ``fire_alarm_raised`` outbox event has committed, so this is an upper bound
   of "alarm sent → incident event durably in the outbox".

"Per core" is frames confirmed in the measured window divided by the CPU seconds (user +
system, all threads) the gateway process used in that window — not wall time, since the load
generator and other work share the machine's two cores. With PostgreSQL the database server's
own CPU is not in that figure. The header prints ``bench/hostref.py``'s host reference: the
machines are shared, and the same code has run at half the speed on another day, so figures
from different runs compare only together with it.

    python bench/ingest.py [--devices 10000] [--clients 2] [--seconds 10] [--url URL]
                           [--rate FRAMES_PER_S] [--profile]

``--profile`` records the group-commit phase's gateway with py-spy (folded stacks in
``artifacts/ingest-gateway.folded``) and prints where its time goes.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from hostref import host_line  # bench/hostref.py, beside this script
from sqlalchemy import delete, func, insert, select

from lanyan.core.runtime import settle_heap
from lanyan.monitoring.batching import MAX_BATCH
from lanyan.monitoring.gateway import event_loop_factory
from lanyan.monitoring.models import (
    DeviceHealth,
    MonitoringAlarm,
    MonitoringEvent,
    OutboxEvent,
    QuarantinedSender,
)
from lanyan.monitoring.simulator import Fleet
from lanyan.registry.models import Device, Jurisdiction
from lanyan.store.db import make_engine, make_session_factory
from lanyan.store.migrate import upgrade

TARGET_PER_CORE = 20_000
TARGET_P99_MS = 100.0
FIRST_ADDRESS = 0x10000
ROOT = Path(__file__).resolve().parent.parent


# --- database -------------------------------------------------------------------------------


def register_devices(url: str, count: int) -> None:
    """A county and ``count`` user information transmission devices whose codes are their
    GB/T 26875.3 addresses (hex of the 6 bytes as sent), so none is quarantined."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        jid = conn.execute(
            insert(Jurisdiction).returning(Jurisdiction.id),
            [{"code": "320904", "name": "大丰区", "level": "county", "path": "/"}],
        ).scalar_one()
        conn.execute(
            Jurisdiction.__table__.update().values(path=f"/{jid}/").where(Jurisdiction.id == jid)
        )
        conn.execute(
            insert(Device),
            [
                {
                    "code": (FIRST_ADDRESS + i).to_bytes(6, "little").hex(),
                    "kind": "user_info_transmission",
                    "protocol": "gb26875",
                    "status": "online",
                    "jurisdiction_id": jid,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(count)
            ],
        )
    engine.dispose()


def clear_monitoring(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in (
            OutboxEvent,
            MonitoringAlarm,
            MonitoringEvent,
            DeviceHealth,
            QuarantinedSender,
        ):
            conn.execute(delete(table))
    engine.dispose()


def counts(url: str) -> dict[str, int]:
    factory = make_session_factory(make_engine(url))
    with factory() as s:
        return {
            "events": s.scalar(select(func.count()).select_from(MonitoringEvent)) or 0,
            "fire_alarm_raised": s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.topic == "fire_alarm_raised")
            )
            or 0,
            "quarantined": s.scalar(
                select(func.count()).select_from(MonitoringEvent).where(MonitoringEvent.quarantined)
            )
            or 0,
        }


# --- gateway process ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(url: str, port: int, data_dir: str, max_batch: int, delay_ms: float) -> Any:
    env = os.environ | {"LANYAN_DATABASE_URL": url, "LANYAN_DATA_DIR": data_dir}
    cmd = [sys.executable, "-m", "lanyan.cli.main", "gateway", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--max-batch", str(max_batch), "--max-delay-ms", str(delay_ms)]
    log = Path(data_dir) / f"gateway-{port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the gateway exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the gateway never listened")


def stop_gateway(proc: Any) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def cpu_times(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process, all threads."""
    times = psutil.Process(pid).cpu_times()
    return times.user, times.system


# --- load generator processes ---------------------------------------------------------------


def _client(
    conn: Any, port: int, first: int, count: int, rate: float, seconds: float, warmup: float
) -> None:
    async def main() -> None:
        fleet = Fleet("127.0.0.1", port, count=count, rate=rate, first_address=first, seed=first)
        await fleet.connect()
        settle_heap()  # the measuring side gets the gateway's collector settings too
        conn.send("connected")
        conn.recv()  # go
        started = time.process_time()
        stats = await fleet.run(seconds, warmup)
        used = time.process_time() - started
        await asyncio.sleep(0.5)  # let the last confirms arrive before closing
        fleet.close()
        conn.send(
            {
                "connected": stats.connected,
                "sent": stats.sent,
                "confirmed": stats.confirmed,
                "denied": stats.denied,
                "fires": stats.fires,
                "latencies": stats.latencies,
                "fire_latencies": stats.fire_latencies,
                "cpu": used,
            }
        )

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        runner.run(main())


@dataclass
class Phase:
    label: str
    seconds: float
    confirmed: int
    gateway_cpu: float
    gateway_sys: float
    client_cpu: float
    latencies: list[float]
    fire_latencies: list[float]
    connected: int
    denied: int
    load: float

    @property
    def wall_rate(self) -> float:
        return self.confirmed / self.seconds

    @property
    def per_core(self) -> float:
        return self.confirmed / self.gateway_cpu if self.gateway_cpu else float("nan")


def drive(
    label: str,
    gateway: Any,
    port: int,
    devices: int,
    clients: int,
    rate: float,
    args: Any,
    on_go: Any = None,
) -> Phase:
    ctx = mp.get_context("spawn")
    per = devices // clients
    pipes, procs = [], []
    for c in range(clients):
        count = per if c < clients - 1 else devices - per * (clients - 1)
        parent, child = ctx.Pipe()
        first = FIRST_ADDRESS + c * per
        share = rate * count / devices if rate else 0.0
        p = ctx.Process(
            target=_client, args=(child, port, first, count, share, args.seconds, args.warmup)
        )
        p.start()
        pipes.append(parent)
        procs.append(p)
    print(f"  {label}: connecting {devices} devices …", flush=True)
    for pipe in pipes:
        pipe.recv()
    for pipe in pipes:
        pipe.send("go")
    if on_go is not None:
        on_go()
    time.sleep(args.warmup)
    cpu0, load0 = cpu_times(gateway.pid), os.getloadavg()[0]
    time.sleep(args.seconds)
    cpu1 = cpu_times(gateway.pid)
    results = [pipe.recv() for pipe in pipes]
    for p in procs:
        p.join()
    return Phase(
        label=label,
        seconds=args.seconds,
        confirmed=sum(r["confirmed"] for r in results),
        gateway_cpu=sum(cpu1) - sum(cpu0),
        gateway_sys=cpu1[1] - cpu0[1],
        client_cpu=sum(r["cpu"] for r in results),
        latencies=[x for r in results for x in r["latencies"]],
        fire_latencies=[x for r in results for x in r["fire_latencies"]],
        connected=sum(r["connected"] for r in results),
        denied=sum(r["denied"] for r in results),
        load=max(load0, os.getloadavg()[0]),
    )


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(phase: Phase) -> None:
    print(
        f"  {phase.label}: {phase.connected} connected, {phase.confirmed} frames confirmed in "
        f"{phase.seconds:.0f} s wall = {phase.wall_rate:,.0f} frames/s; gateway CPU "
        f"{phase.gateway_cpu:.2f} s (system {phase.gateway_sys:.2f} s) = "
        f"{phase.per_core:,.0f} frames/s per core; load generator "
        f"CPU {phase.client_cpu:.2f} s; denied {phase.denied}; 1-min load average "
        f"{phase.load:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"    confirm latency, all frames: p50 {pct(phase.latencies, 0.5):.1f} ms, "
        f"p99 {pct(phase.latencies, 0.99):.1f} ms"
    )


def run_phase(
    label: str, url: str, tmp: str, batch: int, delay: float, rate: float, args: Any
) -> Phase:
    clear_monitoring(url)
    port = free_port()
    gateway = start_gateway(url, port, tmp, batch, delay)
    spies: list[Any] = []
    out = ROOT / "artifacts" / "ingest-gateway.folded"

    def profile() -> None:
        # Once every device is connected: the profile shows the steady state.
        out.parent.mkdir(exist_ok=True)
        spy_bin = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        seconds = str(int(args.warmup + args.seconds))
        command = [spy_bin, "record", "-p", str(gateway.pid), "-o", str(out), "--format", "raw"]
        command += ["--duration", seconds, "--threads", "--nonblocking"]
        try:
            spies.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
        except OSError as exc:
            print(f"  (py-spy not started: {exc})")

    wanted = args.profile and batch > 1 and not rate
    try:
        phase = drive(
            label,
            gateway,
            port,
            args.devices,
            args.clients,
            rate,
            args,
            profile if wanted else None,
        )
    finally:
        for spy in spies:
            spy.wait(60)
        stop_gateway(gateway)
        if spies:
            summarise_profile(out)
    report(phase)
    return phase


def summarise_profile(path: Path, top: int = 25) -> None:
    """Self and inclusive sample shares per function from py-spy's folded stacks."""
    if not path.exists():
        print("  (py-spy wrote no profile)")
        return
    inclusive: dict[str, int] = {}
    own: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        count = int(n)
        total += count
        frames = [
            f.split(" (")[0] + " " + f.rsplit("/", 1)[-1].rstrip(")") for f in stack.split(";")
        ]
        for name in set(frames):
            inclusive[name] = inclusive.get(name, 0) + count
        own[frames[-1]] = own.get(frames[-1], 0) + count
    print(f"  py-spy: {total} samples; top functions by own time (own %, inclusive %):")
    for name, n in sorted(own.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / total:5.1f} {100 * inclusive[name] / total:5.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured window per phase")
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=0.0, help="latency phase, frames/s")
    parser.add_argument("--url", default="", help="database URL (default: temporary SQLite)")
    parser.add_argument("--skip-anchor", action="store_true")
    parser.add_argument("--max-batch", type=int, default=MAX_BATCH, help="group commit cap")
    parser.add_argument("--profile", action="store_true", help="py-spy the group-commit phase")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="lanyan-ingest-")
    url = args.url or f"sqlite:///{tmp}/lanyan.db"
    print(
        f"bench/ingest.py: {args.devices} devices in {args.clients} processes over loopback, "
        f"database {url.split('://')[0]}; machine: {os.cpu_count()} cores shared with other "
        f"work (1-min load average {os.getloadavg()[0]:.1f} at start)",
        flush=True,
    )
    print(host_line(), flush=True)
    upgrade(url)
    if args.url:
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(delete(Device))
        engine.dispose()
    register_devices(url, args.devices)
    try:
        anchor = None
        if not args.skip_anchor:
            anchor = run_phase("anchor, per-frame commit", url, tmp, 1, 0.0, 0.0, args)
        grouped = run_phase("group commit", url, tmp, args.max_batch, 2.0, 0.0, args)
        rate = args.rate or max(100.0, round(grouped.wall_rate / 4, -2))
        paced = run_phase(
            f"latency at {rate:,.0f} frames/s", url, tmp, args.max_batch, 2.0, rate, args
        )
        stored = counts(url)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"frames/s per core (gateway CPU), group commit: {grouped.per_core:,.0f}", end="")
    print(
        f" (target ≥ {TARGET_PER_CORE:,}: {'met' if grouped.per_core >= TARGET_PER_CORE else 'NOT met'})"
    )
    if anchor is not None:
        print(
            f"  anchor per-frame commit: {anchor.per_core:,.0f} per core, "
            f"{anchor.wall_rate:,.0f} wall; ratio group/anchor: per core "
            f"{grouped.per_core / anchor.per_core:.1f}×, wall "
            f"{grouped.wall_rate / max(anchor.wall_rate, 1e-9):.1f}×"
        )
    fires = paced.fire_latencies
    p50, p99 = pct(fires, 0.5), pct(fires, 0.99)
    print(
        f"alarm-to-event latency at {rate:,.0f} frames/s ({len(fires)} fire alarms, send → "
        f"confirm after the outbox commit): p50 {p50:.1f} ms, p99 {p99:.1f} ms "
        f"(target p99 ≤ {TARGET_P99_MS:.0f} ms: {'met' if p99 <= TARGET_P99_MS else 'NOT met'})"
    )
    if fires:
        print(f"  mean {statistics.fmean(fires) * 1000:.1f} ms, max {max(fires) * 1000:.1f} ms")
    print(
        f"last phase stored {stored['events']} events, {stored['fire_alarm_raised']} "
        f"fire_alarm_raised outbox events, {stored['quarantined']} quarantined"
    )


if __name__ == "__main__":
    main()
