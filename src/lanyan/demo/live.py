"""The demo's devices keep reporting while ``lanyan serve`` runs (``LANYAN_DEMO_LIVE=1``).

Without it every demo device falls silent after the build and the offline sweep
(``monitoring.alarms.sweep_offline``: three missed heartbeat periods) raises an offline alarm
for each — thousands on the desk. The feeder stands in for the devices' heartbeats: every
heartbeat period it marks every device that is online as heard now (one UPDATE of
``monitoring_device_health``), except that now and then one falls silent (``DROP_ODDS`` per
device and round, from a seeded generator), so the desk shows the few offline devices a real
county has — those registered offline at the build stay offline, and those that fall silent
go offline through the ordinary sweep. It writes nothing else: alarms, frames and the audit log
are untouched. ``make run`` turns it on; a deployment never sets it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.models import DeviceHealth
from lanyan.store.db import unit_of_work

log = logging.getLogger(__name__)
DROP_ODDS = 1 / 20_000  # per online device and round: ~1 of 2,600 devices silent every 8 rounds


def beat(
    factory: sessionmaker[Session], now: datetime, rng: random.Random, silent: set[int]
) -> int:
    """One round: every online device not in ``silent`` is heard at ``now``; a few more join
    ``silent`` (they stop reporting for good). Returns how many were refreshed."""
    with unit_of_work(factory) as session:
        online = list(
            session.execute(
                select(DeviceHealth.device_id)
                .where(DeviceHealth.online.is_(True))
                .order_by(DeviceHealth.device_id)
            ).scalars()
        )
        silent.update(d for d in online if rng.random() < DROP_ODDS)
        talking = [d for d in online if d not in silent]
        for i in range(0, len(talking), 500):
            session.execute(
                update(DeviceHealth)
                .where(DeviceHealth.device_id.in_(talking[i : i + 500]))
                .values(last_seen=now)
                .execution_options(synchronize_session=False)
            )
    return len(talking)


async def run(factory: sessionmaker[Session], every: float, seed: int = 2025) -> None:
    """Beat every ``every`` seconds until cancelled (the caller has run the first beat)."""
    rng = random.Random(f"{seed}:live")
    silent: set[int] = set()
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            await asyncio.sleep(every)
            try:
                await asyncio.to_thread(beat, factory, utcnow(), rng, silent)
            except Exception:
                log.exception("demo heartbeat feeder failed; retrying next round")
