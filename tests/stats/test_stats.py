"""Fire statistics (火灾统计): records and 简易登记 with their rules, the record made from a
closed fire incident and the missing-records list, import all or nothing, export, and the
analysis checked against hand-computed figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import delete, select
from stats_support import T0, TOWN, closed_fire, fire
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.core.timeutil import to_local, utcnow
from lanyan.stats.choices import FireGrade, fire_grade
from lanyan.stats.demo import seed_fire_records
from lanyan.stats.models import FireRecord
from lanyan.store.audit import Actor, verify
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from support import DAFENG, TINGHU, add_user, create_sample, login, seed_region


@pytest.fixture
def users(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "th_cmd", "commander", TINGHU)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    add_user(uow, "unit_mgr", "unit_manager", DAFENG)
    return {
        name: login(client, name)
        for name in ("df_cmd", "df_dispatch", "th_cmd", "viewer", "unit_mgr")
    }


def test_record_stores_local_time_fields_and_grade(
    client: TestClient, users: dict[str, dict[str, str]], sessions: Any
) -> None:
    r = client.post("/api/stats/records", json=fire(), headers=users["df_cmd"])
    assert r.status_code == 201, r.text
    body = r.json()
    # 19:30 in Shanghai on a Saturday (2024-03-02): stored in the grouping columns.
    assert (body["year"], body["month"], body["weekday"], body["hour"]) == (2024, 3, 5, 19)
    assert body["occurred_at"].startswith("2024-03-02T11:30")  # UTC
    assert body["grade"] == "general" and body["code"] == "HZ20240302-001"
    r = client.post(
        "/api/stats/records",
        json=fire(deaths=3, occurred_at="2024-03-02", code="F-BIG"),
        headers=users["df_cmd"],
    )
    assert r.json()["grade"] == "larger" and r.json()["hour"] is None  # a date only: hour unknown
    with sessions() as s:
        assert verify(s).ok


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"jurisdiction": "999999"}, "jurisdiction"),
        ({"jurisdiction": "320902"}, "jurisdiction"),  # Tinghu: outside the commander's area
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"occurred_at": "2999-01-01 10:00"}, "occurred_at"),
        ({"cause": "aliens"}, "cause"),
        ({"place": "moon"}, "place"),
        ({"serious_injuries": 2}, "serious_injuries"),  # more than the injured
        ({"deaths": -1}, "deaths"),
        ({"simplified": True}, "simplified"),  # an injury and 12 000 元: not a minor fire
        ({"lon": None}, "lon"),
        ({"unit": "U-NONE"}, "unit"),
    ],
)
def test_bad_record_names_the_field(
    client: TestClient, users: dict[str, dict[str, str]], over: dict[str, Any], field: str
) -> None:
    r = client.post("/api/stats/records", json=fire(**over), headers=users["df_cmd"])
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


def test_simplified_registration_of_a_minor_fire(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    r = client.post(
        "/api/stats/records",
        json=fire(injuries=0, direct_loss_yuan=300, simplified=True, place="outdoor"),
        headers=users["df_dispatch"],
    )
    assert r.status_code == 201, r.text
    assert r.json()["simplified"] is True
    a = client.get("/api/stats/analysis?year=2024", headers=users["df_cmd"]).json()
    assert a["totals"]["fires"] == 1 and a["simplified_count"] == 1  # still counted (起数)


def test_roles_and_scope(client: TestClient, users: dict[str, dict[str, str]]) -> None:
    client.post("/api/stats/records", json=fire(), headers=users["df_cmd"])
    assert (
        client.post("/api/stats/records", json=fire(), headers=users["viewer"]).status_code == 403
    )
    assert client.get("/api/stats/records", headers=users["unit_mgr"]).status_code == 403
    assert len(client.get("/api/stats/records", headers=users["viewer"]).json()) == 1
    assert client.get("/api/stats/records", headers=users["th_cmd"]).json() == []
    a = client.get("/api/stats/analysis?year=2024", headers=users["th_cmd"]).json()
    assert a["totals"]["fires"] == 0


def test_closed_fire_incident_is_missing_until_recorded(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    h = users["df_dispatch"]
    inc = closed_fire(client, h)
    closed_fire(client, h, incident_type="rescue")  # not a fire: never missing
    missing = client.get("/api/stats/records/missing", headers=h).json()
    assert [m["incident"] for m in missing] == [inc["code"]]
    pre = client.get(f"/api/stats/records/prefill/{inc['code']}", headers=h).json()
    assert pre["occurred_at"] == "2025-03-01 20:00" and pre["jurisdiction"] == DAFENG
    r = client.post(
        "/api/stats/records",
        json={"incident": inc["code"], "cause": "careless_use", "place": "residential"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    rec = r.json()
    assert (rec["lon"], rec["lat"], rec["hour"]) == (120.48, 33.21, 20)
    assert rec["code"] == f"HZ-{inc['code']}"
    assert client.get("/api/stats/records/missing", headers=h).json() == []
    again = client.post("/api/stats/records", json={"incident": inc["code"]}, headers=h)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "incident"


def test_record_refuses_an_open_or_non_fire_incident(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    h = users["df_dispatch"]
    rescue = closed_fire(client, h, incident_type="rescue")
    r = client.post("/api/stats/records", json={"incident": rescue["code"]}, headers=h)
    assert "must be a 火灾" in r.json()["errors"][0]["rule"]
    open_call = client.post(
        "/api/incidents",
        json={
            "incident_type": "fire",
            "received_at": T0.isoformat(),
            "address": "x路1号",
            "jurisdiction_code": DAFENG,
        },
        headers=h,
    ).json()
    r = client.post("/api/stats/records", json={"incident": open_call["code"]}, headers=h)
    assert "must be closed" in r.json()["errors"][0]["rule"]


HEADER = "火灾编号,行政区划代码,起火时间,起火原因,起火场所,死亡人数,受伤人数,直接财产损失(元)\n"


def test_import_is_all_or_nothing_and_names_rows(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    h = users["df_cmd"]
    bad = (
        HEADER
        + f"I1,{TOWN},2023-05-01 10:00,电气,居住场所,0,0,100\n"
        + f"I2,{TOWN},2023-05-02 10:00,外星人,居住场所,0,0,100\n"
        + f"I3,{TOWN},not a time,吸烟,厂房,0,0,100\n"
        + f"I1,{TOWN},2023-05-03 10:00,吸烟,厂房,0,0,100\n"
    )
    r = client.post(
        "/api/stats/records/import", files={"file": ("f.csv", bad.encode(), "text/csv")}, headers=h
    )
    assert r.status_code == 422, r.text
    named = {(e["row"], e["field"]) for e in r.json()["errors"]}
    assert named == {(3, "cause"), (4, "occurred_at"), (5, "code")}
    assert client.get("/api/stats/records", headers=h).json() == []  # nothing written
    good = (
        HEADER
        + f"I1,{TOWN},2023-05-01 10:00,电气,居住场所,1,2,5000\n"
        + f"I2,{DAFENG},2023-06-02,smoking,factory,0,0,200\n"
    )
    r = client.post(
        "/api/stats/records/import", files={"file": ("f.csv", good.encode(), "text/csv")}, headers=h
    )
    assert r.status_code == 200 and r.json() == {"imported": 2}, r.text
    # The export reads back through the importer (into an empty database it would import again).
    exported = client.get("/api/stats/records/export.csv", headers=h)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(x["火灾编号"], x["起火原因"], x["死亡人数"]) for x in rows] == [
        ("I1", "electrical", "1"),
        ("I2", "smoking", "0"),
    ]
    xlsx = client.get("/api/stats/records/export.xlsx", headers=h)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.cell(1, 1).value == "火灾编号" and sheet.cell(3, 1).value == "I2"
    r = client.post(
        "/api/stats/records/import", files={"file": ("f.xlsx", xlsx.content, "x")}, headers=h
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"code"}


def test_analysis_against_hand_computed_figures(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    h = users["df_cmd"]
    made = [
        # (time, jurisdiction, cause, place, deaths, injuries, loss)
        ("2023-01-10 19:10", TOWN, "electrical", "residential", 0, 1, 1000),
        ("2023-07-04 08:00", DAFENG, "smoking", "factory", 1, 0, 3000),
        ("2024-01-06 19:45", TOWN, "electrical", "residential", 2, 3, 20000),  # a Saturday
        ("2024-01-07 02:15", TOWN, "careless_use", "residential", 0, 0, 500),  # a Sunday
        ("2024-02-01 19:00", DAFENG, "electrical", "crowded", 0, 1, 15000000),  # 较大 by loss
    ]
    for i, (at, j, cause, place, d, inj, loss) in enumerate(made):
        payload = fire(
            code=f"A{i}",
            occurred_at=at,
            jurisdiction=j,
            cause=cause,
            place=place,
            deaths=d,
            injuries=inj,
            direct_loss_yuan=loss,
        )
        assert client.post("/api/stats/records", json=payload, headers=h).status_code == 201
    th = {"code": "T1", "jurisdiction": "320902100", "cause": "electrical"}
    assert (
        client.post("/api/stats/records", json=fire(**th), headers=users["th_cmd"]).status_code
        == 201
    )
    a = client.get("/api/stats/analysis?year=2024&first_year=2023", headers=h).json()
    assert a["jurisdiction"]["code"] == DAFENG
    assert a["totals"]["fires"] == 3 and a["totals"]["deaths"] == 2
    assert a["totals"]["injuries"] == 4 and a["totals"]["loss_yuan"] == 15020500
    change = a["by_year"][-1]["change"]
    assert change["fires"] == 50.0 and change["deaths"] == 100.0  # 3 vs 2 fires, 2 vs 1 deaths
    assert a["by_year"][0]["change"]["fires"] is None  # no 2022 records
    cause = {c["value"]: c["fires"] for c in a["by_cause"]}
    assert (cause["electrical"], cause["careless_use"], cause["smoking"]) == (2, 1, 0)
    assert {p["value"]: p["fires"] for p in a["by_place"]}["residential"] == 2
    assert [m["fires"] for m in a["by_month"]][:3] == [2, 1, 0]
    assert a["by_hour"][19]["fires"] == 2 and a["by_hour"][2]["fires"] == 1
    assert [w["fires"] for w in a["by_weekday"]] == [0, 0, 0, 1, 0, 1, 1]
    assert a["larger_or_above"] == 1
    towns = {j["code"]: j for j in a["by_jurisdiction"]}
    assert towns[TOWN]["fires"] == 2 and towns[DAFENG]["fires"] == 1  # 本级 (county itself)
    only = client.get("/api/stats/analysis?year=2024&cause=electrical", headers=h).json()
    assert only["totals"]["fires"] == 2
    bad = client.get("/api/stats/analysis?year=2024&cause=aliens", headers=h)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cause"
    m = client.get("/api/stats/map?year=2024", headers=h).json()
    assert len(m["points"]["features"]) == 3
    book = load_workbook(
        io.BytesIO(client.get("/api/stats/analysis.xlsx?year=2024", headers=h).content)
    )
    assert book.sheetnames[:3] == ["四项指标", "起火原因", "起火场所"]
    assert book["起火原因"].cell(3, 1).value == "电气" and book["起火原因"].cell(3, 2).value == 2


def test_analysis_opens_on_this_year_or_the_latest_year_with_records(
    client: TestClient, users: dict[str, dict[str, str]]
) -> None:
    this_year = to_local(utcnow()).year
    h = users["df_cmd"]
    assert client.get("/api/stats/analysis", headers=h).json()["year"] == this_year  # none yet
    for code, at in (("Y1", "2022-05-01 10:00"), ("Y2", "2023-05-01 10:00")):
        payload = fire(code=code, occurred_at=at)
        assert client.post("/api/stats/records", json=payload, headers=h).status_code == 201
    a = client.get("/api/stats/analysis", headers=h).json()
    assert (a["year"], a["totals"]["fires"]) == (2023, 1)
    # Only the records in the user's area count: Tinghu has none, so it opens on this year.
    assert client.get("/api/stats/analysis", headers=users["th_cmd"]).json()["year"] == this_year
    assert client.get("/api/stats/analysis?year=2022", headers=h).json()["year"] == 2022
    page = client.get("/stats", headers=h)
    assert page.status_code == 200 and '<option value="2023" selected' in page.text


@pytest.mark.parametrize(
    ("day", "deaths", "serious", "loss", "grade"),
    [
        ("2024-01-01", 0, 0, 9_999_999, FireGrade.GENERAL),
        ("2024-01-01", 0, 0, 10_000_000, FireGrade.LARGER),
        ("2025-06-01", 0, 0, 10_000_000, FireGrade.GENERAL),  # 2025 rules: 3 000 万
        ("2025-06-01", 10, 0, 0, FireGrade.MAJOR),
        ("2025-06-01", 0, 100, 0, FireGrade.EXTRAORDINARY),
    ],
)
def test_grade_rule_moved_unchanged(
    day: str, deaths: int, serious: int, loss: float, grade: FireGrade
) -> None:
    assert fire_grade(date.fromisoformat(day), deaths, serious, loss) is grade


def test_demo_fire_records_are_seeded_and_audited(uow: Any, sessions: Any) -> None:
    seed_region(uow)
    for n in range(1, 4):
        create_sample(uow, "units", DAFENG, n)

    def build(seed: int) -> list[tuple[Any, ...]]:
        with uow() as s:
            assert seed_fire_records(s, Actor("system:demo"), DAFENG, seed) > 500
        with sessions() as s:
            rows = s.execute(
                select(
                    FireRecord.code,
                    FireRecord.cause,
                    FireRecord.hour,
                    FireRecord.deaths,
                    FireRecord.simplified,
                    FireRecord.direct_loss_yuan,
                    FireRecord.grade,
                ).order_by(FireRecord.code)
            ).all()
            assert verify(s).ok
        with uow() as s:
            s.execute(delete(FireRecord))
        return [tuple(r) for r in rows]

    first, again, other = build(7), build(7), build(8)
    assert first == again and first != other
    minor = [r for r in first if r[4]]
    assert minor and all(r[3] == 0 and r[5] < 1000 for r in minor)  # 简易登记 only minor fires
    causes = [r[1] for r in first]
    assert causes.count("electrical") > causes.count("smoking") > causes.count("arson")


def test_cli_import_export_missing_and_analyse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'stats.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    upgrade(url)
    seed_region(lambda: unit_of_work(make_session_factory(make_engine(url))))
    run = CliRunner().invoke
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + f"C1,{TOWN},2024-02-30 10:00,电气,居住场所,0,0,10\n", encoding="utf-8")
    result = run(cli_app, ["stats", "import", str(bad)])
    assert result.exit_code == 1 and "line 2" in result.output and "occurred_at" in result.output
    good = tmp_path / "good.csv"
    good.write_text(
        HEADER
        + f"C1,{TOWN},2024-02-03 10:00,电气,居住场所,1,0,10000\n"
        + f"C2,{TOWN},2023-02-03 10:00,吸烟,厂房,0,0,500\n",
        encoding="utf-8",
    )
    assert run(cli_app, ["stats", "import", str(good)]).exit_code == 0
    out = tmp_path / "out.xlsx"
    assert run(cli_app, ["stats", "export", str(out)]).exit_code == 0
    assert load_workbook(out).active.max_row == 3
    result = run(cli_app, ["stats", "analyse", "--year", "2024", "--jurisdiction", DAFENG])
    body = json.loads(result.output)
    assert body["totals"]["fires"] == 1 and body["by_year"][-1]["change"]["fires"] == 0.0
    assert "without a record: 0" in run(cli_app, ["stats", "missing"]).output
