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

Vehicles report too: on the first round each demo vehicle of a fire station gets a terminal
(phone ``DEMO_PHONE`` + vehicle id, bound as ``vehicles.service.bind_terminal`` would), and
every ``VEHICLE_EVERY`` rounds each sends one position through the ordinary store
(``vehicles.ingest.store_jobs``): parked at its station, or on the road nearby when it is
dispatched — so the map shows fresh positions instead of none.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.models import DeviceHealth
from lanyan.registry.choices import VehicleStatus
from lanyan.registry.models import Station, Vehicle
from lanyan.store.db import unit_of_work
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs
from lanyan.vehicles.models import VehicleLive, VehicleTerminal

log = logging.getLogger(__name__)
DROP_ODDS = 1 / 20_000  # per online device and round: ~1 of 2,600 devices silent every 8 rounds
DEMO_PHONE = 13900000000  # demo terminal phones: this plus the vehicle id
VEHICLE_EVERY = 2  # rounds between two positions of a vehicle (stale after 5 min)
RELAY_AFTER = timedelta(minutes=5)  # a vehicle silent this long gets a parked position


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


def drive(
    factory: sessionmaker[Session],
    now: datetime,
    rng: random.Random,
    ours: dict[int, datetime] | None = None,
) -> int:
    """One position per vehicle of a station (terminals bound on first use) that nothing else
    reports for; returns how many were stored. ``ours``: the time of this feeder's last
    position per vehicle, kept by the caller between rounds."""
    ours = {} if ours is None else ours
    with unit_of_work(factory) as session:
        fleet = session.execute(
            select(Vehicle.id, Vehicle.status, Station.lon, Station.lat)
            .join(Station, Station.id == Vehicle.station_id)
            .order_by(Vehicle.id)
        ).all()
        phones: dict[int, str] = {
            vid: phone
            for vid, phone in session.execute(
                select(VehicleTerminal.vehicle_id, VehicleTerminal.phone)
            )
        }
        for vid, *_ in fleet:
            if vid not in phones:
                phones[vid] = str(DEMO_PHONE + vid)
                session.add(
                    VehicleTerminal(phone=phones[vid], vehicle_id=vid, auth_code="", last_peer="")
                )
        session.flush()
        # A vehicle something else reports for (`lanyan simulate vehicles`, a real terminal)
        # is left to it: a live position newer than RELAY_AFTER that this feeder did not write.
        live: dict[int, datetime] = {
            vid: at
            for vid, at in session.execute(
                select(VehicleLive.vehicle_id, VehicleLive.reported_at).where(
                    VehicleLive.reported_at > now - RELAY_AFTER
                )
            )
        }
        jobs = []
        for vid, status, lon, lat in fleet:
            if status == VehicleStatus.OUT_OF_SERVICE.value:
                continue  # in the workshop: its terminal is off
            if vid in live and live[vid] != ours.get(vid):
                continue
            ours[vid] = now
            moving = status == VehicleStatus.DISPATCHED.value
            spread = 0.02 if moving else 0.0003
            fix = Fix(
                phone=phones[vid],
                reported_at=now,
                received_at=now,
                lat=lat + rng.uniform(-spread, spread),
                lon=lon + rng.uniform(-spread, spread),
                speed_kmh=round(rng.uniform(25, 60), 1) if moving else 0.0,
                heading=rng.randrange(360) if moving else 0,
                source="demo",
            )
            jobs.append(Job(POSITIONS, fix.phone, "demo", now, [fix]))
        outcomes = store_jobs(session, jobs, Bindings())
    return sum(o.stored for o in outcomes)


async def run(factory: sessionmaker[Session], every: float, seed: int = 2025) -> None:
    """Beat every ``every`` seconds until cancelled (the caller has run the first beat), and
    move the vehicles every ``VEHICLE_EVERY`` beats, starting now."""
    rng = random.Random(f"{seed}:live")
    silent: set[int] = set()
    ours: dict[int, datetime] = {}
    rounds = 0
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            try:
                if rounds % VEHICLE_EVERY == 0:
                    await asyncio.to_thread(drive, factory, utcnow(), rng, ours)
                await asyncio.sleep(every)
                await asyncio.to_thread(beat, factory, utcnow(), rng, silent)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("demo heartbeat feeder failed; retrying next round")
                await asyncio.sleep(every)
            rounds += 1
