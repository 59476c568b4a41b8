"""The monitoring centre's API: alarm list and handling, roles and scope, quarantine, figures,
the live feed's cursor and fan-out, and housekeeping rounds on an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import CHINA_TZ, local_today, utcnow
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.live import AlarmCursor, AlarmHub
from lanyan.monitoring.models import MonitoringAlarm, OutboxEvent
from lanyan.monitoring.retention import prune_running_state
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, TINGHU, add_user, bind_unit, heartbeat_frame, login, sample, seed_region

UITD = bytes.fromhex("112233445566")
STRANGER = bytes.fromhex("665544332211")


def frame(serial: int, state: int, at: datetime, source: bytes = UITD, address: int = 5) -> bytes:
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
        "description": "二层东侧烟感",
        "time": at,
    }
    return encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(2, [component]),
        timestamp=at,
    )


FIRE, FAULT = 0b11, 0b101


def ingest(sessions: Any, raw: bytes, at: datetime | None = None) -> None:
    store_frame(sessions, decode(raw), raw, at or utcnow(), "test")


@pytest.fixture
def world(uow: Any) -> dict[str, Any]:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "tinghu-dispatcher", "dispatcher", TINGHU)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "grid", "grid_worker", DAFENG)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG))
        building = service.create(
            s,
            get_type("buildings"),
            SYSTEM,
            EVERYWHERE,
            sample("buildings", DAFENG) | {"unit_code": unit.code},
        )
        device = service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG)
            | {"code": UITD.hex(), "unit_code": unit.code, "building_code": building.code},
        )
        spare = service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG, 2) | {"unit_code": unit.code},
        )
        out = {
            "unit": unit.code,
            "building": building.code,
            "device": device.code,
            "spare": spare.code,
        }
    bind_unit(uow, "manager", out["unit"])  # the unit's safety manager (单位绑定)
    return out


def alarm_ids(sessions: Any) -> list[int]:
    with sessions() as s:
        return list(s.scalars(select(MonitoringAlarm.id).order_by(MonitoringAlarm.id)))


def test_list_puts_open_fire_first_and_filters(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, FAULT, utcnow(), address=7))
    ingest(sessions, frame(2, FIRE, utcnow(), address=5))
    h = login(client, "dispatcher")
    r = client.get("/api/monitoring/alarms", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2
    first = body["items"][0]
    assert first["kind"] == "fire" and first["status"] == "active"
    assert first["unit"]["code"] == world["unit"] and first["building"]["code"] == world["building"]
    assert first["lon"] is not None and "scope_path" not in first
    only_faults = client.get("/api/monitoring/alarms?kind=fault", headers=h).json()
    assert [a["kind"] for a in only_faults["items"]] == ["fault"]
    by_unit = client.get(f"/api/monitoring/alarms?unit={world['unit']}", headers=h).json()
    assert by_unit["total"] == 2
    future = (utcnow() + timedelta(hours=1)).isoformat()
    later = client.get("/api/monitoring/alarms", params={"since": future}, headers=h).json()
    assert later["total"] == 0
    page = client.get("/api/monitoring/alarms?size=1&page=2", headers=h).json()
    assert [a["kind"] for a in page["items"]] == ["fault"]


def test_bad_filters_name_field_and_rule(client: Any, world: Any) -> None:
    h = login(client, "dispatcher")
    r = client.get(
        "/api/monitoring/alarms",
        params={"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-01T00:00:00+08:00"},
        headers=h,
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"] == [{"field": "until", "rule": "must not be before since"}]
    r = client.get("/api/monitoring/alarms?kind=smoke", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    r = client.get("/api/monitoring/alarms?jurisdiction=999999", headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "jurisdiction"


def test_confirm_is_audited_and_illegal_moves_name_the_state(
    client: Any, sessions: Any, world: Any
) -> None:
    ingest(sessions, frame(1, FIRE, utcnow()))
    ingest(sessions, frame(2, FAULT, utcnow(), address=9))
    fire, fault = alarm_ids(sessions)
    h = login(client, "dispatcher")
    r = client.post(
        f"/api/monitoring/alarms/{fire}/false-alarm", json={"note": "x" * 501}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "note"
    r = client.post(
        f"/api/monitoring/alarms/{fire}/false-alarm", json={"note": "厨房油烟误触发"}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["note"], r.json()["handled_by"]) == (
        "false_alarm",
        "厨房油烟误触发",
        "dispatcher",
    )
    r = client.post(f"/api/monitoring/alarms/{fire}/confirm", json={}, headers=h)
    assert r.status_code == 409
    assert "already false_alarm (误报)" in r.json()["detail"]
    assert r.json()["errors"] == [{"field": "status", "rule": "must be active, is false_alarm"}]
    r = client.post(f"/api/monitoring/alarms/{fault}/confirm", json={}, headers=h)
    assert r.status_code == 409 and "acknowledge it" in r.json()["detail"]
    r = client.post(
        f"/api/monitoring/alarms/{fault}/acknowledge", json={"note": "已派维保"}, headers=h
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    with sessions() as s:
        actions = [
            (e.action, e.object_type, e.actor)
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.object_type == "monitoring_alarms"
        ]
        assert actions == [
            ("false_alarm", "monitoring_alarms", "dispatcher"),
            ("acknowledge", "monitoring_alarms", "dispatcher"),
        ]
        confirmed = select(OutboxEvent).where(OutboxEvent.topic == "fire_confirmed")
        assert s.scalars(confirmed).all() == []  # a false fire alarm tells the 119 side nothing


def test_confirmed_fire_goes_to_the_outbox(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, FIRE, utcnow()))
    (fire,) = alarm_ids(sessions)
    h = login(client, "dispatcher")
    r = client.post(
        f"/api/monitoring/alarms/{fire}/confirm", json={"note": "视频复核有烟"}, headers=h
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    # The frame that raised it, as stored and as the codec reads it.
    raised_by = r.json()["event"]
    assert raised_by["frame"] and raised_by["decoded"]["command_name"] == "send data"
    assert raised_by["decoded"]["data"]["objects"][0]["fire_alarm"] is True
    with sessions() as s:
        (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "fire_confirmed"))
        assert event.topic == "fire_confirmed" and event.payload["alarm_id"] == fire


def test_roles_and_jurisdiction_scope(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, FIRE, utcnow()))
    (fire,) = alarm_ids(sessions)
    other = login(client, "tinghu-dispatcher")
    assert client.get("/api/monitoring/alarms", headers=other).json()["total"] == 0
    assert client.get(f"/api/monitoring/alarms/{fire}", headers=other).status_code == 404
    assert (
        client.post(f"/api/monitoring/alarms/{fire}/confirm", json={}, headers=other).status_code
        == 404
    )
    officer = login(client, "officer")
    assert client.get("/api/monitoring/alarms", headers=officer).json()["total"] == 1
    r = client.post(f"/api/monitoring/alarms/{fire}/confirm", json={}, headers=officer)
    assert r.status_code == 403 and "may not change alarms" in r.json()["detail"]
    manager = login(client, "manager")
    assert client.get("/api/monitoring/alarms", headers=manager).status_code == 403
    stats = client.get("/api/monitoring/stats/units", headers=manager)
    assert stats.status_code == 200 and stats.json()["items"][0]["code"] == world["unit"]
    grid = login(client, "grid")
    assert client.get("/api/monitoring/stats/units", headers=grid).status_code == 403
    assert client.get("/api/monitoring/alarms", headers=grid).status_code == 403


def test_devices_by_unit_and_figures(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, FAULT, utcnow(), address=3))
    ingest(sessions, frame(2, FIRE, utcnow(), address=4))
    h = login(client, "dispatcher")
    r = client.get(f"/api/monitoring/units/{world['unit']}/devices", headers=h)
    assert r.status_code == 200
    status = {d["code"]: d["status"] for d in r.json()["devices"]}
    assert status == {world["device"]: "fault", world["spare"]: "never"}
    (unit,) = client.get("/api/monitoring/stats/units", headers=h).json()["items"]
    assert (unit["devices"], unit["online"], unit["open_faults"]) == (2, 1, 1)
    assert unit["online_rate"] == 0.5 and unit["false_alarm_rate"] == 0
    jurs = client.get("/api/monitoring/stats/jurisdictions", headers=h).json()
    assert jurs[0]["code"] == DAFENG
    assert (jurs[0]["key_units"], jurs[0]["connected"], jurs[0]["connection_rate"]) == (1, 1, 1)
    other = login(client, "tinghu-dispatcher")
    r = client.get(f"/api/monitoring/units/{world['unit']}/devices", headers=other)
    assert r.status_code == 404


def test_device_history_adds_stored_frames_and_folded_days(
    client: Any, sessions: Any, world: Any
) -> None:
    midnight = datetime.combine(local_today(), time(0), CHINA_TZ)
    day = midnight.date()
    ten_ago = midnight - timedelta(days=10) + timedelta(hours=9)
    ingest(sessions, heartbeat_frame(1, ten_ago, UITD), ten_ago)
    ingest(sessions, heartbeat_frame(2, ten_ago, UITD), ten_ago + timedelta(hours=2))
    ingest(sessions, frame(3, FAULT, ten_ago), ten_ago + timedelta(hours=1))
    ingest(
        sessions,
        heartbeat_frame(4, ten_ago, UITD),
        midnight - timedelta(days=3) + timedelta(hours=23),
    )
    ingest(sessions, heartbeat_frame(5, ten_ago, UITD), midnight + timedelta(minutes=1))
    ingest(sessions, heartbeat_frame(6, ten_ago, UITD), midnight + timedelta(minutes=2))
    # Older than five days: the two heartbeats become a day row, the fault frame is kept.
    assert prune_running_state(sessions, utcnow(), timedelta(days=5)) == 2
    h = login(client, "dispatcher")
    r = client.get(f"/api/monitoring/devices/{world['device']}/history?days=14", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["device"]["code"] == world["device"] and body["device"]["status"] == "fault"
    assert body["device"]["open_faults"] == 1
    assert body["device"]["unit"]["code"] == world["unit"]
    assert UITD.hex() in body["device"]["addresses"]
    frames = {d["day"]: d["frames"] for d in body["days"]}
    assert len(frames) == 14 and min(frames) == (day - timedelta(days=13)).isoformat()
    heard = {k: v for k, v in frames.items() if v}
    assert heard == {
        (day - timedelta(days=10)).isoformat(): 3,
        (day - timedelta(days=3)).isoformat(): 1,
        day.isoformat(): 2,
    }
    ten = next(d for d in body["days"] if d["day"] == (day - timedelta(days=10)).isoformat())
    assert datetime.fromisoformat(ten["first_seen"]) == ten_ago
    assert datetime.fromisoformat(ten["last_seen"]) == ten_ago + timedelta(hours=2)
    assert body["summary"] == {"days": 14, "days_heard": 3, "frames": 6}
    assert [a["kind"] for a in body["alarms"]] == ["fault"]
    assert "scope_path" not in body["alarms"][0]
    # The window is the last ``days`` local days: the older ones drop out.
    short = client.get(f"/api/monitoring/devices/{world['device']}/history?days=3", headers=h)
    assert short.json()["summary"] == {"days": 3, "days_heard": 1, "frames": 2}


def test_device_history_refuses_bad_days_and_other_scopes(
    client: Any, sessions: Any, world: Any
) -> None:
    url = f"/api/monitoring/devices/{world['device']}/history"
    h = login(client, "dispatcher")
    for days in ("0", "367", "ten"):
        r = client.get(f"{url}?days={days}", headers=h)
        assert r.status_code == 422, (days, r.text)
        assert "days" in r.text
    assert client.get(url, headers=h).json()["summary"]["days"] == 30
    assert client.get("/api/monitoring/devices/nope/history", headers=h).status_code == 404
    other = login(client, "tinghu-dispatcher")
    assert client.get(url, headers=other).status_code == 404
    manager = login(client, "manager")  # bound to the device's unit
    assert client.get(url, headers=manager).status_code == 200
    assert client.get(url, headers=login(client, "grid")).status_code == 403


def test_quarantine_accept_binds_in_scope_and_reject(
    client: Any, sessions: Any, world: Any
) -> None:
    ingest(sessions, frame(1, FIRE, utcnow(), source=STRANGER))
    ingest(sessions, frame(1, FIRE, utcnow(), source=bytes.fromhex("0a0b0c0d0e0f")))
    h = login(client, "dispatcher")
    listed = client.get("/api/monitoring/quarantine", headers=h).json()
    assert {q["status"] for q in listed} == {"pending"}
    by_address = {q["address"]: q["id"] for q in listed}
    # A scoped dispatcher sees no unverified alarm (it has no jurisdiction yet).
    assert client.get("/api/monitoring/alarms", headers=h).json()["total"] == 0
    qid = by_address[STRANGER.hex()]
    r = client.post(f"/api/monitoring/quarantine/{qid}/accept", json={"device_code": ""}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "device_code"
    r = client.post(
        f"/api/monitoring/quarantine/{qid}/accept", json={"device_code": "NO-SUCH"}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "device_code"
    other = login(client, "tinghu-dispatcher")
    r = client.post(
        f"/api/monitoring/quarantine/{qid}/accept",
        json={"device_code": world["spare"]},
        headers=other,
    )
    assert r.status_code == 422  # the device is outside Tinghu
    r = client.post(
        f"/api/monitoring/quarantine/{qid}/accept", json={"device_code": world["spare"]}, headers=h
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["device_code"]) == ("accepted", world["spare"])
    (alarm,) = client.get("/api/monitoring/alarms", headers=h).json()["items"]
    assert alarm["unverified"] is False and alarm["unit"]["code"] == world["unit"]
    r = client.post(f"/api/monitoring/quarantine/{qid}/reject", headers=h)
    assert r.status_code == 409 and "already accepted" in r.json()["detail"]
    r = client.post(f"/api/monitoring/quarantine/{by_address['0a0b0c0d0e0f']}/reject", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    with sessions() as s:
        actions = [
            e.action
            for e in s.scalars(select(AuditEntry).order_by(AuditEntry.seq))
            if e.object_type == "monitoring_quarantine"
        ]
        assert actions == ["accept", "reject"]


# --- the live feed -------------------------------------------------------------------------


def test_cursor_reads_each_change_once(sessions: Any, world: Any) -> None:
    cursor = AlarmCursor(utcnow() - timedelta(seconds=1))
    ingest(sessions, frame(1, FIRE, utcnow()))
    with sessions() as s:
        (new,) = cursor.read(s)
        assert new["kind"] == "fire" and new["scope_path"]
        assert cursor.read(s) == []  # inside the overlap window, but already sent
    with sessions.begin() as s:
        s.get(MonitoringAlarm, new["id"]).status = "confirmed"
    with sessions() as s:
        (changed,) = cursor.read(s)
        assert changed["id"] == new["id"] and changed["status"] == "confirmed"


def test_cursor_reads_a_burst_larger_than_a_page(sessions: Any, world: Any) -> None:
    cursor = AlarmCursor(utcnow() - timedelta(seconds=1))
    for serial in range(1, 8):
        ingest(sessions, frame(serial, FIRE, utcnow(), address=serial))
    with sessions.begin() as s:  # one transaction touches them all (same time stamp or not)
        for alarm in s.scalars(select(MonitoringAlarm)):
            alarm.status = "confirmed"
    with sessions() as s:
        items = cursor.read(s, page=3)
        assert len(items) == 7 and {i["status"] for i in items} == {"confirmed"}
        assert cursor.read(s, page=3) == []


def test_hub_fans_out_by_scope_and_drops_a_slow_subscriber(sessions: Any, world: Any) -> None:
    async def scenario() -> None:
        hub = AlarmHub(sessions, poll_s=3600, queue_size=2)
        dafeng_path = None
        with sessions() as s:
            from lanyan.registry.models import Jurisdiction

            dafeng_path = s.scalar(select(Jurisdiction.path).where(Jurisdiction.code == DAFENG))
            tinghu_path = s.scalar(select(Jurisdiction.path).where(Jurisdiction.code == TINGHU))
        fast = hub.subscribe(dafeng_path)
        slow = hub.subscribe("/")
        outsider = hub.subscribe(tinghu_path)
        await hub.poll_once()  # start the cursor before the alarms arrive
        for serial, address in enumerate((1, 2, 3), start=1):
            ingest(sessions, frame(serial, FIRE, utcnow(), address=address))
            # The write is committed on another connection; on a loaded machine its visibility
            # to the feed's next read can lag a moment, so read until it shows (bounded). The
            # hub's own reader (started by subscribe) may be the one that reads it: wait for
            # the subscriber to hear of it, not for this poll to return it.
            for _ in range(40):
                await hub.poll_once()
                if not fast.queue.empty():
                    break
                await asyncio.sleep(0.05)
            got = fast.queue.get_nowait()  # the fast one drains as it goes
            assert got["kind"] == "fire" and got["repeats"] == 1
            assert fast.queue.empty()  # published once
        assert slow.dropped and slow not in hub.subscribers  # full after two, then dropped
        assert not fast.dropped and fast in hub.subscribers
        assert outsider.queue.empty()  # Tinghu sees nothing of Dafeng
        await hub.stop()

    asyncio.run(scenario())


# --- housekeeping ------------------------------------------------------------------------


def test_housekeeping_loop_runs_on_an_injected_clock(sessions: Any, world: Any) -> None:
    t0 = utcnow()
    ingest(sessions, frame(1, FIRE, t0), t0)
    now = [t0]
    slept: list[float] = []
    changes: list[int] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += timedelta(minutes=2)

    chores = Housekeeping(timedelta(minutes=1), 3, timedelta(minutes=3))
    asyncio.run(
        chores.run(
            sessions,
            30,
            clock=lambda: now[0],
            sleep=fake_sleep,
            on_change=lambda: changes.append(1),
            rounds=3,
        )
    )
    # Rounds at t0, t0+2 min, t0+4 min: the fire escalates and the device goes offline at +4.
    assert slept == [30, 30, 30] and changes == [1]
    with sessions() as s:
        kinds = {(a.kind, a.escalated_at is not None) for a in s.scalars(select(MonitoringAlarm))}
    assert kinds == {("fire", True), ("offline", False)}


def test_cli_housekeeping_once(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from lanyan.cli.main import app as cli
    from lanyan.store.db import make_engine, make_session_factory, unit_of_work
    from lanyan.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_MONITOR_ESCALATE_AFTER_S", "120")
    upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    seed_region(lambda: unit_of_work(factory))
    with unit_of_work(factory) as s:
        service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG) | {"code": UITD.hex()},
        )
    ingest(factory, frame(1, FIRE, utcnow()), utcnow() - timedelta(minutes=2, seconds=5))
    result = CliRunner().invoke(cli, ["monitor", "housekeeping", "--once"])
    assert result.exit_code == 0, result.output
    assert "0 device(s) went offline" in result.output
    assert "1 fire alarm(s) escalated" in result.output
    with factory() as s:
        (alarm,) = s.scalars(select(MonitoringAlarm))
        assert alarm.escalated_at is not None
    engine.dispose()


# --- pages and the map layer ---------------------------------------------------------------


def test_pages_follow_the_role(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, FIRE, utcnow()))
    h = login(client, "dispatcher")
    html = client.get("/monitoring", headers=h).text
    assert "消防物联网监控中心" in html and "/static/js/monitoring.js" in html
    assert 'href="/monitoring/quarantine"' in html and '"canHandle":true' in html
    assert "设备隔离区" in client.get("/monitoring/quarantine", headers=h).text
    manager = login(client, "manager")
    html = client.get("/monitoring", headers=manager).text
    assert '"canAlarms":false' in html and 'href="/monitoring/quarantine"' not in html
    assert client.get("/monitoring/quarantine", headers=manager).status_code == 403
    grid = login(client, "grid")
    assert client.get("/monitoring", headers=grid).status_code == 403
    client.cookies.set("lanyan_lang", "en")
    english = client.get("/monitoring", headers=h).text
    assert "Fire IoT monitoring centre" in english


def test_alarm_map_layer_names_unit_and_building(client: Any, sessions: Any, world: Any) -> None:
    ingest(sessions, frame(1, 0b10, utcnow()))  # fire with the test bit clear: marked
    h = login(client, "dispatcher")
    assert "alarms" in [x["layer"] for x in client.get("/api/map/layers", headers=h).json()]
    data = client.get("/api/map/layers/alarms", headers=h).json()
    (feature,) = data["features"]
    fields = dict(feature["properties"]["fields"])
    assert feature["properties"]["kind"] == "fire" and feature["properties"]["color"] == "#d62728"
    assert fields["单位"] == "测试单位1" and fields["建筑"] == "测试大楼1"
    assert fields["标记"] == "测试位"
    other = login(client, "tinghu-dispatcher")
    assert client.get("/api/map/layers/alarms", headers=other).json()["count"] == 0
    manager = login(client, "manager")
    assert client.get("/api/map/layers/alarms", headers=manager).status_code == 403


def test_alarm_map_layer_says_how_many_it_does_not_draw_and_takes_the_view_box(
    client: Any, sessions: Any, world: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lanyan.web.map import layers

    for n, address in enumerate((5, 6, 7), start=1):  # three detectors, three fire alarms
        ingest(sessions, frame(n, FIRE, utcnow(), address=address))
    h = login(client, "dispatcher")
    data = client.get("/api/map/layers/alarms", headers=h).json()
    assert (data["count"], data["total"], data["hidden"]) == (3, 3, 0)
    monkeypatch.setattr(layers, "ALARM_MOST", 2)  # what 2,000 is to a city's 70,000 alarms
    data = client.get("/api/map/layers/alarms", headers=h).json()
    assert (data["count"], data["total"], data["hidden"]) == (2, 3, 1)
    (lon, lat) = data["features"][0]["geometry"]["coordinates"]
    around = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    elsewhere = f"{lon + 1},{lat + 1},{lon + 2},{lat + 2}"
    inside = client.get("/api/map/layers/alarms", params={"bbox": around}, headers=h).json()
    assert (inside["count"], inside["total"], inside["hidden"]) == (2, 3, 1)
    outside = client.get("/api/map/layers/alarms", params={"bbox": elsewhere}, headers=h).json()
    assert (outside["count"], outside["total"], outside["hidden"]) == (0, 0, 0)


# --- the demo's history ------------------------------------------------------------------


def _demo_world(uow: Any) -> None:
    seed_region(uow)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG))
        for n in range(1, 15):
            service.create(
                s,
                get_type("devices"),
                SYSTEM,
                EVERYWHERE,
                sample("devices", DAFENG, n)
                | {
                    "code": f"UITD-{n:05d}",
                    "unit_code": unit.code,
                    "status": "offline" if n == 3 else "online",
                },
            )


def _history(sessions: Any) -> list[tuple[Any, ...]]:
    with sessions() as s:
        return sorted(
            (
                a.kind,
                a.status,
                a.source,
                a.note,
                a.escalated_at is not None,
                a.test_mode,
                a.raised_at,
            )
            for a in s.scalars(select(MonitoringAlarm))
        )


def test_demo_history_is_deterministic(engine: Any, sessions: Any, uow: Any) -> None:
    from lanyan.demo.monitoring import build_monitoring

    from conftest import _empty_tables

    now = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
    runs = []
    for _ in range(2):
        _empty_tables(engine)
        _demo_world(uow)
        counts = build_monitoring(sessions, 20250, now)
        runs.append((counts, _history(sessions)))
    assert runs[0] == runs[1]
    counts, history = runs[0]
    assert counts.devices == 14 and counts.alarms == len(history)
    kinds = {(k, st) for k, st, *_ in history}
    assert ("fire", "false_alarm") in kinds or ("fire", "confirmed") in kinds
    assert ("offline", "active") in kinds  # the device registered as offline went silent
    escalated = [h for h in history if h[0] == "fire" and h[4]]
    assert len(escalated) == 1 and escalated[0][1] == "active"
    assert any(h[0] == "fire" and h[5] and h[1] == "active" for h in history)  # test bit


def test_the_server_runs_housekeeping_in_the_background(
    settings: Any, sessions: Any, world: Any
) -> None:
    """``lanyan serve``'s app starts the housekeeping loop in its lifespan: an old unconfirmed
    fire escalates without anyone calling it (the loop's timing is tested on a fake clock above;
    here we only wait, bounded, for its first rounds)."""
    import time

    from fastapi.testclient import TestClient

    from lanyan.app import create_app

    ingest(sessions, frame(1, FIRE, utcnow()), utcnow() - timedelta(minutes=5))
    fast = settings.model_copy(update={"monitor_housekeeping_every_s": 0.05})
    with TestClient(create_app(fast)):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with sessions() as s:
                if s.scalar(select(MonitoringAlarm.escalated_at)) is not None:
                    break
            time.sleep(0.05)
    with sessions() as s:
        (alarm,) = s.scalars(select(MonitoringAlarm).where(MonitoringAlarm.kind == "fire"))
        assert alarm.escalated_at is not None
        (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "fire_escalated"))
        assert event.topic == "fire_escalated"


def test_each_alarm_lists_what_a_person_may_do_from_the_alarm_machine(
    client: Any, sessions: Any, world: Any
) -> None:
    ingest(sessions, frame(1, FIRE, utcnow()))
    ingest(sessions, frame(2, FAULT, utcnow(), address=9))
    fire, fault = alarm_ids(sessions)
    h = login(client, "dispatcher")
    actions = {
        a["id"]: a["actions"]
        for a in client.get("/api/monitoring/alarms", headers=h).json()["items"]
    }
    assert actions == {fire: ["confirm", "false_alarm"], fault: ["acknowledge", "false_alarm"]}
    r = client.post(f"/api/monitoring/alarms/{fire}/confirm", json={}, headers=h)
    assert r.status_code == 200 and r.json()["actions"] == []  # handled: nothing left to decide
