"""Supervision records through the API: checklists, enforcement (三停/临时查封/罚款), evidence
attachments, 告知承诺, complaints (举报投诉) and credit (信用) — rules, scoping, audit, nothing
half-written — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from lanyan.core.config import Settings
from lanyan.core.errors import ValidationFailed
from lanyan.prevention import checklists, credit, draw, draw_service
from lanyan.prevention.models.inspections import (
    Attachment,
    Complaint,
    CreditRecord,
    EnforcementAction,
    Hazard,
    Inspection,
    InspectionResult,
)
from lanyan.registry import service
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import (
    DAFENG,
    TINGHU,
    add_user,
    bind_unit,
    create_sample,
    login,
    sample,
    seed_region,
    uscc,
)

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 Asia/Shanghai
UNIT = uscc(DAFENG, 1)  # a key unit (重点单位)
CROWDED = uscc(DAFENG, 2)  # a crowded place (人员密集场所)
TEAM = ["insp_a", "insp_b"]


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    with uow() as s:
        payload = sample("units", DAFENG, 2) | {"category": "crowded"}
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, payload)
    create_sample(uow, "units", TINGHU, 3)
    add_user(uow, "root", "admin", "320000")
    for name in ("insp_a", "insp_b"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "th_officer", "prevention_officer", TINGHU)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    bind_unit(uow, "manager", CROWDED)  # the KTV's safety manager
    root = login(client, "root")
    for i, name in enumerate(("insp_a", "insp_b", "th_officer")):
        r = client.post(
            "/api/inspectors/certificates",
            json={
                "username": name,
                "certificate_no": f"JS-{i:04d}",
                "valid_from": "2024-01-01",
                "valid_until": "2099-12-31",
            },
            headers=root,
        )
        assert r.status_code == 201, r.text
    return {
        "root": root,
        "officer": login(client, "insp_a"),
        "th": login(client, "th_officer"),
        "viewer": login(client, "viewer"),
        "manager": login(client, "manager"),
    }


def _inspect(
    client: TestClient,
    headers: dict[str, str],
    unit: str = UNIT,
    kind: str = "random",
    hours: float = 0,
    at: datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "kind": kind,
        "unit_code": unit,
        "inspected_at": (at or T0 + timedelta(hours=hours)).isoformat(),
        "inspectors": TEAM,
    } | extra
    r = client.post("/api/inspections", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _count(uow: Any, *models: Any) -> tuple[int, ...]:
    with uow() as s:
        return tuple(
            s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (*models, AuditEntry)
        )


def _problem(r: Any, status: int, field: str, words: str = "") -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    hits = [p for p in r.json().get("errors", []) if p["field"] == field]
    assert hits, r.json()
    assert any(words in p["rule"] for p in hits), hits


def _close_hazard(client: TestClient, headers: dict[str, str], hid: int, hours: float) -> None:
    for i, step in enumerate(("start", "request_recheck", "pass_recheck", "close")):
        r = client.post(
            f"/api/hazards/{hid}/actions",
            json={"action": step, "at": (T0 + timedelta(hours=hours + i)).isoformat()},
            headers=headers,
        )
        assert r.status_code == 200, r.text


# ---- checklists -----------------------------------------------------------------------------


def test_checklists_are_data_with_legal_bases(world: dict, client: TestClient) -> None:
    r = client.get("/api/checklists/crowded", headers=world["viewer"])
    assert r.status_code == 200, r.text
    items = {i["code"]: i for i in r.json()["items"]}
    assert "G03" in items and "C01" in items  # general items are included
    assert all(i["basis"] and i["zh"] and i["en"] for i in items.values())
    assert items["C04"]["major"] == "direct" and items["C02"]["hazard"] is False
    codes = {c["code"] for c in client.get("/api/checklists", headers=world["viewer"]).json()}
    assert {"general", "key", "crowded", "high_risk", "nine_small", "three_in_one"} <= codes


def test_checklist_override_and_bad_files(tmp_path: Path) -> None:
    (tmp_path / "general.yaml").write_text(
        "code: general\ntitle_zh: 本地检查表\ntitle_en: Local\nitems:\n"
        "  - {code: L1, zh: 本地项目, en: Local item, basis: 消防法第十六条, hazard: true}\n",
        encoding="utf-8",
    )
    local = checklists.for_category("general", tmp_path)
    assert [i.code for i in local.items] == ["L1"] and local.title_zh == "本地检查表"
    assert checklists.for_category("key", tmp_path).item("L1") is not None  # key includes it
    assert checklists.for_category("unknown-category").code == "general"
    (tmp_path / "loop.yaml").write_text(
        "code: loop\ntitle_zh: x\ntitle_en: x\ninclude: [loop]\nitems: []\n", encoding="utf-8"
    )
    with pytest.raises(ValidationFailed) as err:
        checklists.for_category("loop", tmp_path)
    assert err.value.problems[0].field == "include"
    (tmp_path / "bad.yaml").write_text("code: bad\nitems: [{code: 1}]\n", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        checklists.load_files(tmp_path)


def test_failed_checklist_items_become_hazards(world: dict, client: TestClient, uow: Any) -> None:
    results = [
        {"item_code": "G03", "result": "fail", "note": "二层安全出口上锁"},
        {"item_code": "C04", "result": "fail"},  # 直接判定要素: a major hazard
        {"item_code": "C02", "result": "fail", "note": "无巡查记录"},  # not a hazard
        {"item_code": "G02", "result": "pass"},
        {"item_code": "C05", "result": "na"},
    ]
    body = _inspect(client, world["officer"], CROWDED, checklist=results, rectify_by="2025-03-20")
    by_item = {r["item_code"]: r for r in body["checklist"]}
    assert by_item["G03"]["hazard_code"] and by_item["C04"]["hazard_code"]
    assert by_item["C02"]["hazard_code"] is None and by_item["G02"]["hazard_code"] is None
    assert by_item["G03"]["basis"].startswith("消防法")
    assert sorted(body["hazard_codes"]) == sorted(
        [by_item["G03"]["hazard_code"], by_item["C04"]["hazard_code"]]
    )
    hazards = client.get(
        "/api/hazards", params={"unit_code": CROWDED}, headers=world["officer"]
    ).json()["items"]
    major = {h["code"]: h["is_major"] for h in hazards}
    assert major == {by_item["G03"]["hazard_code"]: False, by_item["C04"]["hazard_code"]: True}
    assert all(h["state"] == "ordered" and h["deadline"] == "2025-03-20" for h in hazards)
    assert any("安全出口上锁" in h["description"] for h in hazards)


def test_bad_checklist_refuses_the_whole_inspection(
    world: dict, client: TestClient, uow: Any
) -> None:
    before = _count(uow, Inspection, Hazard, InspectionResult)
    body = {
        "kind": "random",
        "unit_code": UNIT,
        "inspected_at": T0.isoformat(),
        "inspectors": TEAM,
        "checklist": [
            {"item_code": "G03", "result": "fail"},
            {"item_code": "C01", "result": "fail"},  # a crowded-place item; UNIT is a key unit
        ],
    }
    r = client.post("/api/inspections", json=body, headers=world["officer"])
    _problem(r, 422, "checklist[1].item_code", "not an item of checklist key")
    body["checklist"] = [{"item_code": "G03", "result": "fail"}]
    body["rectify_by"] = "2025-03-01"  # before the finding
    r = client.post("/api/inspections", json=body, headers=world["officer"])
    _problem(r, 422, "rectify_by", "must not be before")
    assert _count(uow, Inspection, Hazard, InspectionResult) == before


# ---- enforcement ----------------------------------------------------------------------------


def _decision(**extra: Any) -> dict[str, Any]:
    return {
        "kind": "fine",
        "unit_code": UNIT,
        "basis": "xfl_60",
        "decision_no": "丰消行罚决字〔2025〕0001号",
        "decided_on": "2025-03-05",
        "starts_on": "2025-03-05",
        "amount_yuan": "8000",
        "facts": "占用疏散通道",
    } | extra


@pytest.mark.parametrize(
    ("extra", "field", "words"),
    [
        ({"amount_yuan": "60000"}, "amount_yuan", "between 5000 and 50000"),
        ({"amount_yuan": None}, "amount_yuan", "is required for a fine"),
        ({"basis": "xfl_54"}, "basis", "does not allow 罚款"),
        ({"basis": "xfl_99"}, "basis", "must be one of"),
        ({"kind": "seal_up", "basis": "xfl_54"}, "amount_yuan", "only a fine has an amount"),
        ({"starts_on": "2025-03-01"}, "starts_on", "must not be before the decision"),
        ({"unit_code": uscc(TINGHU, 3)}, "unit_code", "inside your jurisdiction"),
    ],
)
def test_enforcement_rules(
    world: dict, client: TestClient, uow: Any, extra: dict, field: str, words: str
) -> None:
    before = _count(uow, EnforcementAction)
    r = client.post("/api/enforcement", json=_decision(**extra), headers=world["officer"])
    _problem(r, 422, field, words)
    assert _count(uow, EnforcementAction) == before


def test_fine_is_recorded_unique_and_never_lifted(world: dict, client: TestClient) -> None:
    inspection = _inspect(client, world["officer"])
    r = client.post(
        "/api/enforcement",
        json=_decision(inspection_code=inspection["code"]),
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    fine = r.json()
    assert fine["kind_zh"] == "罚款" and fine["amount_yuan"] in ("8000.00", "8000")
    assert "第六十条" in fine["basis_zh"] and fine["inspection_code"] == inspection["code"]
    r = client.post("/api/enforcement", json=_decision(), headers=world["officer"])
    _problem(r, 409, "decision_no", "unique")
    r = client.post(
        f"/api/enforcement/{fine['id']}/lift",
        json={"lifted_on": "2025-03-06", "decision_no": "X", "reason": "缴纳"},
        headers=world["officer"],
    )
    _problem(r, 409, "action", "not allowed for a fine")
    r = client.post("/api/enforcement", json=_decision(decision_no="N2"), headers=world["viewer"])
    assert r.status_code == 403


def test_seal_up_is_lifted_only_after_the_hazard_passes_recheck(
    world: dict, client: TestClient, uow: Any
) -> None:
    inspection = _inspect(
        client,
        world["officer"],
        findings=[{"description": "消防控制室无人值班", "deadline": "2025-03-10"}],
    )
    hazard_code = inspection["hazard_codes"][0]
    r = client.post(
        "/api/enforcement",
        json=_decision(
            kind="seal_up",
            basis="xfl_54",
            amount_yuan=None,
            decision_no="丰消临封字〔2025〕0001号",
            hazard_code=hazard_code,
            ends_on="2025-04-04",
        ),
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    seal = r.json()
    lift = {
        "lifted_on": "2025-03-09",
        "decision_no": "丰消解封字〔2025〕0001号",
        "reason": "已整改",
    }
    r = client.post(f"/api/enforcement/{seal['id']}/lift", json=lift, headers=world["officer"])
    _problem(r, 422, "action", "must pass its recheck first")
    with uow() as s:
        hid = s.execute(select(Hazard.id).where(Hazard.code == hazard_code)).scalar_one()
    _close_hazard(client, world["officer"], hid, hours=24)
    r = client.post(f"/api/enforcement/{seal['id']}/lift", json=lift, headers=world["officer"])
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "lifted" and r.json()["lift_decision_no"] == lift["decision_no"]
    r = client.post(f"/api/enforcement/{seal['id']}/lift", json=lift, headers=world["officer"])
    _problem(r, 409, "action", "not allowed in state lifted")
    with uow() as s:
        actions = s.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "enforcement")
            .order_by(AuditEntry.seq)
        ).scalars()
        assert list(actions) == ["create", "lift"]
        assert verify(s).ok


def test_stop_order_is_lifted_only_after_an_inspection(world: dict, client: TestClient) -> None:
    r = client.post(
        "/api/enforcement",
        json=_decision(kind="stop_use", basis="xfl_58", amount_yuan=None, decision_no="停-1"),
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    stop = r.json()
    lift = {"lifted_on": "2025-03-20", "decision_no": "停-1-解", "reason": "整改完毕"}
    r = client.post(f"/api/enforcement/{stop['id']}/lift", json=lift, headers=world["officer"])
    _problem(r, 422, "inspection_code", "消防法第七十条")
    early = _inspect(client, world["officer"])  # 3 March: before the order took effect
    r = client.post(
        f"/api/enforcement/{stop['id']}/lift",
        json=lift | {"inspection_code": early["code"]},
        headers=world["officer"],
    )
    _problem(r, 422, "inspection_code", "on or after 2025-03-05")
    later = _inspect(client, world["officer"], kind="recheck", hours=24 * 10)
    r = client.post(
        f"/api/enforcement/{stop['id']}/lift",
        json=lift | {"inspection_code": later["code"]},
        headers=world["officer"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["lift_inspection_code"] == later["code"]
    listed = client.get(
        "/api/enforcement", params={"state": "lifted"}, headers=world["viewer"]
    ).json()
    assert listed["total"] == 1
    assert client.get("/api/enforcement", headers=world["th"]).json()["total"] == 0  # scoped


# ---- attachments ----------------------------------------------------------------------------


def _png(size: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue() + b"\0" * size


def test_evidence_upload_list_serve_and_refusals(
    world: dict,
    client: TestClient,
    uow: Any,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inspection = _inspect(
        client, world["officer"], findings=[{"description": "灭火器失效", "deadline": "2025-03-10"}]
    )
    with uow() as s:
        hid = s.execute(
            select(Hazard.id).where(Hazard.code == inspection["hazard_codes"][0])
        ).scalar_one()
    url = f"/api/hazards/{hid}/attachments"
    photo = _png()
    r = client.post(
        url,
        files={"file": ("现场照片.png", photo, "image/png")},
        data={"description": "灭火器压力表指针位于红区"},
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    att = r.json()
    import hashlib

    assert att["sha256"] == hashlib.sha256(photo).hexdigest()
    assert att["size_bytes"] == len(photo) and att["content_type"] == "image/png"
    listed = client.get(url, headers=world["viewer"]).json()
    assert [a["id"] for a in listed] == [att["id"]]
    got = client.get(att["url"], headers=world["viewer"])
    assert got.status_code == 200 and got.content == photo
    assert got.headers["content-type"] == "image/png"
    assert client.get(att["url"]).status_code == 401  # served only with auth
    assert client.get(att["url"], headers=world["th"]).status_code == 404  # other county

    before = _count(uow, Attachment)
    # A text file named .jpg is refused by its content, not its name.
    r = client.post(
        url,
        files={"file": ("photo.jpg", b"not a photo at all", "image/jpeg")},
        headers=world["officer"],
    )
    _problem(r, 422, "file", "must be one of")
    monkeypatch.setattr(settings, "attachment_max_mb", 1)
    r = client.post(
        url, files={"file": ("big.png", _png(1024 * 1024), "image/png")}, headers=world["officer"]
    )
    _problem(r, 422, "file", "at most 1048576 bytes")
    r = client.post(url, files={"file": ("p.png", photo, "image/png")}, headers=world["viewer"])
    assert r.status_code == 403
    r = client.post(
        "/api/hazards/999999/attachments",
        files={"file": ("p.png", photo, "image/png")},
        headers=world["officer"],
    )
    assert r.status_code == 404
    assert _count(uow, Attachment) == before

    # Evidence altered on disk is detected when served.
    blob = settings.data_dir / "attachments" / att["sha256"][:2] / att["sha256"]
    blob.write_bytes(photo + b"tampered")
    r = client.get(att["url"], headers=world["officer"])
    _problem(r, 409, "file", "SHA-256")
    with uow() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "attach")).scalar_one()
        assert entry.object_type == "hazards" and entry.object_id == str(hid)


def test_evidence_of_inspections_enforcement_and_complaints(
    world: dict, client: TestClient
) -> None:
    inspection = _inspect(client, world["officer"])
    enf = client.post("/api/enforcement", json=_decision(), headers=world["officer"]).json()
    complaint = client.post(
        "/api/complaints",
        json={"channel": "web", "unit_code": UNIT, "content": "堵塞通道", "anonymous": True},
        headers=world["officer"],
    ).json()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    for kind, oid in (
        ("inspections", inspection["id"]),
        ("enforcement", enf["id"]),
        ("complaints", complaint["id"]),
    ):
        r = client.post(
            f"/api/{kind}/{oid}/attachments",
            files={"file": ("决定书.pdf", pdf, "application/pdf")},
            headers=world["officer"],
        )
        assert r.status_code == 201, (kind, r.text)
        assert r.json()["content_type"] == "application/pdf"


# ---- 告知承诺 --------------------------------------------------------------------------------


def _soon() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=5)


def _commitment(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post(
        "/api/commitments",
        json={
            "unit_code": CROWDED,
            "venue": "星光KTV",
            "address": "大丰区幸福路1号",
            "floor_area_m2": 850,
            "opens_on": "2025-03-01",
            "statements": ["消防设施完好有效", "疏散通道畅通", "装修材料符合GB 50222"],
        },
        headers=headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_false_commitment_writes_a_credit_penalty(
    world: dict, client: TestClient, uow: Any
) -> None:
    c = _commitment(client, world["manager"])
    assert c["state"] == "submitted" and c["submitted_by"] == "manager"
    url = f"/api/commitments/{c['id']}/check"
    random_one = _inspect(client, world["officer"], CROWDED, hours=24)
    check = {"inspection_code": random_one["code"], "truthful": False, "note": "疏散通道被占用"}
    r = client.post(url, json=check, headers=world["officer"])
    _problem(r, 422, "inspection_code", "告知承诺核查")
    r = client.post(url, json=check, headers=world["manager"])  # the unit cannot check itself
    assert r.status_code == 403
    # The check comes after the submission (which is stamped now).
    real = _inspect(client, world["officer"], CROWDED, kind="commitment", at=_soon())
    r = client.post(url, json=check | {"inspection_code": real["code"]}, headers=world["officer"])
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "false" and r.json()["inspection_code"] == real["code"]
    r = client.post(url, json=check | {"inspection_code": real["code"]}, headers=world["officer"])
    _problem(r, 409, "commitment", "not allowed in state false")
    standing = client.get(f"/api/credit/units/{CROWDED}", headers=world["officer"]).json()
    assert standing["score"] == credit.BASE_SCORE - 20
    (record,) = standing["records"]
    assert record["kind"] == "penalty" and record["source_type"] == "commitments"
    assert "虚假告知承诺" in record["reason"]


def test_true_commitment_costs_nothing_and_other_counties_cannot_see_it(
    world: dict, client: TestClient
) -> None:
    c = _commitment(client, world["manager"])
    real = _inspect(client, world["officer"], CROWDED, kind="commitment", at=_soon())
    r = client.post(
        f"/api/commitments/{c['id']}/check",
        json={"inspection_code": real["code"], "truthful": True},
        headers=world["officer"],
    )
    assert r.status_code == 200 and r.json()["state"] == "confirmed"
    assert (
        client.get(f"/api/credit/units/{CROWDED}", headers=world["officer"]).json()["records"] == []
    )
    assert client.get(f"/api/commitments/{c['id']}", headers=world["th"]).status_code == 404
    assert client.get("/api/commitments", headers=world["manager"]).json()["total"] == 1
    r = client.post(
        "/api/commitments",
        json={
            "unit_code": CROWDED,
            "venue": "x",
            "floor_area_m2": 0,
            "opens_on": "2025-03-01",
            "statements": [" "],
        },
        headers=world["manager"],
    )
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["errors"]}
    assert {"floor_area_m2", "statements"} <= fields


# ---- complaints -----------------------------------------------------------------------------


def _complaint(client: TestClient, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "96119",
        "external_no": "96119-20250303-0007",
        "received_at": T0.isoformat(),
        "unit_code": UNIT,
        "content": "单位夜间锁闭安全出口",
        "reporter_name": "王先生",
        "reporter_phone": "13800000000",
    } | extra
    r = client.post("/api/complaints", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_complaint_loop_with_deadline_and_feedback(
    world: dict, client: TestClient, uow: Any
) -> None:
    c = _complaint(client, world["officer"])
    assert c["state"] == "received" and c["due_on"] == "2025-03-06"  # three days
    assert c["jurisdiction_code"] == DAFENG and c["overdue"] is True  # that day is long gone
    url = f"/api/complaints/{c['id']}"
    r = client.post(
        f"{url}/verify", json={"result": "substantiated", "note": "x"}, headers=world["officer"]
    )
    _problem(r, 409, "action", "verify is not allowed in state received")
    r = client.post(f"{url}/assign", json={"assignee": "viewer"}, headers=world["officer"])
    _problem(r, 422, "assignee", "not a prevention officer")
    r = client.post(f"{url}/assign", json={"assignee": "th_officer"}, headers=world["officer"])
    _problem(r, 422, "assignee", "does not cover")
    r = client.post(f"{url}/assign", json={"assignee": "insp_b"}, headers=world["officer"])
    assert r.status_code == 200 and r.json()["assignee"] == "insp_b"
    overdue = client.get(
        "/api/complaints", params={"overdue": True}, headers=world["officer"]
    ).json()
    assert [x["code"] for x in overdue["items"]] == [c["code"]]
    wrong_kind = _inspect(client, world["officer"], hours=5)
    verify_body = {
        "result": "substantiated",
        "note": "现场安全出口上锁属实",
        "at": (T0 + timedelta(hours=6)).isoformat(),
    }
    r = client.post(
        f"{url}/verify",
        json=verify_body | {"inspection_code": wrong_kind["code"]},
        headers=world["officer"],
    )
    _problem(r, 422, "inspection_code", "举报核查")
    check = _inspect(client, world["officer"], kind="complaint", hours=5)
    r = client.post(
        f"{url}/verify",
        json=verify_body | {"inspection_code": check["code"]},
        headers=world["officer"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "verified" and r.json()["overdue"] is False
    r = client.post(
        f"{url}/feedback",
        json={"feedback": "已责令整改，感谢举报", "reward": True},
        headers=world["officer"],
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["state"] == "closed" and done["reward"] is True
    assert done["inspection_code"] == check["code"]
    with uow() as s:
        actions = s.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "complaints")
            .order_by(AuditEntry.seq)
        ).scalars()
        assert list(actions) == ["create", "assign", "verify", "feedback"]


def test_complaint_intake_rules(world: dict, client: TestClient, uow: Any) -> None:
    before = _count(uow, Complaint)
    for extra, field, words in (
        ({"reporter_name": "", "reporter_phone": ""}, "reporter_phone", "unless the report is"),
        ({"due_on": "2025-03-01"}, "due_on", "must not be before"),
        ({"unit_code": None}, "jurisdiction_code", "is required when no unit_code"),
        ({"jurisdiction_code": TINGHU}, "jurisdiction_code", "inside your jurisdiction"),
        ({"channel": "110"}, "channel", ""),
    ):
        body = {
            "channel": "12345",
            "received_at": T0.isoformat(),
            "unit_code": UNIT,
            "content": "举报内容",
            "reporter_phone": "13800000000",
        } | extra
        r = client.post("/api/complaints", json=body, headers=world["officer"])
        _problem(r, 422, field, words)
    assert _count(uow, Complaint) == before
    anon = _complaint(
        client, world["officer"], anonymous=True, reporter_name="李", reporter_phone="1"
    )
    assert anon["reporter_name"] == "" and anon["reporter_phone"] == ""  # not kept
    unsub = client.post(
        f"/api/complaints/{anon['id']}/assign",
        json={"assignee": "insp_a"},
        headers=world["officer"],
    )
    assert unsub.status_code == 200
    client.post(
        f"/api/complaints/{anon['id']}/verify",
        json={"result": "unsubstantiated", "note": "现场未见"},
        headers=world["officer"],
    )
    r = client.post(
        f"/api/complaints/{anon['id']}/feedback",
        json={"feedback": "经核查不属实", "reward": True},
        headers=world["officer"],
    )
    _problem(r, 422, "reward", "substantiated")


# ---- credit ---------------------------------------------------------------------------------


def test_credit_blacklist_draw_weighting_and_repair(
    world: dict, client: TestClient, uow: Any
) -> None:
    inspection = _inspect(
        client,
        world["officer"],
        findings=[{"description": "自动喷水灭火系统停用", "deadline": "2025-03-10"}],
    )
    r = client.post(
        "/api/credit/records",
        json={
            "unit_code": UNIT,
            "kind": "penalty",
            "points": 40,
            "reason": "拒不整改火灾隐患",
            "recorded_on": "2025-03-03",
        },
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    record = r.json()
    assert record["points"] == -40
    r = client.post(
        "/api/credit/blacklist",
        json={
            "unit_code": UNIT,
            "reason": "一年内两次拒不整改",
            "measures": ["bidding", "financing", "publication"],
            "listed_on": "2025-03-04",
        },
        headers=world["officer"],
    )
    assert r.status_code == 201, r.text
    entry = r.json()
    r = client.post(
        "/api/credit/blacklist",
        json={"unit_code": UNIT, "reason": "again", "measures": ["bidding"]},
        headers=world["officer"],
    )
    _problem(r, 409, "unit_code", "one open blacklist entry")
    r = client.post(
        "/api/credit/blacklist",
        json={"unit_code": UNIT, "reason": "x", "measures": ["jail"]},
        headers=world["officer"],
    )
    _problem(r, 422, "measures.0")

    with uow() as s:
        ids = dict(s.execute(select(Unit.code, Unit.id)).all())
        summary = credit.credit_summary(s, [ids[UNIT], ids[CROWDED]])
        assert summary[ids[UNIT]].score == credit.BASE_SCORE - 40
        assert summary[ids[UNIT]].blacklisted and summary[ids[UNIT]].listed
        assert summary[ids[UNIT]].measures == ("bidding", "financing", "publication")
        assert summary[ids[CROWDED]].score == credit.BASE_SCORE
        assert not summary[ids[CROWDED]].listed
        # The random draw weighs the credit-listed unit up, read from credit_summary.
        row = draw_service.announce(s, SYSTEM, EVERYWHERE, DAFENG, draw.new_seed())
        # (Published as weights only: the credit rate, 30 %, never the flag itself.)
        pool = {u["code"]: u["weight"] for u in row.record["input"]["pool"]}
        assert pool[UNIT] == 300_000 and pool[CROWDED] < 300_000 and len(pool) == 2
        assert "credit" not in draw.canonical(row.record)

    repair = {"inspection_code": inspection["code"], "note": "已整改", "repaired_on": "2025-03-20"}
    url = f"/api/credit/records/{record['id']}/repair"
    r = client.post(url, json=repair, headers=world["officer"])
    _problem(r, 422, "record", "not yet rectified")
    hid = client.get("/api/hazards", params={"unit_code": UNIT}, headers=world["officer"]).json()[
        "items"
    ][0]["id"]
    _close_hazard(client, world["officer"], hid, hours=24)
    recheck = _inspect(client, world["officer"], kind="recheck", hours=24 * 5)
    r = client.post(
        url, json=repair | {"inspection_code": recheck["code"]}, headers=world["officer"]
    )
    assert r.status_code == 200, r.text
    assert r.json()["repaired_on"] == "2025-03-20"
    r = client.post(
        url, json=repair | {"inspection_code": recheck["code"]}, headers=world["officer"]
    )
    _problem(r, 409, "record", "already repaired")
    r = client.post(
        f"/api/credit/blacklist/{entry['id']}/remove",
        json={"note": "信用修复完成", "removed_on": "2025-03-21"},
        headers=world["officer"],
    )
    assert r.status_code == 200, r.text
    standing = client.get(f"/api/credit/units/{UNIT}", headers=world["viewer"]).json()
    assert standing["score"] == credit.BASE_SCORE
    assert standing["blacklisted"] is False and standing["listed"] is False
    assert client.get("/api/credit/blacklist", headers=world["viewer"]).json() == []
    assert (
        len(
            client.get(
                "/api/credit/blacklist", params={"current": False}, headers=world["viewer"]
            ).json()
        )
        == 1
    )
    assert client.get(f"/api/credit/units/{UNIT}", headers=world["th"]).status_code == 422
    with uow() as s:
        actions = s.execute(
            select(AuditEntry.action)
            .where(AuditEntry.object_type == "credit")
            .order_by(AuditEntry.seq)
        ).scalars()
        assert list(actions) == ["create", "blacklist", "repair", "unblacklist"]
        assert s.execute(select(func.count()).select_from(CreditRecord)).scalar_one() == 1
        assert verify(s).ok


def test_credit_score_is_held_between_0_and_100() -> None:
    assert credit.score_of([-500]) == 0
    assert credit.score_of([+500]) == 100
    assert credit.score_of([]) == credit.BASE_SCORE
    assert credit.CreditStanding(credit.LISTED_BELOW - 1, False).listed
    assert not credit.CreditStanding(credit.LISTED_BELOW, False).listed


# ---- layering -------------------------------------------------------------------------------


def test_prevention_services_do_not_import_the_api_or_web_layers() -> None:
    """Domains sit below the API: only the HTTP adapters (``*routes.py``) may import it."""
    import ast

    import lanyan.prevention as pkg

    offenders = []
    for path in Path(pkg.__file__).parent.glob("*.py"):
        if path.name.endswith("routes.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.startswith(("lanyan.api", "lanyan.web", "lanyan.cli"))
            ]
    assert offenders == []
