"""The plan dashboard in a real browser: every ECharts chart draws (status donut, one chart per
indicator, trend, projects Gantt), from the vendored library, with no script error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.plans import records
from lanyan.plans.catalog import load_plan
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.audit import SYSTEM

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from plans_support import load_engine_fixture
from support import PASSWORD, add_user

pytestmark = pytest.mark.browser


def _seed(uow: Any) -> None:
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    with uow() as s:
        records.adopt(s, SYSTEM, EVERYWHERE, "kaifeng", "320904")
        for project, day, extra in (
            ("station_new_special", "2021-05-01", {"milestone": "立项征地"}),
            ("station_fuxing_avenue", "2022-06-01", {"completed": True}),
        ):
            payload = {"plan": "kaifeng", "project": project, "jurisdiction": "320904"}
            records.add_progress(s, SYSTEM, EVERYWHERE, {**payload, "reported_on": day, **extra})


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("plans-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


# Counts the non-blank pixels of a chart's canvas: a chart that drew nothing has none.
INKED = """el => {
  const c = el.querySelector('canvas');
  if (!c) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return n;
}"""


def test_dashboard_draws_every_chart(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    plan = load_plan("kaifeng")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/plans")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator('#plan-list tr[data-plan="kaifeng"]')).to_contain_text("大丰区")
            page.click('#plan-list tr[data-plan="kaifeng"] a')
            dashboard = page.locator("#plan-dashboard")
            expect(dashboard).to_have_attribute("data-ready", "true")
            charts = len(plan.indicators) + 3  # status donut, trend, Gantt
            expect(dashboard).to_have_attribute("data-charts", str(charts))
            expect(page.locator(".indicator-card")).to_have_count(len(plan.indicators))
            expect(page.locator("#plan-dashboard canvas")).to_have_count(charts)
            for chart in ("#status-chart", "#trend-chart", "#gantt-chart"):
                assert page.locator(chart).evaluate(INKED) > 500, chart
            cards = page.locator(".chart-indicator")
            assert all(cards.nth(i).evaluate(INKED) > 100 for i in range(cards.count()))
            # Clicking an indicator card redraws the trend for it.
            card = page.locator(".indicator-card").nth(2)
            card.click()
            expect(page.locator("#trend-select")).to_have_value(
                card.get_attribute("data-indicator") or ""
            )
            page.screenshot(path=str(ARTIFACTS / "plan_dashboard.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []


def test_assessment_page_from_the_dashboard(base_url: str) -> None:
    """规划实施考核: the dashboard links to the committee's page, which ranks the adopters and
    shows each one's breakdown."""
    from playwright.sync_api import expect, sync_playwright

    plan = load_plan("kaifeng")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/plans/kaifeng?year=2023")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("#assessment-link")
            row = page.locator('#assessment-ranking tr[data-jurisdiction="320904"]')
            expect(row).to_contain_text("大丰区")
            breakdown = page.locator('.assessment-breakdown[data-jurisdiction="320904"] tbody tr')
            expect(breakdown).to_have_count(len(plan.indicators) + len(plan.projects))
            expect(page.locator(".assessment-breakdown")).to_contain_text("已完成")
            page.screenshot(path=str(ARTIFACTS / "plan_assessment.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
