"""Fire investigation (火灾调查): the case state machine refuses illegal moves naming state and
action; 延伸调查 is required for fatal, 较大-or-larger and major-social-impact fires and blocks
closing until done; the evidence chain keeps hashes and every custody transfer, audited."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient

from lanyan.core.errors import ValidationFailed
from lanyan.stats.case_rules import CaseFacts, extended_reasons, next_state
from lanyan.stats.choices import CaseAction as A
from lanyan.stats.choices import CaseState as S
from lanyan.store.audit import AuditEntry, verify

from support import DAFENG, TINGHU, add_user, login, seed_region

PLAIN = CaseFacts(extended_required=False, extended_done=False, transferred=False)


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (S.OPEN, A.CLOSE),
        (S.OPEN, A.DETERMINE_CAUSE),
        (S.INVESTIGATING, A.CLOSE),
        (S.EXTENDED, A.CLOSE),
        (S.CLOSED, A.START),
        (S.TRANSFERRED, A.DETERMINE_CAUSE),
    ],
)
def test_illegal_moves_name_state_and_action(state: S, action: A) -> None:
    with pytest.raises(ValidationFailed) as err:
        next_state(state, action, PLAIN)
    assert state.value in err.value.message and action.value in err.value.message
    assert err.value.problems[0].field == "action"


def test_legal_path_and_extended_rules() -> None:
    assert next_state(S.OPEN, A.START, PLAIN) is S.INVESTIGATING
    assert next_state(S.INVESTIGATING, A.DETERMINE_CAUSE, PLAIN) is S.CAUSE_DETERMINED
    assert next_state(S.CAUSE_DETERMINED, A.CLOSE, PLAIN) is S.CLOSED
    needs = CaseFacts(extended_required=True, extended_done=False, transferred=True)
    with pytest.raises(ValidationFailed, match="延伸调查"):
        next_state(S.TRANSFERRED, A.CLOSE, needs)
    assert next_state(S.EXTENDED, A.FINISH_EXTENDED, needs) is S.TRANSFERRED  # back where it was
    done = CaseFacts(extended_required=True, extended_done=True, transferred=False)
    assert next_state(S.EXTENDED, A.FINISH_EXTENDED, done) is S.CAUSE_DETERMINED
    assert next_state(S.CAUSE_DETERMINED, A.CLOSE, done) is S.CLOSED


@pytest.mark.parametrize(
    ("deaths", "grade", "impact", "n"),
    [(0, "general", False, 0), (1, "general", False, 1), (0, "larger", False, 1),
     (0, "general", True, 1), (3, "larger", True, 3), (0, "major", False, 1)],
)  # fmt: skip
def test_extended_investigation_triggers(deaths: int, grade: str, impact: bool, n: int) -> None:
    assert len(extended_reasons(deaths, grade, impact)) == n


@pytest.fixture
def investigator(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_fire", "prevention_officer", DAFENG)
    add_user(uow, "th_fire", "prevention_officer", TINGHU)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    return login(client, "df_fire")


def _record(client: TestClient, h: dict[str, str], code: str, **over: Any) -> None:
    body = {
        "code": code,
        "jurisdiction": DAFENG,
        "occurred_at": "2024-05-01 03:00",
        "cause": "undetermined",
        "place": "small_business",
        **over,
    }
    r = client.post("/api/stats/records", json=body, headers=h)
    assert r.status_code == 201, r.text


def test_fatal_fire_case_from_opening_to_closure(
    client: TestClient, investigator: dict[str, str], sessions: Any
) -> None:
    h = investigator
    _record(client, h, "F-FATAL", deaths=1, injuries=2)
    r = client.post("/api/stats/investigations", json={"record": "F-FATAL"}, headers=h)
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["state"] == "open" and case["extended_required"] is True
    assert "亡人火灾" in case["extended_reasons"]
    code = case["code"]
    again = client.post("/api/stats/investigations", json={"record": "F-FATAL"}, headers=h)
    assert again.status_code == 409
    act = f"/api/stats/investigations/{code}/actions"
    r = client.post(act, json={"action": "close"}, headers=h)
    assert r.status_code == 422 and "已立案 (open)" in r.json()["detail"]
    assert client.post(act, json={"action": "start"}, headers=h).status_code == 200
    r = client.post(act, json={"action": "determine_cause", "cause": "arson"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "statement"
    r = client.post(
        act,
        json={"action": "determine_cause", "cause": "arson", "statement": "现场认定系人为放火"},
        headers=h,
    )
    assert r.json()["state"] == "cause_determined" and r.json()["criminal"] is True
    rec = client.get("/api/stats/records", headers=h).json()[0]
    assert rec["cause"] == "arson"  # the determination corrects the statistics record
    r = client.post(act, json={"action": "transfer_police"}, headers=h)
    assert r.json()["errors"][0]["field"] == "police_case_no"
    r = client.post(
        act, json={"action": "transfer_police", "police_case_no": "大公(刑)受字2024-88"}, headers=h
    )
    assert r.json()["state"] == "transferred"
    r = client.post(act, json={"action": "close"}, headers=h)
    assert r.status_code == 422 and "延伸调查" in r.json()["detail"]
    assert (
        client.post(act, json={"action": "start_extended"}, headers=h).json()["state"] == "extended"
    )
    r = client.post(
        act,
        json={"action": "finish_extended", "findings": "业主未落实防火巡查；监管缺位"},
        headers=h,
    )
    assert r.json()["state"] == "transferred" and r.json()["extended_done"] is True
    r = client.post(
        f"/api/stats/investigations/{code}/responsibilities",
        json={"kind": "owner", "party": "某某商店", "finding": "未落实防火巡查"},
        headers=h,
    )
    assert r.status_code == 201
    r = client.post(act, json={"action": "close", "note": "结案"}, headers=h)
    assert r.json()["state"] == "closed" and r.json()["legal_actions"] == []
    r = client.post(act, json={"action": "start"}, headers=h)
    assert r.status_code == 422 and "已结案 (closed)" in r.json()["detail"]
    with sessions() as s:
        assert verify(s).ok
        moves = [e.action for e in s.query(AuditEntry).filter_by(object_type="investigations")]
    assert moves == [
        "open", "start", "determine_cause", "transfer_police", "start_extended",
        "finish_extended", "add-responsibility", "close",
    ]  # fmt: skip


def test_evidence_chain_hashes_and_custody(
    client: TestClient, investigator: dict[str, str], sessions: Any
) -> None:
    h = investigator
    _record(client, h, "F-E")
    code = client.post("/api/stats/investigations", json={"record": "F-E"}, headers=h).json()[
        "code"
    ]
    assert (
        client.get(f"/api/stats/investigations/{code}", headers=h).json()["extended_required"]
        is False
    )
    photo = b"\x89PNG fake photo bytes"
    ev = f"/api/stats/investigations/{code}/evidence"
    r = client.post(
        ev,
        json={
            "code": "E1",
            "kind": "photo",
            "description": "起火部位照片",
            "file_name": "a.png",
            "content_base64": base64.b64encode(photo).decode(),
        },
        headers=h,
    )
    assert r.status_code == 201 and r.json()["sha256"] == hashlib.sha256(photo).hexdigest()
    r = client.post(
        ev, json={"code": "E2", "kind": "physical", "description": "熔痕导线一段"}, headers=h
    )
    assert r.json()["sha256"] == hashlib.sha256("熔痕导线一段".encode()).hexdigest()
    r = client.post(ev, json={"code": "E2", "kind": "physical", "description": "again"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    r = client.post(ev, json={"code": "E3", "kind": "rumour", "description": "x"}, headers=h)
    assert r.json()["errors"][0]["field"] == "kind"
    tr = f"/api/stats/investigations/{code}/evidence/E2/transfers"
    r = client.post(tr, json={"to_holder": "物证室王五", "reason": "入库保管"}, headers=h)
    assert r.status_code == 201, r.text
    r = client.post(tr, json={"to_holder": "鉴定中心", "reason": "送检"}, headers=h)
    r = client.post(tr, json={"to_holder": "鉴定中心", "reason": "again"}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to_holder"
    detail = client.get(f"/api/stats/investigations/{code}", headers=h).json()
    e2 = next(e for e in detail["evidence"] if e["code"] == "E2")
    assert e2["holder"] == "鉴定中心"
    assert [(m["from"], m["to"]) for m in e2["custody"]] == [
        ("df_fire", "物证室王五"),
        ("物证室王五", "鉴定中心"),
    ]
    th = login(client, "th_fire")
    assert client.get(f"/api/stats/investigations/{code}", headers=th).status_code == 404
    dispatcher = login(client, "df_dispatch")
    r = client.post(
        ev, json={"code": "E9", "kind": "photo", "description": "x"}, headers=dispatcher
    )
    assert r.status_code == 403
    with sessions() as s:
        assert verify(s).ok


def test_larger_fire_and_major_social_impact_require_extended(
    client: TestClient, investigator: dict[str, str]
) -> None:
    h = investigator
    _record(client, h, "F-L", direct_loss_yuan=12_000_000)  # 较大 by loss (2024 thresholds)
    _record(client, h, "F-S", major_social_impact=True)
    for code, reason in (("F-L", "较大火灾"), ("F-S", "重大社会影响")):
        case = client.post("/api/stats/investigations", json={"record": code}, headers=h).json()
        assert case["extended_required"] is True and reason in case["extended_reasons"]


def test_major_social_impact_flagged_after_opening(
    client: TestClient, investigator: dict[str, str], sessions: Any
) -> None:
    h = investigator
    _record(client, h, "F-LATE")
    code = client.post("/api/stats/investigations", json={"record": "F-LATE"}, headers=h).json()[
        "code"
    ]
    url = f"/api/stats/investigations/{code}"
    client.post(f"{url}/actions", json={"action": "start"}, headers=h)
    r = client.post(f"{url}/social-impact", json={"reason": ""}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = client.post(f"{url}/social-impact", json={"reason": "网络舆情广泛关注"}, headers=h)
    assert r.status_code == 200 and r.json()["extended_required"] is True
    assert "网络舆情广泛关注" in r.json()["extended_reasons"]
    again = client.post(f"{url}/social-impact", json={"reason": "x"}, headers=h)
    assert again.status_code == 422
    body = {"action": "determine_cause", "cause": "electrical", "statement": "线路老化"}
    client.post(f"{url}/actions", json=body, headers=h)
    r = client.post(f"{url}/actions", json={"action": "close"}, headers=h)
    assert r.status_code == 422 and "延伸调查" in r.json()["detail"]
    rec = client.get("/api/stats/records", headers=h).json()[0]
    assert rec["major_social_impact"] == "是"
    with sessions() as s:
        assert verify(s).ok
