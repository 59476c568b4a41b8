"""查岗 over GB/T 26875.3 type 91, over real TCP on loopback, on SQLite and PostgreSQL: a round
reaches the unit's connected device as a control command, the simulated device answers with
its 查岗应答 record and the check is recorded answered; a device that never answers leaves the
check to the housekeeping, which marks it missed."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.monitoring import duty_check_service
from lanyan.monitoring.gateway import Gateway
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.models import DutyCheck, MonitoringAlarm
from lanyan.monitoring.simulator import SimulatedDevice, SimulationStats
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import sample, seed_region

COUNTY = "320904"
ADDRESS = 0x2A0001  # the simulated UITD's source address; its 6 bytes, LE, are the code


@pytest.fixture
def unit_with_device(uow: Any) -> str:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", COUNTY))
        code = ADDRESS.to_bytes(6, "little").hex().upper()
        service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", COUNTY) | {"code": code, "unit_code": unit.code},
        )
        return str(unit.code)


def _round(uow: Any, unit_code: str) -> int:
    with uow() as s:
        row = duty_check_service.start_round(
            s, SYSTEM, EVERYWHERE, utcnow(), answer_within_minutes=3, unit_code=unit_code
        )
        return int(row.id)


def _check(sessions: Any, round_id: int) -> DutyCheck:
    with sessions() as s:
        return s.scalars(select(DutyCheck).where(DutyCheck.round_id == round_id)).one()


def _serve(sessions: Any, device: SimulatedDevice, until: Any) -> Gateway:
    gateway = Gateway(sessions, duty_poll=0.05)

    async def main() -> None:
        host, port = await gateway.start("127.0.0.1", 0)
        task = asyncio.create_task(device.run(host, port, frames=200, interval=0.05))
        try:
            for _ in range(400):  # at most 20 s; normally well under one
                await asyncio.sleep(0.05)
                if await asyncio.to_thread(until):
                    break
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await gateway.close()

    asyncio.run(main())
    return gateway


def test_a_round_reaches_the_device_which_answers(
    uow: Any, sessions: Any, unit_with_device: str
) -> None:
    round_id = _round(uow, unit_with_device)
    device = SimulatedDevice(ADDRESS, SimulationStats(), random.Random(1))
    gateway = _serve(sessions, device, lambda: _check(sessions, round_id).state != "pending")
    check = _check(sessions, round_id)
    assert device.duty_checks == [3]  # the standard form: the answer time in minutes
    assert gateway.stats.duty_checks_sent == 1
    assert check.state == "answered" and check.answered_via == "device"
    assert check.answered_by == f"UITD {ADDRESS.to_bytes(6, 'little').hex()}"
    assert check.device_sent_at is not None
    with sessions() as s:  # the answer is a fact, never an alarm
        assert not s.scalars(
            select(MonitoringAlarm).where(MonitoringAlarm.kind == "duty_answer")
        ).all()
    with sessions() as s:
        public = duty_check_service.checks(s, EVERYWHERE, 1, 10, round_id=round_id)[0]
    assert public[0]["answered_via"] == "device"


def test_a_device_that_never_answers_is_missed_by_housekeeping(
    uow: Any, sessions: Any, unit_with_device: str
) -> None:
    round_id = _round(uow, unit_with_device)
    device = SimulatedDevice(ADDRESS, SimulationStats(), random.Random(1), answer_duty_checks=False)
    _serve(sessions, device, lambda: bool(device.duty_checks))
    check = _check(sessions, round_id)
    assert device.duty_checks == [3] and check.device_sent_at is not None
    assert check.state == "pending"
    # The housekeeping's round past the missed line (twice the answer time).
    assert Housekeeping().missed_checks(sessions, check.missed_at + timedelta(seconds=1)) == 1
    assert _check(sessions, round_id).state == "missed"
