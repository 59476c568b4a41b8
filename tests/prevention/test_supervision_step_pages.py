"""The follow-up steps of the supervision records through their detail pages: a complaint
assigned, verified with its 举报核查 inspection and fed back; an enforcement action lifted; a
告知承诺 checked (false: a credit penalty); a unit blacklisted, repaired and taken off. Refusals
name field and rule and write nothing; every step is in the record's audit trail."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from lanyan.core.timeutil import local_today
from lanyan.prevention import credit, inspections
from lanyan.prevention.choices import InspectionKind
from lanyan.prevention.models.inspections import (
    BlacklistEntry,
    Commitment,
    Complaint,
    CreditRecord,
    EnforcementAction,
)
from lanyan.prevention.schemas.inspections import CertificateCreate, InspectionCreate
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from support import DAFENG, PASSWORD, TINGHU, add_user, sample, seed_region, uscc

UNIT = uscc(DAFENG, 1)


def _signed_in(client: TestClient, username: str) -> TestClient:
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def _world(uow: Any) -> None:
    seed_region(uow)
    with uow() as s:
        payload = sample("units", DAFENG, 1) | {"category": "crowded"}
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, payload)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "partner", "prevention_officer", DAFENG)
    add_user(uow, "far", "prevention_officer", TINGHU)
    with uow() as s:
        for i, name in enumerate(("officer", "partner")):
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"C{i}",
                    valid_from=date(2020, 1, 1),
                    valid_until=date(2099, 12, 31),
                ),
            )


def _inspect(uow: Any, kind: InspectionKind) -> str:
    with uow() as s:
        row = inspections.create_inspection(
            s,
            SYSTEM,
            EVERYWHERE,
            InspectionCreate(kind=kind, unit_code=UNIT, inspectors=["officer", "partner"]),
        )
        return row.code


def _trail(uow: Any, object_type: str, object_id: str) -> list[str]:
    with uow() as s:
        return list(
            s.execute(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
                .order_by(AuditEntry.seq)
            ).scalars()
        )


def test_complaint_assigned_verified_fed_back(uow: Any, client: TestClient) -> None:
    _world(uow)
    _signed_in(client, "officer")
    r = client.post(
        "/supervision/complaints",
        data={"channel": "96119", "unit_code": UNIT, "content": "安全出口上锁", "anonymous": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with uow() as s:
        cid = s.execute(select(Complaint.id)).scalar_one()
    listing = client.get("/supervision/complaints").text
    assert f'href="/supervision/complaints/{cid}"' in listing
    page = client.get(f"/supervision/complaints/{cid}").text
    assert 'id="step-assign"' in page and 'id="step-verify"' not in page
    assert "far" not in page.split('id="step-assign"')[1].split("</form>")[0]  # Tinghu officer

    # Refused: an officer whose jurisdiction does not cover the report; nothing written.
    r = client.post(f"/supervision/complaints/{cid}/assign", data={"assignee": "far"})
    assert r.status_code == 422 and "form-error" in r.text and "(assignee)" in r.text
    r = client.post(
        f"/supervision/complaints/{cid}/assign",
        data={"assignee": "partner"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("flash=assign")

    # Verify: the inspection must be a 举报核查 one.
    special = _inspect(uow, InspectionKind.SPECIAL)
    data = {"result": "substantiated", "note": "安全出口确被上锁", "inspection_code": special}
    r = client.post(f"/supervision/complaints/{cid}/verify", data=data)
    assert r.status_code == 422 and "(inspection_code)" in r.text and "complaint" in r.text
    with uow() as s:
        assert s.get(Complaint, cid).state == "assigned"  # type: ignore[union-attr]
    r = client.post(f"/supervision/complaints/{cid}/verify", data={"result": "substantiated"})
    assert r.status_code == 422 and "(note)" in r.text
    check = _inspect(uow, InspectionKind.COMPLAINT)
    page = client.get(f"/supervision/complaints/{cid}").text
    assert f'<option value="{check}"' in page and "kind=complaint" in page
    r = client.post(
        f"/supervision/complaints/{cid}/verify",
        data=data | {"inspection_code": check},
        follow_redirects=False,
    )
    assert r.status_code == 303

    # Feedback with the reward flag closes it.
    r = client.post(
        f"/supervision/complaints/{cid}/feedback",
        data={"feedback": "已责令整改，感谢举报", "reward": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'id="flash"' in page and "已反馈办结" in page and 'id="steps"' in page
    assert "当前状态没有可执行的操作" in page
    with uow() as s:
        row = s.get(Complaint, cid)
        assert row is not None and row.state == "closed" and row.reward is True
        assert verify(s).ok
    assert _trail(uow, "complaints", str(cid)) == ["create", "assign", "verify", "feedback"]
    assert page.count('data-action="') == 4

    # Evidence (证据材料) on a complaint: reached before the /{step} route, not "no step evidence".
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = client.post(
        f"/supervision/complaints/{cid}/evidence",
        files={"file": ("photo-report.pdf", pdf, "application/pdf")},
        data={"description": "举报人照片"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "photo-report.pdf" in page and "举报人照片" in page


def test_feedback_reward_refused_for_unsubstantiated(uow: Any, client: TestClient) -> None:
    _world(uow)
    _signed_in(client, "officer")
    client.post(
        "/supervision/complaints",
        data={"channel": "12345", "unit_code": UNIT, "content": "x", "reporter_phone": "1"},
    )
    with uow() as s:
        cid = s.execute(select(Complaint.id)).scalar_one()
    client.post(f"/supervision/complaints/{cid}/assign", data={"assignee": "officer"})
    client.post(
        f"/supervision/complaints/{cid}/verify", data={"result": "unsubstantiated", "note": "无"}
    )
    r = client.post(
        f"/supervision/complaints/{cid}/feedback", data={"feedback": "不属实", "reward": "1"}
    )
    assert r.status_code == 422 and "(reward)" in r.text
    assert _trail(uow, "complaints", str(cid)) == ["create", "assign", "verify"]
    # A step the state does not allow is refused naming the state.
    r = client.post(f"/supervision/complaints/{cid}/assign", data={"assignee": "officer"})
    assert r.status_code == 422 and "verified" in r.text


def test_enforcement_lift_needs_its_inspection(uow: Any, client: TestClient) -> None:
    _world(uow)
    _signed_in(client, "officer")
    today = local_today()
    r = client.post(
        "/supervision/enforcement",
        data={
            "kind": "stop_use",
            "unit_code": UNIT,
            "basis": "xfl_70",
            "decision_no": "丰消停字〔2025〕1号",
            "decided_on": str(today - timedelta(days=3)),
            "starts_on": str(today - timedelta(days=3)),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with uow() as s:
        aid = s.execute(select(EnforcementAction.id)).scalar_one()
    page = client.get(f"/supervision/enforcement/{aid}").text
    assert 'id="step-lift"' in page
    lift = {"lifted_on": str(today), "decision_no": "丰消解字〔2025〕1号", "reason": "已整改"}
    r = client.post(f"/supervision/enforcement/{aid}/lift", data=lift)
    assert r.status_code == 422 and "(inspection_code)" in r.text
    r = client.post(
        f"/supervision/enforcement/{aid}/lift",
        data=lift | {"lifted_on": str(today - timedelta(days=10))},
    )
    assert r.status_code == 422 and "(lifted_on)" in r.text
    recheck = _inspect(uow, InspectionKind.RECHECK)
    r = client.post(
        f"/supervision/enforcement/{aid}/lift",
        data=lift | {"inspection_code": recheck},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "已解除" in page and 'id="step-lift"' not in page and recheck in page
    assert _trail(uow, "enforcement", str(aid)) == ["create", "lift"]

    # Evidence (证据材料): content that is not a photo, PDF or video is refused by field.
    url = f"/supervision/enforcement/{aid}/evidence"
    r = client.post(url, files={"file": ("decision.pdf", b"plain text", "application/pdf")})
    assert r.status_code == 422 and "(file)" in r.text
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = client.post(
        url,
        files={"file": ("decision.pdf", pdf, "application/pdf")},
        data={"description": "解除决定书"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"]).text
    assert "decision.pdf" in page and "解除决定书" in page
    assert _trail(uow, "enforcement", str(aid)) == ["create", "lift", "attach"]


def test_false_commitment_costs_credit_then_blacklist_and_repair(
    uow: Any, client: TestClient
) -> None:
    _world(uow)
    _signed_in(client, "officer")
    r = client.post(
        "/supervision/commitments",
        data={
            "unit_code": UNIT,
            "venue": "星光影院",
            "floor_area_m2": "1200",
            "opens_on": str(local_today()),
            "statements": "消防设施完好有效",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    with uow() as s:
        mid = s.execute(select(Commitment.id)).scalar_one()
    wrong_kind = _inspect(uow, InspectionKind.SPECIAL)
    r = client.post(
        f"/supervision/commitments/{mid}/check",
        data={"inspection_code": wrong_kind, "truthful": "false", "note": "喷淋未安装"},
    )
    assert r.status_code == 422 and "(inspection_code)" in r.text
    check = _inspect(uow, InspectionKind.COMMITMENT)
    r = client.post(
        f"/supervision/commitments/{mid}/check",
        data={
            "inspection_code": check,
            "truthful": "false",
            "note": "喷淋未安装",
            "penalty_points": "30",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "虚假承诺" in page and f"/supervision/credit/units/{UNIT}" in page
    assert _trail(uow, "commitments", str(mid)) == ["create", "check"]

    # The credit file shows the penalty; blacklist needs at least one measure.
    page = client.get(f"/supervision/credit/units/{UNIT}").text
    assert f'data-fact="sr_score">{credit.BASE_SCORE - 30}<' in page
    assert 'id="step-blacklist"' in page and 'id="step-repair"' in page
    base = f"/supervision/credit/units/{UNIT}"
    r = client.post(f"{base}/blacklist", data={"reason": "虚假承诺"})
    assert r.status_code == 422 and "(measures)" in r.text
    with uow() as s:
        assert s.execute(select(BlacklistEntry)).first() is None
    r = client.post(
        f"{base}/blacklist",
        data={"reason": "虚假承诺", "measures": ["bidding", "publication"]},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"{base}").text
    assert "限制参与招标投标" in page and 'id="step-unblacklist"' in page
    assert 'id="step-blacklist"' not in page

    # Repair: needs an inspection and every hazard rectified; a forged record id is refused.
    with uow() as s:
        rid = s.execute(select(CreditRecord.id)).scalar_one()
        eid = s.execute(select(BlacklistEntry.id)).scalar_one()
    r = client.post(f"{base}/repair", data={"record": "999", "inspection_code": check, "note": "x"})
    assert r.status_code == 422 and "(record)" in r.text
    r = client.post(
        f"{base}/repair",
        data={"record": str(rid), "inspection_code": check, "note": "已整改"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    r = client.post(
        f"{base}/unblacklist",
        data={"entry": str(eid), "note": "信用修复完成", "removed_on": "2000-01-01"},
    )
    assert r.status_code == 422 and "(removed_on)" in r.text
    r = client.post(
        f"{base}/unblacklist",
        data={"entry": str(eid), "note": "信用修复完成"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(base).text
    assert 'id="step-blacklist"' in page and 'id="step-repair"' not in page
    with uow() as s:
        assert s.get(CreditRecord, rid).repaired_on is not None  # type: ignore[union-attr]
        assert verify(s).ok
    assert _trail(uow, "credit", str(rid)) == ["create", "repair"]
    assert _trail(uow, "credit", f"blacklist-{eid}") == ["blacklist", "unblacklist"]
    for action in ("blacklist", "unblacklist", "repair"):
        assert f'data-action="{action}"' in page


def test_steps_follow_the_role_table(uow: Any, client: TestClient) -> None:
    _world(uow)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    _signed_in(client, "officer")
    client.post(
        "/supervision/complaints",
        data={"channel": "web", "unit_code": UNIT, "content": "x", "anonymous": "1"},
    )
    with uow() as s:
        cid = s.execute(select(Complaint.id)).scalar_one()
    _signed_in(client, "viewer")
    page = client.get(f"/supervision/complaints/{cid}")
    assert page.status_code == 200 and 'id="step-assign"' not in page.text
    r = client.post(f"/supervision/complaints/{cid}/assign", data={"assignee": "officer"})
    assert r.status_code == 403
    assert client.get("/supervision/complaints/99999").status_code == 404
