"""Enforcement documents (执法文书) through the API on SQLite and PostgreSQL: drafts checked
field by field, 法制审核 before a penalty or seal-up decision is issued, numbers per kind, year
and jurisdiction (distinct under concurrent issuing), the PDF's text, the enforcement register
and the credit record an issued penalty decision makes, and the audit trail."""

from __future__ import annotations

import io
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lanyan.prevention import document_service, lookup
from lanyan.prevention.choices import DocumentKind
from lanyan.prevention.models.inspections import CreditRecord, EnforcementAction
from lanyan.registry.models import Jurisdiction
from lanyan.store.audit import AuditEntry

from support import DAFENG, add_user, create_sample, login, seed_region, uscc

UNIT = uscc(DAFENG, 1)
BASE = "/api/enforcement-documents"
FACTS = "经检查，该单位二层东侧疏散通道被货物堵塞，室内消火栓箱被遮挡。"
NUMBER = re.compile(r"^大丰区消(行罚决|临封|责改|检)字〔\d{4}〕第\d{4}号$")


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    add_user(uow, "root", "admin", "320000")
    for name in ("insp_a", "insp_b"):
        add_user(uow, name, "prevention_officer", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    root = login(client, "root")
    for i, name in enumerate(("insp_a", "insp_b")):
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
    officer = login(client, "insp_a")
    r = client.post(
        "/api/inspections",
        json={
            "kind": "random",
            "unit_code": UNIT,
            "inspected_at": "2025-03-03T10:00:00+08:00",
            "inspectors": ["insp_a", "insp_b"],
        },
        headers=officer,
    )
    assert r.status_code == 201, r.text
    return {
        "officer": officer,
        "reviewer": login(client, "insp_b"),
        "viewer": login(client, "viewer"),
        "inspection": r.json()["code"],
    }


def _penalty(world: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "kind": "penalty_decision",
        "inspection_code": world["inspection"],
        "bases": ["xfl_60"],
        "facts": FACTS,
        "amount_yuan": "8000",
    } | extra


def _problem(r: Any, status: int, field: str) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert any(p["field"] == field for p in r.json().get("errors", [])), r.json()


def _pdf_text(body: bytes) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def test_bad_drafts_are_refused_by_field(client: TestClient, world: dict[str, Any]) -> None:
    h = world["officer"]
    _problem(client.post(BASE, json=_penalty(world, facts=""), headers=h), 422, "facts")
    _problem(client.post(BASE, json=_penalty(world, facts="   "), headers=h), 422, "facts")
    _problem(
        client.post(BASE, json=_penalty(world, amount_yuan="60000"), headers=h), 422, "amount_yuan"
    )
    _problem(
        client.post(BASE, json=_penalty(world, amount_yuan="0"), headers=h), 422, "amount_yuan"
    )
    _problem(
        client.post(BASE, json=_penalty(world, amount_yuan=None), headers=h), 422, "amount_yuan"
    )
    _problem(client.post(BASE, json=_penalty(world, bases=["xfl_999"]), headers=h), 422, "bases")
    _problem(client.post(BASE, json=_penalty(world, bases=["xfl_54"]), headers=h), 422, "bases")
    _problem(client.post(BASE, json=_penalty(world, bases=[]), headers=h), 422, "bases")
    notice = {
        "kind": "rectification_notice",
        "inspection_code": world["inspection"],
        "bases": ["xfl_28"],
        "facts": FACTS,
        "demands": "立即清理",
    }
    _problem(client.post(BASE, json=notice, headers=h), 422, "deadline")
    seal = {
        "kind": "seal_up_decision",
        "inspection_code": world["inspection"],
        "bases": ["xfl_54"],
        "facts": FACTS,
        "seal_place": "二层仓库",
        "starts_on": "2026-03-10",
        "ends_on": "2026-03-01",
    }
    _problem(client.post(BASE, json=seal, headers=h), 422, "ends_on")
    _problem(
        client.post(BASE, json=_penalty(world, inspection_code="JC-NONE"), headers=h),
        422,
        "inspection_code",
    )
    r = client.get(BASE, headers=h)
    assert r.json()["total"] == 0  # nothing half-written
    # A viewer reads but does not draft.
    assert client.post(BASE, json=_penalty(world), headers=world["viewer"]).status_code == 403


def test_penalty_decision_through_review_to_issue_and_credit(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    officer, reviewer = world["officer"], world["reviewer"]
    r = client.post(BASE, json=_penalty(world), headers=officer)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["state"] == "draft" and doc["number"] is None
    did = doc["id"]
    # Not without review: 409 naming status.
    _problem(client.post(f"{BASE}/{did}/issue", headers=officer), 409, "status")
    assert client.post(f"{BASE}/{did}/submit", headers=officer).json()["state"] == "submitted"
    _problem(client.post(f"{BASE}/{did}/issue", headers=officer), 409, "status")
    # The case officer never reviews their own case; a viewer has no legal-review permission.
    assert client.post(f"{BASE}/{did}/approve", json={}, headers=officer).status_code == 403
    assert client.post(f"{BASE}/{did}/approve", json={}, headers=world["viewer"]).status_code == 403
    queue = client.get(f"{BASE}/review-queue", headers=reviewer).json()
    assert [d["id"] for d in queue["items"]] == [did] and queue["total"] == 1
    _problem(
        client.post(f"{BASE}/{did}/return", json={"reason": ""}, headers=reviewer), 422, "reason"
    )
    r = client.post(f"{BASE}/{did}/return", json={"reason": "罚款数额与情节不符"}, headers=reviewer)
    assert r.json()["state"] == "returned" and r.json()["review_note"] == "罚款数额与情节不符"
    # The officer fixes the amount and resubmits.
    fields = {
        k: v
        for k, v in _penalty(world, amount_yuan="5000").items()
        if k not in ("kind", "inspection_code")
    }
    _problem(
        client.put(f"{BASE}/{did}", json=fields | {"amount_yuan": "1"}, headers=officer),
        422,
        "amount_yuan",
    )
    r = client.put(f"{BASE}/{did}", json=fields, headers=officer)
    assert r.status_code == 200, r.text
    assert client.put(f"{BASE}/{did}", json=fields, headers=reviewer).status_code == 403
    client.post(f"{BASE}/{did}/submit", headers=officer)
    _problem(client.put(f"{BASE}/{did}", json=fields, headers=officer), 409, "status")
    r = client.post(f"{BASE}/{did}/approve", json={"reason": "同意"}, headers=reviewer)
    assert r.json()["state"] == "approved" and r.json()["reviewer"] == "insp_b"
    r = client.post(f"{BASE}/{did}/issue", headers=officer)
    assert r.status_code == 200, r.text
    issued = r.json()
    assert issued["state"] == "issued"
    assert NUMBER.match(issued["number"]), issued["number"]
    assert issued["number"].startswith("大丰区消行罚决字") and issued["number"].endswith("第0001号")
    assert [e["action"] for e in issued["history"]] == [
        "submit",
        "return",
        "submit",
        "approve",
        "issue",
    ]
    _problem(client.post(f"{BASE}/{did}/issue", headers=officer), 409, "status")
    # The enforcement register and the credit record follow from the decision.
    with uow() as s:
        action = s.execute(
            select(EnforcementAction).where(EnforcementAction.decision_no == issued["number"])
        ).scalar_one()
        assert action.kind == "fine" and action.amount_yuan == 5000 and action.basis == "xfl_60"
        record = s.execute(select(CreditRecord)).scalar_one()
        assert record.kind == "penalty" and record.points == -10
        assert (record.source_type, record.source_id) == ("documents", did)
        assert issued["number"] in record.reason
        trail = (
            s.execute(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "documents", AuditEntry.object_id == str(did))
                .order_by(AuditEntry.id)
            )
            .scalars()
            .all()
        )
        assert trail == ["create", "submit", "return", "edit", "submit", "approve", "issue"]
    assert issued["enforcement_code"] == action.code
    standing = client.get(f"/api/credit/units/{UNIT}", headers=officer).json()
    assert standing["score"] == 80
    # The PDF: the number, the unit, the facts, the amount and the cited article.
    r = client.get(f"{BASE}/{did}/pdf", headers=officer)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = _pdf_text(r.content)
    for words in (issued["number"], "行政处罚决定书", FACTS[:12], "5,000.00", "第六十条", UNIT):
        assert words in text, (words, text)
    # The 法制审核意见: both reviews, with the reason of the return.
    r = client.get(f"{BASE}/{did}/review.pdf", headers=officer)
    assert r.status_code == 200, r.text
    text = _pdf_text(r.content)
    for words in (
        "法制审核意见",
        issued["number"],
        "退回修改",
        "罚款数额与情节不符",
        "同意",
        "insp_b",
    ):
        assert words in text, (words, text)


def test_notices_are_issued_without_review_and_numbered_per_kind(
    client: TestClient, world: dict[str, Any]
) -> None:
    officer = world["officer"]
    deadline = (lookup.today() + timedelta(days=15)).isoformat()
    notice = {
        "kind": "rectification_notice",
        "inspection_code": world["inspection"],
        "bases": ["xfl_28", "jdjc"],
        "facts": FACTS,
        "demands": "清理疏散通道",
        "deadline": deadline,
    }
    numbers = []
    for _ in range(2):
        did = client.post(BASE, json=notice, headers=officer).json()["id"]
        _problem(client.post(f"{BASE}/{did}/submit", headers=officer), 409, "status")
        r = client.post(f"{BASE}/{did}/issue", headers=officer)
        assert r.status_code == 200, r.text
        numbers.append(r.json()["number"])
    assert [n[-6:] for n in numbers] == ["第0001号", "第0002号"]
    assert all("责改" in n for n in numbers)
    opinion = {
        "kind": "inspection_opinion",
        "inspection_code": world["inspection"],
        "bases": ["xfl_53"],
        "facts": "消防设施运行正常。",
        "demands": "继续保持。",
    }
    did = client.post(BASE, json=opinion, headers=officer).json()["id"]
    number = client.post(f"{BASE}/{did}/issue", headers=officer).json()["number"]
    assert number.endswith("第0001号") and "检字" in number  # its own sequence
    text = _pdf_text(client.get(f"{BASE}/{did}/pdf", headers=officer).content)
    assert number in text and "检查意见书" in text and "消防设施运行正常" in text
    # The case's documents, paged.
    r = client.get(
        BASE, params={"inspection_code": world["inspection"], "size": 2}, headers=officer
    )
    assert r.json()["total"] == 3 and len(r.json()["items"]) == 2
    templates = client.get(f"{BASE}/templates", headers=officer).json()
    assert {k["kind"] for k in templates["kinds"]} == {k.value for k in DocumentKind}


def test_seal_up_decision_puts_a_seal_up_in_force(
    client: TestClient, world: dict[str, Any]
) -> None:
    officer, reviewer = world["officer"], world["reviewer"]
    today = lookup.today()
    seal = {
        "kind": "seal_up_decision",
        "inspection_code": world["inspection"],
        "bases": ["xfl_54"],
        "facts": FACTS,
        "seal_place": "二层仓库",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
    }
    did = client.post(BASE, json=seal, headers=officer).json()["id"]
    client.post(f"{BASE}/{did}/submit", headers=officer)
    client.post(f"{BASE}/{did}/approve", json={}, headers=reviewer)
    r = client.post(f"{BASE}/{did}/issue", headers=officer)
    assert r.status_code == 200, r.text
    issued = r.json()
    assert "临封" in issued["number"]
    r = client.get("/api/enforcement", params={"kind": "seal_up"}, headers=officer).json()
    assert [a["decision_no"] for a in r["items"]] == [issued["number"]]
    assert "二层仓库" in _pdf_text(client.get(f"{BASE}/{did}/pdf", headers=officer).content)


def test_a_draft_pdf_has_no_number(client: TestClient, world: dict[str, Any]) -> None:
    did = client.post(BASE, json=_penalty(world), headers=world["officer"]).json()["id"]
    text = _pdf_text(client.get(f"{BASE}/{did}/pdf", headers=world["officer"]).content)
    assert "未签发" in text and FACTS[:12] in text
    _problem(client.get(f"{BASE}/{did}/review.pdf", headers=world["officer"]), 409, "status")


def test_numbers_under_concurrent_issuing_and_rollback(uow: Any, engine: Engine) -> None:
    """Two sessions racing for the next number get distinct ones; a rolled-back number is given
    again (it was never handed out), so there is no gap."""
    seed_region(uow)
    with uow() as s:
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).scalar_one()
    kind = DocumentKind.PENALTY_DECISION
    with Session(engine) as a:
        assert document_service.next_seq(a, jid, kind, 2026) == 1
        a.rollback()
    got: list[int] = []
    first = Session(engine)
    got.append(document_service.next_seq(first, jid, kind, 2026))  # holds the row
    started, done = threading.Event(), threading.Event()

    def second() -> None:
        with Session(engine) as b:
            started.set()
            got.append(document_service.next_seq(b, jid, kind, 2026))
            b.commit()
        done.set()

    if engine.dialect.name == "postgresql":
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(5)
        assert not done.wait(0.5)  # waits on the first session's row lock
        first.commit()
        first.close()
        thread.join(10)
    else:  # SQLite: one writer at a time; the second writes after the first commits
        first.commit()
        first.close()
        second()
    assert sorted(got) == [1, 2]
    with Session(engine) as c:
        assert document_service.next_seq(c, jid, kind, 2027) == 1  # per year
        assert document_service.next_seq(c, jid, DocumentKind.SEAL_UP_DECISION, 2026) == 1
        c.rollback()
