"""Kill -9 the JT/T 808 gateway while terminals report and restart it: every acknowledged
report is stored, exactly once (a terminal resends what was not acknowledged)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from lanyan.core.timeutil import CHINA_TZ
from lanyan.vehicles.jt808 import Location, PlatformResponse, Scanner, decode, encode
from lanyan.vehicles.models import VehiclePosition

from support import free_port

TERMINALS, REPORTS = 6, 30


# The gateway as ``lanyan jt808 serve`` runs it, without the whole CLI's imports (seconds of
# start-up on a loaded machine, twice per test); the database is migrated already.
CHILD = """
import asyncio, sys
from lanyan.store.db import make_engine, make_session_factory
from lanyan.vehicles.gateway import Gateway

async def main():
    gateway = Gateway(make_session_factory(make_engine(sys.argv[1])))
    await gateway.start("127.0.0.1", int(sys.argv[2]))
    await gateway.serve_forever()

asyncio.run(main())
"""


def _start(db_url: str, port: int, tmp: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, db_url, str(port)],
        cwd=tmp,
        env=os.environ | {"LANYAN_DATA_DIR": tmp},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _terminal(port: int, phone: str, start: datetime, acked: list[datetime]) -> None:
    n = 0
    while n < REPORTS:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        scanner = Scanner()
        try:
            while n < REPORTS:
                when = start + timedelta(seconds=n)
                loc = Location(0, 3, 33_200_000, 120_460_000, 0, 300, 0, when)
                writer.write(encode(loc, phone=phone, serial=n)[0])
                await writer.drain()
                answer = None
                while answer is None:
                    chunk = await asyncio.wait_for(reader.read(4096), 5)
                    if not chunk:
                        raise ConnectionError("closed")
                    for raw in scanner.feed(chunk):
                        _h, msg = decode(b"\x7e" + raw + b"\x7e")
                        if isinstance(msg, PlatformResponse) and msg.reply_serial == n:
                            answer = msg
                assert answer.result == 0
                acked.append(when.astimezone(UTC))
                n += 1
        except (OSError, ConnectionError, TimeoutError):
            writer.close()  # resend report n on a new connection
            await asyncio.sleep(0.1)


def test_kill_9_loses_no_acknowledged_report(db_url: str, sessions: Any, tmp_path: Any) -> None:
    port = free_port()
    processes = [_start(db_url, port, str(tmp_path))]
    start = datetime.now(CHINA_TZ).replace(microsecond=0) - timedelta(hours=1)
    acked: dict[str, list[datetime]] = {str(13800000000 + i): [] for i in range(TERMINALS)}

    async def main() -> None:
        runs = [asyncio.create_task(_terminal(port, p, start, a)) for p, a in acked.items()]
        while sum(len(a) for a in acked.values()) < TERMINALS * REPORTS // 3:
            assert not all(r.done() for r in runs)
            await asyncio.sleep(0.02)
        processes[0].send_signal(signal.SIGKILL)
        processes[0].wait()
        processes.append(_start(db_url, port, str(tmp_path)))
        await asyncio.wait_for(asyncio.gather(*runs), 120)

    try:
        asyncio.run(main())
    finally:
        for p in processes:
            p.kill()
            p.wait()

    with sessions() as s:
        stored = set(s.execute(select(VehiclePosition.phone, VehiclePosition.reported_at)).all())
        total = s.scalar(select(func.count()).select_from(VehiclePosition))
    for phone, times in acked.items():
        assert len(times) == REPORTS
        assert {(phone, t) for t in times} <= stored
    assert total == TERMINALS * REPORTS  # once each
