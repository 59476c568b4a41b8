"""规划实施考核: the platform's default scoring rule on hand-computed examples (plans/assessment.py)."""

from __future__ import annotations

import re
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from lanyan.core.errors import ValidationFailed
from lanyan.plans import records
from lanyan.plans.assessment import Weights, rank, score
from lanyan.plans.engine import Status
from lanyan.plans.tracker import ProjectState
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM

from plans_support import load_engine_fixture
from support import add_user, login

S, P = Status, ProjectState


def test_hand_computed_score_with_default_weights() -> None:
    a = score(
        "320904",
        2023,
        [("a", S.MET), ("b", S.AT_RISK), ("c", S.NOT_MET), ("d", S.NO_DATA)],
        [("x", P.DONE), ("y", P.LATE), ("z", P.NOT_STARTED), ("w", P.ON_TRACK)],
    )
    # Indicators: 1 + 0.5 + 0 + 0 = 1.5 of 4 → 37.5; projects: 1 + 0.5 + 0 + 1 = 2.5 of 4 → 62.5.
    assert a.indicator_score == 37.5 and a.project_score == 62.5
    # (70 × 37.5 + 30 × 62.5) ÷ 100 = 26.25 + 18.75 = 45.
    assert a.total == pytest.approx(45.0)
    assert a.missing == ("d",)
    assert [x.points for x in a.indicators] == [1.0, 0.5, 0.0, 0.0]


def test_weights_change_the_total_and_an_empty_part_drops_out() -> None:
    a = score("1", 2023, [("a", S.MET), ("b", S.NOT_MET)], [("x", P.LATE)], Weights(50, 50))
    assert a.total == pytest.approx(50 * 50 / 100 + 50 * 50 / 100)  # 50 and 50 → 50
    b = score("1", 2023, [("a", S.MET), ("b", S.AT_RISK)], [], Weights(70, 30))
    assert b.project_score is None and b.total == pytest.approx(75.0)
    c = score("1", 2023, [("a", S.MET)], [("x", P.NOT_STARTED)], Weights(0, 100))
    assert c.total == 0.0


def test_bad_weights_name_the_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        Weights(-1, 30)
    assert [p.field for p in err.value.problems] == ["indicators_weight"]
    with pytest.raises(ValidationFailed) as err:
        Weights(0, 0)
    assert [p.field for p in err.value.problems] == ["indicators_weight"]


def test_rank_best_first_ties_share_a_rank() -> None:
    met, miss = [("a", S.MET)], [("a", S.NOT_MET)]
    ranked = rank(
        [
            score("320903", 2023, miss, []),
            score("320904", 2023, met, []),
            score("320902", 2023, met, []),
            score("320901", 2023, [("a", S.AT_RISK)], []),
        ]
    )
    assert [(n, a.jurisdiction) for n, a in ranked] == [
        (1, "320902"),
        (1, "320904"),
        (3, "320901"),
        (4, "320903"),
    ]


# --- through the API, on both databases -----------------------------------------------------------

POINTS = {"met": 1.0, "at_risk": 0.5, "not_met": 0.0, "no_data": 0.0}
PROJECT = {"done": 1.0, "on_track": 1.0, "late": 0.5, "not_started": 0.0}


def test_assessment_ranks_every_adopter_in_your_area(uow: Any, client: TestClient) -> None:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    add_user(uow, "town", "government_viewer", "320904101")
    auth = login(client, "commander")
    for code in ("320904", "320904101"):
        r = client.post("/api/plans/kaifeng/adoptions", json={"jurisdiction": code}, headers=auth)
        assert r.status_code == 201, r.text
    with uow() as s:
        records.add_progress(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "plan": "kaifeng",
                "project": "station_fuxing_avenue",
                "jurisdiction": "320904",
                "reported_on": "2022-06-01",
                "completed": True,
            },
        )
    r = client.get("/api/plans/kaifeng/assessment?year=2023", headers=auth)
    assert r.status_code == 200, r.text
    rows = r.json()
    assert sorted(x["jurisdiction"] for x in rows) == ["320904", "320904101"]
    assert [x["total"] for x in rows] == sorted((x["total"] for x in rows), reverse=True)
    assert rows[0]["rank"] == 1
    for row in rows:
        # The breakdown agrees with the evaluation of the same jurisdiction and year.
        ev = client.get(
            f"/api/plans/kaifeng/evaluation?year=2023&jurisdiction={row['jurisdiction']}",
            headers=auth,
        ).json()
        statuses = [i["status"] for i in ev["indicators"]]
        states = [p["state"] for p in ev["projects"]]
        assert [x["status"] for x in row["indicators"]] == statuses
        assert [x["status"] for x in row["projects"]] == states
        ind = 100 * sum(POINTS[s] for s in statuses) / len(statuses)
        prj = 100 * sum(PROJECT[s] for s in states) / len(states)
        assert row["total"] == pytest.approx((70 * ind + 30 * prj) / 100)
        assert row["missing"] == [i["id"] for i in ev["indicators"] if i["status"] == "no_data"]
    county = next(x for x in rows if x["jurisdiction"] == "320904")
    assert "done" in [x["status"] for x in county["projects"]]
    book = load_workbook(
        BytesIO(client.get("/api/plans/kaifeng/assessment.xlsx?year=2023", headers=auth).content)
    )
    ranking = list(book["排名 Ranking"].iter_rows(min_row=5, values_only=True))
    assert [(r[0], r[1], r[6]) for r in ranking] == [
        (x["rank"], x["jurisdiction"], round(x["total"], 2)) for x in rows
    ]
    detail = list(book["明细 Breakdown"].iter_rows(min_row=2, values_only=True))
    assert len(detail) == sum(len(x["indicators"]) + len(x["projects"]) for x in rows)
    # 政府查看 in the town reads the assessment of its own area only.
    town = client.get("/api/plans/kaifeng/assessment?year=2023", headers=login(client, "town"))
    assert town.status_code == 200, town.text
    assert [x["jurisdiction"] for x in town.json()] == ["320904101"]


def test_assessment_page_for_the_committee(uow: Any, client: TestClient) -> None:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    add_user(uow, "town", "government_viewer", "320904101")
    auth = login(client, "commander")
    for code in ("320904", "320904101"):
        client.post("/api/plans/kaifeng/adoptions", json={"jurisdiction": code}, headers=auth)
    api = client.get("/api/plans/kaifeng/assessment?year=2023", headers=auth).json()
    page = client.get("/plans/kaifeng/assessment?year=2023", headers=auth)
    assert page.status_code == 200, page.text
    shown = re.findall(r'<tr data-jurisdiction="(\d+)" data-total="([0-9.]+)">', page.text)
    assert shown == [(x["jurisdiction"], f"{x['total']:.2f}") for x in api]
    assert "规划实施考核" in page.text and "平台默认规则" in page.text
    assert page.text.count('class="card assessment-breakdown"') == 2
    body = re.search(r"<main.*?</main>", page.text, re.S)
    text = re.sub(r"<[^>]+>", " ", body[0] if body else page.text)
    # No English word on the Chinese page (the file format's name XLSX aside, as on the dashboard).
    assert not re.search(r"[A-Za-z]{3,}", re.sub(r"&[a-z]+;|XLSX", "", text)), text
    town = client.get("/plans/kaifeng/assessment?year=2023", headers=login(client, "town"))
    assert town.status_code == 200
    assert re.findall(r'<tr data-jurisdiction="(\d+)"', town.text) == ["320904101"]
    client.get("/lang/en")
    en = client.get("/plans/kaifeng/assessment?year=2023", headers=auth).text
    assert "Implementation assessment" in en and "Platform default rule" in en
    client.get("/lang/zh")
