"""告知承诺 through the public portal: the required documents (PDF or image, checked by content
and size, a refusal naming the field), the tracking number, the officers' queue, and an accepted
commitment published with its post-check (核查) due; one status lookup for every kind of
submission (the same answer for a wrong number or a wrong phone)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from lanyan.prevention import commitment_applications as ca
from lanyan.prevention import lookup
from lanyan.prevention.models.inspections import CommitmentApplication

from support import DAFENG, add_user, create_sample, login, seed_region, uscc

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (30, 30, 200)).save(out, "PNG")
    return out.getvalue()


def facts() -> dict[str, str]:
    return {
        "unit_code": uscc(DAFENG, 1),
        "venue": "幸福里KTV",
        "address": "大丰区幸福路20号",
        "floor_area_m2": "860",
        "opens_on": (lookup.today() + timedelta(days=10)).isoformat(),
        "applicant_name": "李经理",
        "applicant_phone": "13612345678",
        "signatory": "李四",
        "agreed": "on",
    }


def documents(**over: Any) -> list[tuple[str, tuple[str, bytes, str]]]:
    sent = {d.field: (f"{d.field}.pdf", PDF, "application/pdf") for d in ca.DOCUMENTS}
    sent["doc_floor_plan"] = ("plan.png", _png(), "image/png")
    sent.update(over)
    return [(k, v) for k, v in sent.items() if v is not None]


@pytest.fixture
def officer(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    add_user(uow, "insp_a", "prevention_officer", DAFENG)
    return login(client, "insp_a")


def test_the_required_documents_are_data() -> None:
    names = [d.zh for d in ca.DOCUMENTS]
    for name in ("营业执照", "消防安全制度", "场所平面图", "疏散示意图", "消防设施检测报告"):
        assert name in names


def test_a_non_pdf_document_is_refused_naming_the_field(
    officer: Any, client: TestClient, uow: Any
) -> None:
    fake = ("licence.pdf", b"MZ\x90\x00 an executable, not a PDF", "application/pdf")
    r = client.post("/api/public/commitments", data=facts(), files=documents(doc_licence=fake))
    assert r.status_code == 422, r.text
    assert {e["field"] for e in r.json()["errors"]} == {"doc_licence"}
    missing = client.post("/api/public/commitments", data=facts(), files=documents(doc_rules=None))
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {"doc_rules"}
    app = client.app.state.settings  # type: ignore[attr-defined]
    big = ("big.png", _png() + b"\0" * (app.attachment_max_mb * 1024 * 1024), "image/png")
    r = client.post("/api/public/commitments", data=facts(), files=documents(doc_evacuation=big))
    assert r.status_code in (413, 422)
    with uow() as s:
        assert s.execute(select(func.count()).select_from(CommitmentApplication)).scalar_one() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_code": "9" * 18}, "unit_code"),
        ({"agreed": ""}, "agreed"),
        ({"floor_area_m2": "-3"}, "floor_area_m2"),
        ({"applicant_phone": "12"}, "applicant_phone"),
        ({"opens_on": "2000-01-01"}, "opens_on"),
    ],
)
def test_bad_facts_name_the_field(
    officer: Any, client: TestClient, change: dict[str, str], field: str
) -> None:
    r = client.post("/api/public/commitments", data=facts() | change, files=documents())
    assert r.status_code == 422, r.text
    assert field in {e["field"] for e in r.json()["errors"]}


def test_accepted_it_is_published_with_its_check_due(officer: Any, client: TestClient) -> None:
    r = client.post("/api/public/commitments", data=facts(), files=documents())
    assert r.status_code == 201, r.text
    no = r.json()["tracking_no"]
    lookup_body = {"tracking_no": no, "phone_last4": "5678"}
    status = client.post("/api/public/lookup", json=lookup_body).json()
    assert status["kind"] == "commitment" and status["state_zh"] == "待审核"
    assert client.get("/api/public/commitments").json()["total"] == 0  # not yet published
    [item] = client.get("/api/commitment-applications", headers=officer).json()["items"]
    assert item["applicant_phone"] == "13612345678" and len(item["documents"]) == len(ca.DOCUMENTS)
    doc = client.get(
        f"/api/commitment-applications/{item['id']}/documents/doc_licence", headers=officer
    )
    assert doc.status_code == 200 and doc.content == PDF
    no_reason = client.post(
        f"/api/commitment-applications/{item['id']}/review",
        json={"accept": False},
        headers=officer,
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reply"
    r = client.post(
        f"/api/commitment-applications/{item['id']}/review",
        json={"accept": True},
        headers=officer,
    )
    assert r.status_code == 200, r.text
    reviewed = r.json()
    due = lookup.today() + timedelta(days=ca.CHECK_DAYS)
    assert reviewed["state"] == "accepted" and reviewed["check_due_on"] == due.isoformat()
    [published] = client.get("/api/public/commitments").json()["items"]
    assert published["venue"] == "幸福里KTV" and published["state"] == "submitted"
    [listed] = client.get("/api/commitments", headers=officer).json()["items"]
    assert listed["code"] == reviewed["commitment_code"]
    status = client.post("/api/public/lookup", json=lookup_body).json()
    assert status["state_zh"] == "已受理"
    assert "13612345678" not in str(client.get("/api/public/commitments").json())


def test_one_lookup_for_every_kind_alike_for_any_miss(officer: Any, client: TestClient) -> None:
    no = client.post("/api/public/commitments", data=facts(), files=documents()).json()[
        "tracking_no"
    ]
    report = client.post(
        "/api/public/complaints",
        json={
            "jurisdiction_code": DAFENG,
            "address": "大丰区幸福路18号",
            "content": "楼道堆放大量纸箱",
            "reporter_phone": "13812341111",
        },
    ).json()["tracking_no"]
    found = client.post("/api/public/lookup", json={"tracking_no": report, "phone_last4": "1111"})
    assert found.status_code == 200 and found.json()["kind"] == "complaint"
    misses = [
        client.post("/api/public/lookup", json=body)
        for body in (
            {"tracking_no": no, "phone_last4": "1111"},
            {"tracking_no": report, "phone_last4": "5678"},
            {"tracking_no": "20250101-AAAAAAAAAA", "phone_last4": "5678"},
        )
    ]
    assert {m.status_code for m in misses} == {404}
    assert len({m.json()["detail"] for m in misses}) == 1


def test_lookups_are_rate_limited(officer: Any, client: TestClient, app: Any) -> None:
    original = app.state.settings
    app.state.settings = original.model_copy(update={"public_lookup_max": 2})
    try:
        body = {"tracking_no": "20250101-AAAAAAAAAA", "phone_last4": "0000"}
        codes = [client.post("/api/public/lookup", json=body).status_code for _ in range(3)]
        assert codes == [404, 404, 429]
    finally:
        app.state.settings = original


def test_the_public_api_is_in_the_openapi(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/public/fire-losses", "/api/public/commitments", "/api/public/lookup"):
        assert path in paths
    assert "429" in paths["/api/public/lookup"]["post"]["responses"]
    assert "429" in paths["/api/public/fire-losses"]["post"]["responses"]


def test_the_pages_refuse_a_non_pdf_naming_the_document_then_accept(
    officer: Any, client: TestClient, uow: Any
) -> None:
    page = client.get("/portal/commitment")
    assert page.status_code == 200 and "营业执照" in page.text and 'type="file"' in page.text
    assert "选择文件" in page.text and "未选择文件" in page.text
    fake = ("licence.pdf", b"MZ\x90\x00 not a PDF", "application/pdf")
    bad = client.post("/portal/commitment", data=facts(), files=documents(doc_licence=fake))
    assert bad.status_code == 422 and 'data-field="doc_licence"' in bad.text
    assert "<strong>营业执照</strong>" in bad.text and "须为 PDF 文件或图片" in bad.text
    assert 'value="幸福里KTV"' in bad.text  # the form keeps what was typed
    ok = client.post("/portal/commitment", data=facts(), files=documents())
    assert ok.status_code == 200 and 'id="tracking-no"' in ok.text
    with uow() as s:
        row = s.execute(select(CommitmentApplication)).scalar_one()
    r = client.post("/portal/track", data={"tracking_no": row.tracking_no, "phone_last4": "5678"})
    assert r.status_code == 200 and "告知承诺" in r.text and "待审核" in r.text
    assert "13612345678" not in r.text
    queue = client.get("/supervision/commitment-applications", headers=officer)
    assert queue.status_code == 200 and row.tracking_no in queue.text
    done = client.post(
        f"/supervision/commitment-applications/{row.id}/review",
        data={"decision": "accept", "reply": ""},
        headers=officer,
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/api/public/commitments").json()["total"] == 1
