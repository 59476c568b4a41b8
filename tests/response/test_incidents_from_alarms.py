"""Incidents opened from confirmed IoT fire alarms (物联网火警 → 警情) through the monitoring
outbox: one incident per alarm, in order, linked both ways, even with consumers racing."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.monitoring.models import OutboxEvent
from lanyan.response import from_alarms
from lanyan.response.incidents import incidents_for_alarms
from lanyan.response.models import Incident, IncidentCall, IncidentEvent
from lanyan.store.audit import AuditEntry

from response_world import add_plaza, build, fire_alarm
from support import DAFENG, TINGHU, add_user, login

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def plaza(uow: Any) -> dict[str, Any]:
    build(uow)
    return add_plaza(uow)


def _incidents(sessions: Any) -> list[Incident]:
    with sessions() as s:
        return list(s.scalars(select(Incident).order_by(Incident.id)))


def test_confirmed_fire_opens_one_incident(sessions: Any, uow: Any, plaza: Any) -> None:
    confirmed = T0 + timedelta(seconds=45)
    alarm_id = fire_alarm(uow, plaza, T0, confirmed)
    fire_alarm(uow, plaza, T0, None)  # unconfirmed: nothing in the outbox, no incident
    done = from_alarms.run_once(sessions)
    assert [(d.alarm_id, d.opened) for d in done] == [(alarm_id, True)]
    (inc,) = _incidents(sessions)
    assert (inc.incident_type, inc.source, inc.alarm_id) == ("fire", "iot_alarm", alarm_id)
    assert inc.unit_id == plaza["unit_id"] and inc.building_id == plaza["building_id"]
    assert inc.received_at == T0  # 接警 = when the alarm was raised, not its confirmation
    assert inc.address == "大丰区幸福路88号" and "三层东侧烟感" in inc.summary
    assert inc.lon is not None and inc.building_class == "high_rise"
    with sessions() as s:
        (step,) = s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id))
        assert (step.step, step.at) == ("received", T0)
        (event,) = s.scalars(select(OutboxEvent))
        assert event.delivered_at is not None
        actions = s.scalars(
            select(AuditEntry.actor).where(
                AuditEntry.object_type == "incidents", AuditEntry.action == "create"
            )
        ).all()
        assert actions == ["system:incidents-from-alarms"]
    with sessions() as s:  # the alarm side of the link, for alarm lists
        assert incidents_for_alarms(s, [alarm_id, 999]) == {alarm_id: (inc.id, inc.code)}
    assert from_alarms.run_once(sessions) == []  # delivered: a second round does nothing
    assert len(_incidents(sessions)) == 1


def test_events_are_delivered_in_order(sessions: Any, uow: Any, plaza: Any) -> None:
    # Confirmed in the order 3, 1, 2 of raising: events are handled in confirmation order; the
    # first opens the plaza's incident and the others attach to it (多次报警), whose 接警 is
    # the earliest raising.
    ids = [fire_alarm(uow, plaza, T0 + timedelta(minutes=k)) for k in range(3)]
    for n, k in enumerate((2, 0, 1)):
        from lanyan.monitoring.handling import confirm_alarm
        from lanyan.registry.scope import EVERYWHERE
        from lanyan.store.audit import SYSTEM

        with uow() as s:
            confirm_alarm(s, SYSTEM, EVERYWHERE, ids[k], T0 + timedelta(minutes=10 + n))
    done = from_alarms.run_once(sessions)
    assert [(d.alarm_id, d.opened, d.attached) for d in done] == [
        (ids[2], True, False),
        (ids[0], False, True),
        (ids[1], False, True),
    ]
    (inc,) = _incidents(sessions)
    assert inc.alarm_id == ids[2] and inc.received_at == T0
    with sessions() as s:
        calls = s.scalars(
            select(IncidentCall).where(IncidentCall.incident_id == inc.id).order_by(IncidentCall.at)
        ).all()
        assert [(c.kind, c.alarm_id) for c in calls] == [("alarm", i) for i in ids]
        assert incidents_for_alarms(s, ids) == {i: (inc.id, inc.code) for i in ids}
        steps = s.scalars(
            select(IncidentEvent.step).where(IncidentEvent.incident_id == inc.id)
        ).all()
        assert sorted(steps) == ["call_added", "call_added", "received"]


def test_racing_consumers_open_each_alarm_once(sessions: Any, uow: Any, plaza: Any) -> None:
    """Four consumers in threads on the same five events (on PostgreSQL they truly overlap): the
    five alarms at one building make one incident, each alarm linked to it exactly once."""
    alarm_ids = [
        fire_alarm(uow, plaza, T0 + timedelta(minutes=k), T0 + timedelta(minutes=k, seconds=30))
        for k in range(5)
    ]
    barrier = threading.Barrier(4)
    results: list[list[from_alarms.Delivery]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def consumer() -> None:
        try:
            barrier.wait()
            got = from_alarms.run_once(sessions)
        except BaseException as exc:  # reported below
            with lock:
                errors.append(exc)
            return
        with lock:
            results.append(got)

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    delivered = sorted(d.alarm_id for got in results for d in got)
    assert delivered == sorted(alarm_ids)  # every event handled exactly once across consumers
    assert sum(d.opened for got in results for d in got) == 1
    assert sum(d.attached for got in results for d in got) == 4
    (inc,) = _incidents(sessions)
    with sessions() as s:
        linked = s.scalars(
            select(IncidentCall.alarm_id).where(IncidentCall.incident_id == inc.id)
        ).all()
        assert sorted(linked) == sorted(alarm_ids)
        assert inc.received_at == T0  # the first alarm's raising
    with sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxEvent.delivered_at.is_(None))) == 0


def test_api_opens_from_alarm_and_the_consumer_then_only_delivers(
    client: TestClient, sessions: Any, uow: Any, plaza: Any
) -> None:
    add_user(uow, "dafeng", "dispatcher", DAFENG)
    add_user(uow, "tinghu", "dispatcher", TINGHU)
    h = login(client, "dafeng")
    alarm_id = fire_alarm(uow, plaza, T0, T0 + timedelta(seconds=20))
    r = client.post(f"/api/incidents/from-alarm/{alarm_id}", headers=h)
    assert r.status_code == 201, r.text
    inc = r.json()
    assert (inc["source"], inc["alarm_id"], inc["unit_code"]) == (
        "iot_alarm",
        alarm_id,
        plaza["unit_code"],
    )
    again = client.post(f"/api/incidents/from-alarm/{alarm_id}", headers=h)
    assert again.status_code == 200 and again.json()["id"] == inc["id"]
    # The alarm side of the link.
    linked = client.get(f"/api/incidents/by-alarm/{alarm_id}", headers=h)
    assert linked.status_code == 200 and linked.json()["code"] == inc["code"]
    # Another county's dispatcher sees neither the alarm nor its incident.
    th = login(client, "tinghu")
    assert client.get(f"/api/incidents/by-alarm/{alarm_id}", headers=th).status_code == 404
    assert client.post(f"/api/incidents/from-alarm/{alarm_id}", headers=th).status_code == 404
    # The outbox event still arrives: delivered, no second incident.
    (done,) = from_alarms.run_once(sessions)
    assert (done.alarm_id, done.opened, done.incident_code) == (alarm_id, False, inc["code"])
    assert len(_incidents(sessions)) == 1


def test_bad_alarms_are_refused_with_reasons(
    client: TestClient, sessions: Any, uow: Any, plaza: Any
) -> None:
    add_user(uow, "dafeng", "dispatcher", DAFENG)
    h = login(client, "dafeng")
    unconfirmed = fire_alarm(uow, plaza, T0)
    fault = fire_alarm(uow, plaza, T0, kind="fault")
    r = client.post(f"/api/incidents/from-alarm/{unconfirmed}", headers=h)
    assert r.status_code == 409 and "confirm" in r.json()["detail"]
    r = client.post(f"/api/incidents/from-alarm/{fault}", headers=h)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "alarm_id"
    assert client.post("/api/incidents/from-alarm/999999", headers=h).status_code == 404
    assert client.get("/api/incidents/by-alarm/999999", headers=h).status_code == 404
    assert _incidents(sessions) == []


def test_an_event_whose_alarm_is_gone_is_parked_not_blocking(
    sessions: Any, uow: Any, plaza: Any
) -> None:
    with uow() as s:
        s.add(
            OutboxEvent(
                topic="fire_confirmed",
                payload={"alarm_id": 999999, "confirmed_at": T0.isoformat()},
                created_at=T0,
            )
        )
    alarm_id = fire_alarm(uow, plaza, T0, T0 + timedelta(seconds=5))
    done = from_alarms.run_once(sessions)
    assert [d.alarm_id for d in done] == [alarm_id]  # the fire behind it still gets through
    with sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxEvent.delivered_at.is_(None))) == 0
        (parked,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "undeliverable")).all()
        assert "999999" in parked.after


def test_cli_from_alarms_once(
    db_url: str, uow: Any, plaza: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    alarm_id = fire_alarm(uow, plaza, T0, T0 + timedelta(seconds=30))
    r = CliRunner().invoke(cli_app, ["incidents", "from-alarms", "--once"])
    assert r.exit_code == 0, r.output
    (line,) = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert line["alarm_id"] == alarm_id and line["opened"] is True
    assert line["incident"].startswith("JQ")
    r = CliRunner().invoke(cli_app, ["incidents", "from-alarms", "--once"])
    assert r.exit_code == 0 and "{" not in r.stdout


def test_unverified_or_reset_alarms_still_open_an_incident(
    sessions: Any, uow: Any, plaza: Any
) -> None:
    """A fire confirmed from an unregistered sender (no unit, no jurisdiction) opens an incident
    at the top of the jurisdiction tree, saying so; one reset (复位) after confirmation too."""
    from lanyan.monitoring.handling import confirm_alarm
    from lanyan.monitoring.models import MonitoringAlarm
    from lanyan.registry.models import Jurisdiction
    from lanyan.registry.scope import EVERYWHERE
    from lanyan.store.audit import SYSTEM

    with uow() as s:
        alarm = MonitoringAlarm(
            kind="fire", status="active", source="0a0b0c0d0e0f", unverified=True,
            raised_at=T0, last_seen=T0,
        )  # fmt: skip
        s.add(alarm)
        s.flush()
        stray = alarm.id
    with uow() as s:
        confirm_alarm(s, SYSTEM, EVERYWHERE, stray, T0 + timedelta(seconds=10))
    reset = fire_alarm(uow, plaza, T0, T0 + timedelta(seconds=20))
    with uow() as s:
        s.get(MonitoringAlarm, reset).status = "cleared"
    assert [d.alarm_id for d in from_alarms.run_once(sessions)] == [stray, reset]
    first, second = _incidents(sessions)
    with sessions() as s:
        root = s.scalar(select(Jurisdiction.id).where(Jurisdiction.parent_id.is_(None)))
    assert first.jurisdiction_id == root and first.lon is None
    assert first.address == "报警设备 0a0b0c0d0e0f" and "unverified" in first.summary
    assert second.alarm_id == reset and second.unit_id == plaza["unit_id"]
