"""The supervision record pages: lists and forms for complaints, enforcement, 告知承诺 and
credit, writing through the services and showing refusals in the form by field and rule."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.prevention.models.inspections import (
    Commitment,
    Complaint,
    CreditRecord,
    EnforcementAction,
)
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, PASSWORD, add_user, sample, seed_region, uscc

UNIT = uscc(DAFENG, 1)


def _signed_in(client: TestClient, username: str) -> TestClient:
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def _count(uow: Any, model: Any) -> int:
    with uow() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_officer_records_through_the_pages(uow: Any, client: TestClient) -> None:
    seed_region(uow)
    with uow() as s:
        payload = sample("units", DAFENG, 1) | {"category": "crowded"}
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, payload)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    _signed_in(client, "officer")

    r = client.get("/supervision/complaints")
    assert r.status_code == 200 and "举报投诉" in r.text and 'id="record-form"' in r.text
    bad = {"channel": "12345", "unit_code": UNIT, "content": "楼道堆放杂物"}  # no phone
    r = client.post("/supervision/complaints", data=bad)
    assert r.status_code == 422 and 'id="form-error"' in r.text and "reporter_phone" in r.text
    assert _count(uow, Complaint) == 0
    r = client.post(
        "/supervision/complaints", data=bad | {"anonymous": "1"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    r = client.get(r.headers["location"])
    assert "JB" in r.text and "12345政务热线" in r.text and 'id="flash"' in r.text

    decision = {
        "kind": "fine",
        "unit_code": UNIT,
        "basis": "xfl_60",
        "decision_no": "丰消行罚决字〔2025〕9号",
        "decided_on": "2025-03-05",
        "starts_on": "2025-03-05",
        "amount_yuan": "100000",
    }
    r = client.post("/supervision/enforcement", data=decision)
    assert r.status_code == 422 and "amount_yuan" in r.text and "5000" in r.text
    r = client.post(
        "/supervision/enforcement",
        data=decision | {"amount_yuan": "20000"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get("/supervision/enforcement").text
    assert "消防法第六十条" in page and "罚款" in page
    assert _count(uow, EnforcementAction) == 1

    r = client.post(
        "/supervision/commitments",
        data={
            "unit_code": UNIT,
            "venue": "星光影院",
            "floor_area_m2": "1200",
            "opens_on": "2025-04-01",
            "statements": "消防设施完好有效\n疏散通道畅通",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with uow() as s:
        (row,) = s.execute(select(Commitment)).scalars()
        assert row.statements == ["消防设施完好有效", "疏散通道畅通"]

    r = client.post(
        "/supervision/credit",
        data={"unit_code": UNIT, "kind": "penalty", "points": "30", "reason": "拒不整改"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert _count(uow, CreditRecord) == 1
    page = client.get("/supervision/credit", params={"unit_code": UNIT}).text
    assert 'id="summary"' in page and "60" in page


def test_pages_follow_the_role_table(uow: Any, client: TestClient) -> None:
    seed_region(uow)
    add_user(uow, "grid", "grid_worker", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    _signed_in(client, "grid")
    assert client.get("/supervision/complaints").status_code == 403
    client.cookies.clear()
    _signed_in(client, "viewer")
    r = client.get("/supervision/enforcement")
    assert r.status_code == 200 and 'id="record-form"' not in r.text  # reads, no form
    r = client.post("/supervision/complaints", data={"channel": "web", "content": "x"})
    assert r.status_code == 403
