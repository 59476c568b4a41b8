"""Fire statistics in a real browser: a closed fire incident shows in the missing-records list,
is recorded through the prefilled form, appears in the /stats charts, figures and fire map, and
an investigation case is opened for it (延伸调查 required: the fire killed) and started; the
fire layer also draws on the 一张图."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.registry.scope import EVERYWHERE
from lanyan.response import incidents
from lanyan.response.choices import TimelineStep
from lanyan.response.schemas import IncidentCreate
from lanyan.stats import records
from lanyan.store.audit import SYSTEM

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import PASSWORD, add_user, seed_region

pytestmark = pytest.mark.browser
WHEN = utcnow() - timedelta(hours=3)
YEAR = (WHEN + timedelta(hours=8)).year  # the year in Asia/Shanghai


def _seed(uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "commander", "commander", "320904")
    with uow() as s:
        for i, (cause, place, town) in enumerate(
            [("electrical", "residential", "320904100"), ("smoking", "factory", "320904")]
        ):
            for year in (YEAR - 1, YEAR):
                records.create_record(
                    s,
                    SYSTEM,
                    EVERYWHERE,
                    {
                        "code": f"OLD-{year}-{i}",
                        "jurisdiction": town,
                        "occurred_at": f"{year}-01-0{i + 2} 1{i}:30",
                        "lon": 120.45 + i / 50,
                        "lat": 33.19,
                        "cause": cause,
                        "place": place,
                        "direct_loss_yuan": 5000 * (i + 1),
                    },
                )
        call = IncidentCreate(
            incident_type="fire",
            received_at=WHEN,
            address="新丰镇幸福路3号",
            lon=120.48,
            lat=33.21,
            jurisdiction_code="320904",
        )
        inc = incidents.create_incident(s, SYSTEM, EVERYWHERE, call)
        for step, minutes in ((TimelineStep.DISPATCHED, 1), (TimelineStep.RETURNED, 60)):
            incidents.append_step(s, SYSTEM, inc, step, WHEN + timedelta(minutes=minutes), "")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("stats-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def test_record_a_closed_fire_see_it_in_stats_and_open_a_case(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/stats/records")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            missing = page.locator("#missing-rows tr[data-incident]")
            expect(missing).to_have_count(1)
            incident = missing.first.get_attribute("data-incident") or ""
            missing.first.locator("a.record-link").click()
            expect(page.locator("#from-incident")).to_have_text(incident)
            expect(page.locator("#f-address")).to_have_value("新丰镇幸福路3号")
            page.select_option("#f-cause", "electrical")
            page.select_option("#f-place", "residential")
            page.fill("#f-deaths", "1")
            page.fill("#f-injuries", "2")
            page.fill("#f-direct_loss_yuan", "80000")
            page.click("#save-record")
            expect(page.locator("#flash")).to_contain_text(f"HZ-{incident}")
            expect(page.locator("#missing-rows")).to_have_count(0)

            page.goto(f"{base_url}/stats?year={YEAR}&first_year={YEAR - 2}")
            expect(page.locator("#stats-charts")).to_have_attribute("data-ready", "true")
            expect(page.locator('[data-figure="fires"]')).to_have_attribute("data-value", "3")
            expect(page.locator('[data-figure="deaths"]')).to_have_attribute("data-value", "1")
            expect(page.locator('[data-figure="fires"]')).to_contain_text("+50.0%")  # 3 vs 2
            for chart in ("trend", "cause", "place", "month", "hour", "weekday", "jurisdiction"):
                assert page.locator(f"#chart-{chart} svg path").count() > 3, chart
            expect(page.locator("#chart-cause")).to_contain_text("电气")
            stats_map = page.locator("#stats-map")
            expect(stats_map).to_have_attribute("data-ready", "true")
            expect(stats_map).to_have_attribute("data-count", "3")
            expect(page.locator("#stats-map path.feature-fire")).to_have_count(3)
            page.screenshot(path=str(ARTIFACTS / "stats_analysis.png"), full_page=True)

            page.goto(base_url + "/stats/records")
            row = page.locator(f'#records tr[data-code="HZ-{incident}"]')
            row.locator("form.open-case button").click()
            expect(page.locator("#case-state")).to_have_attribute("data-state", "open")
            expect(page.locator("#extended")).to_contain_text("亡人火灾")
            expect(page.locator('form[data-action="close"]')).to_have_count(0)
            page.locator('form[data-action="start"] button').click()
            expect(page.locator("#case-state")).to_have_attribute("data-state", "investigating")
            page.locator('form[data-action="determine_cause"] textarea').fill("电气线路短路引燃")
            page.locator('form[data-action="determine_cause"] button').click()
            expect(page.locator("#case-state")).to_have_attribute("data-state", "cause_determined")
            page.locator('form[data-action="close"] button').click()
            expect(page.locator("#case-error")).to_contain_text("延伸调查")
            page.screenshot(path=str(ARTIFACTS / "stats_case.png"), full_page=True)

            page.goto(base_url + "/map")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true")
            page.fill("#fire-year", str(YEAR))
            page.check("#fire-points")
            expect(page.locator("#fire-layers")).to_have_attribute("data-count", "3")
            expect(page.locator("#map path.feature-fire")).to_have_count(3)
            page.screenshot(path=str(ARTIFACTS / "stats_map_layer.png"))
        finally:
            browser.close()
    assert errors == []
