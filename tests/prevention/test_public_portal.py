"""The public portal (公众服务, no log-in): a report with its tracking number and status lookup,
the phone masked to all but the handling officer, the per-address rate limit, and the published
lists (挂牌督办 hazards, anonymised enforcement decisions, 告知承诺 places)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from lanyan.prevention import complaints
from lanyan.prevention.models.inspections import (
    Attachment,
    Commitment,
    Complaint,
    EnforcementAction,
    Hazard,
)
from lanyan.registry.models import Jurisdiction, Unit

from support import DAFENG, add_user, create_sample, login, seed_region, uscc

REPORT = {
    "jurisdiction_code": DAFENG,
    "address": "大丰区幸福路18号",
    "content": "楼道堆放大量纸箱，安全出口被锁",
    "reporter_name": "王",
    "reporter_phone": "13812345678",
}


@pytest.fixture
def region(uow: Any) -> None:
    seed_region(uow)


@pytest.fixture
def officers(region: None, uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    add_user(uow, "root", "admin", "320000")
    add_user(uow, "insp_a", "prevention_officer", DAFENG)
    add_user(uow, "insp_b", "prevention_officer", DAFENG)
    return {
        "root": login(client, "root"),
        "a": login(client, "insp_a"),
        "b": login(client, "insp_b"),
    }


def _report(client: TestClient, **extra: Any) -> dict[str, Any]:
    r = client.post("/api/public/complaints", json=REPORT | extra)
    assert r.status_code == 201, r.text
    return r.json()


def test_a_report_is_tracked_by_number_and_phone(region: Any, client: TestClient) -> None:
    receipt = _report(client)
    no = receipt["tracking_no"]
    assert receipt["state"] == "received" and len(no) == 19 and no[8] == "-"
    r = client.post(
        "/api/public/complaints/lookup", json={"tracking_no": no.lower(), "phone_last4": "5678"}
    )
    assert r.status_code == 200, r.text
    status = r.json()
    assert status["reporter_phone"] == "138****5678" and status["feedback"] == ""
    # A wrong number and a wrong phone answer alike: nothing says the report exists.
    other = _report(client, reporter_phone="13900001111")["tracking_no"]
    answers = [
        client.post("/api/public/complaints/lookup", json=body)
        for body in (
            {"tracking_no": no, "phone_last4": "1111"},  # another's phone digits
            {"tracking_no": other, "phone_last4": "5678"},  # another's number
            {"tracking_no": "20250101-AAAAAAAAAA", "phone_last4": "5678"},  # no such number
        )
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.json()["detail"] for a in answers}) == 1
    assert no != other


def test_the_officer_handles_it_and_the_reporter_sees_the_feedback(
    officers: Any, client: TestClient
) -> None:
    region = officers
    no = _report(client)["tracking_no"]
    [row] = client.get("/api/complaints", headers=region["root"]).json()["items"]
    assert row["tracking_no"] == no and row["channel"] == "web"
    assert row["reporter_phone"] == "138****5678"  # nobody handles it yet: masked
    url = f"/api/complaints/{row['id']}"
    r = client.post(f"{url}/assign", json={"assignee": "insp_a"}, headers=region["root"])
    assert r.json()["reporter_phone"] == "138****5678"  # the dispatcher is not the handler
    assert client.get(url, headers=region["a"]).json()["reporter_phone"] == "13812345678"
    assert client.get(url, headers=region["b"]).json()["reporter_phone"] == "138****5678"
    r = client.post(
        f"{url}/verify", json={"result": "substantiated", "note": "属实"}, headers=region["a"]
    )
    assert r.status_code == 200, r.text
    lookup = {"tracking_no": no, "phone_last4": "5678"}
    status = client.post("/api/public/complaints/lookup", json=lookup).json()
    assert status["state"] == "verified" and status["feedback"] == ""
    r = client.post(
        f"{url}/feedback", json={"feedback": "已责令整改，感谢举报"}, headers=region["a"]
    )
    assert r.status_code == 200, r.text
    status = client.post("/api/public/complaints/lookup", json=lookup).json()
    assert status["state"] == "closed" and status["feedback"] == "已责令整改，感谢举报"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reporter_phone": "12345"}, "reporter_phone"),
        ({"reporter_phone": ""}, "reporter_phone"),
        ({"content": "火"}, "content"),
        ({"address": ""}, "address"),
        ({"jurisdiction_code": "999999"}, "jurisdiction_code"),
        ({"secret": "x"}, "secret"),
    ],
)
def test_a_bad_report_names_the_field_and_writes_nothing(
    region: Any, client: TestClient, uow: Any, change: dict[str, str], field: str
) -> None:
    r = client.post("/api/public/complaints", json=REPORT | change)
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}
    with uow() as s:
        assert s.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0


def test_submissions_are_limited_per_address(region: Any, client: TestClient, app: Any) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"public_submit_max": 2})
    try:
        _report(client)
        _report(client)
        r = client.post("/api/public/complaints", json=REPORT)
        assert r.status_code == 429 and "too many submissions" in r.json()["detail"]
        other = client.post(
            "/api/public/complaints", json=REPORT, headers={"X-Forwarded-For": "10.0.0.9"}
        )
        assert other.status_code == 429  # no trusted proxy header: the peer address counts
        app.state.settings = original.model_copy(
            update={"public_submit_max": 0, "public_lookup_max": 2}
        )
        _report(client)  # 0: the limit is off
        guess = {"tracking_no": "20250101-AAAAAAAAAA", "phone_last4": "0000"}
        codes = [
            client.post("/api/public/complaints/lookup", json=guess).status_code for _ in range(3)
        ]
        assert codes == [404, 404, 429]  # look-ups have their own, separate count
    finally:
        app.state.settings = original


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_the_page_takes_a_photo_and_refuses_anything_else(
    region: Any, client: TestClient, uow: Any
) -> None:
    r = client.get("/portal/report")
    assert r.status_code == 200 and "举报火灾隐患" in r.text
    bad = client.post(
        "/portal/report",
        data=REPORT,
        files={"photo": ("x.jpg", b"%PDF-1.4 not a photo", "image/jpeg")},
    )
    assert bad.status_code == 422 and 'data-field="file"' in bad.text
    with uow() as s:  # the refused photo took the report with it: nothing half-written
        assert s.execute(select(func.count()).select_from(Complaint)).scalar_one() == 0
    ok = client.post("/portal/report", data=REPORT, files={"photo": ("p.png", _png(), "image/png")})
    assert ok.status_code == 200 and 'id="tracking-no"' in ok.text
    with uow() as s:
        row = s.execute(select(Complaint)).scalar_one()
        photo = s.execute(select(Attachment)).scalar_one()
        assert photo.object_type == "complaints" and photo.object_id == row.id
        assert row.tracking_no is not None and row.tracking_no in ok.text
    r = client.post("/portal/track", data={"tracking_no": row.tracking_no, "phone_last4": "0000"})
    assert r.status_code == 404 and 'id="not-found"' in r.text
    r = client.post("/portal/track", data={"tracking_no": row.tracking_no, "phone_last4": "5678"})
    assert r.status_code == 200 and "138****5678" in r.text and "13812345678" not in r.text


def test_tracking_numbers_are_random_and_phones_masked() -> None:
    day = date(2026, 12, 7)
    numbers = {complaints.new_tracking_no(day) for _ in range(200)}
    assert len(numbers) == 200 and all(n.startswith("20261207-") for n in numbers)
    assert complaints.normalise_tracking_no(" 20261207 abcd-efgh23 ") == "20261207-ABCDEFGH23"
    assert complaints.mask_phone("13812345678") == "138****5678"
    assert complaints.mask_phone("") == ""


def test_the_published_lists(region: Any, client: TestClient, uow: Any) -> None:
    create_sample(uow, "units", DAFENG, 1)
    at = datetime(2026, 1, 5, 2, tzinfo=UTC)
    with uow() as s:
        unit = s.execute(select(Unit).where(Unit.code == uscc(DAFENG, 1))).scalar_one()
        place = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        common = {"unit_id": unit.id, "jurisdiction_id": place.id}
        for i, (published, delisted) in enumerate([(True, None), (False, None), (True, at)]):
            s.add(
                Hazard(
                    code=f"YH{i}",
                    description=f"隐患{i}",
                    is_major=True,
                    state="ordered",
                    found_at=at,
                    listing_published=published,
                    listed_at=at,
                    delisted_at=delisted,
                    listing_department="区安委办",
                    **common,
                )
            )
        s.add(
            EnforcementAction(
                code="ZF1",
                kind="fine",
                state="in_force",
                basis="xfl_60",
                decision_no="大消罚决字〔2026〕1号",
                decided_on=date(2026, 1, 6),
                starts_on=date(2026, 1, 6),
                amount_yuan=Decimal("5000"),
                facts="法定代表人张三拒不整改",
                **common,
            )
        )
        s.add(
            Commitment(
                code="CN1",
                venue="星光KTV",
                address="幸福路1号",
                floor_area_m2=300.0,
                opens_on=date(2026, 1, 10),
                statements=["已配置灭火器"],
                state="submitted",
                submitted_by="张三",
                submitted_at=at,
                **common,
            )
        )
    hazards = client.get("/api/public/hazards").json()
    assert hazards["total"] == 1 and hazards["items"][0]["code"] == "YH0"
    assert hazards["items"][0]["unit_name"] == unit.name
    enforcement = client.get("/api/public/enforcement").json()
    assert enforcement["total"] == 1 and enforcement["items"][0]["amount_yuan"] == "5000.00"
    assert "张三" not in str(enforcement)  # the facts name a person: withheld
    commitments = client.get("/api/public/commitments", params={"size": 1}).json()
    assert commitments["total"] == 1 and commitments["items"][0]["venue"] == "星光KTV"
    assert "张三" not in str(commitments)  # who submitted it is not published
    for name in ("hazards", "enforcement", "commitments"):
        page = client.get(f"/portal/lists/{name}")
        assert page.status_code == 200 and "张三" not in page.text
    assert client.get("/portal/lists/secrets").status_code == 404
    places = client.get("/api/public/places", params={"q": "大丰"}).json()
    assert DAFENG in {p["code"] for p in places["items"]}


def _decision(
    uow: Any, kind: str, state: str = "in_force", no: str = "大消封字〔2026〕1号"
) -> None:
    with uow() as s:
        unit = s.execute(select(Unit).where(Unit.code == uscc(DAFENG, 1))).scalar_one()
        s.add(
            EnforcementAction(
                code=f"ZF-{no}",
                kind=kind,
                state=state,
                basis="xfl_60",
                decision_no=no,
                decided_on=date(2026, 1, 6),
                starts_on=date(2026, 1, 6),
                facts="",
                unit_id=unit.id,
                jurisdiction_id=unit.jurisdiction_id,
            )
        )


APPLICATION = {
    "kind": "lift_seal",
    "decision_no": "大消封字〔2026〕1号",
    "applicant_name": "李经理",
    "applicant_phone": "13900002222",
    "reason": "已清理堆放物并恢复疏散通道畅通",
}


def test_an_application_lands_in_the_officers_queue(
    officers: Any, client: TestClient, uow: Any
) -> None:
    create_sample(uow, "units", DAFENG, 1)
    _decision(uow, "seal_up")
    _decision(uow, "fine", no="大消罚字〔2026〕2号")
    wrong = client.post(
        "/api/public/applications", json=APPLICATION | {"kind": "resume_use"}
    )  # a seal-up is lifted, not resumed
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "decision_no"
    fine = client.post(
        "/api/public/applications", json=APPLICATION | {"decision_no": "大消罚字〔2026〕2号"}
    )
    assert fine.status_code == 422
    r = client.post("/api/public/applications", json=APPLICATION)
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    queue = client.get("/api/enforcement-applications", headers=officers["a"]).json()
    assert queue["total"] == 1 and queue["items"][0]["tracking_no"] == no
    assert queue["items"][0]["applicant_phone"] == "13900002222"  # an enforcement writer
    assert client.get("/api/enforcement-applications").status_code == 401
    track = {"tracking_no": no, "phone_last4": "2222"}
    status = client.post("/api/public/lookup", json=track).json()
    assert status["kind"] == "lift_seal" and status["state_zh"] == "待处理"
    assert status["phone"] == "139****2222" and status["reply"] == ""
    wrong_phone = client.post("/api/public/lookup", json=track | {"phone_last4": "2223"})
    assert wrong_phone.status_code == 404
    item = queue["items"][0]
    r = client.post(
        f"/api/enforcement-applications/{item['id']}/handle",
        json={"reply": "已安排明日复查"},
        headers=officers["a"],
    )
    assert r.status_code == 200 and r.json()["state"] == "handled"
    assert r.json()["handled_by"] == "insp_a"
    status = client.post("/api/public/lookup", json=track).json()
    assert status["state_zh"] == "已处理" and status["reply"] == "已安排明日复查"
    again = client.post(
        f"/api/enforcement-applications/{item['id']}/handle",
        json={"reply": "x"},
        headers=officers["a"],
    )
    assert again.status_code == 409
    page = client.get("/supervision/applications", headers=officers["a"])
    assert page.status_code == 200 and no in page.text and "已安排明日复查" in page.text


def test_the_application_page(region: Any, client: TestClient, uow: Any) -> None:
    create_sample(uow, "units", DAFENG, 1)
    _decision(uow, "stop_use")
    assert client.get("/portal/apply").status_code == 200
    bad = client.post("/portal/apply", data=APPLICATION)  # a stop-use is resumed, not lifted
    assert bad.status_code == 422 and 'data-field="decision_no"' in bad.text
    ok = client.post("/portal/apply", data=APPLICATION | {"kind": "resume_use"})
    assert ok.status_code == 200 and 'id="tracking-no"' in ok.text and "恢复使用申请" in ok.text
