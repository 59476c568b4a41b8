"""Risk snapshots through the API and the service: factors read from hazards, alarms, device
health and fires; explanations; areas by grid, H3 cell and jurisdiction; warnings recorded once
when a line is crossed; scoping; audit; pluggable credit — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import h3
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.monitoring.models import DeviceHealth, MonitoringAlarm
from lanyan.prevention import hazard_service
from lanyan.registry.models import Device, Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.models import Incident
from lanyan.risk import config, service
from lanyan.risk.models import RiskWarning
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region, uscc

DAY = date(2025, 6, 30)
FOUND = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
RISKY, CALM, OTHER = uscc(DAFENG, 1), uscc(DAFENG, 2), uscc(TINGHU, 3)


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    create_sample(uow, "units", DAFENG, 2)
    create_sample(uow, "units", TINGHU, 3)
    create_sample(uow, "buildings", DAFENG, 1)  # 60 m, unlinked until below
    with uow() as s:
        units = {u.code: u for u in s.execute(select(Unit)).scalars()}
        risky = units[RISKY]
        units[CALM].category = "general"
        from lanyan.registry.models import Building

        s.execute(select(Building)).scalar_one().unit_id = risky.id
        # An overdue major hazard and an open one.
        hazard_service.new_hazard(s, SYSTEM, risky, "疏散通道堵塞", FOUND, True, date(2025, 4, 1))
        hazard_service.new_hazard(s, SYSTEM, risky, "灭火器过期", FOUND, False, None)
        # Two devices, one offline; a fault alarm and a fire; a 119 fire at the unit.
        for n, online in ((1, True), (2, False)):
            d = Device(
                code=f"D{n}",
                kind="smoke_detector",
                protocol="gb26875",
                status="normal",
                unit_id=risky.id,
                jurisdiction_id=risky.jurisdiction_id,
            )
            s.add(d)
            s.flush()
            s.add(DeviceHealth(device_id=d.id, last_seen=FOUND, online=online))
        at = datetime(2025, 6, 1, tzinfo=UTC)
        s.add(
            MonitoringAlarm(
                kind="fault",
                status="active",
                source="x",
                unit_id=risky.id,
                jurisdiction_id=risky.jurisdiction_id,
                raised_at=at,
                last_seen=at,
            )
        )
        s.add(
            Incident(
                code="JQ1",
                received_at=datetime(2024, 1, 5, tzinfo=UTC),
                incident_type="fire",
                source="phone",
                status="closed",
                jurisdiction_id=risky.jurisdiction_id,
                unit_id=risky.id,
            )
        )
    add_user(uow, "root", "admin", "320000")
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "th_officer", "prevention_officer", TINGHU)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    return {n: login(client, n) for n in ("root", "officer", "th_officer", "viewer")}


def test_compute_explains_scores_and_stores_areas(
    client: TestClient, world: dict[str, dict[str, str]], uow: Any
) -> None:
    r = client.post("/api/risk/compute", json={"as_of": DAY.isoformat()}, headers=world["officer"])
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["units"] == 2  # the officer's scope: Dafeng only
    r = client.get("/api/risk/units", headers=world["officer"])
    items = r.json()["items"]
    assert [i["unit_code"] for i in items] == [RISKY, CALM]
    top = items[0]
    assert top["score"] == pytest.approx(sum(c["points"] for c in top["contributions"]), abs=0.05)
    raw = {c["factor"]: c["raw"] for c in top["contributions"]}
    assert raw["open_hazards"] == 2 and raw["overdue_hazards"] == 1 and raw["major_hazards"] == 1
    assert raw["height_m"] == 60 and raw["use"] == "public"
    assert raw["devices_offline_share"] == 0.5 and raw["fault_alarms_90d"] == 1
    assert raw["fires_5y"] == 1 and raw["days_since_inspection"] is None
    missing = {c["factor"] for c in top["contributions"] if c["missing"]}
    assert missing == {"days_since_inspection", "occupants"}
    # credit comes from the supervision domain's credit_summary: no record scores its base 90
    assert raw["credit_score"] == 90 and not raw["blacklisted"]
    assert top["grade"] in ("I", "II") and items[1]["grade"] == "IV"

    r = client.get("/api/risk/areas", params={"kind": "h3"}, headers=world["officer"])
    cells = {a["area_key"] for a in r.json()["items"]}
    with uow() as s:
        u = s.execute(select(Unit).where(Unit.code == RISKY)).scalar_one()
        assert h3.latlng_to_cell(u.lat, u.lon, 8) in cells
    r = client.get("/api/risk/areas", params={"kind": "jurisdiction"}, headers=world["officer"])
    (area,) = r.json()["items"]
    assert area["area_key"] == DAFENG and area["units"] == 2
    assert sum(area["grade_counts"].values()) == 2

    # The Tinghu officer neither sees Dafeng's units nor reaches them by code.
    assert client.get(f"/api/risk/units/{RISKY}", headers=world["th_officer"]).status_code == 404
    r = client.get(f"/api/risk/units/{RISKY}", headers=world["viewer"])
    assert r.status_code == 200 and r.json()["scores"][0]["as_of"] == DAY.isoformat()
    # A viewer reads but may not compute.
    assert client.post("/api/risk/compute", json={}, headers=world["viewer"]).status_code == 403
    with uow() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.object_type == "risk")).scalar_one()
        assert entry.action == "compute" and entry.actor == "officer"


def test_map_layer_draws_the_riskiest_last_for_readers_only(
    client: TestClient, world: dict[str, dict[str, str]], uow: Any
) -> None:
    r = client.post("/api/risk/compute", json={"as_of": DAY.isoformat()}, headers=world["officer"])
    assert r.status_code == 201, r.text
    r = client.get("/api/map/risk/units", headers=world["officer"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == DAY.isoformat()
    assert [f["properties"]["code"] for f in body["features"]] == [CALM, RISKY]
    # The map asks for its view only: the box is applied in SQL.
    lon, lat = body["features"][1]["geometry"]["coordinates"]
    box = f"{lon - 1e-4},{lat - 1e-4},{lon + 1e-4},{lat + 1e-4}"
    r = client.get("/api/map/risk/units", params={"bbox": box}, headers=world["officer"])
    assert [f["properties"]["code"] for f in r.json()["features"]] == [RISKY]
    r = client.get("/api/map/risk/units", params={"bbox": "1,2,3"}, headers=world["officer"])
    assert r.status_code == 422 and "bbox" in r.text
    add_user(uow, "manager", "unit_manager", DAFENG)
    r = client.get("/api/map/risk/units", headers=login(client, "manager"))
    assert r.status_code == 403 and "may not read risk" in r.json()["detail"]


def test_warnings_recorded_once_per_crossing(
    client: TestClient, world: dict[str, dict[str, str]], uow: Any
) -> None:
    lines = config.load()
    low = config.parse(
        config.DEFAULT_PATH.read_text(encoding="utf-8").replace("area_score: 30", "area_score: 10")
    )
    assert low.warnings["area_score"] == 10 != lines.warnings["area_score"]
    with uow() as s:
        first = service.compute(s, SYSTEM, EVERYWHERE, DAY, low)
        kinds = {(w.kind, w.target.split(":")[0]) for w in first.warnings}
        assert ("area_score", "h3") in kinds and ("area_score", "jurisdiction") not in kinds
        assert all(w.audience for w in first.warnings)
    with uow() as s:  # the same state the next day: still over the line, not crossed again
        again = service.compute(s, SYSTEM, EVERYWHERE, DAY + timedelta(days=1), low)
        assert not [w for w in again.warnings if w.kind == "area_score"]
    with uow() as s:  # recomputing a day replaces its scores but never repeats its warnings
        service.compute(s, SYSTEM, EVERYWHERE, DAY, low)
        n = len(s.execute(select(RiskWarning).where(RiskWarning.as_of == DAY)).scalars().all())
        assert n == len(first.warnings)
    r = client.get("/api/risk/warnings", headers=world["officer"])
    assert r.status_code == 200 and all(w["jurisdiction_code"] == DAFENG for w in r.json())
    assert len(r.json()) >= 1


def test_credit_is_pluggable_and_absent_safe(world: dict[str, dict[str, str]], uow: Any) -> None:
    model = config.load()
    with uow() as s:
        risky = s.execute(select(Unit).where(Unit.code == RISKY)).scalar_one()
        plain = service.compute(s, SYSTEM, EVERYWHERE, DAY, model)
        assert plain.units == 3

        def provider(session: Any, ids: Any) -> dict[int, Any]:
            return {risky.id: {"score": 30, "blacklisted": True}}

        service.compute(s, SYSTEM, EVERYWHERE, DAY, model, credit_provider=provider)
        _, rows, _ = service.list_units(s, EVERYWHERE, DAY)
        contributions = {c["factor"]: c for c in rows[0][0].contributions}
        assert rows[0][1].code == RISKY
        assert contributions["blacklisted"]["value"] == 1.0
        assert not contributions["blacklisted"]["missing"]
        assert contributions["credit_score"]["raw"] == 30


def test_weights_endpoint_and_bad_date(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    r = client.get("/api/risk/weights", headers=world["viewer"])
    assert r.status_code == 200 and r.json()["consistency_ratio"] < 0.1
    r = client.post("/api/risk/compute", json={"as_of": "2025-02-30"}, headers=world["officer"])
    assert r.status_code == 422
    r = client.get("/api/risk/units", headers=world["officer"])
    assert r.status_code == 404 and "lanyan risk compute" in r.json()["detail"]


def test_past_snapshot_sees_only_the_past_and_grades_feed_the_draw(
    world: dict[str, dict[str, str]], uow: Any
) -> None:
    model = config.load()
    with uow() as s:
        service.compute(s, SYSTEM, EVERYWHERE, date(2025, 1, 31), model)  # before the findings
        service.compute(s, SYSTEM, EVERYWHERE, DAY, model)
        _, rows, _ = service.list_units(s, EVERYWHERE, date(2025, 1, 31))
        early = {u.code: {c["factor"]: c["raw"] for c in r.contributions} for r, u in rows}
        assert early[RISKY]["open_hazards"] == 0 and early[RISKY]["fault_alarms_90d"] == 0
        assert early[RISKY]["fires_5y"] == 1  # the 2024 fire was already on record
        assert service.unit_codes_by_grade(s, EVERYWHERE) == {RISKY}
        assert service.unit_codes_by_grade(s, EVERYWHERE, as_of=date(2025, 1, 31)) == set()
