"""The publicity department's alert list (舆情预警, issue #20 item 5) in Chromium: the alerts
from an RSS and an Atom feed with title, link, source and time; one marked handled with a
note leaves the open list and shows its handler under 已处理; the administrator's feeds page."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opinion_support import FIXTURES

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.exchange import opinion, opinion_service
from lanyan.store.audit import SYSTEM

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user, create_sample, seed_region


def _seed(uow: Any) -> None:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    add_user(uow, "root", "admin", DAFENG)
    add_user(uow, "xuanchuan", "publicity", DAFENG)
    with uow() as s:
        for name, file in (("大丰融媒", "news.rss"), ("盐城论坛", "forum.atom")):
            feed = opinion_service.create_feed(s, SYSTEM, name, f"http://10.1.2.3/{file}")
            parsed = opinion.parse((FIXTURES / file).read_bytes())
            opinion_service.store_alerts(s, feed.id, parsed.title, list(parsed.items), utcnow())


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("opinion")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def test_the_publicity_officer_marks_an_alert_handled(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login?next=/opinion")
            page.fill("input[name=username]", "xuanchuan")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("舆情预警")
            rows = page.locator("#alerts tbody tr[data-alert]")
            expect(rows).to_have_count(2)
            fire = rows.filter(has_text="新丰镇一仓库起火")
            link = fire.locator("a").first
            expect(link).to_have_attribute(
                "href", "http://news.example.intranet/2026/12/07/fire.html"
            )
            expect(fire).to_contain_text("大丰融媒")
            expect(fire).to_contain_text("2026-12-07")
            expect(fire).to_contain_text("起火")
            expect(rows.filter(has_text="测试单位1楼顶在冒烟")).to_contain_text("盐城论坛")
            expect(page.locator("nav.sidebar, nav").first).to_contain_text("舆情监测")
            page.screenshot(path=str(ARTIFACTS / "opinion-alerts.png"), full_page=True)

            fire.locator("input[name=note]").fill("已核实为仓库杂物自燃，已发布情况通报")
            fire.get_by_role("button", name="标记已处理").click()
            expect(page.locator("#alerts tbody tr[data-alert]")).to_have_count(1)
            page.locator('a[data-show="handled"]').click()
            handled = page.locator("#alerts tbody tr[data-alert]")
            expect(handled).to_have_count(1)
            expect(handled).to_have_attribute("data-handled", "true")
            expect(handled).to_contain_text("处理人 xuanchuan")
            expect(handled).to_contain_text("已核实为仓库杂物自燃")
            page.screenshot(path=str(ARTIFACTS / "opinion-handled.png"), full_page=True)

            admin = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            admin.on("pageerror", lambda exc: errors.append(str(exc)))
            admin.goto(base_url + "/login?next=/admin/opinion")
            admin.fill("input[name=username]", "root")
            admin.fill("input[name=password]", PASSWORD)
            admin.click("button[type=submit]")
            expect(admin.locator("h1")).to_have_text("舆情订阅与关键词")
            expect(admin.locator("#feeds tbody tr[data-feed]")).to_have_count(2)
            admin.fill("#new-keyword input[name=word]", "西团")
            admin.select_option("#new-keyword select[name=kind]", "place")
            admin.locator("#new-keyword button").click()
            expect(admin.locator('#keywords tr[data-word="西团"]')).to_contain_text("地名或单位")
            admin.screenshot(path=str(ARTIFACTS / "opinion-admin.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
