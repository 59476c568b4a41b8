"""规划实施考核 in a real browser: the committee edits the weights on the assessment page, a bad
value is refused beside its field, and the saved weights re-rank the adopters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.plans import records
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
    # Kaifeng's plan adopted by the county and one town. On 2023 the county has 17 indicators
    # 无数据 and 6 有风险, one project done and 12 late; the town 18 无数据, 5 有风险 and 13 late:
    # the default rule ranks the county first.
    load_engine_fixture(uow)
    add_user(uow, "commander", "commander", "320904")
    with uow() as s:
        for code in ("320904", "320904101"):
            records.adopt(s, SYSTEM, EVERYWHERE, "kaifeng", code)
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


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("plan-weights-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def test_editing_the_weights_changes_the_ranking(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/plans/kaifeng/assessment?year=2023")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            ranking = page.locator("#assessment-ranking tbody tr")
            expect(ranking.first).to_have_attribute("data-jurisdiction", "320904")
            expect(page.locator("#weights-source")).to_contain_text("现用平台默认权重")

            # Indicators only, and an unreported indicator scores like a met one: the town,
            # with one more 无数据 (and one 有风险 fewer, now worth 0), goes first. Typed with
            # the project weight left at 30 first: refused, the sum named beside the field.
            form = page.locator("#weights-form")
            form.locator("input[name=indicators_weight]").fill("100")
            form.locator("input[name=no_data_points]").fill("1")
            form.locator("input[name=at_risk_points]").fill("0")
            form.locator("button[type=submit]").click()
            expect(page.locator("#weights-error")).to_contain_text("之和须为 100（现为 130）")
            expect(page.locator('small[data-field="indicators_weight"]')).to_be_visible()
            expect(ranking.first).to_have_attribute("data-jurisdiction", "320904")
            page.screenshot(path=str(ARTIFACTS / "plan_weights_refused.png"), full_page=True)

            page.locator("#weights-form input[name=projects_weight]").fill("0")
            page.locator("#weights-form button[type=submit]").click()
            expect(page.locator("#weights-flash")).to_contain_text("权重已保存")
            expect(page.locator("#weights-source")).to_contain_text("commander")
            expect(ranking.first).to_have_attribute("data-jurisdiction", "320904101")
            # Town: 18 无数据 × 1 of 23 indicators = 78.3; county: 17 of 23 = 73.9.
            expect(ranking.first).to_have_attribute("data-total", "78.26")
            expect(ranking.nth(1)).to_have_attribute("data-total", "73.91")
            expect(ranking.first.locator("td").nth(4)).to_have_text("100/0")
            page.screenshot(path=str(ARTIFACTS / "plan_weights_saved.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
