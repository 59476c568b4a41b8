"""Consumable supplies (物资) and 战勤保障模块: stock ledger, expiry, readiness, one-click dispatch."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.core.errors import ValidationFailed
from lanyan.logistics.choices import ModuleKind
from lanyan.logistics.models import SupplyLot, SupplyMovement
from lanyan.logistics.service import today
from lanyan.logistics.supplies import ModuleStandard
from lanyan.registry.models import Jurisdiction
from lanyan.response.models import Incident
from lanyan.store.audit import AuditEntry, verify

from support import DAFENG, TINGHU, add_user, login, seed_region

TODAY = today()


def _incident(uow: Any, code: str, county: str, **over: Any) -> None:
    with uow() as s:
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == county)).scalar_one()
        fields = {
            "code": code,
            "received_at": datetime.now(UTC),
            "incident_type": "fire",
            "source": "phone",
            "status": "active",
            "alarm_level": 1,
            "building_class": "high_rise",
            "jurisdiction_id": jid,
            **over,
        }
        s.add(Incident(**fields))


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "th_cmd", "commander", TINGHU)
    add_user(uow, "df_disp", "dispatcher", DAFENG)
    add_user(uow, "df_view", "government_viewer", DAFENG)
    df, th = login(client, "df_cmd"), login(client, "th_cmd")
    for county, headers in ((DAFENG, df), (TINGHU, th)):
        r = client.post(
            "/api/equipment/depots",
            json={"code": f"DEP-{county}", "name": "战勤保障库", "jurisdiction_code": county},
            headers=headers,
        )
        assert r.status_code == 201, r.text
    for body in (
        {
            "code": "FOAM-AFFF",
            "name": "水成膜泡沫液",
            "category": "extinguishing_agent",
            "unit_name": "吨",
            "shelf_life_days": 1095,
        },
        {
            "code": "WATER-BOX",
            "name": "瓶装饮用水",
            "category": "food_water",
            "unit_name": "箱",
            "shelf_life_days": 365,
        },
    ):
        assert client.post("/api/supplies/kinds", json=body, headers=df).status_code == 201
    r = client.post(
        "/api/equipment/kinds",
        json={"code": "LIGHT", "name": "移动照明灯组", "category": "support", "unit_name": "台"},
        headers=df,
    )
    assert r.status_code == 201, r.text
    return {"df": df, "th": th, "disp": login(client, "df_disp"), "view": login(client, "df_view")}


def _receive(client: TestClient, h: dict[str, str], kind: str, lot: str, qty: float, **over: Any):
    body = {"kind_code": kind, "depot_code": f"DEP-{DAFENG}", "lot": lot, "quantity": qty, **over}
    return client.post("/api/supplies/receipts", json=body, headers=h)


def test_issue_takes_first_expiring_lots_and_never_expired_ones(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    df = world["df"]
    soon, later = TODAY + timedelta(days=20), TODAY + timedelta(days=400)
    assert (
        _receive(client, df, "FOAM-AFFF", "L-LATER", 5, expires_on=later.isoformat()).status_code
        == 201
    )
    assert (
        _receive(client, df, "FOAM-AFFF", "L-SOON", 2, expires_on=soon.isoformat()).status_code
        == 201
    )
    old = {
        "received_on": (TODAY - timedelta(days=800)).isoformat(),
        "expires_on": (TODAY - timedelta(days=1)).isoformat(),
    }
    assert _receive(client, df, "FOAM-AFFF", "L-OLD", 9, **old).status_code == 201

    stock = client.get("/api/supplies/stock", headers=df).json()
    assert stock == [
        {
            "depot": f"DEP-{DAFENG}",
            "kind": "FOAM-AFFF",
            "name": "水成膜泡沫液",
            "unit_name": "吨",
            "usable": 7.0,
            "expired": 9.0,
            "next_expiry": soon.isoformat(),
        }
    ]
    # 7 usable: asking 8 is refused whole, naming the field and what is usable
    r = client.post(
        "/api/supplies/issues",
        headers=df,
        json={
            "kind_code": "FOAM-AFFF",
            "depot_code": f"DEP-{DAFENG}",
            "quantity": 8,
            "reason": "training",
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "quantity" and "7" in r.json()["errors"][0]["rule"]
    r = client.post(
        "/api/supplies/issues",
        headers=df,
        json={
            "kind_code": "FOAM-AFFF",
            "depot_code": f"DEP-{DAFENG}",
            "quantity": 3,
            "reason": "training",
        },
    )
    assert r.status_code == 200 and r.json()["issued"] == 3
    with sessions() as s:
        left = dict(s.execute(select(SupplyLot.lot, SupplyLot.quantity)).all())
    assert left == {"L-SOON": 0.0, "L-LATER": 4.0, "L-OLD": 9.0}

    expiring = client.get("/api/supplies/expiring?within_days=30", headers=df).json()
    assert [(e["lot"], e["expired"]) for e in expiring] == [("L-OLD", True)]  # L-SOON is empty
    assert client.post("/api/supplies/expired/dispose", headers=df).json() == {"disposed_lots": 1}
    with sessions() as s:
        reasons = s.execute(
            select(SupplyMovement.reason, func.count()).group_by(SupplyMovement.reason)
        ).all()
        assert dict(reasons) == {"receive": 3, "training": 2, "expired": 1}
        assert verify(s).ok
        assert (
            s.execute(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.object_type == "supply-lots")
            ).scalar_one()
            == 6
        )


def test_bad_stock_input_names_the_field(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df = world["df"]
    r = _receive(
        client,
        df,
        "FOAM-AFFF",
        "L1",
        1,
        received_on=TODAY.isoformat(),
        expires_on=(TODAY - timedelta(days=1)).isoformat(),
    )
    assert r.status_code == 422 and "expires_on" in r.text
    assert _receive(client, df, "NOPE", "L1", 1).json()["errors"][0]["field"] == "kind_code"
    assert _receive(client, df, "FOAM-AFFF", "L1", -1).status_code == 422
    other = {"depot_code": f"DEP-{TINGHU}"}
    r = _receive(client, df, "FOAM-AFFF", "L1", 1, **other)
    assert r.json()["errors"][0] == {
        "field": "depot_code",
        "rule": "is outside your jurisdiction",
    } or (r.json()["errors"][0]["field"] == "depot_code")
    r = client.post(
        "/api/supplies/issues",
        headers=df,
        json={
            "kind_code": "FOAM-AFFF",
            "depot_code": f"DEP-{DAFENG}",
            "quantity": 1,
            "reason": "incident",
        },
    )
    assert r.json()["errors"][0]["field"] == "incident_code"
    assert (
        client.post(
            "/api/supplies/kinds",
            headers=world["view"],
            json={"code": "X", "name": "x", "category": "other", "unit_name": "件"},
        ).status_code
        == 403
    )


def _module(client: TestClient, h: dict[str, str], code: str, kind: str, **over: Any) -> Any:
    body = {
        "code": code,
        "name": f"{code} 模块",
        "kind": kind,
        "depot_code": f"DEP-{DAFENG}",
        "lines": [
            {"supply_kind_code": "FOAM-AFFF", "quantity": 2},
            {"supply_kind_code": "WATER-BOX", "quantity": 10},
        ],
        **over,
    }
    return client.post("/api/supplies/modules", json=body, headers=h)


def test_module_is_ready_only_when_its_depot_holds_the_standard(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df = world["df"]
    m = _module(
        client,
        df,
        "M-BF",
        "building_fire",
        lines=[
            {"supply_kind_code": "FOAM-AFFF", "quantity": 2},
            {"equipment_kind_code": "LIGHT", "quantity": 1},
        ],
    )
    assert m.status_code == 201 and m.json()["state"] == "replenishing"
    r = client.post("/api/supplies/modules/M-BF/ready", headers=df)
    assert r.status_code == 422
    fields = sorted(p["field"] for p in r.json()["errors"])
    assert fields == ["lines.FOAM-AFFF", "lines.LIGHT"]
    _receive(client, df, "FOAM-AFFF", "L1", 2)
    r = client.post(
        "/api/equipment/items",
        headers=df,
        json={"code": "LT-1", "kind_code": "LIGHT", "depot_code": f"DEP-{DAFENG}"},
    )
    assert r.status_code == 201, r.text
    assert (
        client.post(
            "/api/equipment/items/LT-1/moves",
            headers=df,
            json={"action": "stock", "location_kind": "depot", "location_code": f"DEP-{DAFENG}"},
        ).status_code
        == 200
    )
    r = client.post("/api/supplies/modules/M-BF/ready", headers=df)
    assert r.status_code == 200 and r.json()["state"] == "ready" and r.json()["complete"]
    bad = _module(client, df, "M-X", "building_fire", lines=[{"quantity": 1}])
    assert bad.status_code == 422 and "exactly one" in bad.text


def test_one_click_dispatch_follows_the_standard_and_draws_stock(
    client: TestClient, world: dict[str, dict[str, str]], uow: Any, sessions: Any
) -> None:
    df = world["df"]
    _receive(client, df, "FOAM-AFFF", "L1", 3)
    _receive(client, df, "WATER-BOX", "W1", 30)
    for code, kind in (
        ("M-BF", "building_fire"),
        ("M-LS", "life_support"),
        ("M-WR", "water_rescue"),
    ):
        assert _module(client, df, code, kind).status_code == 201
        assert client.post(f"/api/supplies/modules/{code}/ready", headers=df).status_code == 200
    _incident(uow, "INC-1", DAFENG, alarm_level=2)  # high-rise fire, level 2
    r = client.post(
        "/api/supplies/dispatch", json={"incident_code": "INC-1"}, headers=world["disp"]
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert [s["module"] for s in out["sent"]] == ["M-BF", "M-LS"]
    assert out["unavailable"] == [{"kind": "command_post", "kind_name": "指挥部"}]
    # M-BF took 2 t of foam and 10 boxes; M-LS found 1 t of foam left: sent with its shortfall
    assert out["sent"][0]["shortfall"] == []
    assert [(x["kind_code"], x["short"]) for x in out["sent"][1]["shortfall"]] == [
        ("FOAM-AFFF", 1.0)
    ]
    with sessions() as s:
        left = dict(s.execute(select(SupplyLot.lot, SupplyLot.quantity)).all())
        assert left == {"L1": 0.0, "W1": 10.0}
        moved = s.execute(
            select(func.count())
            .select_from(SupplyMovement)
            .where(SupplyMovement.incident_id.is_not(None))
        ).scalar_one()
        assert moved == 4
    # a dispatched module is not sent again; it comes back to 补充中, then ready when restocked
    _incident(uow, "INC-2", DAFENG, alarm_level=1)
    again = client.post(
        "/api/supplies/dispatch", json={"incident_code": "INC-2"}, headers=world["disp"]
    )
    assert again.json()["sent"] == [] and again.json()["unavailable"][0]["kind"] == "building_fire"
    named = client.post(
        "/api/supplies/dispatch",
        headers=world["disp"],
        json={"incident_code": "INC-2", "modules": ["M-BF"]},
    )
    assert named.status_code == 409 and "已调派" in named.text
    assert (
        client.post("/api/supplies/modules/M-BF/return", headers=df).json()["state"]
        == "replenishing"
    )
    assert client.post("/api/supplies/modules/M-BF/return", headers=df).status_code == 409
    _receive(client, df, "FOAM-AFFF", "L2", 2)
    assert client.post("/api/supplies/modules/M-BF/ready", headers=df).json()["state"] == "ready"
    # out of scope: Tinghu's commander cannot send to a Dafeng incident
    r = client.post("/api/supplies/dispatch", json={"incident_code": "INC-2"}, headers=world["th"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "incident_code"
    assert (
        client.post(
            "/api/supplies/dispatch", json={"incident_code": "INC-2"}, headers=world["view"]
        ).status_code
        == 403
    )
    with sessions() as s:
        assert verify(s).ok


def test_dispatch_standard_is_checked_and_matches_by_type_class_and_level(tmp_path: Path) -> None:
    standard = ModuleStandard.load()
    assert standard.kinds_for("fire", "residential", 1) == [ModuleKind.BUILDING_FIRE]
    assert standard.kinds_for("fire", "high_rise", 2) == [
        ModuleKind.BUILDING_FIRE,
        ModuleKind.COMMAND_POST,
        ModuleKind.LIFE_SUPPORT,
    ]
    assert standard.kinds_for("social_assistance", None, 5) == []
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        json.dumps(
            {
                "rules": [
                    {"incident_type": "fire", "modules": ["building_fire"]},
                    {"incident_type": "flood", "modules": ["water_rescue"]},
                    {"incident_type": "fire", "min_level": 9, "modules": ["water_rescue"]},
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed) as err:
        ModuleStandard.load(bad)
    assert [p.field for p in err.value.problems] == ["rules[1]", "rules[2]"]


def test_closed_incident_gets_no_modules(
    client: TestClient, world: dict[str, dict[str, str]], uow: Any
) -> None:
    _incident(uow, "INC-C", DAFENG, status="closed")
    r = client.post(
        "/api/supplies/dispatch", json={"incident_code": "INC-C"}, headers=world["disp"]
    )
    assert r.status_code == 409 and "closed" in r.text
