"""The unit closes its own hazard loop (自查自改): its manager starts rectifying, adds photos
(images only, by content, size-limited), applies for the recheck; the 3-working-day recheck clock;
the officer sees the photos (served behind log-in) and passes the recheck. A finding of the unit's
own patrol is started without an order; the authority's steps stay the authority's."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from lanyan.core.timeutil import local_today
from lanyan.prevention import hazard_service
from lanyan.registry.models import Unit
from lanyan.store.audit import SYSTEM, AuditEntry

from support import DAFENG, add_user, create_sample, login, seed_region, uscc

A, B = uscc(DAFENG, 1), uscc(DAFENG, 2)


def png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    for n in (1, 2):
        create_sample(uow, "units", DAFENG, n)
    ids = {}
    with uow() as s:
        now = datetime.now(UTC) - timedelta(hours=1)
        for code in (A, B):
            unit = s.execute(select(Unit).where(Unit.code == code)).scalar_one()
            ordered = hazard_service.new_hazard(
                s, SYSTEM, unit, f"疏散通道堵塞 {code[-4:]}", now, deadline=local_today()
            )
            found = hazard_service.new_hazard(s, SYSTEM, unit, f"灭火器过期 {code[-4:]}", now)
            ids[code] = (ordered.id, found.id)
    add_user(uow, "admin", "admin", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    h = {name: login(client, name) for name in ("admin", "officer", "manager")}
    r = client.post("/api/users/manager/units", json={"unit_code": A}, headers=h["admin"])
    assert r.status_code == 201, r.text
    return {"h": h, "ids": ids}


def _act(client: TestClient, hid: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"/api/hazards/{hid}/actions", json=body, headers=headers)


def _photo(client: TestClient, hid: int, headers: dict[str, str], data: bytes, name: str) -> Any:
    return client.post(
        f"/api/hazards/{hid}/rectification-photos",
        files={"file": (name, data, "image/png")},
        data={"note": "通道已清理"},
        headers=headers,
    )


def test_the_unit_rectifies_and_the_officer_rechecks(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    h, (hid, found_id) = world["h"], world["ids"][A]
    mine, officer = h["manager"], h["officer"]
    # The authority's steps are not the unit's: 403 naming the step.
    r = _act(client, found_id, mine, action="order", deadline=str(local_today()))
    assert r.status_code == 403 and "fire authority" in r.json()["detail"]
    # Its finding waits for the order: starting it from 发现 is refused (409) and says why.
    r = _act(client, found_id, mine, action="start")
    assert r.status_code == 409 and "责令整改" in r.json()["detail"]
    # Another unit's hazard is not even visible.
    other = world["ids"][B][0]
    assert _act(client, other, mine, action="start").status_code == 404
    assert _photo(client, other, mine, png(), "a.png").status_code == 404
    # Photos are taken only while 整改中.
    r = _photo(client, hid, mine, png(), "early.png")
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "file"
    r = _act(client, hid, mine, action="start", note="清理堆放物")
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    # The application needs a photo first.
    r = _act(client, hid, mine, action="request_recheck", note="已整改")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "photos"
    # A file that is not an image (by content, whatever its name and claimed type) is refused.
    r = _photo(client, hid, mine, b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n", "fake.png")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    assert "application/pdf" in r.json()["errors"][0]["rule"]
    r = _photo(client, hid, mine, b"just text, not a picture", "x.png")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    # Larger than LANYAN_MAX_IMAGE_MB (5): the body limit refuses it before it is read (413);
    # a photo just over the limit that fits the form's allowance is refused naming the field.
    r = _photo(client, hid, mine, png() + b"\0" * (5 * 1024 * 1024 + 200_000), "big.png")
    assert r.status_code == 413
    r = _photo(client, hid, mine, png() + b"\0" * (5 * 1024 * 1024), "big.png")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    r = _photo(client, hid, mine, png(), "exit.png")
    assert r.status_code == 201, r.text
    photo = r.json()
    assert photo["purpose"] == "rectification" and photo["content_type"] == "image/png"
    r = _act(client, hid, mine, action="request_recheck", note="已整改，请复查")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["state"] == "recheck_requested" and body["recheck_due"] is not None
    assert 0 <= body["recheck_days_left"] <= 3 and body["recheck_late"] is False
    assert body["history"][-1]["detail"]["photos"] == 1
    # The officer sees the evidence beside the hazard and can open the photo (log-in needed).
    seen = client.get(f"/api/hazards/{hid}", headers=officer).json()
    assert [e["id"] for e in seen["evidence"]] == [photo["id"]]
    content = client.get(seen["evidence"][0]["url"], headers=officer)
    assert content.status_code == 200 and content.content == png()
    assert content.headers["content-type"] == "image/png"
    assert client.get(seen["evidence"][0]["url"]).status_code == 401
    # The unit cannot pass its own recheck.
    r = _act(client, hid, mine, action="pass_recheck")
    assert r.status_code == 403
    r = _act(client, hid, officer, action="pass_recheck", note="通道畅通")
    assert r.status_code == 200 and r.json()["state"] == "recheck_passed"
    assert r.json()["history"][-1]["detail"]["on_time"] is True
    assert r.json()["recheck_days_left"] is None
    # Photos after the recheck are refused; nothing half-written on any refusal.
    assert _photo(client, hid, mine, png(), "late.png").status_code == 409
    assert len(client.get(f"/api/hazards/{hid}", headers=officer).json()["evidence"]) == 1
    with uow() as s:
        actions = [
            a
            for (a,) in s.execute(
                select(AuditEntry.action).where(
                    AuditEntry.object_type == "hazards", AuditEntry.object_id == str(hid)
                )
            )
        ]
    assert actions[-4:] == ["start", "attach", "request_recheck", "pass_recheck"]


def test_a_finding_of_the_units_own_patrol_is_its_to_fix(
    client: TestClient, world: dict[str, Any]
) -> None:
    mine = world["h"]["manager"]
    r = client.post(
        "/api/patrols/checkpoints",
        json={"code": "CP-STAIR", "name": "疏散楼梯3F", "unit_code": A},
        headers=mine,
    )
    assert r.status_code == 201, r.text
    token = r.json()["url"].rsplit("/", 1)[1]
    pid = client.post(
        "/api/patrols", json={"kind": "daily_patrol", "unit_code": A}, headers=mine
    ).json()["id"]
    r = client.post(
        f"/api/patrols/{pid}/scans",
        json={"token": token, "ok": False, "note": "楼梯间堆放纸箱"},
        headers=mine,
    )
    assert r.status_code == 201, r.text
    hid = r.json()["hazard_id"]
    hazard = client.get(f"/api/hazards/{hid}", headers=mine).json()
    assert hazard["state"] == "found" and hazard["self_found"] is True
    r = _act(client, hid, mine, action="start", note="当班清走")
    assert r.status_code == 200 and r.json()["state"] == "rectifying"
    assert r.json()["history"][-1]["detail"]["party"] == "unit"
