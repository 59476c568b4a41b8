"""The incident lifecycle through the API: edit, further calls (多次报警), merge, cancel and the
alarm level with 增派, each on the timeline and audited; bad moves refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.exchange.models import ExchangeEvent
from lanyan.store.audit import AuditEntry, verify

from response_world import build, node
from support import DAFENG, add_user, login

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def _at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.fixture
def h(uow: Any, client: TestClient) -> dict[str, str]:
    build(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    return login(client, "df_dispatch")


def _new(client: TestClient, h: dict[str, str], minutes: float = 0, **over: Any) -> dict[str, Any]:
    body = {
        "incident_type": "fire",
        "received_at": _at(minutes),
        "caller_phone": "13800000000",
        "address": "大丰区测试路1号",
        "lon": node(1, 1)[0],
        "lat": node(1, 1)[1],
        "jurisdiction_code": DAFENG,
        **over,
    }
    r = client.post("/api/incidents", json=body, headers=h)
    assert r.status_code == 201, r.text
    return r.json()


def _actions(sessions: Any, incident_id: int) -> list[str]:
    with sessions() as s:
        return list(
            s.scalars(
                select(AuditEntry.action)
                .where(
                    AuditEntry.object_type == "incidents", AuditEntry.object_id == str(incident_id)
                )
                .order_by(AuditEntry.id)
            )
        )


def test_edit_place_type_building_and_floor(
    client: TestClient, h: dict[str, str], sessions: Any
) -> None:
    inc = _new(client, h)
    assert [c["kind"] for c in inc["calls"]] == ["call"]
    url = f"/api/incidents/{inc['id']}"
    r = client.patch(
        url, json={"building_code": "B-TOWER", "floor": 12, "note": "报警人更正"}, headers=h
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["building_code"], got["floor"], got["building_class"]) == (
        "B-TOWER",
        12,
        "high_rise",
    )
    assert [got["lon"], got["lat"]] == list(node(2, 2))  # moved to the building
    (edited,) = [s for s in got["timeline"] if s["step"] == "edited"]
    assert "floor: — → 12" in edited["note"] and "报警人更正" in edited["note"]
    r = client.patch(url, json={"incident_type": "rescue"}, headers=h)
    assert r.json()["incident_type"] == "rescue"
    assert _actions(sessions, inc["id"]) == ["create", "edited", "edited"]
    for body, field, status in (
        ({}, "body", 422),
        ({"note": "x"}, "body", 422),
        ({"lon": 120.5}, "lat", 422),
        ({"floor": 0}, "floor", 422),
        ({"incident_type": "rescue"}, "body", 422),  # changes nothing
        ({"building_code": "B-NONE"}, "building_code", 422),
        ({"incident_type": None}, "incident_type", 422),
        ({"status": "closed"}, "status", 422),  # not an editable field
    ):
        r = client.patch(url, json=body, headers=h)
        assert r.status_code == status, (body, r.text)
        assert field in [e["field"] for e in r.json()["errors"]], (body, r.text)
    with sessions() as s:
        assert verify(s).ok


def test_further_calls_and_merge_keep_the_earliest_received_time(
    client: TestClient, h: dict[str, str], sessions: Any
) -> None:
    keep = _new(client, h, minutes=2)
    dup = _new(client, h, minutes=1, caller_phone="13900000000")
    r = client.post(
        f"/api/incidents/{keep['id']}/calls",
        json={"at": _at(3), "caller_phone": "13700000000", "caller_name": "王五"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    assert [c["caller_phone"] for c in r.json()["calls"]] == ["13800000000", "13700000000"]
    assert r.json()["received_at"].startswith("2025-03-01T02:02")
    # Bad merges: into itself, into nothing.
    url = f"/api/incidents/{dup['id']}/merge"
    r = client.post(url, json={"into": dup["code"], "reason": "同一起"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "into"
    r = client.post(url, json={"into": "JQ0", "reason": "同一起"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "into"
    r = client.post(url, json={"into": keep["code"], "reason": ""}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(url, json={"into": keep["code"], "reason": "同一起火灾"}, headers=h)
    assert r.status_code == 200, r.text
    kept = r.json()
    assert kept["id"] == keep["id"]
    assert sorted(c["caller_phone"] for c in kept["calls"]) == [
        "13700000000", "13800000000", "13900000000"
    ]  # fmt: skip
    # 接警 is the first call's time, the duplicate's, and the 接警 step moved with it.
    assert kept["received_at"].startswith("2025-03-01T02:01")
    (received,) = [s for s in kept["timeline"] if s["step"] == "received"]
    assert received["at"].startswith("2025-03-01T02:01")
    assert any(s["step"] == "merged_in" and "同一起火灾" in s["note"] for s in kept["timeline"])
    gone = client.get(f"/api/incidents/{dup['id']}", headers=h).json()
    assert (gone["status"], gone["merged_into_code"], gone["calls"]) == ("merged", keep["code"], [])
    # A merged incident is a record: merging, cancelling or dispatching it again is refused.
    r = client.post(url, json={"into": keep["code"], "reason": "again"}, headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    r = client.post(f"/api/incidents/{dup['id']}/cancel", json={"reason": "duplicate"}, headers=h)
    assert r.status_code == 409
    r = client.post(
        f"/api/incidents/{dup['id']}/dispatch",
        json={"vehicles": [{"vehicle_code": "V-DF1-1"}]},
        headers=h,
    )
    assert r.status_code == 409
    # Nothing merges into a merged (or closed) incident.
    third = _new(client, h, minutes=4)
    r = client.post(
        f"/api/incidents/{third['id']}/merge", json={"into": dup["code"], "reason": "x"}, headers=h
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "into"
    assert _actions(sessions, dup["id"]) == ["create", "merged_into"]
    assert _actions(sessions, keep["id"]) == ["create", "call_added", "merged_in"]
    listed = client.get("/api/incidents?status=active", headers=h).json()
    assert dup["id"] not in [i["id"] for i in listed["items"]]


def test_cancel_with_a_reason_but_not_after_a_dispatch(
    client: TestClient, h: dict[str, str], sessions: Any
) -> None:
    inc = _new(client, h)
    r = client.post(f"/api/incidents/{inc['id']}/cancel", json={"reason": "maybe"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(
        f"/api/incidents/{inc['id']}/cancel",
        json={"reason": "false_alarm", "note": "烧烤烟雾"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["status"], got["cancel_reason"], got["cancel_note"]) == (
        "cancelled",
        "false_alarm",
        "烧烤烟雾",
    )
    assert got["timeline"][-1]["note"] == "误报 烧烤烟雾"
    r = client.post(f"/api/incidents/{inc['id']}/timeline", json={"step": "dispatched"}, headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    sent = _new(client, h)
    r = client.post(
        f"/api/incidents/{sent['id']}/dispatch",
        json={"vehicles": [{"vehicle_code": "V-DF1-1"}]},
        headers=h,
    )
    assert r.status_code == 200, r.text
    r = client.post(f"/api/incidents/{sent['id']}/cancel", json={"reason": "handled"}, headers=h)
    assert r.status_code == 409 and "归队" in r.json()["detail"]
    assert client.get(f"/api/incidents/{sent['id']}", headers=h).json()["status"] == "active"
    assert _actions(sessions, inc["id"]) == ["create", "cancelled"]
    # Webhook subscribers hear the cancelled incident end, as they heard it open.
    with sessions() as s:
        events = s.scalars(
            select(ExchangeEvent).where(ExchangeEvent.event_type == "incident_closed")
        ).all()
        assert [e.payload["code"] for e in events] == [inc["code"]]
        assert events[0].payload["status"] == "cancelled"


def test_level_raise_then_reinforce_while_open(
    client: TestClient, h: dict[str, str], sessions: Any
) -> None:
    inc = _new(client, h, building_code="B-TOWER", lon=None, lat=None)
    url = f"/api/incidents/{inc['id']}"
    for level in (0, 6, 3.5):
        r = client.post(f"{url}/level", json={"level": level}, headers=h)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "level", r.text
    r = client.post(f"{url}/level", json={"level": 1}, headers=h)
    assert r.status_code == 422 and "current level" in r.json()["errors"][0]["rule"]
    card = client.get(f"{url}/recommendation", headers=h).json()
    assert card["run_card"]["level"] == 1
    pumpers = [g for g in card["requirements"] if g["capability"] == "pumper"]
    first = [v["code"] for v in pumpers[0]["vehicles"] if not v["reinforcement"]][:1]
    assert pumpers[0]["count"] == 3
    r = client.post(
        f"{url}/dispatch", json={"vehicles": [{"vehicle_code": c} for c in first]}, headers=h
    )
    assert r.status_code == 200, r.text
    r = client.post(f"{url}/level", json={"level": 2}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["alarm_level"] == 2
    assert r.json()["timeline"][-1]["note"] == "1级 → 2级"
    card = client.get(f"{url}/recommendation", headers=h).json()
    assert card["run_card"]["level"] == 2  # the card re-evaluated: more is asked for
    assert [g["count"] for g in card["requirements"] if g["capability"] == "pumper"] == [5]
    extra = [
        v["code"] for g in card["requirements"] for v in g["vehicles"] if not v["reinforcement"]
    ]
    assert extra and not set(extra) & set(first)  # further vehicles only
    r = client.post(f"{url}/dispatch", json={"vehicles": [{"vehicle_code": extra[0]}]}, headers=h)
    assert r.status_code == 200, r.text  # 增派 after the first dispatch
    assert [s["step"] for s in r.json()["timeline"]].count("dispatched") == 2
    r = client.post(f"{url}/timeline", json={"step": "returned"}, headers=h)
    assert r.json()["status"] == "closed"
    r = client.post(f"{url}/level", json={"level": 3}, headers=h)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    r = client.patch(url, json={"floor": 3}, headers=h)
    assert r.status_code == 409
    assert _actions(sessions, inc["id"]).count("level_changed") == 1
