"""City scale (issue 22), the parts measurable so far: CLI start, HTTP bytes and server time of
the heaviest pages and the map layers, and log-in latency while a risk recompute runs.

Against the demo database ``LANYAN_DATABASE_URL`` names, or with ``--scale N`` against a copy
of a region N times the demo (``lanyan demo --scale N``, built once and then reused from
``var/bench-cache/``, see ``bench/demo_cache.py``). Each figure comes with its anchor from the
same run:

* ``lanyan --help`` (a fresh interpreter, best of 5) against importing every command module
  up front, which is what ``cli/main.py`` did before (``python -c "import lanyan.cli.x, …"``);
* each map layer for a town-sized view (``bbox``, what map.js now asks for) against the whole
  layer (the all-features GeoJSON load map.js used to make); bytes as sent with gzip and
  decoded; every page and API also with and without ``Accept-Encoding: gzip``;
* log-ins during ``risk compute`` in short transactions (``compute_in_chunks``) against the
  same during the former one-transaction compute (the log-in waits for the whole run).

Server time is measured in-process (Starlette's TestClient: the app's own work, no network).

    LANYAN_DATABASE_URL=sqlite:///var/demo.db python bench/web_scale.py [--repeat 5]
    python bench/web_scale.py --scale 10 --parts http
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from demo_cache import demo_copy  # bench/demo_cache.py, beside this script
from hostref import host_line

PAGES = [
    "/",
    "/monitoring",
    "/registry/units",
    "/risk",
    "/api/monitoring/stats/units",
    "/api/map/risk/units",
    "/api/units?size=100",
]
LAYERS = ["roads", "jurisdictions", "units", "water-sources", "stations", "alarms"]
COMMANDS = sorted(p.stem for p in Path(__file__).parents[1].glob("src/lanyan/cli/*_cmd.py"))


def best_of(repeat: int, argv: list[str]) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return min(times)


def cli_start(repeat: int) -> None:
    py = sys.executable
    help_s = best_of(repeat, [py, "-c", "from lanyan.cli.main import app; app(['--help'])"])
    eager = "import " + ", ".join(f"lanyan.cli.{m}" for m in COMMANDS)
    anchor_s = best_of(repeat, [py, "-c", eager])
    print(f"lanyan --help                 {help_s * 1e3:8.0f} ms  (target ≤ 500 ms)")
    print(f"anchor: import all {len(COMMANDS)} command modules {anchor_s * 1e3:8.0f} ms")
    print(f"ratio anchor / now            {anchor_s / help_s:8.1f} ×")


def fetch(client: Any, path: str, headers: dict[str, str], repeat: int) -> tuple[float, int, int]:
    """Median server time (s), bytes on the wire, bytes decoded."""
    times, wire, body = [], 0, 0
    for _ in range(repeat):
        t = time.perf_counter()
        with client.stream("GET", path, headers=headers) as r:
            raw = b"".join(r.iter_raw())
        times.append(time.perf_counter() - t)
        assert r.status_code == 200, (path, r.status_code)
        wire = len(raw)
        body = len(gzip.decompress(raw)) if r.headers.get("content-encoding") == "gzip" else wire
    return statistics.median(times), wire, body


def town_box(client: Any, headers: dict[str, str]) -> str:
    """A view around the first station, about a town's size (0.1° × 0.08°)."""
    data = client.get("/api/map/layers/stations", headers=headers).json()
    lon, lat = data["features"][0]["geometry"]["coordinates"]
    return f"{lon - 0.05},{lat - 0.04},{lon + 0.05},{lat + 0.04}"


def http(client: Any, auth: dict[str, str], repeat: int) -> None:
    gz = {**auth, "Accept-Encoding": "gzip"}
    plain = {**auth, "Accept-Encoding": "identity"}
    print(f"\n{'page / API':34} {'ms':>7} {'gzip KB':>9} {'plain KB':>9} {'ms plain':>9}")
    for path in PAGES:
        t, wire, body = fetch(client, path, gz, repeat)
        tp, _, _ = fetch(client, path, plain, repeat)
        print(f"{path:34} {t * 1e3:7.0f} {wire / 1e3:9.1f} {body / 1e3:9.1f} {tp * 1e3:9.0f}")
    box = town_box(client, gz)
    print(f"\nmap layers: a town view (bbox {box}) against the whole layer (anchor)")
    print(
        f"{'layer':15} {'view ms':>8} {'view KB gz':>11} {'all ms':>8} {'all KB gz':>10} "
        f"{'all KB':>8} {'features view/all':>18}"
    )
    totals = [0.0, 0, 0.0, 0]
    for layer in LAYERS:
        t_all, wire_all, body_all = fetch(client, f"/api/map/layers/{layer}", gz, repeat)
        t_view, wire_view, _ = fetch(client, f"/api/map/layers/{layer}?bbox={box}", gz, repeat)
        n_all = client.get(f"/api/map/layers/{layer}", headers=gz).json()["count"]
        n_view = client.get(f"/api/map/layers/{layer}?bbox={box}", headers=gz).json()["count"]
        totals = [
            totals[0] + t_view,
            totals[1] + wire_view,
            totals[2] + t_all,
            totals[3] + wire_all,
        ]
        print(
            f"{layer:15} {t_view * 1e3:8.0f} {wire_view / 1e3:11.1f} {t_all * 1e3:8.0f} "
            f"{wire_all / 1e3:10.1f} {body_all / 1e3:8.1f} {n_view:>8}/{n_all}"
        )
    print(
        f"{'all layers':15} {totals[0] * 1e3:8.0f} {totals[1] / 1e3:11.1f} "
        f"{totals[2] * 1e3:8.0f} {totals[3] / 1e3:10.1f}   ratio all/view time "
        f"{totals[2] / max(totals[0], 1e-9):.1f} ×, bytes {totals[3] / max(totals[1], 1):.1f} ×"
    )


def logins_during(app: Any, client: Any, run: Any, username: str, password: str) -> str:
    """Run ``run`` in a thread; log in again and again meanwhile; the slowest log-in."""
    waits: list[float] = []
    errors: list[int] = []
    worker = threading.Thread(target=run)
    t0 = time.perf_counter()
    worker.start()
    while worker.is_alive():
        t = time.perf_counter()
        r = client.post("/api/auth/login", json={"username": username, "password": password})
        waits.append(time.perf_counter() - t)
        if r.status_code != 200:
            errors.append(r.status_code)
        time.sleep(0.25)  # a person logging in now and then, not a second CPU-bound load
    worker.join()
    took = time.perf_counter() - t0
    return (
        f"run {took:6.2f} s; {len(waits)} log-ins, slowest {max(waits) * 1e3:6.0f} ms, "
        f"median {statistics.median(waits) * 1e3:5.0f} ms, failed {len(errors)}"
    )


def recompute(app: Any, client: Any, password: str) -> None:
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.risk import config, service
    from lanyan.store import audit
    from lanyan.store.audit import SYSTEM
    from lanyan.store.db import unit_of_work

    factory = app.state.sessions
    model = config.load()
    day = date(2026, 1, 1)

    def chunked() -> None:
        service.compute_in_chunks(factory, SYSTEM, EVERYWHERE, day, model)

    def one_transaction() -> None:  # what compute did before: the writers' lock first
        with unit_of_work(factory) as s:
            audit.begin_write(s)
            service.compute(s, SYSTEM, EVERYWHERE, day, model)

    for name, run in (("chunks (now)", chunked), ("one transaction (anchor)", one_transaction)):
        t = time.perf_counter()
        run()
        print(f"risk recompute alone, {name:25} {time.perf_counter() - t:6.2f} s")
    print("\nrisk recompute with log-ins alongside (target: none waits > 1 s)")
    print(
        "  nothing else (baseline):  "
        + logins_during(app, client, lambda: time.sleep(3), "admin", password)
    )
    print("  chunks (now):            " + logins_during(app, client, chunked, "admin", password))
    print(
        "  one transaction (anchor): "
        + logins_during(app, client, one_transaction, "admin", password)
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--parts", default="cli,http,risk", help="which of cli, http, risk to run")
    ap.add_argument("--password", default=os.environ.get("LANYAN_DEMO_PASSWORD", ""))
    ap.add_argument("--scale", type=int, default=0, help="a copy of the N× demo (1–50)")
    args = ap.parse_args()
    parts = set(args.parts.split(","))
    print(host_line(), flush=True)
    if "cli" in parts:
        cli_start(args.repeat)

    if not parts & {"http", "risk"}:
        return
    with tempfile.TemporaryDirectory(prefix="lanyan-bench-web-") as tmp:
        if args.scale:
            url, data_dir = demo_copy(args.scale, Path(tmp))
            os.environ |= {"LANYAN_DATABASE_URL": url, "LANYAN_DATA_DIR": str(data_dir)}
        serve(parts, args.repeat, args.password)


def serve(parts: set[str], repeat: int, password: str) -> None:
    """The HTTP and risk parts, against the database the environment names."""
    from fastapi.testclient import TestClient

    from lanyan.app import create_app
    from lanyan.core.config import Settings
    from lanyan.demo.build import DEMO_PASSWORD

    password = password or DEMO_PASSWORD
    settings = Settings(monitor_housekeeping_every_s=0, incidents_from_alarms_interval_s=0)
    app = create_app(settings)
    with TestClient(app) as client:
        r = client.post("/api/auth/login", json={"username": "admin", "password": password})
        assert r.status_code == 200, f"log in as the demo's admin: {r.text}"
        auth = {"Authorization": f"Bearer {r.json()['token']}"}
        if "http" in parts:
            http(client, auth, repeat)
        if "risk" in parts:
            recompute(app, client, password)


if __name__ == "__main__":
    main()
