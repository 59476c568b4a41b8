"""The monitoring centre's unit table pages in SQL (issue 22): least healthy first (lowest
online rate, then most open faults), units without devices or fire alarms left out, totals
counted in SQL; the same figures the whole list had."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from lanyan.monitoring import views
from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm
from lanyan.registry.models import Device, Jurisdiction, Unit
from lanyan.registry.scope import EVERYWHERE

from support import DAFENG, seed_region, uscc

T0 = datetime(2025, 6, 30, 1, tzinfo=UTC)


def test_unit_stats_page_least_healthy_first(uow: Any, sessions: Any) -> None:
    seed_region(uow)
    # (devices online, devices offline, open faults) per unit; the last has nothing at all
    shapes = [(2, 0, 0), (1, 1, 0), (1, 1, 2), (0, 2, 0), (3, 1, 0), (0, 0, 0)]
    with uow() as s:
        dafeng = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        for n, (up, down, faults) in enumerate(shapes):
            unit = Unit(
                code=uscc(DAFENG, n + 1),
                name=f"单位{n}",
                category="general",
                lon=120.4,
                lat=33.2,
                jurisdiction_id=dafeng.id,
            )
            s.add(unit)
            s.flush()
            for k in range(up + down):
                d = Device(
                    code=f"D{n}-{k}",
                    kind="smoke_detector",
                    protocol="gb26875",
                    status="online",
                    unit_id=unit.id,
                    jurisdiction_id=dafeng.id,
                )
                s.add(d)
                s.flush()
                s.add(DeviceHealth(device_id=d.id, last_seen=T0, online=k < up))
            for _ in range(faults):
                s.add(
                    MonitoringAlarm(
                        kind="fault",
                        status="active",
                        source="x",
                        unit_id=unit.id,
                        jurisdiction_id=dafeng.id,
                        raised_at=T0,
                        last_seen=T0,
                    )
                )
    with sessions() as s:
        first, total = views.unit_stats(s, EVERYWHERE, 1, 2)
        second, _ = views.unit_stats(s, EVERYWHERE, 2, 2)
        third, _ = views.unit_stats(s, EVERYWHERE, 3, 2)
    assert total == 5  # the unit with neither devices nor fire alarms is not listed
    rows = first + second + third
    assert [r["name"] for r in rows] == ["单位3", "单位2", "单位1", "单位4", "单位0"]
    assert [r["online_rate"] for r in rows] == [0.0, 0.5, 0.5, 0.75, 1.0]
    assert [r["open_faults"] for r in rows] == [0, 2, 0, 0, 0]
    assert rows[0]["devices"] == 2 and rows[0]["online"] == 0
