"""Equipment (装备): the lifecycle state machine, items through the API, scoping, reserves, audit."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.errors import ValidationFailed
from lanyan.logistics import lifecycle
from lanyan.logistics.choices import ItemAction as A
from lanyan.logistics.choices import ItemState as S
from lanyan.logistics.choices import LocationKind as L
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import DAFENG, TINGHU, add_user, login, sample, seed_region

D = date(2025, 3, 1)


def test_lifecycle_walks_purchase_to_scrap() -> None:
    state = S.PURCHASED
    for action, where in [
        (A.STOCK, L.DEPOT),
        (A.ISSUE, L.VEHICLE),
        (A.COMMISSION, None),
        (A.INSPECT, None),
        (A.SEND_TO_REPAIR, None),
        (A.RETURN_FROM_REPAIR, None),
        (A.SCRAP, None),
    ]:
        state = lifecycle.move("E1", state, action, D, where).after
    assert state is S.SCRAPPED
    assert lifecycle.legal_actions(S.SCRAPPED) == []


@pytest.mark.parametrize(
    ("state", "action", "where", "field", "words"),
    [
        (S.PURCHASED, A.ISSUE, L.STATION, "action", ["采购", "配发", "allowed: 入库"]),
        (S.SCRAPPED, A.COMMISSION, None, "action", ["报废", "启用", "none"]),
        (S.REPAIR, A.INSPECT, None, "action", ["维修", "检查"]),
        (S.STOCKED, A.ISSUE, L.DEPOT, "location_kind", ["station/vehicle"]),
        (S.PURCHASED, A.STOCK, None, "location_kind", ["depot"]),
        (S.ISSUED, A.COMMISSION, L.STATION, "location_kind", ["does not move"]),
    ],
)
def test_lifecycle_refuses_illegal_moves(
    state: S, action: A, where: L | None, field: str, words: list[str]
) -> None:
    with pytest.raises(ValidationFailed) as err:
        lifecycle.move("E1", state, action, D, where)
    assert err.value.problems[0].field == field
    for word in words:
        assert word in err.value.message


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    with uow() as s:
        for county in (DAFENG, TINGHU):
            service.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", county))
            service.create(s, get_type("vehicles"), SYSTEM, EVERYWHERE, sample("vehicles", county))
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "th_cmd", "commander", TINGHU)
    add_user(uow, "df_view", "government_viewer", DAFENG)
    df = login(client, "df_cmd")
    th = login(client, "th_cmd")
    for county, headers in ((DAFENG, df), (TINGHU, th)):
        r = client.post(
            "/api/equipment/depots",
            json={"code": f"DEP-{county}", "name": "装备库", "jurisdiction_code": county},
            headers=headers,
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/api/equipment/kinds",
        json={
            "code": "PPE-SUIT",
            "name": "消防员灭火防护服",
            "category": "protective_gear",
            "unit_name": "套",
            "inspection_days": 30,
            "maintenance_days": 180,
        },
        headers=df,
    )
    assert r.status_code == 201, r.text
    return {"df": df, "th": th, "view": login(client, "df_view")}


def _buy(client: TestClient, headers: dict[str, str], code: str, **over: Any) -> Any:
    body = {"code": code, "kind_code": "PPE-SUIT", "depot_code": f"DEP-{DAFENG}", **over}
    return client.post("/api/equipment/items", json=body, headers=headers)


def _move(client: TestClient, headers: dict[str, str], code: str, **body: Any) -> Any:
    return client.post(f"/api/equipment/items/{code}/moves", json=body, headers=headers)


def test_item_purchase_to_scrap_is_audited(
    client: TestClient, world: dict[str, dict[str, str]], sessions: Any
) -> None:
    df = world["df"]
    r = _buy(client, df, "E-0001", tag_epc="e2801160600002040000a1b2", purchased_on="2025-01-05")
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["state"] == "purchased" and item["tag_epc"] == "E2801160600002040000A1B2"
    assert item["label_url"] == "http://127.0.0.1:8000/equipment/items/E-0001"
    assert item["legal_actions"] == ["stock"]
    vehicle = f"V-{DAFENG}-1"
    steps = [
        (
            {"action": "stock", "location_kind": "depot", "location_code": f"DEP-{DAFENG}"},
            "stocked",
        ),
        ({"action": "issue", "location_kind": "vehicle", "location_code": vehicle}, "issued"),
        ({"action": "commission", "on": "2025-02-01"}, "in_use"),
        ({"action": "send_to_repair", "note": "面罩破损"}, "repair"),
        ({"action": "return_from_repair", "on": "2025-03-01"}, "in_use"),
        ({"action": "scrap"}, "scrapped"),
    ]
    for body, state in steps:
        r = _move(client, df, "E-0001", **body)
        assert r.status_code == 200, r.text
        assert r.json()["state"] == state
        if state == "issued":
            assert r.json()["location_code"] == vehicle
            assert r.json()["location_name"] == vehicle
        if state == "in_use" and body.get("on") == "2025-02-01":
            assert r.json()["inspection_due"] == "2025-03-03"
            assert r.json()["maintenance_due"] == "2025-07-31"
    item = r.json()
    assert [h["action"] for h in item["history"]] == [
        "purchase",
        "stock",
        "issue",
        "commission",
        "send_to_repair",
        "return_from_repair",
        "scrap",
    ]
    assert item["history"][4]["note"] == "面罩破损"
    assert item["inspection_due"] is None and item["legal_actions"] == []

    r = _move(client, df, "E-0001", action="commission")
    assert r.status_code == 422
    assert "报废" in r.json()["detail"] and "启用" in r.json()["detail"]

    with sessions() as s:
        entries = (
            s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "equipment-items")
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in entries] == ["create"] + [b["action"] for b, _ in steps]
        assert all(e.actor == "df_cmd" and e.scope_path.count("/") >= 4 for e in entries)
        assert json.loads(entries[-1].before)["state"] == "in_use"
        assert json.loads(entries[-1].after)["state"] == "scrapped"
        assert verify(s).ok


def test_bad_input_and_duplicate_tags(client: TestClient, world: dict[str, dict[str, str]]) -> None:
    df = world["df"]
    assert _buy(client, df, "E-1", tag_epc="E2801160600002040000A1B2").status_code == 201
    r = _buy(client, df, "E-2", tag_epc="e2801160600002040000a1b2")
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "tag_epc" and "E-1" in r.json()["errors"][0]["rule"]
    r = _buy(client, df, "E-3", tag_epc="not-hex")
    assert r.status_code == 422 and "tag_epc" in r.text
    assert _buy(client, df, "E-1").status_code == 409  # the code is taken too
    r = _buy(client, df, "E-4", kind_code="NOPE")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind_code"
    r = _move(
        client, df, "E-1", action="issue", location_kind="station", location_code=f"S-{DAFENG}-1"
    )
    assert r.status_code == 422
    assert "采购" in r.json()["detail"] and "allowed: 入库" in r.json()["detail"]
    r = _move(client, df, "E-1", action="stock", location_kind="depot")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "location_code"


def test_scoping_through_the_place(client: TestClient, world: dict[str, dict[str, str]]) -> None:
    df, th, view = world["df"], world["th"], world["view"]
    assert _buy(client, df, "E-1").status_code == 201
    assert client.get("/api/equipment/items/E-1", headers=th).status_code == 404
    assert client.get("/api/equipment/items/E-1", headers=view).status_code == 200
    assert _move(client, view, "E-1", action="stock").status_code == 403
    r = _buy(client, th, "E-2")  # Tinghu's commander may not buy into Dafeng's depot
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "depot_code"
    assert (
        _move(
            client, df, "E-1", action="stock", location_kind="depot", location_code=f"DEP-{DAFENG}"
        ).status_code
        == 200
    )
    r = _move(
        client, df, "E-1", action="issue", location_kind="station", location_code=f"S-{TINGHU}-1"
    )
    assert r.status_code == 422 and "outside your jurisdiction" in r.text
    assert client.get("/api/equipment/items", headers=th).json()["total"] == 0
    assert client.get("/api/equipment/items", headers=df).json()["total"] == 1


def test_backup_rate_and_overdue(client: TestClient, world: dict[str, dict[str, str]]) -> None:
    df = world["df"]
    station = f"S-{DAFENG}-1"
    r = client.put(
        "/api/equipment/requirements",
        json={"station_code": station, "kind_code": "PPE-SUIT", "quantity": 4},
        headers=df,
    )
    assert r.status_code == 200, r.text
    for n in range(5):
        code = f"E-{n}"
        assert _buy(client, df, code).status_code == 201
        _move(
            client, df, code, action="stock", location_kind="depot", location_code=f"DEP-{DAFENG}"
        )
        if n < 3:  # three reach the station (one on its vehicle), two stay in the depot
            where = ("vehicle", f"V-{DAFENG}-1") if n == 0 else ("station", station)
            r = _move(
                client, df, code, action="issue", location_kind=where[0], location_code=where[1]
            )
            assert r.status_code == 200, r.text
            _move(client, df, code, action="commission", on="2025-01-01")
    _move(client, df, "E-2", action="send_to_repair")  # under repair: not held
    rate = client.get("/api/equipment/backup-rate", headers=df).json()
    assert rate["required"] == 4 and rate["covered"] == 2 and rate["rate"] == 0.5
    assert rate["stations"][0]["held"] == 2 and rate["depot_stock"] == {"PPE-SUIT": 2}
    assert (
        client.get("/api/equipment/backup-rate?category=rescue", headers=df).json()["rate"] is None
    )
    assert client.get("/api/equipment/backup-rate", headers=world["th"]).json()["required"] == 0

    late = client.get("/api/equipment/overdue?as_of=2025-03-10", headers=df).json()
    # E-0 and E-1 were due an inspection on 2025-01-31; E-2 is under repair, and its
    # inspection date still counts: a repair shop does not reset the inspection cycle.
    assert [(o["code"], o["what"], o["days_late"]) for o in late] == [
        ("E-0", "inspection", 38),
        ("E-1", "inspection", 38),
        ("E-2", "inspection", 38),
    ]
    assert client.get("/api/equipment/overdue?as_of=2025-01-31", headers=df).json() == []


def test_item_page_picks_stations_and_vehicles_by_search_and_refuses_other_counties(
    client: TestClient, world: dict[str, dict[str, str]]
) -> None:
    df = world["df"]
    assert _buy(client, df, "E-0009").status_code == 201
    r = _move(
        client, df, "E-0009", action="stock", location_kind="depot", location_code=f"DEP-{DAFENG}"
    )
    assert r.status_code == 200, r.text
    html = client.get("/equipment/items/E-0009", headers=df).text
    # 配发 goes to a station or a vehicle: searched over the API, not listed in the page.
    assert 'data-source="/api/stations"' in html and 'data-source="/api/vehicles"' in html
    assert f'value="station:S-{DAFENG}-1"' not in html
    move = {"action": "issue", "location_kind": "station"}
    url = "/equipment/items/E-0009/move"
    for code, said in ((f"S-{TINGHU}-1", "outside your jurisdiction"), ("S-NONE", "S-NONE")):
        r = client.post(url, data=move | {"location_code": code}, headers=df)
        assert r.status_code == 422 and 'id="move-error"' in r.text
        assert "location_code" in r.text and said in r.text
    r = client.post(
        url, data=move | {"location_code": f"S-{DAFENG}-1"}, headers=df, follow_redirects=False
    )
    assert r.status_code == 303
    item = client.get("/api/equipment/items/E-0009", headers=df).json()
    assert (item["state"], item["location_code"]) == ("issued", f"S-{DAFENG}-1")
