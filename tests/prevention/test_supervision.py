"""Inspections and hazards through the API: 双人执法/持证/回避, the closed loop, 挂牌督办,
overdue, scoping, and the audit trail — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.prevention import hazard_service
from lanyan.prevention.models.inspections import Hazard, HazardEventRow, Inspection
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region, uscc

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 Asia/Shanghai
UNIT = uscc(DAFENG, 1)


def _at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    create_sample(uow, "units", TINGHU, 3)
    add_user(uow, "root", "admin", "320000")
    for name in ("insp_a", "insp_b", "insp_c", "insp_d"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "th_officer", "prevention_officer", TINGHU)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    root = login(client, "root")
    for i, name in enumerate(("insp_a", "insp_b", "insp_c", "th_officer")):
        r = client.post(
            "/api/inspectors/certificates",
            json={
                "username": name,
                "certificate_no": f"JS-{i:04d}",
                "valid_from": "2024-01-01",
                "valid_until": "2026-12-31",
            },
            headers=root,
        )
        assert r.status_code == 201, r.text
    # insp_d holds only an expired certificate.
    r = client.post(
        "/api/inspectors/certificates",
        json={
            "username": "insp_d",
            "certificate_no": "JS-OLD",
            "valid_from": "2020-01-01",
            "valid_until": "2024-12-31",
        },
        headers=root,
    )
    assert r.status_code == 201, r.text
    r = client.post(
        "/api/inspectors/recusals",
        json={"username": "insp_c", "unit_code": UNIT, "reason": "亲属任该单位消防安全管理人"},
        headers=root,
    )
    assert r.status_code == 201, r.text
    return {
        "root": root,
        "officer": login(client, "insp_a"),
        "th": login(client, "th_officer"),
        "viewer": login(client, "viewer"),
    }


def _inspection(inspectors: list[str], findings: list[dict[str, Any]] | None = None) -> dict:
    return {
        "kind": "random",
        "unit_code": UNIT,
        "inspected_at": T0.isoformat(),
        "inspectors": inspectors,
        "findings": findings or [],
    }


def _counts(uow: Any) -> tuple[int, int, int]:
    with uow() as s:
        return tuple(
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (Inspection, Hazard, AuditEntry)
        )


@pytest.mark.parametrize(
    ("inspectors", "rule"),
    [
        (["insp_a"], "at least 2"),
        (["insp_a", "insp_a"], "at least 2"),
        (["insp_a", "insp_d"], "insp_d holds no certificate valid on 2025-03-03"),
        (["insp_a", "viewer"], "viewer holds no certificate"),
        (["insp_a", "insp_c"], "insp_c is linked to unit"),
        (["insp_a", "nobody"], "nobody is not an active user"),
    ],
)
def test_inspection_team_rules(
    world: dict, client: TestClient, uow: Any, inspectors: list[str], rule: str
) -> None:
    before = _counts(uow)
    r = client.post(
        "/api/inspections",
        json=_inspection(inspectors, [{"description": "疏散通道堵塞", "deadline": "2025-03-10"}]),
        headers=world["officer"],
    )
    assert r.status_code == 422, r.text
    rules = [p["rule"] for p in r.json()["errors"]]
    assert any(rule in x for x in rules), rules
    assert all(p["field"] == "inspectors" for p in r.json()["errors"])
    assert _counts(uow) == before  # nothing half-written


def test_inspection_kinds_are_checked(world: dict, client: TestClient) -> None:
    body = _inspection(["insp_a", "insp_b"]) | {"kind": "casual"}
    r = client.post("/api/inspections", json=body, headers=world["officer"])
    assert r.status_code == 422
    for kind in ("random", "special", "complaint", "commitment", "recheck"):
        body = _inspection(["insp_a", "insp_b"]) | {"kind": kind}
        r = client.post("/api/inspections", json=body, headers=world["officer"])
        assert r.status_code == 201, r.text
        assert r.json()["kind"] == kind


def test_finding_with_bad_deadline_refuses_the_whole_inspection(
    world: dict, client: TestClient, uow: Any
) -> None:
    before = _counts(uow)
    findings = [
        {"description": "灭火器过期", "deadline": "2025-03-10"},
        {"description": "疏散指示标志损坏", "deadline": "2025-03-02"},
    ]
    r = client.post(
        "/api/inspections",
        json=_inspection(["insp_a", "insp_b"], findings),
        headers=world["officer"],
    )
    assert r.status_code == 422
    problem = r.json()["errors"][0]
    assert problem["field"] == "findings[1].deadline"
    assert "finding date" in problem["rule"]
    assert _counts(uow) == before


def test_hazard_closed_loop_with_listing_and_audit(
    world: dict, client: TestClient, uow: Any
) -> None:
    findings = [{"description": "消防控制室无人值班", "is_major": True, "deadline": "2025-04-02"}]
    r = client.post(
        "/api/inspections",
        json=_inspection(["insp_a", "insp_b"], findings),
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    inspection = r.json()
    assert [i["username"] for i in inspection["inspectors"]] == ["insp_a", "insp_b"]
    assert inspection["inspectors"][0]["certificate_no"] == "JS-0000"
    (code,) = inspection["hazard_codes"]
    listing = client.get("/api/hazards", headers=world["officer"]).json()
    assert listing["total"] == 1
    hazard = listing["items"][0]
    assert hazard["code"] == code and hazard["state"] == "ordered"
    assert hazard["inspection_code"] == inspection["code"]
    hid = hazard["id"]
    url = f"/api/hazards/{hid}/actions"
    h = world["officer"]

    # An illegal move names the state and the action, and writes nothing.
    r = client.post(url, json={"action": "close", "at": _at(1)}, headers=h)
    assert r.status_code == 409
    assert "责令整改" in r.json()["detail"] and "销案" in r.json()["detail"]

    # 挂牌督办 needs a department.
    r = client.post(url, json={"action": "list", "deadline": "2025-05-01", "at": _at(1)}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "department"
    steps = [
        {"action": "list", "department": "大丰区人民政府", "deadline": "2025-05-01",
         "published": True, "at": _at(2)},
        {"action": "start", "at": _at(3)},
        {"action": "request_recheck", "note": "已安排24小时值班", "at": _at(4)},
        {"action": "fail_recheck", "deadline": "2025-04-20", "note": "值班记录不全", "at": _at(5)},
        {"action": "start", "at": _at(6)},
        {"action": "request_recheck", "at": _at(7)},
        {"action": "pass_recheck", "at": _at(8)},
        {"action": "delist", "at": _at(9)},
        {"action": "close", "at": _at(10)},
    ]  # fmt: skip
    for step in steps:
        r = client.post(url, json=step, headers=h)
        assert r.status_code == 200, (step, r.text)
    done = r.json()
    assert done["state"] == "closed" and done["state_zh"] == "销案"
    assert done["listing"]["department"] == "大丰区人民政府"
    assert done["listing"]["delisted_at"] is not None
    events = [e["event"] for e in done["history"]]
    assert events == ["found", "order"] + [s["action"] for s in steps]
    assert done["history"][5]["detail"] == {
        "note": "值班记录不全",
        "deadline": "2025-04-20",
        "on_time": True,  # rechecked within 3 working days of the application
    }
    assert done["history"][4]["detail"]["recheck_due"] is not None

    with uow() as s:
        entries = (
            s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "hazards", AuditEntry.object_id == str(hid))
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in entries] == events  # every transition audited
        assert all(e.scope_path.startswith("/") and e.scope_path != "/" for e in entries)
        assert all(e.actor == "insp_a" for e in entries)
        assert verify(s).ok


def test_scoping_and_roles(world: dict, client: TestClient) -> None:
    findings = [{"description": "堆放杂物", "deadline": "2025-03-10"}]
    r = client.post(
        "/api/inspections",
        json=_inspection(["insp_a", "insp_b"], findings),
        headers=world["officer"],
    )
    iid = r.json()["id"]
    hid = client.get("/api/hazards", headers=world["officer"]).json()["items"][0]["id"]
    # Another county's officer neither sees nor changes it, nor inspects a unit outside their county.
    assert client.get("/api/hazards", headers=world["th"]).json()["total"] == 0
    assert client.get(f"/api/hazards/{hid}", headers=world["th"]).status_code == 404
    assert client.get(f"/api/inspections/{iid}", headers=world["th"]).status_code == 404
    r = client.post(f"/api/hazards/{hid}/actions", json={"action": "start"}, headers=world["th"])
    assert r.status_code == 404
    r = client.post(
        "/api/inspections", json=_inspection(["th_officer", "insp_a"]), headers=world["th"]
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "unit_code"
    # A government viewer reads but does not act; an officer may not certify inspectors.
    assert client.get(f"/api/hazards/{hid}", headers=world["viewer"]).status_code == 200
    r = client.post(
        f"/api/hazards/{hid}/actions", json={"action": "start"}, headers=world["viewer"]
    )
    assert r.status_code == 403
    r = client.post(
        "/api/inspectors/certificates",
        json={"username": "insp_d", "certificate_no": "X1", "valid_from": "2025-01-01",
              "valid_until": "2025-12-31"},
        headers=world["officer"],
    )  # fmt: skip
    assert r.status_code == 403


def test_overdue_listing_and_sweep(world: dict, client: TestClient, uow: Any) -> None:
    findings = [
        {"description": "灭火器失效", "deadline": "2025-03-05"},
        {"description": "安全出口上锁", "deadline": "2025-03-20"},
        {"description": "已当场整改"},
    ]
    client.post(
        "/api/inspections",
        json=_inspection(["insp_a", "insp_b"], findings),
        headers=world["officer"],
    )
    with uow() as s:
        day = datetime(2025, 3, 10, tzinfo=UTC).date()
        overdue, n = hazard_service.list_hazards(s, EVERYWHERE, overdue=True, today=day)
        assert n == 1 and overdue[0].description == "灭火器失效"
        _, on_time = hazard_service.list_hazards(s, EVERYWHERE, overdue=False, today=day)
        assert on_time == 2
    now = datetime(2025, 3, 10, 1, tzinfo=UTC)
    with uow() as s:
        noticed = hazard_service.sweep_overdue(s, SYSTEM, EVERYWHERE, now)
        assert [h.description for h in noticed] == ["灭火器失效"]
    with uow() as s:
        assert hazard_service.sweep_overdue(s, SYSTEM, EVERYWHERE, now) == []  # once
        event = s.execute(
            select(HazardEventRow).where(HazardEventRow.event == "overdue")
        ).scalar_one()
        assert event.detail == {"deadline": "2025-03-05", "days": 5}
        assert verify(s).ok


def test_bad_action_input(world: dict, client: TestClient) -> None:
    client.post(
        "/api/inspections",
        json=_inspection(["insp_a", "insp_b"], [{"description": "无", "is_major": False}]),
        headers=world["officer"],
    )
    hid = client.get("/api/hazards", headers=world["officer"]).json()["items"][0]["id"]
    url = f"/api/hazards/{hid}/actions"
    r = client.post(url, json={"action": "order", "at": _at(1)}, headers=world["officer"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "deadline"
    r = client.post(url, json={"action": "teleport"}, headers=world["officer"])
    assert r.status_code == 422
    r = client.post(
        url, json={"action": "order", "deadline": "2025-03-09", "at": "2025-03-04T10:00:00"},
        headers=world["officer"],
    )  # fmt: skip
    assert r.status_code == 422  # naive time
    r = client.post(
        url, json={"action": "list", "department": "县政府", "deadline": "2025-03-09"},
        headers=world["officer"],
    )  # fmt: skip
    assert r.status_code == 409 and "重大火灾隐患" in r.json()["detail"]
