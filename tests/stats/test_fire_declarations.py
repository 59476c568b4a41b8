"""火灾损失申报 from the public portal: a draft that counts in no statistics until an officer
accepts it (then its fire record joins them, linked to the matching closed fire incident), or
rejects it with a reason the declarant reads through the tracking-number lookup."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select
from stats_support import closed_fire

from lanyan.registry.scope import Scope
from lanyan.stats import indicators
from lanyan.stats.models import FireLossDeclaration, FireRecord

from support import DAFENG, add_user, login, seed_region

DECLARATION = {
    "jurisdiction_code": DAFENG,
    "occurred_at": "2025-03-01T20:10",
    "address": "新丰镇幸福路3号",
    "burned": "厨房橱柜、抽油烟机",
    "direct_loss_yuan": "8600",
    "deaths": "0",
    "injuries": "1",
    "declarant_name": "张",
    "declarant_phone": "13912345678",
}


@pytest.fixture
def officer(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "df_prev", "prevention_officer", DAFENG)
    return login(client, "df_prev")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _declare(client: TestClient, **over: Any) -> dict[str, Any]:
    r = client.post(
        "/api/public/fire-losses",
        data=DECLARATION | over,
        files=[("photos", ("fire.png", _png(), "image/png"))],
    )
    assert r.status_code == 201, r.text
    return r.json()


def _figures(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.get("/api/stats/analysis", params={"year": 2025}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["totals"]


def _lookup(client: TestClient, no: str, last4: str = "5678") -> Any:
    return client.post("/api/public/lookup", json={"tracking_no": no, "phone_last4": last4})


def test_a_draft_counts_nowhere_until_accepted_and_then_links_its_incident(
    officer: dict[str, str], client: TestClient, uow: Any
) -> None:
    dispatcher = login(client, "df_dispatch")
    incident = closed_fire(client, dispatcher)  # 2025-03-01 20:00, in Dafeng
    before = _figures(client, officer)
    receipt = _declare(client)
    assert receipt["state"] == "submitted" and receipt["state_zh"] == "待审核"
    no = receipt["tracking_no"]
    # The draft is in no analysis and no indicator.
    assert _figures(client, officer) == before
    with uow() as s:
        assert s.execute(select(func.count()).select_from(FireRecord)).scalar_one() == 0
        assert indicators.yearly_figures(s, Scope().within, [2025]) == {}
    status = _lookup(client, no).json()
    assert status["kind"] == "fire_loss" and status["state_zh"] == "待审核"
    assert status["phone"] == "139****5678"

    [item] = client.get("/api/stats/declarations", headers=officer).json()["items"]
    assert item["declarant_phone"] == "13912345678" and item["photos"][0]["filename"] == "fire.png"
    photo = client.get(f"/api/stats/declarations/{item['id']}/photos/0", headers=officer)
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    r = client.post(f"/api/stats/declarations/{item['id']}/accept", json={}, headers=officer)
    assert r.status_code == 200, r.text
    accepted = r.json()
    assert accepted["state"] == "accepted" and accepted["incident_code"] == incident["code"]
    after = _figures(client, officer)
    assert after["fires"] == before["fires"] + 1
    assert after["injuries"] == before["injuries"] + 1
    assert after["loss_yuan"] == before["loss_yuan"] + 8600
    with uow() as s:
        figures = indicators.yearly_figures(s, Scope().within, [2025])
        assert figures[2025].fires == 1
    status = _lookup(client, no).json()
    assert status["state"] == "accepted" and status["state_zh"] == "已受理"
    again = client.post(
        f"/api/stats/declarations/{item['id']}/reject", json={"reason": "重复"}, headers=officer
    )
    assert again.status_code == 409


def test_a_rejection_carries_its_reason_and_writes_no_record(
    officer: dict[str, str], client: TestClient, uow: Any
) -> None:
    no = _declare(client)["tracking_no"]
    [item] = client.get("/api/stats/declarations", headers=officer).json()["items"]
    r = client.post(
        f"/api/stats/declarations/{item['id']}/reject",
        json={"reason": "经核实该起火灾已由辖区消防救援站登记"},
        headers=officer,
    )
    assert r.status_code == 200, r.text
    status = _lookup(client, no).json()
    assert status["state_zh"] == "不予受理" and status["reply"].startswith("经核实")
    with uow() as s:
        assert s.execute(select(func.count()).select_from(FireRecord)).scalar_one() == 0


def test_the_lookup_answers_alike_for_a_wrong_number_or_phone(
    officer: dict[str, str], client: TestClient
) -> None:
    no = _declare(client)["tracking_no"]
    other = _declare(client, declarant_phone="13700001111")["tracking_no"]
    answers = [
        _lookup(client, no, "1111"),
        _lookup(client, other, "5678"),
        _lookup(client, "20250101-AAAAAAAAAA", "5678"),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.json()["detail"] for a in answers}) == 1


@pytest.mark.parametrize(
    ("change", "files", "field"),
    [
        ({"declarant_phone": "123"}, None, "declarant_phone"),
        ({"direct_loss_yuan": "-5"}, None, "direct_loss_yuan"),
        ({"occurred_at": "2099-01-01T10:00"}, None, "occurred_at"),
        ({"jurisdiction_code": "999999"}, None, "jurisdiction_code"),
        ({}, [("photos", ("x.png", b"%PDF-1.4 not a photo", "image/png"))], "photos.0"),
    ],
)
def test_a_bad_declaration_names_the_field_and_writes_nothing(
    officer: dict[str, str],
    client: TestClient,
    uow: Any,
    change: dict[str, str],
    files: Any,
    field: str,
) -> None:
    r = client.post("/api/public/fire-losses", data=DECLARATION | change, files=files)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}
    with uow() as s:
        assert s.execute(select(func.count()).select_from(FireLossDeclaration)).scalar_one() == 0


def test_the_review_queue_is_guarded_and_paged(officer: dict[str, str], client: TestClient) -> None:
    for _ in range(3):
        _declare(client)
    r = client.get("/api/stats/declarations", params={"size": 2}, headers=officer).json()
    assert r["total"] == 3 and len(r["items"]) == 2
    assert client.get("/api/stats/declarations").status_code == 401


def test_the_pages_declare_refuse_a_non_photo_and_review(
    officer: dict[str, str], client: TestClient, uow: Any
) -> None:
    form = {k: v for k, v in DECLARATION.items() if k != "occurred_at"}
    form |= {"occurred_day": "2025-03-01", "occurred_time": "9:10"}
    page = client.get("/portal/fire-loss")
    assert page.status_code == 200 and "火灾损失申报" in page.text and "选择文件" in page.text
    bad = client.post(
        "/portal/fire-loss",
        data=form,
        files=[("photos", ("x.png", b"%PDF-1.4 not a photo", "image/png"))],
    )
    assert bad.status_code == 422 and 'data-field="photos.0"' in bad.text
    assert "须为图片" in bad.text
    ok = client.post(
        "/portal/fire-loss", data=form, files=[("photos", ("a.png", _png(), "image/png"))]
    )
    assert ok.status_code == 200 and 'id="tracking-no"' in ok.text and "待审核" in ok.text
    with uow() as s:
        row = s.execute(select(FireLossDeclaration)).scalar_one()
    queue = client.get("/stats/declarations", headers=officer)
    assert queue.status_code == 200 and row.tracking_no in queue.text
    assert "13912345678" in queue.text  # a reviewer calls the declarant back
    r = client.post(
        f"/stats/declarations/{row.id}/review",
        data={"decision": "reject", "reason": "信息不全，请补充"},
        headers=officer,
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post("/portal/track", data={"tracking_no": row.tracking_no, "phone_last4": "5678"})
    assert "不予受理" in r.text and "信息不全，请补充" in r.text
