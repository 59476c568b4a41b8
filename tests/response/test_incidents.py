"""Incidents (警情): recording a 119 call, the ordered timeline, scoping and audit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.core.errors import ValidationFailed
from lanyan.response.choices import TimelineStep as T
from lanyan.response.timeline import check_step
from lanyan.store.audit import verify

from response_world import build, node
from support import DAFENG, TINGHU, add_user, login

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def _at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


@pytest.mark.parametrize(
    ("history", "step", "minutes", "rule"),
    [
        ([], T.ARRIVED, 1, "must follow 接警"),
        ([(T.RECEIVED, 0)], T.ARRIVED, 1, "must follow 出动"),
        ([(T.RECEIVED, 0), (T.DISPATCHED, 1)], T.ARRIVED, 0.5, "must not be earlier"),
        ([(T.RECEIVED, 0), (T.DISPATCHED, 1), (T.CONTROLLED, 9)], T.WATER_ON, 10, "after 控制"),
        ([(T.RECEIVED, 0), (T.DISPATCHED, 1), (T.ARRIVED, 5)], T.ARRIVED, 6, "once"),
        ([(T.RECEIVED, 0), (T.DISPATCHED, 1), (T.RETURNED, 30)], T.DISPATCHED, 31, "归队"),
        ([(T.RECEIVED, 0)], T.RECEIVED, 1, "must not be received"),
    ],
)
def test_timeline_refuses_out_of_order(
    history: list[tuple[T, float]], step: T, minutes: float, rule: str
) -> None:
    past = [(s, T0 + timedelta(minutes=m)) for s, m in history]
    with pytest.raises(ValidationFailed) as err:
        check_step(past, step, T0 + timedelta(minutes=minutes))
    assert rule in err.value.problems[0].rule


def test_timeline_allows_skips_and_repeated_dispatch() -> None:
    past = [(T.RECEIVED, T0), (T.DISPATCHED, T0 + timedelta(minutes=1))]
    check_step(past, T.DISPATCHED, T0 + timedelta(minutes=2))  # a reinforcement
    past += [(T.ARRIVED, T0 + timedelta(minutes=6))]
    check_step(past, T.CONTROLLED, T0 + timedelta(minutes=6))  # no 出水 at a rescue


@pytest.fixture
def dispatcher(uow: Any, client: TestClient) -> dict[str, str]:
    build(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "th_dispatch", "dispatcher", TINGHU)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    return login(client, "df_dispatch")


def _call(**over: Any) -> dict[str, Any]:
    return {
        "incident_type": "fire",
        "received_at": T0.isoformat(),
        "caller_name": "张三",
        "caller_phone": "13800000000",
        "address": "大丰区测试路1号",
        "building_code": "B-TOWER",
        **over,
    }


def test_record_call_and_walk_the_timeline(
    client: TestClient, dispatcher: dict[str, str], sessions: Any
) -> None:
    r = client.post("/api/incidents", json=_call(), headers=dispatcher)
    assert r.status_code == 201, r.text
    inc = r.json()
    assert inc["code"].startswith("JQ20250301")
    assert inc["building_class"] == "high_rise"  # from the 30 m public building
    assert inc["jurisdiction_code"] == DAFENG
    assert [inc["lon"], inc["lat"]] == list(node(2, 2))  # the building's point
    assert [s["step"] for s in inc["timeline"]] == ["received"]
    url = f"/api/incidents/{inc['id']}/timeline"
    for step, minutes in (("dispatched", 1), ("arrived", 6), ("water_on", 8)):
        r = client.post(url, json={"step": step, "at": _at(minutes)}, headers=dispatcher)
        assert r.status_code == 200, r.text
    r = client.post(url, json={"step": "arrived", "at": _at(9)}, headers=dispatcher)
    assert r.status_code == 422 and "到场 is already recorded" in r.json()["detail"]
    r = client.post(url, json={"step": "controlled", "at": _at(7)}, headers=dispatcher)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "at"
    for step, minutes in (("controlled", 20), ("extinguished", 40), ("returned", 70)):
        r = client.post(url, json={"step": step, "at": _at(minutes)}, headers=dispatcher)
        assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "closed"
    assert [s["zh"] for s in body["timeline"]] == [
        "接警", "出动", "到场", "出水", "控制", "熄灭", "归队"
    ]  # fmt: skip
    with sessions() as s:
        assert verify(s).ok


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"address": "", "building_code": None}, "address"),
        ({"incident_type": "earthquake"}, "incident_type"),
        ({"lon": 120.5, "building_code": None}, "lat"),
        ({"caller_phone": "call me"}, "caller_phone"),
        ({"received_at": "2025-03-01T10:00:00"}, "received_at"),
        ({"building_code": "B-NONE"}, "building_code"),
        ({"building_code": None}, "jurisdiction_code"),
        ({"alarm_level": 9}, "alarm_level"),
    ],
)
def test_bad_call_names_the_field(
    client: TestClient, dispatcher: dict[str, str], over: dict[str, Any], field: str
) -> None:
    r = client.post("/api/incidents", json=_call(**over), headers=dispatcher)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


def test_incidents_are_scoped_to_the_jurisdiction(
    client: TestClient, dispatcher: dict[str, str]
) -> None:
    inc = client.post("/api/incidents", json=_call(), headers=dispatcher).json()
    tinghu = login(client, "th_dispatch")
    assert client.get(f"/api/incidents/{inc['id']}", headers=tinghu).status_code == 404
    assert client.get("/api/incidents", headers=tinghu).json()["total"] == 0
    r = client.post("/api/incidents", json=_call(), headers=tinghu)
    assert r.status_code == 422 and r.json()["errors"][0]["rule"] == "is outside your jurisdiction"
    viewer = login(client, "viewer")
    assert client.get("/api/incidents", headers=viewer).json()["total"] == 1
    assert client.post("/api/incidents", json=_call(), headers=viewer).status_code == 403


def test_a_call_without_a_point_is_listed_first_until_located(
    client: TestClient, dispatcher: dict[str, str]
) -> None:
    """The API takes a call from an address alone (the board does not): it is 待定位
    (``located`` false) and heads the active list, ahead of newer calls, until an edit gives
    it a point."""
    later = (T0 + timedelta(minutes=5)).isoformat()
    vague = _call(building_code=None, jurisdiction_code=DAFENG, address="永泰路附近")
    unlocated = client.post("/api/incidents", json=vague, headers=dispatcher).json()
    newer = client.post("/api/incidents", json=_call(received_at=later), headers=dispatcher)
    assert unlocated["located"] is False and newer.json()["located"] is True
    listed = client.get("/api/incidents?status=active", headers=dispatcher).json()["items"]
    assert [i["code"] for i in listed] == [unlocated["code"], newer.json()["code"]]
    lon, lat = node(1, 1)
    r = client.patch(
        f"/api/incidents/{unlocated['id']}",
        json={"lon": lon, "lat": lat, "note": "回拨确认位置"},
        headers=dispatcher,
    )
    assert r.status_code == 200, r.text
    assert r.json()["located"] is True
    listed = client.get("/api/incidents?status=active", headers=dispatcher).json()["items"]
    assert [i["code"] for i in listed] == [newer.json()["code"], unlocated["code"]]
