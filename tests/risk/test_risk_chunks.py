"""A risk recompute holds no long write lock (issue 22): while it stores its snapshot, in a
thread, a log-in and an alarm confirm go through; the snapshot ends whole and audited once."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from lanyan.monitoring.models import MonitoringAlarm
from lanyan.registry.models import Jurisdiction, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.risk import config, service
from lanyan.store import audit
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, PASSWORD, add_user, seed_region, uscc

DAY = date(2025, 6, 30)
UNITS = 600  # several chunks of 100 below; the demo has the same shape, only more
CHUNK = 100


def _enlarged_region(uow: Any) -> int:
    """The test region with ``UNITS`` units in Dafeng and one active fire alarm."""
    seed_region(uow)
    with uow() as s:
        dafeng = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        rows = [
            {
                "code": uscc(DAFENG, 10 + n),
                "name": f"单位{n}",
                "category": "general" if n % 3 else "key",
                "lon": 120.3 + (n % 40) * 0.005,
                "lat": 33.1 + (n // 40) * 0.005,
                "jurisdiction_id": dafeng.id,
            }
            for n in range(UNITS)
        ]
        s.execute(insert(Unit), rows)
        unit = s.execute(select(Unit).order_by(Unit.id)).scalars().first()
        at = datetime(2025, 6, 30, 1, tzinfo=UTC)
        fire = MonitoringAlarm(
            kind="fire",
            status="active",
            source="x",
            unit_id=unit.id,
            jurisdiction_id=dafeng.id,
            raised_at=at,
            last_seen=at,
        )
        s.add(fire)
        s.flush()
        fire_id = fire.id
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    return fire_id


def test_log_in_and_alarm_confirm_go_through_while_a_recompute_stores(
    client: TestClient, uow: Any, sessions: Any
) -> None:
    fire = _enlarged_region(uow)
    midway, resume = threading.Event(), threading.Event()
    stages: list[tuple[str, int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        stages.append((stage, done, total))
        if stage == "store" and not midway.is_set():
            midway.set()  # one chunk stored, the rest to go: let the others in now
            resume.wait(120)

    results: dict[str, Any] = {}

    def recompute() -> None:
        try:
            results["done"] = service.compute_in_chunks(
                sessions, SYSTEM, EVERYWHERE, DAY, config.load(), progress=progress, chunk=CHUNK
            )
        except Exception as exc:  # reported by the assertions below
            results["error"] = exc

    worker = threading.Thread(target=recompute, daemon=True)
    worker.start()
    try:
        assert midway.wait(120), f"the recompute never reached its store stage: {results}"
        # Mid-recompute: readers do not see the half-stored day yet.
        with sessions() as s:
            assert service.latest_date(s, EVERYWHERE) is None
        r = client.post("/api/auth/login", json={"username": "dispatcher", "password": PASSWORD})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        r = client.post(f"/api/monitoring/alarms/{fire}/confirm", json={}, headers=headers)
        assert r.status_code == 200, r.text
    finally:
        resume.set()
        worker.join(120)
    assert "error" not in results, results.get("error")
    result = results["done"]
    assert result.units == UNITS and sum(result.grades.values()) == UNITS
    stored = [d for stage, d, _ in stages if stage == "store"]
    assert stored == list(range(CHUNK, UNITS + 1, CHUNK))  # one transaction per chunk
    with sessions() as s:
        assert service.latest_date(s, EVERYWHERE) == DAY
        _day, _items, total = service.list_units(s, EVERYWHERE, None, None, 1, 10)
        assert total == UNITS
        assert s.get(MonitoringAlarm, fire).status == "confirmed"
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)).all()
        assert actions.count("compute") == 1 and "confirm" in actions
        assert audit.verify(s).ok

    # A second run of the same day replaces the rows: still one per unit.
    again = service.compute_in_chunks(sessions, SYSTEM, EVERYWHERE, DAY, config.load(), chunk=500)
    assert again.units == UNITS
    with sessions() as s:
        assert service.list_units(s, EVERYWHERE, None, None, 1, 10)[2] == UNITS
