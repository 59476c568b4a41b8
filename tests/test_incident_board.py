"""The incident board in a real browser: a dispatcher picks the place on the map, reads the
recommendation card, dispatches, presses 到场 and sees the vehicle status and the timeline.

Seeds the road grid of ``response_world`` (stations, vehicles, hydrants) into a fresh SQLite
database served by uvicorn; Playwright drives Debian's Chromium. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanyan.core.config import Settings

import response_world
from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user

pytestmark = pytest.mark.browser


def _seed(uow: Uow) -> None:
    response_world.build(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("incident-board")
    url, _ = fresh_database(folder, _seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(environment="test", database_url=url, data_dir=folder, public_base_url=base)
    with live_server(settings, port) as served:
        yield served


def test_create_recommend_dispatch_arrive(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("a.nav-item:has-text('警情调度')")
            expect(page.locator("h1")).to_have_text("警情调度")

            # A map point is required to recommend: creating without one shows the error.
            page.fill("input[name=address]", "大丰区幸福路1号")
            page.fill("input[name=caller_phone]", "abc")
            page.click("#new-incident button[type=submit]")
            expect(page.locator("#board-error")).to_contain_text("caller_phone")
            page.fill("input[name=caller_phone]", "13800000000")
            page.fill("input[name=caller_name]", "张三")

            # Click the map at the junction next to station S-DF1 (node (1, 0) of the grid).
            lon, lat = response_world.node(1, 0)
            page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length >= 3")
            xy = page.evaluate(
                "() => { const r = document.getElementById('board-map').getBoundingClientRect();"
                " return [r.left, r.top]; }"
            )
            point = page.evaluate(
                "([lat, lon]) => window.__boardMap.latLngToContainerPoint([lat, lon])",
                [lat, lon],
            )
            page.mouse.click(xy[0] + point["x"], xy[1] + point["y"])
            expect(page.locator("#picked")).to_contain_text("位置: 120.47")  # within a pixel
            page.click("#new-incident button[type=submit]")

            card = page.locator("#rec-card")
            expect(card.locator("tr.rec-vehicle[data-code='V-DF1-1']")).to_have_count(1)
            expect(card).to_contain_text("min")
            expect(card).to_contain_text("km")
            expect(page.locator("#water")).to_contain_text("H-2")
            expect(page.locator("#water")).to_contain_text("损坏")
            expect(page.locator("#incident-list li")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "incident-board-card.png"), full_page=True)

            page.click("#dispatch-btn")
            first = page.locator("#dispatched li[data-code='V-DF1-1']")
            expect(first.locator(".vehicle-status")).to_have_text("出动中")
            expect(page.locator("#timeline li[data-step='dispatched']")).to_have_count(1)

            page.click(".step-btn[data-step='arrived']")
            expect(page.locator("#timeline li[data-step='arrived']")).to_contain_text("到场")
            expect(page.locator("#timeline li")).to_have_count(3)  # 接警, 出动, 到场
            page.screenshot(path=str(ARTIFACTS / "incident-board-arrived.png"), full_page=True)

            # English after the language switch, errors included: 到场 again is out of order.
            page.click("#lang-switch")
            expect(page.locator("h1")).to_have_text("Incident board")
            page.click("#incident-list li")
            expect(page.locator(".step-btn[data-step='arrived']")).to_have_text("Arrived")
            expect(page.locator("#rec-extra")).to_contain_text("further vehicles")
            page.click(".step-btn[data-step='arrived']")
            expect(page.locator("#board-error")).to_contain_text("Failed")
            page.screenshot(path=str(ARTIFACTS / "incident-board-english.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
