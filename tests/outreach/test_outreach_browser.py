"""Outreach in a real browser: import a questionnaire export with a bad row (nothing stored, the
row named), fix it and import; record a station's open days until the 30-a-year / 2-a-month
check is met; see the awareness and open-rate figures on the Dafeng plan dashboard.

Debian's Chromium through Playwright against a uvicorn server on its own SQLite database, as the
other browser tests do. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest

from lanyan.core.config import Settings
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from outreach_support import HEADER, good_rows, survey_csv
from support import DAFENG, PASSWORD, add_user, sample, seed_region

pytestmark = pytest.mark.browser
STATION = f"S-{DAFENG}-1"


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "commander", "commander", DAFENG)
    with uow() as s:
        service.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", DAFENG))


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("outreach-browser")
    url, _ = fresh_database(folder, _seed)
    port = free_port()
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, port) as served:
        yield served


def test_survey_import_open_days_and_the_plan_figures(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    bad = good_rows()
    bad[3][8] = "E"  # row 5 of the file: question 5 has options A–D
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1360, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")

            # 1. A survey export with a bad row: refused, the row and column named, nothing kept.
            page.click("nav >> text=知晓率调查")
            form = page.locator("#survey-import")
            form.locator("#f-jurisdiction_code").fill("大丰")  # the search-as-you-type picker
            form.locator("[role=option]", has_text="大丰区").click()
            form.locator("input[name=file]").set_input_files(
                {"name": "问卷星导出.csv", "mimeType": "text/csv", "buffer": survey_csv(bad)}
            )
            form.locator("button[type=submit]").click()
            problems = page.locator("#problems tbody tr")
            expect(problems).to_have_count(1)
            expect(problems.first).to_have_attribute("data-row", "5")
            expect(problems.first).to_contain_text(HEADER[8])
            expect(problems.first).to_contain_text("不是选项")
            expect(page.locator("#rows tbody")).to_contain_text("暂无记录")
            page.screenshot(path=str(ARTIFACTS / "outreach-survey-refused.png"), full_page=True)

            # 2. The corrected file goes in: 10 respondents, 8 passed → 80.0 %.
            form = page.locator("#survey-import")
            form.locator("#f-jurisdiction_code").fill("大丰")  # the search-as-you-type picker
            form.locator("[role=option]", has_text="大丰区").click()
            form.locator("input[name=title]").fill("2025年大丰区知晓率调查")
            form.locator("input[name=file]").set_input_files(
                {
                    "name": "问卷星导出.csv",
                    "mimeType": "text/csv",
                    "buffer": survey_csv(good_rows()),
                }
            )
            form.locator("button[type=submit]").click()
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#rows tbody tr")).to_have_count(1)
            expect(page.locator("#rows .awareness")).to_have_text("80.0%")
            page.screenshot(path=str(ARTIFACTS / "outreach-survey-imported.png"), full_page=True)

            # 3. Open days: two a month (24) is short of 30 a year; six more meet the check.
            page.goto(base_url + "/outreach/open-days?year=2025")
            row = page.locator(f'#checks tr[data-station="{STATION}"]')
            expect(row.locator(".check-cell")).to_contain_text("未达标")
            days = [date(2025, m, d) for m in range(1, 13) for d in (6, 20)]
            days += [date(2025, 5, d) for d in (1, 2, 3, 4, 5)] + [date(2025, 10, 1)]
            for d in days:
                entry = page.locator("#open-day-form")
                entry.locator("input[name=day]").fill(d.isoformat())
                entry.locator("button[type=submit]").click()
                expect(page.locator("#flash")).to_be_visible()
                if d == date(2025, 12, 20):
                    expect(row.locator(".check-cell")).to_contain_text("未达标")
                    expect(row.locator(".check-cell")).to_contain_text("24/30")
            expect(row.locator(".check-cell")).to_contain_text("达标")
            expect(row.locator(".check-cell")).not_to_contain_text("未达标")
            expect(page.locator("#calendar .open-day")).to_have_count(30)
            page.screenshot(path=str(ARTIFACTS / "outreach-open-days-met.png"), full_page=True)

            # 4. The plan dashboard reads these records.
            page.goto(base_url + "/plans/dafeng?year=2025")
            expect(page.locator("#plan-dashboard")).to_have_attribute("data-ready", "true")
            data = json.loads(page.locator("#plan-data").text_content() or "{}")
            by_id = {i["id"]: i for i in data["indicators"]}
            assert by_id["public_awareness_rate"]["value"] == 80.0
            assert by_id["station_open_rate"]["value"] == 100.0
            aware = page.locator('.indicator-card[data-indicator="public_awareness_rate"]')
            expect(aware).to_have_attribute("data-status", "not_met")  # 80 % < 90 %
            opened = page.locator('.indicator-card[data-indicator="station_open_rate"]')
            expect(opened).to_have_attribute("data-status", "met")
            opened.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "outreach-plan-dashboard.png"), full_page=True)

            # 5. Removing a January day from the calendar breaks the 2-a-month rule again.
            page.goto(base_url + f"/outreach/open-days?year=2025&station={STATION}")
            page.locator('#calendar [data-month="1"] button.open-day').first.click()
            expect(row.locator(".check-cell")).to_contain_text("未达标")
            expect(row.locator(".check-cell")).to_contain_text("1")
            expect(page.locator("#calendar .open-day")).to_have_count(29)
            page.screenshot(path=str(ARTIFACTS / "outreach-open-days-short.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
