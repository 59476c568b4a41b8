"""The siting what-if page and the planning map layers in a real browser: add a station by
clicking the map and see coverage rise, toggle the hydrant-gap layer, run MCLP with progress,
and switch on the coverage layer of the "一张图" map."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.config import Settings

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from planning_support import STEP, origin, seed_small_county
from support import DAFENG, PASSWORD, add_user

pytestmark = pytest.mark.browser


def _seed(uow: Any) -> None:
    lon0, lat0 = origin()
    seed_small_county(uow, hydrants=[(lon0, lat0), (lon0 + STEP, lat0 + STEP)])
    add_user(uow, "planner", "prevention_officer", DAFENG)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("planning-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


FIT_TOWN = """([w, s, e, n]) => window.lanyanMap.fitBounds([[s, w], [n, e]], {padding: [30, 30]})"""
TO_PIXEL = """([lat, lon]) => {
  const p = window.lanyanMap.latLngToContainerPoint([lat, lon]);
  return [p.x, p.y];
}"""


def _value(page: Any, row: str, col: str) -> float:
    text = page.get_attribute(f'[data-figure="{row}"] .{col}', "data-value")
    return float(text)


def test_what_if_page_and_layers(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    lon0, lat0 = origin()
    town = [lon0, lat0, lon0 + 3 * STEP, lat0 + 3 * STEP]
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/planning")
            page.fill("input[name=username]", "planner")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=60_000)
            expect(page.locator("nav a[href='/planning']")).to_have_text("选址推演")
            page.evaluate(FIT_TOWN, town)
            page.wait_for_timeout(400)
            before = _value(page, "population", "before")
            assert 0 < before < 1
            assert _value(page, "population", "after") == before
            assert page.locator(".feature-service-area").count() == 1
            uncovered_before = page.locator(".feature-uncovered").count()
            assert uncovered_before > 0

            # Add a station at the far corner by clicking the map.
            page.click('[data-mode="add"]')
            expect(page.locator("#hint")).to_have_text("在地图上点击新站位置")
            x, y = page.evaluate(TO_PIXEL, [lat0 + 3 * STEP, lon0 + 3 * STEP])
            page.locator("#map").click(position={"x": x, "y": y})
            expect(page.locator(".feature-what-if")).to_have_count(1, timeout=60_000)
            page.wait_for_function(
                "b => Number(document.querySelector('[data-figure=population] .after')"
                ".dataset.value) > b",
                arg=before,
                timeout=60_000,
            )
            expect(page.locator(".feature-what-if-area")).to_have_count(1)
            after = _value(page, "population", "after")
            assert after > before
            assert _value(page, "population", "change") == pytest.approx(after - before)
            assert page.locator(".feature-uncovered").count() < uncovered_before
            expect(page.locator('[data-figure="population"] .change')).to_have_class("change up")
            page.screenshot(path=str(ARTIFACTS / "planning-whatif-added.png"))

            # The hydrant-gap layer: uncovered stretches in red, proposed hydrants.
            page.check("#toggle-gaps")
            expect(page.locator('[data-layer="hydrant-gaps"]')).not_to_have_attribute(
                "data-count", "0", timeout=60_000
            )
            assert page.locator("path.feature-gap").count() > 0
            assert page.locator(".feature-proposed-hydrant").count() > 0
            page.screenshot(path=str(ARTIFACTS / "planning-hydrant-gaps.png"))
            page.uncheck("#toggle-gaps")
            expect(page.locator("path.feature-gap")).to_have_count(0)

            # MCLP with p = 1 as a background job: progress, then the chosen site.
            page.fill("#siting-form input[name=p]", "1")
            page.click("#run-siting")
            expect(page.locator("#siting-progress")).to_be_visible()
            expect(page.locator(".feature-chosen")).to_have_count(1, timeout=90_000)
            expect(page.locator("#siting-stage")).to_contain_text("完成")
            expect(page.locator("#siting-result")).to_contain_text("选出站址: 1")
            page.screenshot(path=str(ARTIFACTS / "planning-mclp.png"))

            # The 一张图 map: the coverage layer is off until switched on.
            page.goto(base_url + "/map")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true", timeout=60_000)
            assert page.locator(".feature-service-area").count() == 0
            page.check('#planning-layers input[value="coverage"]')
            expect(page.locator(".feature-service-area")).to_have_count(1, timeout=60_000)
            page.check('#planning-layers input[value="hydrant-gaps"]')
            expect(
                page.locator('#planning-layers [data-layer="hydrant-gaps"]')
            ).not_to_have_attribute("data-count", "0", timeout=60_000)
            page.evaluate(FIT_TOWN, town)
            page.wait_for_timeout(400)
            page.screenshot(path=str(ARTIFACTS / "planning-map-layers.png"))
        finally:
            browser.close()
    assert errors == []
