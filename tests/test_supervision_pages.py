"""The supervision pages through the test client on SQLite and PostgreSQL: the public draw page
without a log-in (and a tampered record failing its verify), who may see and act on which page,
and a refused step shown in the page without writing anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.prevention import draw, draw_service, hazard_service
from lanyan.prevention.models import Draw, Hazard, HazardEventRow
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM

from support import DAFENG, PASSWORD, add_user, bind_unit, create_sample, seed_region, uscc

SEED = "c" * 64


@pytest.fixture
def world(uow: Any) -> dict[str, Any]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    from lanyan.prevention import inspections
    from lanyan.prevention.schemas import CertificateCreate

    for name in ("officer", "partner"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    bind_unit(uow, "manager", uscc(DAFENG, 1))  # the unit's safety manager
    with uow() as s:
        for i, name in enumerate(("officer", "partner")):
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"C{i}",
                    valid_from=datetime.now(UTC).date() - timedelta(days=30),
                    valid_until=datetime.now(UTC).date() + timedelta(days=300),
                ),
            )
        unit = s.execute(select(Unit)).scalar_one()
        hazard = hazard_service.new_hazard(
            s, SYSTEM, unit, "灭火器过期", datetime.now(UTC) - timedelta(days=2), False, None
        )
        hazard_id = hazard.id
    with uow() as s:
        code = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, SEED, draw.Rates(1, 1, 1)).code
    with uow() as s:
        draw_service.perform(s, SYSTEM, EVERYWHERE, code, SEED)
    return {"draw": code, "hazard": hazard_id}


def _page_login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text


def test_public_draw_page_needs_no_log_in_and_catches_tampering(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    client.cookies.clear()
    r = client.get("/public/draws")
    assert r.status_code == 200 and world["draw"] in r.text
    r = client.get(f"/public/draws/{world['draw']}?verify=true")
    assert 'data-ok="true"' in r.text and draw.sha256_hex(SEED) in r.text and SEED in r.text
    record = client.get(f"/public/draws/{world['draw']}.json").json()
    assert draw.verify(record) == []
    with uow() as s:  # someone edits the stored result after publication
        row = s.execute(select(Draw)).scalar_one()
        tampered = dict(row.record)
        tampered["result"] = [{"unit": uscc(DAFENG, 1), "inspectors": ["officer", "viewer"]}]
        row.record = tampered
    r = client.get(f"/public/draws/{world['draw']}?verify=true")
    assert 'data-ok="false"' in r.text and "different result" in r.text
    assert client.get("/public/draws/SJ-NOPE").status_code == 404


def test_who_may_see_and_act(client: TestClient, world: dict[str, Any]) -> None:
    _page_login(client, "viewer")
    assert client.get("/hazards").status_code == 200
    assert client.get("/risk").status_code == 200
    assert client.get("/inspect").status_code == 403
    r = client.post(
        f"/hazards/{world['hazard']}/act", data={"action": "order", "deadline": "2099-01-01"}
    )
    assert r.status_code == 403
    _page_login(client, "manager")
    assert client.get(f"/hazards/{world['hazard']}").status_code == 200
    assert client.get("/risk").status_code == 403
    _page_login(client, "officer")
    html = client.get("/inspect").text
    assert "partner" in html and "检查表" in html  # the certified partner and the checklist


def test_refused_step_shows_in_the_page_and_writes_nothing(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    _page_login(client, "officer")
    hid = world["hazard"]
    # 责令整改 with a deadline before the finding day is refused, naming the field.
    r = client.post(f"/hazards/{hid}/act", data={"action": "order", "deadline": "2000-01-01"})
    assert r.status_code == 409 and "deadline" in r.text and 'id="page-error"' in r.text
    # 销案 from 发现 is not a legal move: the message names the state and the action.
    r = client.post(f"/hazards/{hid}/act", data={"action": "close"})
    assert r.status_code == 409 and "found" in r.text and "close" in r.text
    with uow() as s:
        assert s.execute(select(Hazard.state).where(Hazard.id == hid)).scalar_one() == "found"
        n = s.execute(select(func.count()).select_from(HazardEventRow)).scalar_one()
        assert n == 1
    # An overdue hazard is recorded once from the board's button.
    r = client.post(
        f"/hazards/{hid}/act",
        data={
            "action": "order",
            "deadline": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
        },
    )
    assert r.status_code == 200 and "逾期" in r.text
    r = client.post("/hazards/sweep")
    assert r.status_code == 200 and 'id="swept"' in r.text and ": 1" in r.text
    assert ": 0" in client.post("/hazards/sweep").text
    # A single inspector is refused on the inspector page; nothing is written.
    r = client.post(
        "/inspect", data={"unit_code": uscc(DAFENG, 1), "kind": "special", "finding_0": "通道堵塞"}
    )
    assert r.status_code == 422 and "双人执法" in r.text
    r = client.post(
        "/inspect",
        data={
            "unit_code": uscc(DAFENG, 1),
            "kind": "special",
            "partners": "partner",
            "finding_0": "通道堵塞",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with uow() as s:
        assert s.execute(select(func.count()).select_from(Hazard)).scalar_one() == 2
