"""规划实施考核 with the committee's own weights: hand-computed totals under non-default weights,
validation naming each field, storage per plan and assessing jurisdiction, the audit entry, and
the page and workbook stating the weights used and who set them when (both databases)."""

from __future__ import annotations

import json
import re
from io import BytesIO
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from lanyan.core.errors import ValidationFailed
from lanyan.plans import records
from lanyan.plans.assessment import DEFAULT_WEIGHTS, Weights, rank, score
from lanyan.plans.engine import Status
from lanyan.plans.tracker import ProjectState
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM, AuditEntry

from plans_support import load_engine_fixture
from support import add_user, login

S, P = Status, ProjectState

# A committee that cares for projects: 40 / 60, and harsher points (有风险 0.25, 无数据 0.1 —
# an unreported indicator is not quite nothing —, 按期推进 0.8, 滞后 0.2).
CUSTOM = {
    "indicators_weight": 40,
    "projects_weight": 60,
    "met_points": 1,
    "at_risk_points": 0.25,
    "not_met_points": 0,
    "no_data_points": 0.1,
    "done_points": 1,
    "on_track_points": 0.8,
    "late_points": 0.2,
    "not_started_points": 0,
}


def test_hand_computed_score_with_custom_weights_and_points() -> None:
    w = Weights.from_fields(CUSTOM)
    a = score(
        "320904",
        2023,
        [("a", S.MET), ("b", S.AT_RISK), ("c", S.NOT_MET), ("d", S.NO_DATA)],
        [("x", P.DONE), ("y", P.LATE), ("z", P.NOT_STARTED), ("w", P.ON_TRACK)],
        w,
    )
    # Indicators: 1 + 0.25 + 0 + 0.1 = 1.35 of 4 → 33.75; projects: 1 + 0.2 + 0 + 0.8 = 2.0
    # of 4 → 50.
    assert a.indicator_score == pytest.approx(33.75) and a.project_score == pytest.approx(50.0)
    # (40 × 33.75 + 60 × 50) ÷ 100 = 13.5 + 30 = 43.5 (the default rule gave 45).
    assert a.total == pytest.approx(43.5)
    assert [x.points for x in a.indicators] == [1.0, 0.25, 0.0, 0.1]
    assert a.as_dict()["weights"]["points"]["no_data_points"] == 0.1


def test_custom_weights_reorder_the_ranking() -> None:
    good_indicators = score("A", 2023, [("a", S.MET), ("b", S.MET)], [("x", P.LATE)])
    good_projects = score("B", 2023, [("a", S.MET), ("b", S.NOT_MET)], [("x", P.DONE)])
    # Default 70/30: A = 0.7 × 100 + 0.3 × 50 = 85; B = 0.7 × 50 + 0.3 × 100 = 65.
    assert [a.jurisdiction for _, a in rank([good_indicators, good_projects])] == ["A", "B"]
    w = Weights(20, 80)
    again = [
        score("A", 2023, [("a", S.MET), ("b", S.MET)], [("x", P.LATE)], w),
        score("B", 2023, [("a", S.MET), ("b", S.NOT_MET)], [("x", P.DONE)], w),
    ]
    # 20/80: A = 20 + 40 = 60; B = 10 + 80 = 90.
    assert [(round(a.total, 6), a.jurisdiction) for _, a in rank(again)] == [(90, "B"), (60, "A")]


def test_every_bad_field_is_named() -> None:
    with pytest.raises(ValidationFailed) as err:
        Weights.from_fields({**CUSTOM, "indicators_weight": 50, "projects_weight": 60})
    assert [(p.field, p.rule) for p in err.value.problems] == [
        ("indicators_weight", "indicators_weight + projects_weight must be 100 (now 110)")
    ]
    with pytest.raises(ValidationFailed) as err:
        Weights.from_fields(
            {**CUSTOM, "projects_weight": 120, "late_points": 1.5, "done_points": "x"}
        )
    assert {p.field for p in err.value.problems} == {
        "projects_weight",
        "late_points",
        "done_points",
    }
    with pytest.raises(ValidationFailed) as err:
        Weights.from_fields({k: v for k, v in CUSTOM.items() if k != "met_points"})
    assert [p.field for p in err.value.problems] == ["met_points"]
    with pytest.raises(ValidationFailed) as err:
        Weights.from_fields({**CUSTOM, "at_risk_points": "nan"})
    assert [p.field for p in err.value.problems] == ["at_risk_points"]
    assert Weights.from_fields(DEFAULT_WEIGHTS.as_fields()) == DEFAULT_WEIGHTS


# --- stored, audited, applied: API, page and workbook on both databases ------------------------


def _seed(uow: Any, client: TestClient) -> dict[str, str]:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    add_user(uow, "town", "government_viewer", "320904101")
    auth = login(client, "commander")
    for code in ("320904", "320904101"):
        r = client.post("/api/plans/kaifeng/adoptions", json={"jurisdiction": code}, headers=auth)
        assert r.status_code == 201, r.text
    return auth


def test_weights_stored_audited_and_applied(uow: Any, client: TestClient) -> None:
    auth = _seed(uow, client)
    before = client.get("/api/plans/kaifeng/assessment/weights", headers=auth).json()
    assert before["default"] is True and before["set_by"] is None
    assert before["indicators_weight"] == 70 and before["late_points"] == 0.5

    bad = client.put(
        "/api/plans/kaifeng/assessment/weights",
        json={**CUSTOM, "projects_weight": 70, "no_data_points": 2},
        headers=auth,
    )
    assert bad.status_code == 422, bad.text
    fields = {p["field"] for p in bad.json()["errors"]}
    assert fields == {"indicators_weight", "no_data_points"}, bad.json()
    assert client.get("/api/plans/kaifeng/assessment/weights", headers=auth).json()["default"]

    r = client.put("/api/plans/kaifeng/assessment/weights", json=CUSTOM, headers=auth)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["default"] is False and got["set_by"] == "commander"
    assert got["jurisdiction"] == "320904" and got["set_at"]
    assert {k: got[k] for k in CUSTOM} == {k: float(v) for k, v in CUSTOM.items()}

    rows = client.get("/api/plans/kaifeng/assessment?year=2023", headers=auth).json()
    ev_points = {"met": 1, "at_risk": 0.25, "not_met": 0, "no_data": 0.1}
    prj_points = {"done": 1, "on_track": 0.8, "late": 0.2, "not_started": 0}
    for row in rows:
        ind = 100 * sum(ev_points[x["status"]] for x in row["indicators"]) / len(row["indicators"])
        prj = 100 * sum(prj_points[x["status"]] for x in row["projects"]) / len(row["projects"])
        assert row["total"] == pytest.approx((40 * ind + 60 * prj) / 100)
        assert row["weights"]["indicators"] == 40
    # The town's viewer ranks with the county's weights (the nearest set at or above it).
    town = login(client, "town")
    seen = client.get("/api/plans/kaifeng/assessment/weights", headers=town).json()
    assert seen["jurisdiction"] == "320904" and seen["indicators_weight"] == 40
    # Reading is not enough to set them.
    denied = client.put("/api/plans/kaifeng/assessment/weights", json=CUSTOM, headers=town)
    assert denied.status_code == 403

    # A second change updates the one row; each change is audited with before and after.
    again = {**CUSTOM, "indicators_weight": 50, "projects_weight": 50}
    assert (
        client.put("/api/plans/kaifeng/assessment/weights", json=again, headers=auth).status_code
        == 200
    )
    with uow() as s:
        entries = (
            s.execute(
                select(AuditEntry)
                .where(AuditEntry.object_type == "plan-assessment-weights")
                .order_by(AuditEntry.seq)
            )
            .scalars()
            .all()
        )
        assert [e.action for e in entries] == ["create", "update"]
        assert entries[0].before is None
        assert json.loads(entries[1].before)["indicators_weight"] == 40
        assert json.loads(entries[1].after)["indicators_weight"] == 50
        assert json.loads(entries[1].after)["set_by"] == "commander"

    book = load_workbook(
        BytesIO(client.get("/api/plans/kaifeng/assessment.xlsx?year=2023", headers=auth).content)
    )
    sheet = book["排名 Ranking"]
    assert "commander" in str(sheet["A2"].value) and "320904" in str(sheet["A2"].value)
    assert "指标 indicators 50 / 项目 projects 50" in str(sheet["A3"].value)
    assert "无数据 0.1" in str(sheet["A3"].value)
    ranking = list(sheet.iter_rows(min_row=5, values_only=True))
    assert {r[5] for r in ranking} == {"50/50"}


def test_weights_form_on_the_page(uow: Any, client: TestClient) -> None:
    auth = _seed(uow, client)
    page = client.get("/plans/kaifeng/assessment?year=2023", headers=auth)
    assert page.status_code == 200
    assert 'id="weights-form"' in page.text and "现用平台默认权重" in page.text
    form = {k: str(v) for k, v in CUSTOM.items()} | {"year": "2023"}
    refused = client.post(
        "/plans/kaifeng/assessment/weights",
        data={**form, "projects_weight": "70", "late_points": "-1"},
        headers=auth,
    )
    assert refused.status_code == 422
    assert 'data-field="indicators_weight"' in refused.text
    assert 'data-field="late_points"' in refused.text
    assert "之和须为 100（现为 110）" in refused.text
    assert 'value="-1"' in refused.text  # the form comes back as typed
    with uow() as s:
        assert records.adoptions(s)  # nothing else touched
    ok = client.post(
        "/plans/kaifeng/assessment/weights", data=form, headers=auth, follow_redirects=False
    )
    assert ok.status_code == 303, ok.text
    shown = client.get(ok.headers["location"], headers=auth).text
    assert "权重已保存" in shown
    assert re.search(
        r"现用权重由 大丰区（320904）的 commander 于 \d{4}-\d\d-\d\d \d\d:\d\d 设定", shown
    )
    # A viewer sees the weights, not the form.
    viewer = client.get("/plans/kaifeng/assessment?year=2023", headers=login(client, "town"))
    assert 'id="weights-form"' not in viewer.text and "weights-table" in viewer.text


def test_weights_apply_to_the_assessment_service(uow: Any) -> None:
    """The service ranks with the weights given (the CLI and the API share it)."""
    load_engine_fixture(uow)
    with uow() as s:
        records.adopt(s, SYSTEM, EVERYWHERE, "kaifeng", "320904")
        row = records.set_assessment_weights(s, SYSTEM, EVERYWHERE, "kaifeng", "320904", {**CUSTOM})
        assert row.set_by == SYSTEM.username and row.projects_weight == 60
