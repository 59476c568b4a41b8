"""Outreach (人员、培训、宣传教育、开放日、志愿者、知晓率): service rules, imports that commit
nothing on a bad row, the open-day check, scoping and audit through the API, and the plan
indicators fed from these records."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select

from lanyan.core.timeutil import local_today
from lanyan.outreach import survey
from lanyan.outreach.models import Person, Survey, SurveyResponse, TrainingRecord
from lanyan.outreach.tabular import read_table
from lanyan.plans.catalog import load_plan
from lanyan.plans.engine import evaluate
from lanyan.registry import service as registry
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry, verify

from outreach_support import HEADER, good_rows, survey_csv
from support import DAFENG, TINGHU, add_user, login, sample, seed_region, uscc

# --- scoring, pure ------------------------------------------------------------------------------


def test_scoring_accepts_letters_numbers_and_option_text() -> None:
    key = survey.answer_key("public-awareness")
    table = read_table(survey_csv(good_rows()), "export.csv")
    scored, problems = survey.score(key, table, 2025)
    assert problems == []
    assert [s.score for s in scored] == [100, 90, 80, 70, 60, 60, 90, 100, 50, 30]
    assert sum(s.passed for s in scored) == 8
    assert sum(s.educated for s in scored) == 6
    assert survey.surveyed_on(scored) == date(2025, 5, 9)


def test_scoring_reads_the_same_export_as_xlsx_and_gbk_csv() -> None:
    key = survey.answer_key("public-awareness")
    wb = Workbook()
    wb.active.append(HEADER)
    for row in good_rows():
        wb.active.append([int(row[0]), *row[1:]])  # 问卷星 writes the number as a number
    buf = io.BytesIO()
    wb.save(buf)
    gbk = survey_csv(good_rows()).decode("utf-8-sig").encode("gb18030")
    for data, name in ((buf.getvalue(), "export.xlsx"), (gbk, "export.csv")):
        scored, problems = survey.score(key, read_table(data, name), 2025)
        assert problems == [] and sum(s.passed for s in scored) == 8, name


def test_scoring_names_every_bad_row_field_and_rule() -> None:
    rows = good_rows()
    rows[2][6] = "E"  # question 3 has options A–D
    rows[4][0] = "1"  # duplicate respondent number
    rows[6][1] = "昨天"
    rows[7][14] = ""
    key = survey.answer_key("public-awareness")
    _, problems = survey.score(key, read_table(survey_csv(rows), "x.csv"), 2025)
    got = {(p.row, p.field) for p in problems}
    assert got == {(4, HEADER[6]), (6, "序号"), (8, "提交答卷时间"), (9, HEADER[14])}
    rules = {p.row: p.rule for p in problems}
    assert "not an option" in rules[4] and "duplicate of row 2" in rules[6]
    assert rules[9].startswith("required")


def test_scoring_refuses_a_file_without_the_key_questions() -> None:
    key = survey.answer_key("public-awareness")
    table = read_table(survey_csv([]).replace("4、".encode(), "四、".encode()), "x.csv")
    _, problems = survey.score(key, table)
    assert [p.field for p in problems if p.field.startswith("Q")] == ["Q4"]


# --- the world the API tests run in ----------------------------------------------------------------


@pytest.fixture
def world(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    with uow() as s:
        for county in (DAFENG, TINGHU):
            registry.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", county))
            registry.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", county))
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "th_cmd", "commander", TINGHU)
    add_user(uow, "df_view", "government_viewer", DAFENG)
    add_user(uow, "df_prev", "prevention_officer", DAFENG)
    return {
        "df": login(client, "df_cmd"),
        "th": login(client, "th_cmd"),
        "view": login(client, "df_view"),
        "prev": login(client, "df_prev"),
    }


def _person(code: str, kind: str = "rescuer", county: str = DAFENG, **over: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"人员{code}",
        "kind": kind,
        "jurisdiction_code": county,
        "joined_on": "2020-01-01",
        **over,
    }


def _audit(sessions: Any, object_type: str) -> list[AuditEntry]:
    with sessions() as s:
        return list(
            s.execute(select(AuditEntry).where(AuditEntry.object_type == object_type)).scalars()
        )


def test_roster_certificates_trainings_and_health_checks(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    df = world["df"]
    for body in (_person("R1"), _person("R2"), _person("V1", "volunteer")):
        r = client.post("/api/people", json=body, headers=df)
        assert r.status_code == 201, r.text
    r = client.post("/api/people", json=_person("R1"), headers=df)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "code"
    r = client.post("/api/people", json=_person("R9", left_on="2019-01-01"), headers=df)
    assert r.status_code == 422 and "left_on" in r.text
    cert = {"person_code": "R1", "name": "消防员职业资格", "valid_until": "2099-12-31"}
    assert client.post("/api/people/certifications", json=cert, headers=df).status_code == 201
    year = local_today().year
    training = {
        "kind": "specialised",
        "speciality": "water",
        "person_code": "R1",
        "held_on": f"{year}-01-02",
        "hours": 8,
    }
    assert client.post("/api/people/trainings", json=training, headers=df).status_code == 201
    r = client.post("/api/people/trainings", json={**training, "person_code": "V1"}, headers=df)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "person_code"
    r = client.post("/api/people/trainings", json={**training, "speciality": None}, headers=df)
    assert r.status_code == 422 and "speciality" in r.text
    employee = {
        "kind": "employee",
        "unit_code": uscc(DAFENG, 1),
        "held_on": f"{year}-03-01",
        "attendees": 35,
    }
    assert client.post("/api/people/trainings", json=employee, headers=df).status_code == 201
    check = {"person_code": "R2", "checked_on": f"{year}-02-01", "result": "restricted"}
    assert client.post("/api/people/health-checks", json=check, headers=df).status_code == 201
    rates = {r["kind"]: r for r in client.get("/api/people/rates", headers=df).json()}
    assert rates["rescuer"]["in_post"] == 2
    assert rates["rescuer"]["certified_rate"] == 50.0
    assert rates["rescuer"]["trained_rate"] == 50.0
    one = client.get("/api/people/R2", headers=df).json()
    assert one["health_checks"][0]["result"] == "restricted"
    # Scoping: Tinghu neither sees nor writes Dafeng's people.
    assert client.get("/api/people/R1", headers=world["th"]).status_code == 404
    r = client.post("/api/people/certifications", json=cert, headers=world["th"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "person_code"
    assert client.get("/api/people", headers=world["th"]).json()["total"] == 0
    # Roles: the government viewer reads, does not write; prevention does not write people.
    assert client.get("/api/people", headers=world["view"]).json()["total"] == 3
    assert client.post("/api/people", json=_person("X1"), headers=world["view"]).status_code == 403
    assert client.post("/api/people", json=_person("X1"), headers=world["prev"]).status_code == 403
    # Audit: every write, scoped to the person's county, chain intact.
    assert len(_audit(sessions, "people")) == 3
    assert len(_audit(sessions, "trainings")) == 2
    with sessions() as s:
        dafeng_path = s.execute(
            select(Jurisdiction.path).where(Jurisdiction.code == DAFENG)
        ).scalar_one()
    assert [e.scope_path for e in _audit(sessions, "health-checks")] == [dafeng_path]
    with sessions() as s:
        assert verify(s).ok


def _csv(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_people_import_is_all_or_nothing_and_names_bad_rows(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    df = world["df"]
    header = "code,name,kind,jurisdiction_code,joined_on,left_on"
    bad = _csv(
        [
            header,
            f"A1,张三,rescuer,{DAFENG},2021-01-01,",
            f"A2,李四,astronaut,{DAFENG},2021-01-01,",
            f"A3,王五,rescuer,{TINGHU},2021-01-01,",
            f"A4,赵六,rescuer,{DAFENG},2021-13-01,",
        ]
    )
    r = client.post(
        "/api/people/import",
        data={"what": "people"},
        files={"file": ("people.csv", bad, "text/csv")},
        headers=df,
    )
    assert r.status_code == 422, r.text
    got = {(p["row"], p["field"]) for p in r.json()["errors"]}
    assert got == {(3, "kind"), (4, "jurisdiction_code"), (5, "joined_on")}
    with sessions() as s:
        assert s.execute(select(func.count(Person.id))).scalar_one() == 0
    good = _csv(
        [
            header,
            f"A1,张三,rescuer,{DAFENG},2021-01-01,",
            f"A2,李四,volunteer,{DAFENG},2021-01-01,2024-01-01",
        ]
    )
    wb = Workbook()
    for line in good.decode().splitlines():
        wb.active.append(line.split(","))
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(
        "/api/people/import",
        data={"what": "people"},
        files={"file": ("people.xlsx", buf.getvalue(), "application/octet-stream")},
        headers=df,
    )
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 2
    cols = _csv(["code,name,kind,jurisdiction_code,joined_on,shoe_size"])
    r = client.post(
        "/api/people/import",
        data={"what": "people"},
        files={"file": ("p.csv", cols, "text/csv")},
        headers=df,
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "shoe_size"


def test_survey_import_commits_nothing_on_a_bad_row_then_imports(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    df = world["df"]
    rows = good_rows()
    rows[3][8] = "Z"  # question 5
    files = {"file": ("问卷星导出.csv", survey_csv(rows), "text/csv")}
    r = client.post(
        "/api/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG},
        files=files,
        headers=df,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert [(p["row"], p["field"]) for p in body["errors"]] == [(5, HEADER[8])]
    assert "nothing was imported" in body["detail"]
    with sessions() as s:
        assert s.execute(select(func.count(Survey.id))).scalar_one() == 0
        assert s.execute(select(func.count(SurveyResponse.id))).scalar_one() == 0
    files = {"file": ("问卷星导出.csv", survey_csv(good_rows()), "text/csv")}
    r = client.post(
        "/api/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG, "title": "2025 大丰知晓率"},
        files=files,
        headers=df,
    )
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["respondents"], got["passed"], got["educated"]) == (10, 8, 6)
    assert got["surveyed_on"] == "2025-05-09" and got["awareness_rate"] == 80.0
    # Tinghu may not import into Dafeng; the viewer may not import at all.
    r = client.post(
        "/api/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG},
        files=files,
        headers=world["th"],
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "jurisdiction_code"
    r = client.post(
        "/api/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG},
        files=files,
        headers=world["view"],
    )
    assert r.status_code == 403
    assert len(_audit(sessions, "surveys")) == 1
    # The plan indicator reads it: Dafeng's 公众消防安全知晓率 for 2025 is 80 %.
    with sessions() as s:
        county = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        result = evaluate(s, load_plan("dafeng"), county, 2025)
        figure = next(r for r in result.results if r.indicator.id == "public_awareness_rate")
        assert figure.value == pytest.approx(80.0)


def test_open_days_check_thirty_a_year_and_two_a_month(
    client: TestClient, world: dict[str, Any], sessions: Any, uow: Any
) -> None:
    df = world["df"]
    station = f"S-{DAFENG}-1"
    with uow() as s:  # a micro station is not one the open rate counts: not listed
        micro = {**sample("stations", DAFENG, 2), "force_type": "micro", "station_class": "small"}
        registry.create(s, get_type("stations"), SYSTEM, EVERYWHERE, micro)
    days = [date(2025, m, d) for m in range(1, 13) for d in (3, 17)]  # 24 days, 2 every month
    days += [date(2025, 5, d) for d in (4, 5, 6, 7, 8)]  # 29
    for d in days:
        r = client.post(
            "/api/outreach/open-days",
            json={"station_code": station, "day": d.isoformat()},
            headers=df,
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/api/outreach/open-days", json={"station_code": station, "day": "2025-05-04"}, headers=df
    )
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "day"
    check = client.get("/api/outreach/open-days/check?year=2025", headers=df).json()
    assert [(c["station_code"], c["total"], c["met"]) for c in check] == [(station, 29, False)]
    r = client.post(
        "/api/outreach/open-days", json={"station_code": station, "day": "2025-09-09"}, headers=df
    )
    check = client.get("/api/outreach/open-days/check?year=2025", headers=df).json()[0]
    assert (check["total"], check["short_months"], check["met"]) == (30, [], True)
    assert (
        client.delete(f"/api/outreach/open-days/{station}/2025-01-03", headers=df).status_code
        == 204
    )
    check = client.get("/api/outreach/open-days/check?year=2025", headers=df).json()[0]
    assert (check["total"], check["short_months"], check["met"]) == (29, [1], False)
    assert (
        client.get("/api/outreach/open-days/check?year=2025", headers=world["th"]).json()[0][
            "station_code"
        ]
        == f"S-{TINGHU}-1"
    )
    r = client.post(
        "/api/outreach/open-days",
        json={"station_code": station, "day": "2025-10-10"},
        headers=world["th"],
    )
    assert r.status_code == 422
    assert len(_audit(sessions, "open-days")) == 31  # 30 recorded + 1 removed


def test_events_volunteers_and_person_times(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    df = world["df"]
    for body in (_person("V1", "volunteer"), _person("V2", "volunteer"), _person("R1")):
        assert client.post("/api/people", json=body, headers=df).status_code == 201
    event = {
        "title": "消防安全进校园",
        "kind": "school_drill",
        "channel": "school",
        "jurisdiction_code": DAFENG,
        "held_on": "2025-11-09",
        "volunteer_person_times": 3,
        "participants": {"students": 800, "teachers": 60},
    }
    r = client.post("/api/outreach/events", json=event, headers=world["prev"])
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    assert r.json()["participants_total"] == 860
    r = client.post(
        "/api/outreach/events", json={**event, "participants": {"aliens": 1}}, headers=df
    )
    assert r.status_code == 422
    for code in ("V1", "V2"):
        r = client.post(
            f"/api/outreach/events/{eid}/volunteers",
            json={"person_code": code, "hours": 3},
            headers=df,
        )
        assert r.status_code == 201, r.text
    r = client.post(
        f"/api/outreach/events/{eid}/volunteers", json={"person_code": "V1"}, headers=df
    )
    assert r.status_code == 409
    r = client.post(
        f"/api/outreach/events/{eid}/volunteers", json={"person_code": "R1"}, headers=df
    )
    assert r.status_code == 422 and "volunteer" in r.text
    listed = client.get("/api/outreach/events?year=2025", headers=df).json()
    assert listed[0]["volunteer_person_times"] == 5
    vols = {v["code"]: v for v in client.get("/api/outreach/volunteers", headers=df).json()}
    assert vols["V1"]["participations"] == 1 and vols["V1"]["hours"] == 3.0
    with sessions() as s:
        county = s.execute(select(Jurisdiction).where(Jurisdiction.code == DAFENG)).scalar_one()
        # Lianzhou's 志愿者参与人次 (cumulative over the period), evaluated over Dafeng.
        result = evaluate(s, load_plan("lianzhou"), county, 2025)
        figure = next(r for r in result.results if r.indicator.id == "volunteer_participation")
        assert figure.value == 5
    assert client.get("/api/outreach/events", headers=world["th"]).json() == []


def test_trainings_feed_the_employee_training_rate(
    client: TestClient, world: dict[str, Any], sessions: Any
) -> None:
    df = world["df"]
    header = "kind,unit_code,held_on,attendees"
    data = _csv([header, f"employee,{uscc(DAFENG, 1)},2025-04-01,40"])
    r = client.post(
        "/api/people/import",
        data={"what": "trainings"},
        files={"file": ("t.csv", data, "text/csv")},
        headers=df,
    )
    assert r.status_code == 200, r.text
    with sessions() as s:
        t = s.execute(select(TrainingRecord)).scalar_one()
        assert (t.year, t.attendees) == (2025, 40)


def test_cli_imports_a_survey_and_prints_the_open_day_check(
    db_url: str, world: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from lanyan.cli import common
    from lanyan.cli.main import app as cli

    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    rows = good_rows()
    rows[1][14] = "也许"
    bad = tmp_path / "bad.csv"
    bad.write_bytes(survey_csv(rows))
    out = runner.invoke(cli, ["outreach", "survey", str(bad), "--jurisdiction", DAFENG])
    assert out.exit_code == 1 and "line 3" in out.output and HEADER[14] in out.output
    good = tmp_path / "good.csv"
    good.write_bytes(survey_csv(good_rows()))
    out = runner.invoke(
        cli, ["outreach", "survey", str(good), "--jurisdiction", DAFENG, "--as", "df_cmd"]
    )
    assert out.exit_code == 0, out.output
    assert "80.0 %" in out.output
    out = runner.invoke(
        cli, ["outreach", "survey", str(good), "--jurisdiction", DAFENG, "--as", "th_cmd"]
    )
    assert out.exit_code == 1 and "jurisdiction" in out.output
    # Wide enough for the station names. The console is made at import: COLUMNS set now would
    # come too late where it was set then (pytest-xdist workers have COLUMNS=80).
    monkeypatch.setattr(common.console, "width", 200)
    out = runner.invoke(cli, ["outreach", "open-days", "--year", "2025", "--as", "df_cmd"])
    assert out.exit_code == 0 and "测试消防站1" in out.output and "✘" in out.output
