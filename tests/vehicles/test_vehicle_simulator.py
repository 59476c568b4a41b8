"""The vehicle simulator: terminals bound to the registry's vehicles drive and report over real
TCP JT/T 808 to an in-process gateway, which stores their positions; a dispatched terminal
drives to its incident."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Vehicle
from lanyan.registry.scope import EVERYWHERE
from lanyan.vehicles import service
from lanyan.vehicles.gateway import Gateway
from lanyan.vehicles.models import VehicleLive, VehiclePosition, VehicleTerminal
from lanyan.vehicles.simulator import Navigator, Orders, SimVehicle, bearing, metres, simulate

from support import create_sample, seed_region


def stepping_clock(start: datetime, step: timedelta) -> Callable[[], datetime]:
    """A clock that moves ``step`` each time it is read (terminal times never repeat)."""
    ticks = [start]

    def now() -> datetime:
        ticks[0] += step
        return ticks[0]

    return now


def test_a_vehicle_moves_along_its_path_at_its_speed() -> None:
    east = (119.0 + 0.01, 33.0)
    v = SimVehicle("1", 1, "V1", "", (119.0, 33.0), cruise_kmh=36.0, path=[east])
    v.advance(10.0)  # 36 km/h = 10 m/s: 100 m of the ~933 m leg
    assert metres((119.0, 33.0), v.position) == pytest.approx(100.0, rel=1e-3)
    assert v.heading == 90 and v.speed_kmh == pytest.approx(36.0)
    v.advance(1000.0)  # past the end: stops there
    assert v.position == east and v.path == []
    v.advance(10.0)
    assert v.speed_kmh == 0.0
    assert bearing((119.0, 33.0), (119.0, 33.1)) == 0
    assert bearing((119.0, 33.0), (118.99, 33.0)) == 270


@pytest.fixture
def fleet(uow: Any) -> list[service.FleetMember]:
    seed_region(uow)
    create_sample(uow, "vehicles", "320904", 1)
    create_sample(uow, "vehicles", "320904", 2)
    with uow() as s:
        return service.simulation_fleet(s, EVERYWHERE, 10)


def test_fleet_binds_a_simulated_terminal_to_each_vehicle(uow: Any, fleet: Any) -> None:
    assert len(fleet) == 2
    with uow() as s:
        bound = dict(s.execute(select(VehicleTerminal.vehicle_id, VehicleTerminal.phone)).all())
        codes = list(s.scalars(select(Vehicle.code).order_by(Vehicle.code)))
        again = service.simulation_fleet(s, EVERYWHERE, 10)  # the same terminals, not new ones
    assert [m.code for m in fleet] == codes
    assert {m.vehicle_id: m.phone for m in fleet} == bound
    assert all(m.phone.startswith(service.SIM_PHONE_PREFIX) for m in fleet)
    assert [m.phone for m in again] == [m.phone for m in fleet]


def test_terminals_report_over_tcp_and_positions_are_stored(sessions: Any, fleet: Any) -> None:
    sims = [SimVehicle(m.phone, m.vehicle_id, m.code, m.plate, (m.lon, m.lat)) for m in fleet]
    gateway = Gateway(sessions)
    incident = (fleet[0].lon + 0.01, fleet[0].lat)

    def orders(vehicle_id: int) -> Orders | None:
        return Orders("JQ1", *incident) if vehicle_id == fleet[0].vehicle_id else None

    async def main() -> Any:
        host, port = await gateway.start("127.0.0.1", 0)
        try:
            return await simulate(
                host,
                port,
                sims,
                Navigator(),
                interval=0,
                reports=4,
                orders=orders,
                clock=stepping_clock(utcnow() - timedelta(minutes=30), timedelta(seconds=60)),
            )
        finally:
            await gateway.close()

    stats = asyncio.run(main())
    assert (stats.registered, stats.sent, stats.acknowledged) == (2, 8, 8)
    assert (stats.refused, stats.failed, stats.followed) == (0, 0, 1)
    with sessions() as s:
        stored = s.execute(
            select(VehiclePosition.vehicle_id, VehiclePosition.lon, VehiclePosition.lat)
        ).all()
        live = {r.vehicle_id: r for r in s.scalars(select(VehicleLive))}
    assert len(stored) == 8 and {v for v, _, _ in stored} == {m.vehicle_id for m in fleet}
    # The dispatched vehicle drove ~933 m east at 40 km/h, 60 s between reports: it is there.
    first = live[fleet[0].vehicle_id]
    assert (first.lon, first.lat) == pytest.approx(incident, abs=1e-6)
    assert first.heading == 90
    # The other roams: it left its station.
    other = live[fleet[1].vehicle_id]
    assert metres((other.lon, other.lat), (fleet[1].lon, fleet[1].lat)) > 100
