"""Liveness and readiness (``/healthz``, ``/readyz``).

* **live**: the process answers; nothing else is touched (a load balancer or systemd watchdog
  restarts a process that stops answering, never one whose database is down).
* **ready**: the database is reachable and at this version's schema (``store.readiness``);
  in service mode (``LANYAN_MONITORING_MODE=nats``) the NATS server accepts a connection;
  with ``LANYAN_MQTT_BROKER`` set, the MQTT broker accepts a TCP connection. Each check has a
  short timeout, so a scraper never waits long.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass
from typing import Any

import nats
from sqlalchemy import Engine

from lanyan.core.config import Settings
from lanyan.store.readiness import not_ready

TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Check:
    """One readiness check: what was checked, whether it passed, and in one line why not."""

    name: str
    ok: bool
    detail: str = ""


async def check_database(engine: Engine) -> Check:
    try:
        problem = await asyncio.wait_for(asyncio.to_thread(not_ready, engine), TIMEOUT_S * 2)
    except TimeoutError:
        return Check("database", False, f"no answer within {TIMEOUT_S * 2:g} s")
    return Check("database", problem is None, problem.message if problem else "")


async def check_nats(url: str) -> Check:
    errors: list[BaseException] = []

    async def quiet(exc: BaseException) -> None:  # the client would log a trace per attempt
        errors.append(exc)

    try:
        conn = await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=TIMEOUT_S,
                max_reconnect_attempts=1,
                allow_reconnect=False,
                error_cb=quiet,
            ),
            TIMEOUT_S,
        )
    except Exception as exc:  # any failure to connect is "not ready", said in one line
        cause = errors[0] if errors else exc
        return Check("nats", False, f"cannot connect to {url}: {type(cause).__name__} {cause}")
    await conn.close()
    return Check("nats", True)


async def check_tcp(name: str, address: str) -> Check:
    host, _, port = address.rpartition(":")
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port)), TIMEOUT_S
        )
    except (OSError, TimeoutError) as exc:
        return Check(name, False, f"cannot connect to {address}: {type(exc).__name__} {exc}")
    writer.close()
    return Check(name, True)


async def readiness(settings: Settings, engine: Engine) -> list[Check]:
    """Every check that applies to this deployment, run concurrently."""
    checks = [check_database(engine)]
    if settings.monitoring_mode == "nats":
        checks.append(check_nats(settings.nats_url))
    if settings.mqtt_broker:
        checks.append(check_tcp("mqtt", settings.mqtt_broker))
    return list(await asyncio.gather(*checks))


def report(checks: list[Check]) -> tuple[int, dict[str, Any]]:
    """The HTTP status (200 ready, 503 not) and body of a readiness answer."""
    ready = all(c.ok for c in checks)
    body = {"status": "ready" if ready else "not ready", "checks": [asdict(c) for c in checks]}
    return (200 if ready else 503), body
