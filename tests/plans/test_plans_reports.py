"""Projects tracker, evaluation report (XLSX and printable HTML) and the ``lanyan plan`` CLI."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from lanyan.cli.main import app
from lanyan.core.errors import ValidationFailed
from lanyan.plans import records
from lanyan.plans.catalog import load_plan
from lanyan.plans.report import to_html, to_xlsx
from lanyan.plans.service import build_report
from lanyan.plans.tracker import ProjectState, track
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work
from lanyan.store.migrate import upgrade

from plans_support import jurisdiction, load_engine_fixture

KAIFENG_PROGRESS = [
    ("station_new_special", "2021-05-01", {"milestone": "立项征地"}),
    ("station_new_special", "2023-02-01", {"milestone": "主体完工"}),  # due 2022: reached late
    ("station_biancun", "2022-03-01", {"milestone": "立项征地"}),
    ("station_fuxing_avenue", "2022-06-01", {"completed": True}),
    ("new_municipal_hydrants", "2022-12-01", {"quantity": 400}),
    ("new_municipal_hydrants", "2023-12-01", {"quantity": 350}),
]


def _progress(uow: Any) -> None:
    with uow() as s:
        for project, day, extra in KAIFENG_PROGRESS:
            payload = {"plan": "kaifeng", "project": project, "jurisdiction": "320904"}
            records.add_progress(s, SYSTEM, EVERYWHERE, {**payload, "reported_on": day, **extra})


def test_tracker_milestones_and_late_flags(uow: Any) -> None:
    load_engine_fixture(uow)
    _progress(uow)
    plan = load_plan("kaifeng")
    with uow() as s:
        county = jurisdiction(s, "320904")
        at_year_end = {p.project.id: p for p in track(s, plan, county, date(2023, 12, 31))}
        mid_year = {p.project.id: p for p in track(s, plan, county, date(2023, 6, 30))}
        after_period = {p.project.id: p for p in track(s, plan, county, date(2026, 1, 1))}
    special = at_year_end["station_new_special"]
    assert special.state == ProjectState.LATE  # 投入执勤 was due in 2023 and not reached
    by_name = {m.name: m for m in special.milestones}
    assert by_name["主体完工"].reached_late and not by_name["主体完工"].late
    assert by_name["投入执勤"].late
    # In mid-2023 the 2023 step (开工) is not late yet; the 2022 step was reached on time.
    assert mid_year["station_biancun"].state == ProjectState.ON_TRACK
    done = at_year_end["station_fuxing_avenue"]
    assert done.state == ProjectState.DONE and done.delivered == 1
    assert [m.reached_on for m in done.milestones] == [date(2022, 6, 1)]
    assert at_year_end["new_municipal_hydrants"].delivered == 750
    assert mid_year["new_municipal_hydrants"].delivered == 400
    assert at_year_end["fire_special_plan"].state == ProjectState.NOT_STARTED
    assert after_period["fire_special_plan"].state == ProjectState.LATE


def test_progress_refuses_a_milestone_the_plan_does_not_name(uow: Any) -> None:
    load_engine_fixture(uow)
    with uow() as s, pytest.raises(ValidationFailed) as err:
        records.add_progress(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "plan": "kaifeng",
                "project": "station_biancun",
                "jurisdiction": "320904",
                "reported_on": "2023-13-01",
                "milestone": "剪彩",
            },
        )
    assert {p.field for p in err.value.problems} == {"milestone", "reported_on"}


def test_report_xlsx_and_html(uow: Any) -> None:
    load_engine_fixture(uow)
    _progress(uow)
    plan = load_plan("kaifeng")
    with uow() as s:
        county = jurisdiction(s, "320904")
        mid = build_report(s, plan, county, 2023, today=date(2024, 3, 1))
        final = build_report(s, plan, county, 2025, today=date(2026, 3, 1))
    book = load_workbook(BytesIO(to_xlsx(mid)))
    assert book.sheetnames == ["摘要 Summary", "指标 Indicators", "项目 Projects"]
    ids = [row[0] for row in book["指标 Indicators"].iter_rows(min_row=2, values_only=True)]
    assert ids == [i.id for i in plan.indicators]
    projects = list(book["项目 Projects"].iter_rows(min_row=2, values_only=True))
    assert len(projects) == len(plan.projects)
    assert "中期评估" in book["摘要 Summary"]["A1"].value
    html = to_html(mid)
    assert "中期评估" in html and "@media print" in html and "WenQuanYi Micro Hei" in html
    assert all(f'id="ind-{i.id}"' in html for i in plan.indicators)
    assert "http://" not in html and "https://" not in html  # nothing fetched when printed
    assert "终期评估" in to_html(final)


# --- CLI ------------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    monkeypatch.setenv("LANYAN_DATABASE_URL", url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    load_engine_fixture(lambda: unit_of_work(factory))
    return tmp_path


def _run(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_cli_list_adopt_enter_evaluate(cli_db: Path) -> None:
    assert _run("plan", "adopt", "lianzhou", "--jurisdiction", "320904").exit_code == 0
    listed = _run("plan", "list")
    assert listed.exit_code == 0 and "lianzhou" in listed.output and "320904" in listed.output
    entered = _run(
        "plan", "enter", "lianzhou", "supervision_equipment_sets", "--jurisdiction", "320904",
        "--year", "2023", "--value", "7", "--evidence", "装备验收单", "--evidence-file", "a.pdf",
    )  # fmt: skip
    assert entered.exit_code == 0, entered.output
    result = _run("plan", "evaluate", "lianzhou", "--year", "2023")
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.output)}
    assert len(rows) == len(load_plan("lianzhou").indicators)
    for row in rows.values():
        assert {"id", "name", "value", "target", "comparison", "status", "unit"} <= set(row)
    assert rows["supervision_equipment_sets"]["status"] == "met"
    assert rows["resident_awareness_rate"]["value"] == 95.0
    xlsx = cli_db / "r.xlsx"
    assert _run("plan", "evaluate", "lianzhou", "--year", "2023", "--format", "xlsx",
                "--output", str(xlsx)).exit_code == 0  # fmt: skip
    assert load_workbook(xlsx).sheetnames[0] == "摘要 Summary"
    html = _run("plan", "evaluate", "lianzhou", "--year", "2023", "--format", "html")
    assert html.exit_code == 0 and "<table" in html.output
    projects = json.loads(_run("plan", "projects", "lianzhou", "--year", "2023").output)
    assert len(projects) == len(load_plan("lianzhou").projects)


def test_cli_errors_name_the_field(cli_db: Path) -> None:
    unknown = _run("plan", "evaluate", "atlantis", "--year", "2023", "--jurisdiction", "320904")
    assert unknown.exit_code == 1 and "no plan 'atlantis'" in unknown.output
    unadopted = _run("plan", "evaluate", "xiuwu", "--year", "2023")
    assert unadopted.exit_code == 1 and "jurisdiction" in unadopted.output
    bad_code = _run("plan", "adopt", "xiuwu", "--jurisdiction", "999999")
    assert bad_code.exit_code == 1 and "unknown code '999999'" in bad_code.output
    assert "Traceback" not in unknown.output + unadopted.output + bad_code.output
