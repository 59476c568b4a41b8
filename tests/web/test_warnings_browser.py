"""The one map's weather-warnings layer (issue #20 item 4): the Dafeng gale sample posted to
``POST /api/exchange/cap`` with an administrator's token appears on the map, filled yellow, with
a Chinese popup (event, level, period, description)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from exchange.cap_support import cap_sample

from lanyan.core.config import Settings

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user, seed_region


def _seed(uow: Any) -> None:
    seed_region(uow)
    add_user(uow, "root", "admin", DAFENG)
    add_user(uow, "commander", "commander", DAFENG)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("warnings")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def test_posted_cap_warning_appears_on_the_map(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with httpx.Client(base_url=base_url) as api:
        login = api.post("/api/auth/login", json={"username": "root", "password": PASSWORD})
        token = {"Authorization": f"Bearer {login.json()['token']}"}
        r = api.post(
            "/api/exchange/cap",
            content=cap_sample(datetime.now(UTC)),
            headers=token | {"Content-Type": "application/xml"},
        )
        assert r.status_code == 200 and r.json()["outcome"] == "imported", r.text

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true")
            toggle = page.locator('.layer-toggle[data-layer="weather-warnings"]')
            expect(toggle).to_contain_text("气象预警")
            expect(toggle).to_have_attribute("data-drawn", "1")
            area = page.locator("path.feature-weather-warnings")
            expect(area).to_have_count(1)
            expect(area).to_have_attribute("fill", "#e6b800")  # 黄色预警
            expect(page.locator('[data-legend="weather-warnings"]')).to_contain_text("红色预警")
            box = area.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
            popup = page.locator(".leaflet-popup-content")
            expect(popup).to_contain_text("大丰区气象台发布大风黄色预警信号")
            expect(popup).to_contain_text("黄色预警")
            expect(popup).to_contain_text("偏北大风")
            expect(popup).to_contain_text("生效时段")
            page.screenshot(path=str(ARTIFACTS / "map-weather-warning.png"), animations="disabled")
        finally:
            browser.close()
    assert errors == []
