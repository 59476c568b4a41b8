"""The recommendation card's place section (pre-plan, building facts, monitored devices, risk
hook) and the road route geometry of each recommended vehicle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.monitoring.models import DeviceHealth
from lanyan.response.recommend_service import unit_risk_grade

from response_world import add_plaza, build, fire_alarm, node, preplan_body
from support import DAFENG, add_user, login

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def card(client: TestClient, uow: Any) -> dict[str, Any]:
    build(uow)
    plaza = add_plaza(uow)
    add_user(uow, "commander", "commander", DAFENG)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    with uow() as s:
        s.add(DeviceHealth(device_id=plaza["devices"][0], last_seen=T0, online=True))
    fire_alarm(uow, plaza, T0, kind="fault")  # an open fault on the first device
    cmd = login(client, "commander")
    r = client.post("/api/preplans", json=preplan_body(plaza["unit_code"]), headers=cmd)
    assert r.status_code == 201, r.text
    h = login(client, "dispatcher")
    inc = client.post(
        "/api/incidents", json={"incident_type": "fire", "building_code": "B-PLAZA"}, headers=h
    ).json()
    r = client.get(f"/api/incidents/{inc['id']}/recommendation", headers=h)
    assert r.status_code == 200, r.text
    return r.json()


def test_card_shows_preplan_building_devices(card: dict[str, Any]) -> None:
    place = card["place"]
    assert place["building"]["height_m"] == 54 and place["building"]["is_high_rise"]
    plan = place["preplan"]
    assert plan["title"] == "大丰广场主楼灭火救援预案" and plan["revision"] == 1
    assert plan["url"] == f"/preplans/{plan['id']}" and "地下一层配电房" in plan["key_parts"]
    assert plan["hazardous_materials"] == ["柴油 2 t"]
    mon = place["monitoring"]
    assert (mon["online"], mon["never_reported"], mon["faults_open"]) == (1, 1, 1)
    first = next(d for d in mon["devices"] if d["code"] == "D-PLAZA-0")
    assert first["online"] is True and first["open_alarms"] == ["fault"]
    assert place["risk"] is None  # no lanyan.risk package yet


def test_routes_follow_the_roads_and_match_the_etas(card: dict[str, Any]) -> None:
    etas = {v["station"]: v["eta_s"] for g in card["requirements"] for v in g["vehicles"]}
    assert card["routes"] and {r["station"] for r in card["routes"]} == set(etas)
    for route in card["routes"]:
        assert route["reachable"]
        assert route["seconds"] == pytest.approx(etas[route["station"]], abs=0.5)
        path = route["path"]
        assert len(path) >= 3  # station → junctions → the incident, not a straight line
        assert path[-1] == pytest.approx(list(node(3, 3)), abs=1e-6)
        # Every vertex lies on the grid's roads: one coordinate is a grid line.
        for lon, lat in path:
            on_col = abs((lon - 120.47) / 0.005 - round((lon - 120.47) / 0.005)) < 1e-6
            on_row = abs((lat - 33.20) / 0.005 - round((lat - 33.20) / 0.005)) < 1e-6
            assert on_col or on_row


def test_card_shows_the_units_latest_risk_grade(sessions: Any, uow: Any) -> None:
    from datetime import date

    from lanyan.registry.models import Jurisdiction, Unit
    from lanyan.risk.models import UnitRiskScore

    build(uow)
    add_plaza(uow)
    with uow() as s:
        unit = s.execute(select(Unit)).scalars().first()
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).scalar_one()
        assert unit_risk_grade(s, unit.id) is None  # never scored
        for day, score, grade in ((date(2025, 1, 1), 40.0, "III"), (date(2025, 6, 1), 81.25, "I")):
            s.add(
                UnitRiskScore(
                    as_of=day,
                    unit_id=unit.id,
                    jurisdiction_id=jid,
                    score=score,
                    grade=grade,
                    contributions=[],
                    config_sha256="0" * 64,
                    computed_at=datetime.now(UTC),
                )
            )
        uid = unit.id
    with sessions() as s:
        got = unit_risk_grade(s, uid)
    assert got == {
        "grade": "I级（红）",
        "grade_en": "Grade I (red)",
        "level": "I",
        "color": "#d7191c",
        "score": 81.2,
        "as_of": "2025-06-01",
    }
