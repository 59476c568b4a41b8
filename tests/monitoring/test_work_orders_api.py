"""Repair work orders (维修工单) by API, on both databases: a fault frame raises a fault alarm;
the unit's control-room operator opens an order from it, the repair is started and done, and
the fault alarm closes with it (handled by who marked it done, the order named in the note);
an alarm a person marks false closes its order; a fire alarm gets no order; another unit's
order is out of reach; bad input is refused naming the field, writing nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.hotpath import read_frame
from lanyan.monitoring.ingest import Pending, store_events, store_frame
from lanyan.monitoring.models import MonitoringAlarm
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, add_user, bind_unit, login, sample, seed_region

UITD_A, UITD_B = bytes.fromhex("a1a2a3a4a5a6"), bytes.fromhex("b1b2b3b4b5b6")
FIRE, FAULT = 0b11, 0b101


def raise_signal(sessions: Any, source: bytes, serial: int, address: int, state: int) -> None:
    """A GB/T 26875 frame with one component's state, stored as the gateway stores it."""
    at = utcnow() - timedelta(seconds=30)
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
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
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    bind_unit(uow, "kzs", codes[0])
    bind_unit(uow, "manager", codes[0])
    raise_signal(sessions, UITD_A, 1, 5, FAULT)  # A: a fault
    raise_signal(sessions, UITD_A, 2, 6, FAULT)  # A: another fault
    raise_signal(sessions, UITD_A, 3, 7, FIRE)  # A: a fire alarm
    raise_signal(sessions, UITD_B, 4, 5, FAULT)  # B: not the operator's unit
    with sessions() as s:
        alarms = {(a.source, a.kind, a.point): a.id for a in s.scalars(select(MonitoringAlarm))}
    a = UITD_A.hex()
    faults = sorted(i for (src, kind, _), i in alarms.items() if src == a and kind == "fault")
    fire = next(i for (src, kind, _), i in alarms.items() if src == a and kind == "fire")
    other = next(i for (src, _, _), i in alarms.items() if src == UITD_B.hex())
    h = {n: login(client, n) for n in ("kzs", "manager", "dispatcher")}
    return {"h": h, "faults": faults, "fire": fire, "other": other}


def test_fault_order_repair_done_closes_the_alarm(
    client: Any, world: dict[str, Any], sessions: Any
) -> None:
    kzs, manager, centre = world["h"]["kzs"], world["h"]["manager"], world["h"]["dispatcher"]
    fault = world["faults"][0]
    r = client.post(f"/api/monitoring/alarms/{fault}/work-order", headers=kzs)
    assert r.status_code == 200, r.text
    order = r.json()
    assert (order["status"], order["opened_by"], order["alarm_status"]) == (
        "open",
        "kzs",
        "active",
    )
    # The unit's manager sees the unit's orders, the centre too.
    for who in (manager, centre):
        listed = client.get("/api/monitoring/work-orders", headers=who).json()
        assert [o["id"] for o in listed["items"]] == [order["id"]] and listed["total"] == 1
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/start",
        json={"repairer": "维保公司 张工"},
        headers=manager,
    )
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["repairer"]) == ("repairing", "维保公司 张工")
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/done",
        json={"work_done": "更换三层烟感探头"},
        headers=kzs,
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["status"], done["done_by"], done["work_done"]) == (
        "done",
        "kzs",
        "更换三层烟感探头",
    )
    assert done["alarm_status"] == "cleared" and done["actions"] == []
    alarm = client.get(f"/api/monitoring/alarms/{fault}", headers=centre).json()
    assert alarm["status"] == "cleared" and alarm["handled_by"] == "kzs"
    assert f"维修工单 {order['id']}" in alarm["note"]
    with sessions() as s:
        actions = set(
            s.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.object_type.in_(["monitoring_work_orders", "monitoring_alarms"])
                )
            )
        )
    assert {"open", "start", "complete", "repaired"} <= actions
    # Done is final.
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/done", json={"work_done": "再修"}, headers=kzs
    )
    assert r.status_code == 409 and "status" in r.text


def test_a_person_closing_the_alarm_closes_its_order(client: Any, world: dict[str, Any]) -> None:
    kzs, centre = world["h"]["kzs"], world["h"]["dispatcher"]
    fault = world["faults"][1]
    order = client.post(f"/api/monitoring/alarms/{fault}/work-order", headers=kzs).json()
    r = client.post(
        f"/api/monitoring/alarms/{fault}/false-alarm",
        json={"note": "线路松动已紧固"},
        headers=centre,
    )
    assert r.status_code == 200, r.text
    closed = client.get(f"/api/monitoring/work-orders/{order['id']}", headers=kzs).json()
    assert (closed["status"], closed["closed_by"]) == ("closed", "dispatcher")
    assert closed["alarm_status"] == "false_alarm" and closed["actions"] == []
    listed = client.get("/api/monitoring/work-orders?status=closed", headers=kzs).json()
    assert [o["id"] for o in listed["items"]] == [order["id"]]


def test_refusals_name_the_field_and_write_nothing(client: Any, world: dict[str, Any]) -> None:
    kzs = world["h"]["kzs"]
    r = client.post(f"/api/monitoring/alarms/{world['fire']}/work-order", headers=kzs)
    assert r.status_code == 409 and '"kind"' in r.text  # never for a fire alarm
    r = client.post(f"/api/monitoring/alarms/{world['other']}/work-order", headers=kzs)
    assert r.status_code == 404  # another unit's fault
    fault = world["faults"][0]
    order = client.post(f"/api/monitoring/alarms/{fault}/work-order", headers=kzs).json()
    r = client.post(f"/api/monitoring/alarms/{fault}/work-order", headers=kzs)
    assert r.status_code == 409 and "alarm_id" in r.text  # one order per alarm
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/done", json={"work_done": "  "}, headers=kzs
    )
    assert r.status_code == 422 and "work_done" in r.text
    after = client.get(f"/api/monitoring/work-orders/{order['id']}", headers=kzs).json()
    assert after["status"] == "open" and after["alarm_status"] == "active"
    assert (
        client.get("/api/monitoring/work-orders", headers=world["h"]["manager"]).json()["total"]
        == 1
    )


def reset_frame(serial: int) -> bytes:
    """The panel's own state with the reset bit (bit 13), as a panel sends after 复位."""
    at = utcnow() - timedelta(seconds=10)
    state = {"system_type": 1, "system_address": 1, "state": 1 | 1 << 13, "time": at}
    return encode(
        serial=serial,
        command=2,
        source=UITD_A,
        destination=0,
        payload=encode_appdata(1, [state]),
        timestamp=at,
    )


def fault_frame(serial: int, address: int) -> bytes:
    at = utcnow() - timedelta(seconds=10)
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": FAULT,
        "description": "三层烟感",
        "time": at,
    }
    return encode(
        serial=serial,
        command=2,
        source=UITD_A,
        destination=0,
        payload=encode_appdata(2, [component]),
        timestamp=at,
    )


def _alarm(sessions: Any, alarm_id: int) -> MonitoringAlarm:
    with sessions() as s:
        row = s.get(MonitoringAlarm, alarm_id)
        assert row is not None
        s.expunge(row)
        return row


def test_a_device_reset_keeps_a_fault_under_repair_open(
    client: Any, world: dict[str, Any], sessions: Any
) -> None:
    """Issue #19 item 5, the set-based statement: the panel's reset clears the fault without
    an order, and only records itself (``reset_at``) on the fault whose order is open; the
    order's 维修完成 then closes it."""
    kzs, centre = world["h"]["kzs"], world["h"]["dispatcher"]
    repairing, plain = world["faults"]
    order = client.post(f"/api/monitoring/alarms/{repairing}/work-order", headers=kzs).json()
    raw = reset_frame(20)
    store_frame(sessions, decode(raw), raw, utcnow(), "test")
    kept, cleared = _alarm(sessions, repairing), _alarm(sessions, plain)
    assert (kept.status, kept.cleared_at is None, kept.reset_at is not None) == (
        "active",
        True,
        True,
    )
    assert cleared.status == "cleared" and cleared.reset_at is not None
    listed = client.get(f"/api/monitoring/work-orders/{order['id']}", headers=kzs).json()
    assert (listed["status"], listed["alarm_status"]) == ("open", "active")
    assert client.get(f"/api/monitoring/alarms/{repairing}", headers=centre).json()["reset_at"]
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/done",
        json={"work_done": "更换探头"},
        headers=kzs,
    )
    assert r.status_code == 200 and r.json()["alarm_status"] == "cleared"


def test_the_hot_path_batch_keeps_a_fault_under_repair_open(
    client: Any, world: dict[str, Any], sessions: Any
) -> None:
    """The same through the gateway's hot path (``hotpath.read_frame``) in one batch: the
    fault repeats (so the batch holds it in memory) and the panel resets; the alarm stays open
    with its order, and a person closing it (误报) closes the order with it."""
    kzs, centre = world["h"]["kzs"], world["h"]["dispatcher"]
    repairing = world["faults"][0]
    order = client.post(f"/api/monitoring/alarms/{repairing}/work-order", headers=kzs).json()
    now = utcnow()
    batch = [
        Pending(read_frame(fault_frame(30, 5))[1], now, "test"),
        Pending(read_frame(reset_frame(31))[1], now, "test"),
    ]
    store_events(sessions, batch)
    kept = _alarm(sessions, repairing)
    assert kept.status == "active" and kept.reset_at is not None and kept.repeats >= 2
    assert _alarm(sessions, world["faults"][1]).status == "cleared"
    r = client.post(
        f"/api/monitoring/alarms/{repairing}/false-alarm", json={"note": "误报"}, headers=centre
    )
    assert r.status_code == 200, r.text
    closed = client.get(f"/api/monitoring/work-orders/{order['id']}", headers=kzs).json()
    assert (closed["status"], closed["alarm_status"]) == ("closed", "false_alarm")
