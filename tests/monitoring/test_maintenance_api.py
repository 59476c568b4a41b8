"""Maintenance (维保, GB 25201) by API, on both databases: an officer registers a maintenance
company (a registry type); the unit manager adds a contract, records a month with an 异常 item
that opens a repair work order, uploads the annual test report (a PDF by content); expiry
reminders and units without a report reach the officer; bad input is refused naming the field
and writes nothing; another unit is out of the manager's reach."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from lanyan.core.timeutil import local_today
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, add_user, bind_unit, login, sample, seed_region

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452") + b"\x00" * 32


@pytest.fixture
def world(uow: Any, client: Any) -> dict[str, Any]:
    seed_region(uow)
    ids = []
    with uow() as s:
        for n in (1, 2):
            unit = service.create(
                s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, n)
            )
            building = sample("buildings", DAFENG, n) | {"unit_code": unit.code}
            building["fire_systems"] = ["automatic_alarm", "indoor_hydrant"]
            service.create(s, get_type("buildings"), SYSTEM, EVERYWHERE, building)
            ids.append((unit.id, unit.code))
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    bind_unit(uow, "manager", ids[0][1])
    h = {n: login(client, n) for n in ("manager", "officer")}
    company = sample("maintenance-companies", DAFENG, 1)
    r = client.post("/api/maintenance-companies", json=company, headers=h["officer"])
    assert r.status_code == 201, r.text
    return {"h": h, "unit": ids[0][0], "other": ids[1][0], "company": company["code"]}


def contract(world: dict[str, Any], **change: Any) -> dict[str, Any]:
    today = local_today()
    return {
        "unit_id": world["unit"],
        "company_code": world["company"],
        "number": "WB-2026-01",
        "start_on": str(today - timedelta(days=300)),
        "end_on": str(today + timedelta(days=10)),
        "systems": ["automatic_alarm", "water_hydrant"],
    } | change


def test_company_picker_searches_by_name(client: Any, world: dict[str, Any]) -> None:
    manager = world["h"]["manager"]
    r = client.get("/api/maintenance-companies?q=维保公司&size=5", headers=manager)
    assert r.status_code == 200 and r.json()["total"] == 1
    r = client.post(
        "/api/maintenance-companies",
        json=sample("maintenance-companies", DAFENG, 2),
        headers=manager,
    )
    assert r.status_code == 403  # a unit manager picks companies, officers register them


def test_contract_reminders_and_refusals(client: Any, world: dict[str, Any]) -> None:
    manager, officer = world["h"]["manager"], world["h"]["officer"]
    r = client.post("/api/monitoring/maintenance/contracts", json=contract(world), headers=manager)
    assert r.status_code == 200, r.text
    made = r.json()
    assert (made["state"], made["days_left"], made["company_name"]) == (
        "expiring",
        10,
        "测试维保公司1",
    )
    for who in (manager, officer):  # the manager and the jurisdiction's officers see it
        listed = client.get("/api/monitoring/maintenance/reminders", headers=who).json()
        assert [c["id"] for c in listed["items"]] == [made["id"]]
    bad = [
        (contract(world, end_on="2020-01-01"), "end_on"),
        (contract(world, company_code="91320904MA0000999X"), "company_code"),
        (contract(world, number="WB-2"), "systems"),  # the same systems, overlapping days
        (contract(world, unit_id=world["other"]), None),  # not the manager's unit
    ]
    for body, field in bad:
        r = client.post("/api/monitoring/maintenance/contracts", json=body, headers=manager)
        if field is None:
            assert r.status_code == 404
        else:
            assert r.status_code == 422 and f'"{field}"' in r.text, (field, r.text)
    listed = client.get("/api/monitoring/maintenance/contracts", headers=manager).json()
    assert listed["total"] == 1
    # Renewed: a later contract from the day after takes the reminder away.
    end = date.fromisoformat(made["end_on"])
    renewal = contract(
        world,
        number="WB-2027-01",
        start_on=str(end + timedelta(days=1)),
        end_on=str(end + timedelta(days=365)),
    )
    r = client.post("/api/monitoring/maintenance/contracts", json=renewal, headers=manager)
    assert r.status_code == 200, r.text
    listed = client.get("/api/monitoring/maintenance/reminders", headers=officer).json()
    assert listed["total"] == 0


def _answers(client: Any, headers: dict[str, str], system: str) -> dict[str, Any]:
    checklist = client.get("/api/monitoring/maintenance/checklist", headers=headers).json()
    found = next(s for s in checklist if s["code"] == system)
    return {i["code"]: {"result": "normal"} for i in found["items"]}


def test_monthly_record_opens_a_work_order(client: Any, world: dict[str, Any]) -> None:
    manager = world["h"]["manager"]
    systems = client.get(
        f"/api/monitoring/maintenance/units/{world['unit']}/systems", headers=manager
    ).json()
    assert [s["code"] for s in systems] == ["automatic_alarm", "water_hydrant", "extinguishers"]
    client.post("/api/monitoring/maintenance/contracts", json=contract(world), headers=manager)
    month = local_today().strftime("%Y-%m")
    items = _answers(client, manager, "automatic_alarm")
    items["detectors"] = {"result": "abnormal", "note": "3层2只探头故障", "open_order": True}
    body = {"unit_id": world["unit"], "month": month, "system": "automatic_alarm", "items": items}
    r = client.post("/api/monitoring/maintenance/records", json=body, headers=manager)
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["abnormal"] == 1 and record["company_name"] == "测试维保公司1"
    detector = next(i for i in record["items"] if i["item"] == "detectors")
    assert detector["work_order_status"] == "open"
    order = client.get(
        f"/api/monitoring/work-orders/{detector['work_order_id']}", headers=manager
    ).json()
    assert order["alarm_id"] is None and "3层2只探头故障" in order["title"]
    r = client.post(
        f"/api/monitoring/work-orders/{order['id']}/done",
        json={"work_done": "更换探头"},
        headers=manager,
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    # A system the unit does not have, a second record, a future month: refused, by field.
    sprinkler = body | {"system": "sprinkler", "items": _answers(client, manager, "sprinkler")}
    r = client.post("/api/monitoring/maintenance/records", json=sprinkler, headers=manager)
    assert r.status_code == 422 and '"system"' in r.text
    r = client.post("/api/monitoring/maintenance/records", json=body, headers=manager)
    assert r.status_code == 409 and '"month"' in r.text
    future = (local_today().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    r = client.post(
        "/api/monitoring/maintenance/records", json=body | {"month": future}, headers=manager
    )
    assert r.status_code == 422 and '"month"' in r.text
    listed = client.get("/api/monitoring/maintenance/records", headers=world["h"]["officer"])
    assert listed.json()["total"] == 1


def test_annual_report_is_a_pdf(client: Any, world: dict[str, Any]) -> None:
    manager, officer = world["h"]["manager"], world["h"]["officer"]
    year = local_today().year
    missing = client.get(
        f"/api/monitoring/maintenance/missing-reports?year={year}", headers=officer
    ).json()
    assert missing["total"] == 2
    form = {
        "unit_id": str(world["unit"]),
        "year": str(year),
        "company_code": world["company"],
        "tested_on": str(local_today()),
        "conclusion": "pass",
    }
    r = client.post(
        "/api/monitoring/maintenance/reports",
        data=form,
        files={"file": ("report.pdf", PNG, "application/pdf")},  # a PNG, named a PDF
        headers=manager,
    )
    assert r.status_code == 422 and '"file"' in r.text
    # what PostgreSQL cannot store is refused naming the field, never a 500
    for field, bad in (("unit_id", str(2**40)), ("company_code", "A\x00B")):
        r = client.post(
            "/api/monitoring/maintenance/reports",
            data={**form, field: bad},
            files={"file": ("检测报告.pdf", PDF, "application/pdf")},
            headers=manager,
        )
        assert r.status_code == 422 and f'"{field}"' in r.text, r.text
    r = client.post(
        "/api/monitoring/maintenance/reports",
        data=form,
        files={"file": ("检测报告.pdf", PDF, "application/pdf")},
        headers=manager,
    )
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["conclusion_label"] == "合格"
    content = client.get(report["url"], headers=officer)
    assert content.status_code == 200 and content.content == PDF
    missing = client.get(
        f"/api/monitoring/maintenance/missing-reports?year={year}", headers=officer
    ).json()
    assert missing["total"] == 1 and missing["items"][0]["id"] == world["other"]
    r = client.post(
        "/api/monitoring/maintenance/reports",
        data=form,
        files={"file": ("again.pdf", PDF, "application/pdf")},
        headers=manager,
    )
    assert r.status_code == 409 and '"year"' in r.text
