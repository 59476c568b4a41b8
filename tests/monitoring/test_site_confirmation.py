"""The unit's control room first (现场确认): a control-room operator bound to the unit sees its
alarms, confirms a fire alarm on site (fire / false / test) with a note; the centre sees the
verdict and still decides (a unit's "false" closes nothing); an alarm nobody confirmed on site
escalates after LANYAN_MONITOR_ESCALATE_AFTER_S, one confirmed false in time does not."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.handling import escalate_unhandled
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.models import MonitoringAlarm, OutboxEvent
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, add_user, bind_unit, login, sample, seed_region

UITD_A, UITD_B = bytes.fromhex("a1a2a3a4a5a6"), bytes.fromhex("b1b2b3b4b5b6")
FIRE = 0b11


def _fire(sessions: Any, source: bytes, serial: int, address: int, ago_s: float) -> None:
    at = utcnow() - timedelta(seconds=ago_s)
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": FIRE,
        "description": "三层烟感",
        "time": at,
    }
    raw = encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(2, [component]),
        timestamp=at,
    )
    store_frame(sessions, decode(raw), raw, at, "test")


@pytest.fixture
def world(uow: Any, client: Any, sessions: Any) -> dict[str, Any]:
    seed_region(uow)
    codes = []
    with uow() as s:
        for n, uitd in ((1, UITD_A), (2, UITD_B)):
            unit = service.create(
                s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, n)
            )
            service.create(
                s,
                get_type("devices"),
                SYSTEM,
                EVERYWHERE,
                sample("devices", DAFENG, n) | {"code": uitd.hex(), "unit_code": unit.code},
            )
            codes.append(unit.code)
    add_user(uow, "kzs", "control_room_operator", DAFENG)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "admin", "admin", DAFENG)
    add_user(uow, "kzs2", "control_room_operator", DAFENG)
    bind_unit(uow, "kzs", codes[0])
    bind_unit(uow, "kzs2", codes[0])
    _fire(sessions, UITD_A, 1, 5, ago_s=30)  # A: fresh
    _fire(sessions, UITD_A, 2, 6, ago_s=30)  # A: another point
    _fire(sessions, UITD_B, 3, 5, ago_s=30)  # B: not the operator's unit
    with sessions() as s:
        ids = {(a.source, a.point): a.id for a in s.scalars(select(MonitoringAlarm))}
    a_ids = sorted(i for (src, _), i in ids.items() if src == UITD_A.hex())
    b_id = next(i for (src, _), i in ids.items() if src == UITD_B.hex())
    h = {n: login(client, n) for n in ("kzs", "dispatcher", "admin")}
    return {"h": h, "a": a_ids, "b": b_id, "units": codes}


def test_the_control_room_confirms_on_site_and_the_centre_decides(
    client: Any, sessions: Any, world: dict[str, Any]
) -> None:
    kzs, desk = world["h"]["kzs"], world["h"]["dispatcher"]
    first, second = world["a"]
    # The operator sees its own unit's alarms only.
    listed = client.get("/api/monitoring/alarms", headers=kzs).json()
    assert sorted(a["id"] for a in listed["items"]) == [first, second]
    assert client.get(f"/api/monitoring/alarms/{world['b']}", headers=kzs).status_code == 404
    url = "/api/monitoring/alarms/{}/site-confirmation"
    # Another unit's alarm: 404; the centre's decisions are not the operator's: 403.
    r = client.post(url.format(world["b"]), json={"verdict": "false", "note": "x"}, headers=kzs)
    assert r.status_code == 404
    r = client.post(f"/api/monitoring/alarms/{first}/false-alarm", json={}, headers=kzs)
    assert r.status_code == 403
    # Bad input names the field.
    r = client.post(url.format(first), json={"verdict": "maybe", "note": "x"}, headers=kzs)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("verdict")
    r = client.post(url.format(first), json={"verdict": "false"}, headers=kzs)
    assert r.status_code == 422 and r.json()["errors"][0]["field"].endswith("note")
    # 现场确认: false alarm, with a note. Recorded, audited, shown; the alarm stays open.
    r = client.post(
        url.format(first), json={"verdict": "false", "note": "厨房烘焙烟雾，已复位"}, headers=kzs
    )
    assert r.status_code == 200, r.text
    alarm = r.json()
    assert alarm["status"] == "active" and alarm["site"]["verdict"] == "false"
    assert alarm["site"]["by"] == "kzs" and alarm["site"]["note"] == "厨房烘焙烟雾，已复位"
    r = client.post(url.format(first), json={"verdict": "fire", "note": "再看"}, headers=kzs)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "verdict"
    seen = client.get(f"/api/monitoring/alarms/{first}", headers=desk).json()
    assert seen["site"]["verdict_zh"] == "误报" and seen["status"] == "active"
    assert seen["actions"] == ["confirm", "false_alarm"]  # the centre still decides
    # A real fire on site escalates to the centre at once.
    r = client.post(url.format(second), json={"verdict": "fire", "note": "三层冒烟"}, headers=kzs)
    assert r.status_code == 200 and r.json()["escalated"] is True
    assert r.json()["status"] == "active"
    # An alarm nobody confirmed on site escalates (B's); the one confirmed false in time and
    # the one already escalated do not.
    with sessions() as s:
        escalated = escalate_unhandled(s, utcnow(), timedelta(seconds=10))
        s.commit()
        assert [a.id for a in escalated] == [world["b"]]
    # Only the centre's person closes it.
    r = client.post(
        f"/api/monitoring/alarms/{first}/false-alarm", json={"note": "与现场一致"}, headers=desk
    )
    assert r.status_code == 200 and r.json()["status"] == "false_alarm"
    assert r.json()["site"]["verdict"] == "false"
    r = client.post(url.format(first), json={"verdict": "test", "note": "x"}, headers=kzs)
    assert r.status_code == 409
    with sessions() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "monitoring_alarms",
                    AuditEntry.object_id == str(first),
                )
            )
        )
        assert actions == ["site_confirm", "false_alarm"]
        topics = list(s.scalars(select(OutboxEvent.topic)))
        assert topics.count("fire_escalated") == 2  # the real fire on site, B's unconfirmed one

    # Operators are bound to units by admins, like unit managers; a dispatcher is not.
    admin = world["h"]["admin"]
    other_unit = world["units"][1]
    r = client.post("/api/users/kzs/units", json={"unit_code": other_unit}, headers=admin)
    assert r.status_code == 201, r.text
    r = client.post("/api/users/dispatcher/units", json={"unit_code": other_unit}, headers=admin)
    assert r.status_code == 422 and "control-room" in r.text
    listed = client.get("/api/monitoring/alarms", headers=login(client, "kzs")).json()
    assert world["b"] in [a["id"] for a in listed["items"]]


def test_a_handover_is_refused_while_alarms_are_open_then_accepted(
    client: Any, world: dict[str, Any]
) -> None:
    kzs, desk = world["h"]["kzs"], world["h"]["dispatcher"]
    first, second = world["a"]
    url = f"/api/monitoring/units/{world['units'][0]}/handovers"
    r = client.post(url, json={"accepted_by": "kzs2", "note": "交班"}, headers=kzs)
    assert r.status_code == 409, r.text
    assert f"#{first} 火警" in r.json()["detail"] and f"#{second} 火警" in r.json()["detail"]
    assert [e["field"] for e in r.json()["errors"]] == ["alarms", "alarms"]
    for who, field in (("kzs", "accepted_by"), ("dispatcher", "accepted_by")):
        r = client.post(url, json={"accepted_by": who}, headers=kzs)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == field, r.text
    other = f"/api/monitoring/units/{world['units'][1]}/handovers"
    assert client.post(other, json={"accepted_by": "kzs2"}, headers=kzs).status_code == 404
    assert client.post(url, json={"accepted_by": "kzs2"}, headers=desk).status_code == 403
    assert client.get(url, headers=kzs).json()["total"] == 0  # nothing half-written
    for alarm_id in (first, second):
        r = client.post(
            f"/api/monitoring/alarms/{alarm_id}/false-alarm", json={"note": "核实"}, headers=desk
        )
        assert r.status_code == 200
    r = client.post(url, json={"accepted_by": "kzs2", "note": "设备正常，无报警"}, headers=kzs)
    assert r.status_code == 201, r.text
    assert (r.json()["handed_by"], r.json()["accepted_by"]) == ("kzs", "kzs2")
    listed = client.get(url, headers=login(client, "kzs2")).json()
    assert listed["total"] == 1 and listed["items"][0]["note"] == "设备正常，无报警"
