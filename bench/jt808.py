"""Benchmark: the JT/T 808 gateway under N simulated terminals over loopback TCP.

Each terminal is one TCP connection bound to a registry vehicle, sending location reports
(0x0200, with mileage, signal and satellite items) and waiting for each platform general
response (0x8001) before the next: closed loop, so the gateway is saturated. The gateway is
the real ``lanyan jt808 serve`` in its own process on a fresh database (SQLite in a temporary
folder by default, ``--url`` for PostgreSQL); every report is checked, stored (position row
and the vehicle's live row) and acknowledged only after its transaction committed.

Phases, in one run:

1. **anchor** — per-message commit (``--max-batch 1 --max-delay-ms 0``);
2. **group commit** — the default gateway (``--max-batch 2000 --max-delay-ms 2``);
3. **report → screen** — ``lanyan serve`` with its JT/T 808 gateway (``LANYAN_JT808_PORT``),
   ``--live-terminals`` terminals each reporting once a second (paced, not closed loop) and a
   client on the map's server-sent events (``/api/vehicles/positions/stream``). Each report's
   latency is from its send to the arrival of its ``position`` event (one clock: loopback);
   the anchor in the same phase is send → 0x8001 (stored and acknowledged). Target: p99
   report → screen ≤ 1 s. The stream reads the store twice a second and sends each vehicle's
   latest position, so a report overtaken by the next one within a poll is never sent
   ("overtaken" below).

"Per core" is reports acknowledged in the measured window divided by the CPU seconds (user +
system, all threads) the gateway process used in that window. With PostgreSQL the database
server's own CPU is not in that figure. The host reference (``bench/hostref.py``) is printed
first: the machines are shared, and figures from different runs compare only with it.

    python bench/jt808.py [--terminals 5000] [--clients 1] [--seconds 10] [--url URL]
                          [--live-terminals 500]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hostref import host_line  # bench/hostref.py, beside this script
from sqlalchemy import delete, func, insert, select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.registry.models import Jurisdiction, Station, Vehicle
from lanyan.store.db import make_engine, make_session_factory
from lanyan.store.migrate import upgrade
from lanyan.vehicles.jt808 import Location, Scanner, encode, parse
from lanyan.vehicles.jt808.messages import (
    EXTRA_MILEAGE,
    EXTRA_SATELLITES,
    EXTRA_SIGNAL,
    extras_from,
)
from lanyan.vehicles.models import VehicleLive, VehiclePosition, VehicleTerminal

TARGET_PER_CORE = 10_000
TARGET_SCREEN_P99_S = 1.0
BENCH_USER, BENCH_PASSWORD = "bench-screen", "bench-screen-password-808"
FIRST_PHONE = 13_800_000_000


def prepare(url: str, count: int) -> None:
    """A county, a station and ``count`` vehicles, each with a bound terminal."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    stamp = {"created_at": now, "updated_at": now}
    with engine.begin() as conn:
        jid = conn.execute(
            insert(Jurisdiction).returning(Jurisdiction.id),
            [{"code": "320904", "name": "大丰区", "level": "county", "path": "/"}],
        ).scalar_one()
        conn.execute(
            Jurisdiction.__table__.update().values(path=f"/{jid}/").where(Jurisdiction.id == jid)
        )
        sid = conn.execute(
            insert(Station).returning(Station.id),
            [
                {
                    "code": "S-1",
                    "name": "一站",
                    "force_type": "national",
                    "status": "active",
                    "lon": 120.46,
                    "lat": 33.2,
                    "jurisdiction_id": jid,
                    **stamp,
                }
            ],
        ).scalar_one()
        conn.execute(
            insert(Vehicle),
            [
                {
                    "code": f"V{i:05d}",
                    "vehicle_type": "water_tender",
                    "station_id": sid,
                    "jurisdiction_id": jid,
                    "status": "available",
                    **stamp,
                }
                for i in range(count)
            ],
        )
        ids = dict(conn.execute(select(Vehicle.code, Vehicle.id)).all())
        conn.execute(
            insert(VehicleTerminal),
            [
                {
                    "phone": str(FIRST_PHONE + i),
                    "vehicle_id": ids[f"V{i:05d}"],
                    "auth_code": "",
                    "last_peer": "",
                    **stamp,
                }
                for i in range(count)
            ],
        )
    engine.dispose()


def clear(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(delete(VehiclePosition))
        conn.execute(delete(VehicleLive))
    engine.dispose()


def stored(url: str) -> int:
    factory = make_session_factory(make_engine(url))
    with factory() as s:
        return s.scalar(select(func.count()).select_from(VehiclePosition)) or 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gateway(url: str, port: int, data_dir: str, max_batch: int, delay_ms: float) -> Any:
    env = os.environ | {"LANYAN_DATABASE_URL": url, "LANYAN_DATA_DIR": data_dir}
    cmd = [sys.executable, "-m", "lanyan.cli.main", "jt808", "serve", "--host", "127.0.0.1"]
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- terminals ------------------------------------------------------------------------------


class Terminal(asyncio.Protocol):
    """Sends a location report, waits for its 0x8001, sends the next (terminal time + 1 s)."""

    def __init__(self, phone: str, start: datetime, counter: list[int]) -> None:
        self.phone, self.when, self.counter = phone, start, counter
        self.serial = 0
        self.scanner = Scanner()
        self.transport: Any = None
        self.running = False
        self.extras = extras_from({EXTRA_MILEAGE: 1000.0, EXTRA_SIGNAL: 20, EXTRA_SATELLITES: 9})

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def send(self) -> None:
        self.when += timedelta(seconds=1)
        self.serial = (self.serial + 1) & 0xFFFF
        loc = Location(
            0, 3, 33_200_000 + self.serial, 120_460_000, 5, 400, 90, self.when, self.extras
        )
        self.transport.write(encode(loc, phone=self.phone, serial=self.serial)[0])

    def data_received(self, data: bytes) -> None:
        for raw in self.scanner.feed(data):
            body = parse(raw).body
            if body[4] == 0:  # result 0: stored
                self.counter[0] += 1
            if self.running:
                self.send()


def _client(conn: Any, port: int, first: int, count: int, seconds: float, warmup: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        counter = [0]
        start = datetime.now(CHINA_TZ).replace(microsecond=0) - timedelta(days=3)
        terminals = []
        for i in range(count):
            t = Terminal(str(first + i), start, counter)
            await loop.create_connection(lambda t=t: t, "127.0.0.1", port)
            terminals.append(t)
        conn.send("connected")
        conn.recv()
        for t in terminals:
            t.running = True
            t.send()
        await asyncio.sleep(warmup)
        c0, cpu0 = counter[0], time.process_time()
        await asyncio.sleep(seconds)
        c1, cpu1 = counter[0], time.process_time()
        for t in terminals:
            t.running = False
        await asyncio.sleep(0.5)
        for t in terminals:
            t.transport.close()
        conn.send({"acked": c1 - c0, "cpu": cpu1 - cpu0})

    asyncio.run(main())


@dataclass
class Phase:
    label: str
    seconds: float
    acked: int
    gateway_cpu: float
    client_cpu: float

    @property
    def per_core(self) -> float:
        return self.acked / self.gateway_cpu if self.gateway_cpu else float("nan")


def drive(label: str, gateway: Any, port: int, args: Any) -> Phase:
    ctx = mp.get_context("spawn")
    per = args.terminals // args.clients
    pipes, procs = [], []
    for c in range(args.clients):
        count = per if c < args.clients - 1 else args.terminals - per * (args.clients - 1)
        parent, child = ctx.Pipe()
        p = ctx.Process(
            target=_client,
            args=(child, port, FIRST_PHONE + c * per, count, args.seconds, args.warmup),
        )
        p.start()
        pipes.append(parent)
        procs.append(p)
    for pipe in pipes:
        pipe.recv()
    for pipe in pipes:
        pipe.send("go")
    time.sleep(args.warmup)
    cpu0 = cpu_seconds(gateway.pid)
    time.sleep(args.seconds)
    cpu1 = cpu_seconds(gateway.pid)
    results = [pipe.recv() for pipe in pipes]
    for p in procs:
        p.join()
    return Phase(
        label,
        args.seconds,
        sum(r["acked"] for r in results),
        cpu1 - cpu0,
        sum(r["cpu"] for r in results),
    )


def report(phase: Phase) -> None:
    print(
        f"  {phase.label}: {phase.acked} reports acknowledged in {phase.seconds:.0f} s "
        f"({phase.acked / phase.seconds:,.0f}/s wall); gateway CPU {phase.gateway_cpu:.2f} s "
        f"→ {phase.per_core:,.0f} reports/s per core; terminals' CPU {phase.client_cpu:.2f} s",
        flush=True,
    )


# --- report → screen (SSE) -----------------------------------------------------------------


def add_viewer(url: str) -> None:
    """A dispatcher of the county, who reads the position stream."""
    from lanyan.accounts.service import create_user
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.store.audit import SYSTEM

    factory = make_session_factory(make_engine(url))
    with factory() as s:
        create_user(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "username": BENCH_USER,
                "password": BENCH_PASSWORD,
                "role": "dispatcher",
                "jurisdiction_code": "320904",
            },
        )
        s.commit()


def start_server(url: str, web_port: int, jt808_port: int, data_dir: str) -> Any:
    env = os.environ | {
        "LANYAN_DATABASE_URL": url,
        "LANYAN_DATA_DIR": data_dir,
        "LANYAN_JT808_PORT": str(jt808_port),
        "LANYAN_JT808_HOST": "127.0.0.1",
    }
    cmd = [sys.executable, "-m", "lanyan.cli.main", "serve", "--port", str(web_port)]
    log = Path(data_dir) / f"serve-{web_port}.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=sink)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"lanyan serve exited: {log.read_text()[-2000:]}")
        try:
            for port in (web_port, jt808_port):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("lanyan serve never listened")


@dataclass
class Live:
    sent: int
    acked: list[float]  # send → 0x8001, seconds
    screen: list[float]  # send → SSE position event, seconds
    overtaken: int


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _live(web_port: int, jt808_port: int, terminals: int, seconds: float) -> Live:
    import httpx

    sent_at: dict[tuple[str, datetime], float] = {}  # (vehicle code, terminal time) → send
    screen: list[float] = []
    acked: list[float] = []
    codes = {str(FIRST_PHONE + i): f"V{i:05d}" for i in range(terminals)}
    ready = asyncio.Event()

    async def watch(client: Any, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with client.stream("GET", "/api/vehicles/positions/stream", headers=headers) as r:
            event = ""
            async for line in r.aiter_lines():
                now = time.perf_counter()
                if line.startswith("event: "):
                    event = line[7:]
                    if event == "ready":
                        ready.set()
                elif line.startswith("data: ") and event == "position":
                    item = json.loads(line[6:])
                    at = datetime.fromisoformat(item["reported_at"].replace("Z", "+00:00"))
                    t0 = sent_at.pop((item["vehicle_code"], at), None)
                    if t0 is not None:
                        screen.append(now - t0)

    async def terminal(i: int, start: datetime, stop: float) -> None:
        phone = str(FIRST_PHONE + i)
        reader, writer = await asyncio.open_connection("127.0.0.1", jt808_port)
        scanner = Scanner()
        await asyncio.sleep(i / terminals)  # spread the fleet over the second
        k = 0
        while time.perf_counter() < stop:
            k += 1
            when = start + timedelta(seconds=k)
            loc = Location(0, 3, 33_200_000 + k, 120_460_000, 5, 400, 90, when)
            t0 = time.perf_counter()
            sent_at[(codes[phone], when.astimezone(UTC))] = t0
            writer.write(encode(loc, phone=phone, serial=k & 0xFFFF)[0])
            await writer.drain()
            got = False
            while not got:
                chunk = await reader.read(4096)
                if not chunk:
                    return
                got = bool(scanner.feed(chunk))
            acked.append(time.perf_counter() - t0)
            await asyncio.sleep(max(0.0, t0 + 1.0 - time.perf_counter()))
        writer.close()

    base = f"http://127.0.0.1:{web_port}"
    async with httpx.AsyncClient(base_url=base, timeout=None) as client:
        r = await client.post(
            "/api/auth/login", json={"username": BENCH_USER, "password": BENCH_PASSWORD}
        )
        r.raise_for_status()
        watcher = asyncio.create_task(watch(client, r.json()["token"]))
        await asyncio.wait_for(ready.wait(), 30)
        # Terminal times from now, a second apart per terminal (stored once per second).
        start = datetime.now(CHINA_TZ).replace(microsecond=0)
        stop = time.perf_counter() + seconds
        await asyncio.gather(*(terminal(i, start, stop) for i in range(terminals)))
        await asyncio.sleep(3.0)  # the last events (the stream polls twice a second)
        watcher.cancel()
    total = len(acked)
    return Live(total, acked, screen, total - len(screen))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--terminals", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--url", default="")
    parser.add_argument("--live-terminals", type=int, default=500)
    args = parser.parse_args()

    print(host_line(), flush=True)
    tmp = tempfile.mkdtemp(prefix="lanyan-jt808-")
    url = args.url or f"sqlite:///{tmp}/bench.db"
    print(
        f"JT/T 808 gateway bench: {args.terminals} terminals in {args.clients} process(es), "
        f"{args.seconds:.0f} s per phase; database {url.split('://')[0]}; "
        f"{os.cpu_count()} cores shared with other work",
        flush=True,
    )
    try:
        upgrade(url)
        prepare(url, args.terminals)
        phases = []
        for label, max_batch, delay in (
            ("anchor, commit per report", 1, 0.0),
            ("group commit", 2000, 2.0),
        ):
            clear(url)
            port = free_port()
            gateway = start_gateway(url, port, tmp, max_batch, delay)
            try:
                phase = drive(label, gateway, port, args)
            finally:
                stop_gateway(gateway)
            rows = stored(url)
            report(phase)
            print(f"    position rows in the table after the phase: {rows:,}", flush=True)
            phases.append(phase)
        anchor, group = phases
        ratio = group.per_core / anchor.per_core if anchor.per_core else float("nan")
        print(
            f"group commit / anchor: {ratio:.1f}× per core; target ≥ {TARGET_PER_CORE:,} "
            f"reports/s per core: {'met' if group.per_core >= TARGET_PER_CORE else 'NOT met'} "
            f"({group.per_core:,.0f})",
            flush=True,
        )
        clear(url)
        add_viewer(url)
        web_port, jt808_port = free_port(), free_port()
        server = start_server(url, web_port, jt808_port, tmp)
        try:
            live = asyncio.run(_live(web_port, jt808_port, args.live_terminals, args.seconds))
        finally:
            stop_gateway(server)
        p99_ack, p99_screen = pct(live.acked, 0.99), pct(live.screen, 0.99)
        print(
            f"  report → screen: {args.live_terminals} terminals at 1 report/s for "
            f"{args.seconds:.0f} s through lanyan serve; {live.sent} reports, "
            f"{len(live.screen)} seen on the stream, {live.overtaken} overtaken",
            flush=True,
        )
        print(
            f"    anchor send → 0x8001: p50 {pct(live.acked, 0.5) * 1000:.0f} ms, "
            f"p99 {p99_ack * 1000:.0f} ms; send → SSE event: p50 "
            f"{pct(live.screen, 0.5) * 1000:.0f} ms, p99 {p99_screen * 1000:.0f} ms "
            f"(max {max(live.screen, default=float('nan')) * 1000:.0f} ms)",
            flush=True,
        )
        print(
            f"report → screen p99 / report → acknowledged p99: {p99_screen / p99_ack:.1f}×; "
            f"target p99 ≤ {TARGET_SCREEN_P99_S:g} s: "
            f"{'met' if p99_screen <= TARGET_SCREEN_P99_S else 'NOT met'}",
            flush=True,
        )
    finally:
        if not args.url:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
