"""Kill -9 the gateway during a load run and restart it: every confirmed frame is stored,
exactly once (issue 3, "Bad input and faults")."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from typing import Any

from sqlalchemy import func, select

from lanyan.monitoring.models import MonitoringEvent
from lanyan.monitoring.simulator import SimulationStats, simulate

from support import assert_confirmed_frames_stored_once, free_port


def _start_gateway(db_url: str, port: int, tmp: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"LANYAN_DATABASE_URL": db_url, "LANYAN_DATA_DIR": tmp}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lanyan.cli.main",
            "gateway",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _until_listening(port: int) -> None:
    for _ in range(600):
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        return
    raise AssertionError("the gateway never started listening")


def test_kill_9_loses_no_confirmed_frame(db_url: str, sessions: Any, tmp_path: Any) -> None:
    port = free_port()
    processes = [_start_gateway(db_url, port, str(tmp_path))]
    result: list[SimulationStats] = []

    async def main() -> None:
        await _until_listening(port)
        run = asyncio.create_task(simulate("127.0.0.1", port, count=8, rate=400, frames=40))
        # Kill once a good part of the run is confirmed, while devices are mid-exchange.
        while not run.done():
            with sessions() as s:
                stored = s.scalar(select(func.count()).select_from(MonitoringEvent))
            if stored >= 80:
                break
            await asyncio.sleep(0.05)
        assert not run.done(), "the run ended before the kill: make it longer"
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait()
        processes.append(_start_gateway(db_url, port, str(tmp_path)))
        result.append(await run)

    try:
        asyncio.run(main())
    finally:
        for p in processes:
            p.kill()
            p.wait()

    (stats,) = result
    assert_confirmed_frames_stored_once(sessions, stats, 8 * 40)
