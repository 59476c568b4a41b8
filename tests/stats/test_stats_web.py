"""Fire statistics pages: the analysis page, the record form prefilled from a closed fire incident
with refusals shown in the form, the import refusal listing rows, and an investigation case page
driven through its forms."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stats_support import closed_fire, fire

from support import DAFENG, add_user, login, seed_region


@pytest.fixture
def officer(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "unit_mgr", "unit_manager", DAFENG)
    return login(client, "df_cmd")


def test_analysis_page_renders_figures_and_filters(
    client: TestClient, officer: dict[str, str]
) -> None:
    client.post("/api/stats/records", json=fire(deaths=1), headers=officer)
    r = client.get("/stats?year=2024&first_year=2022", headers=officer)
    assert r.status_code == 200, r.text
    assert "火灾统计分析" in r.text and 'data-figure="deaths" data-value="1"' in r.text
    assert "/api/stats/analysis.xlsx?year=2024&amp;first_year=2022" in r.text
    assert client.get("/stats", headers=login(client, "unit_mgr")).status_code == 403


def test_record_form_from_closed_incident(client: TestClient, officer: dict[str, str]) -> None:
    inc = closed_fire(client, officer)
    page = client.get("/stats/records", headers=officer).text
    assert f'data-incident="{inc["code"]}"' in page
    form = client.get(f"/stats/records/new?incident={inc['code']}", headers=officer)
    assert 'value="2025-03-01 20:00"' in form.text and 'value="新丰镇幸福路3号"' in form.text
    data = {
        "incident": inc["code"],
        "occurred_at": "2025-03-01 20:00",
        "jurisdiction": DAFENG,
        "place": "residential",
        "cause": "electrical",
        "injuries": "1",
        "simplified": "on",
    }
    bad = client.post("/stats/records/new", data=data, headers=officer)
    assert bad.status_code == 422 and 'data-field="simplified"' in bad.text
    assert "简易登记" in bad.text
    data.pop("simplified")
    ok = client.post("/stats/records/new", data=data, headers=officer, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    page = client.get(ok.headers["location"], headers=officer).text
    assert f'data-incident="{inc["code"]}"' not in page and f"HZ-{inc['code']}" in page


def test_import_refusal_lists_rows(client: TestClient, officer: dict[str, str]) -> None:
    csv_text = "行政区划代码,起火时间,起火原因\n320904,2024-01-01,电气\n320904,bad,电气\n"
    r = client.post(
        "/stats/records/import",
        files={"file": ("x.csv", csv_text.encode(), "text/csv")},
        headers=officer,
    )
    assert r.status_code == 422 and 'data-row="3" data-field="occurred_at"' in r.text


def test_case_page_walks_the_forms(client: TestClient, officer: dict[str, str]) -> None:
    client.post("/api/stats/records", json=fire(code="F1", deaths=1), headers=officer)
    r = client.post(
        "/stats/investigations/open", data={"record": "F1"}, headers=officer, follow_redirects=False
    )
    assert r.status_code == 303
    url = r.headers["location"]
    page = client.get(url, headers=officer).text
    assert "需开展延伸调查" in page and 'data-action="start"' in page
    r = client.post(f"{url}/action", data={"action": "close"}, headers=officer)
    assert r.status_code == 422 and "已立案 (open)" in r.text
    client.post(f"{url}/action", data={"action": "start"}, headers=officer)
    r = client.post(
        f"{url}/evidence",
        data={"code": "E1", "kind": "photo", "description": "现场照片"},
        files={"file": ("p.jpg", b"jpegbytes", "image/jpeg")},
        headers=officer,
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        f"{url}/transfer", data={"item": "E1", "to_holder": "物证室", "reason": "入库"},
        headers=officer, follow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 303
    page = client.get(url, headers=officer).text
    assert hashlib.sha256(b"jpegbytes").hexdigest() in page and "→ 物证室" in page
    assert client.get("/stats/investigations", headers=officer).text.count('data-code="DC-F1"') == 1
