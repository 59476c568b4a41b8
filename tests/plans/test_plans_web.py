"""The plans API and dashboard page (server side; the browser test draws the charts)."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lanyan.plans.catalog import load_plan
from lanyan.plans.engine.evaluate import Completeness
from lanyan.plans.report import completeness_text

from plans_support import load_engine_fixture
from support import add_user, login


def _seed(uow: Any) -> None:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    add_user(uow, "manager", "unit_manager", "320904")
    add_user(uow, "town", "government_viewer", "320904101")


def test_adopt_and_evaluate_through_the_api(uow: Any, client: TestClient) -> None:
    _seed(uow)
    auth = login(client, "commander")
    r = client.post("/api/plans/tongzhou/adoptions", json={"jurisdiction": "320904"}, headers=auth)
    assert r.status_code == 201, r.text
    again = client.post(
        "/api/plans/tongzhou/adoptions", json={"jurisdiction": "320904"}, headers=auth
    )
    assert again.status_code == 409
    listed = {p["id"]: p for p in client.get("/api/plans", headers=auth).json()}
    assert listed["tongzhou"]["adopted_by"] == [{"code": "320904", "name": "大丰区"}]
    r = client.get("/api/plans/tongzhou/evaluation?year=2023", headers=auth)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["jurisdiction"]["code"] == "320904" and body["kind"] == "中期评估"
    assert len(body["indicators"]) == len(load_plan("tongzhou").indicators)
    assert sum(body["counts"].values()) == len(body["indicators"])
    xlsx = client.get("/api/plans/tongzhou/report.xlsx?year=2025", headers=auth)
    assert xlsx.status_code == 200
    assert "终期评估" in load_workbook(BytesIO(xlsx.content))["摘要 Summary"]["A1"].value
    html = client.get("/api/plans/tongzhou/report.html?year=2023", headers=auth)
    assert html.status_code == 200 and "中期评估" in html.text


def test_plans_respect_roles_and_scope(uow: Any, client: TestClient) -> None:
    _seed(uow)
    manager = login(client, "manager")
    assert client.get("/api/plans", headers=manager).status_code == 403
    town = login(client, "town")
    r = client.get("/api/plans/tongzhou/evaluation?year=2023&jurisdiction=320904", headers=town)
    assert r.status_code == 404  # the county is above the town viewer's area
    r = client.get("/api/plans/tongzhou/evaluation?year=2023", headers=town)
    assert r.json()["jurisdiction"]["code"] == "320904101"  # their own, nothing adopted
    r = client.post(
        "/api/plans/tongzhou/adoptions", json={"jurisdiction": "320904101"}, headers=town
    )
    assert r.status_code == 403  # viewers do not write
    bad = client.get("/api/plans/tongzhou/evaluation?year=1800", headers=town)
    assert bad.status_code == 422


def test_dashboard_page_embeds_the_evaluation(uow: Any, client: TestClient) -> None:
    _seed(uow)
    auth = login(client, "commander")
    page = client.get("/plans/lianzhou?year=2023", headers=auth)
    assert page.status_code == 200
    assert "/static/vendor/echarts/echarts.min.js" in page.text
    raw = re.search(
        r'<script type="application/json" id="plan-data">(.*?)</script>', page.text, re.S
    )
    assert raw is not None
    data = json.loads(raw.group(1))
    assert data["year"] == 2023 and len(data["projects"]) == len(load_plan("lianzhou").projects)
    index = client.get("/plans", headers=auth)
    assert index.status_code == 200 and 'data-plan="lianzhou"' in index.text
    assert client.get("/static/vendor/echarts/LICENSE").status_code == 200


def _page_data(text: str) -> dict[str, Any]:
    raw = re.search(r'<script type="application/json" id="plan-data">(.*?)</script>', text, re.S)
    assert raw is not None
    return json.loads(raw.group(1))  # type: ignore[no-any-return]


def test_unit_words_come_from_the_catalogue_in_both_languages(uow: Any, client: TestClient) -> None:
    _seed(uow)
    auth = login(client, "commander")
    latin = re.compile(r"[A-Za-z]")
    for plan in ("dafeng",):  # people, teams, stations, hydrants, %, ‰ …
        used = {i.unit for i in load_plan(plan).indicators}
        zh = _page_data(client.get(f"/plans/{plan}?year=2023", headers=auth).text)
        # The charts print data.units[unit] and data.words: no English word on the Chinese page.
        assert all(not latin.search(zh["units"][u.value]) for u in used), zh["units"]
        assert zh["units"]["people"] == "人" and zh["units"]["teams"] == "支"
        assert zh["words"] == {"target": "目标", "actual": "实际"}
        client.get("/lang/en")
        en = _page_data(client.get(f"/plans/{plan}?year=2023", headers=auth).text)
        assert {u.value: en["units"][u.value] for u in used} == {u.value: u.en for u in used}
        assert en["words"]["target"] == "target"
        client.get("/lang/zh")
    page = client.get("/plans/dafeng?year=2023", headers=auth).text
    options = re.findall(r'<option value="[a-z_0-9]+"[^>]*title="[^"]*">([^<]*)</option>', page)
    assert options and all("（" in o and not latin.search(o.split("（")[-1]) for o in options)
    # The page's script reads the units and words from the data, not from the raw unit value.
    script = client.get("/static/js/plan_dashboard.js").text
    assert "+ ind.unit" not in script and "name: ind.unit" not in script


def test_thin_data_warning_beside_the_indicator(uow: Any, client: TestClient) -> None:
    _seed(uow)
    auth = login(client, "commander")
    page = client.get("/plans/dafeng?year=2024&jurisdiction=320904", headers=auth).text
    card = re.search(r'data-indicator="fulltime_firefighters_share".*?</article>', page, re.S)
    assert card is not None
    # 2024 rests on the roster's G1 G2 G3 and one population record (2023's: none for 2024);
    # 2021 has no population record at all, so no value.
    warning = re.search(r'<p class="completeness thin" data-records="4"[^>]*>(.*?)</p>', card[0])
    assert warning is not None, card[0]
    assert 'data-missing-years="2021"' in card[0]
    text = re.sub(r"<[^>]+>", "", warning.group(1))
    assert text == "⚠ 数据不全 依据 4 条记录；缺 2021 年数据；缺 2024 年人口，沿用 2023 年"
    body = client.get(
        "/api/plans/dafeng/evaluation?year=2024&jurisdiction=320904", headers=auth
    ).json()
    row = next(i for i in body["indicators"] if i["id"] == "fulltime_firefighters_share")
    assert row["completeness"] == {
        "records": 4,
        "thin": True,
        "missing_years": [2021],
        "stand_ins": [{"what": "population", "year": 2024, "used": 2023}],
    }
    # The PDF and XLSX reports write the same sentence (plans/report.py completeness_text).
    same = Completeness(4, (2021,), (("population", 2024, 2023),))
    assert text == f"⚠ {completeness_text(same)}"
    client.get("/lang/en")
    page = client.get("/plans/dafeng?year=2024&jurisdiction=320904", headers=auth).text
    assert "no data for 2021; no population for 2024; 2023&#39;s used" in page
