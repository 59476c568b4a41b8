"""The housekeeping sweeps in short transactions (issue 22): a first start after a long stop
finds many silent devices and unhandled fire alarms; each chunk is its own transaction, and the
round still takes every one of them, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm
from lanyan.registry.models import Device, Jurisdiction

from support import DAFENG, seed_region

T0 = datetime(2025, 6, 30, 1, tzinfo=UTC)


def test_a_round_takes_every_silent_device_and_due_alarm_chunk_by_chunk(
    uow: Any, sessions: Any
) -> None:
    seed_region(uow)
    with uow() as s:
        dafeng = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        for n in range(7):
            d = Device(
                code=f"D{n}",
                kind="smoke_detector",
                protocol="gb26875",
                status="online",
                jurisdiction_id=dafeng.id,
            )
            s.add(d)
            s.flush()
            s.add(DeviceHealth(device_id=d.id, last_seen=T0, online=True))
        for _ in range(5):
            s.add(
                MonitoringAlarm(
                    kind="fire",
                    status="active",
                    source="x",
                    jurisdiction_id=dafeng.id,
                    raised_at=T0,
                    last_seen=T0,
                )
            )
    chores = Housekeeping(heartbeat=timedelta(minutes=1), escalate_after=timedelta(minutes=3))
    later = T0 + timedelta(hours=1)
    assert chores.round(sessions, later, chunk=2) == (7, 5)
    assert chores.round(sessions, later, chunk=2) == (0, 0)  # each once
    with sessions() as s:
        offline = select(func.count()).where(MonitoringAlarm.kind == "offline")
        assert s.scalar(offline) == 7
        assert not s.scalar(select(func.count()).where(DeviceHealth.online.is_(True)))
        escalated = select(func.count()).where(MonitoringAlarm.escalated_at.is_not(None))
        assert s.scalar(escalated) == 5
        assert s.scalars(select(Device.status).distinct()).all() == ["offline"]
