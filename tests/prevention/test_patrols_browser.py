"""A unit safety manager's patrol on a phone: scanning checkpoint QR codes opens their pages; one
is fine, one has a hazard that goes to the supervision domain, one is missed. Debian's Chromium
through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from sqlalchemy import select

from lanyan.accounts.service import User
from lanyan.core.config import Settings
from lanyan.prevention import patrols
from lanyan.prevention.models.inspections import Hazard
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user, sample, seed_region

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
TOKENS: dict[str, str] = {}
UNIT = sample("units", DAFENG, 1)["code"]


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, 1))
    with uow() as s:
        patrols.assign_duty(s, SYSTEM, EVERYWHERE, username="manager", unit_code=UNIT)
        for code, name in (("CP-1", "消防控制室"), ("CP-2", "疏散楼梯3F"), ("CP-3", "消防泵房")):
            row = patrols.create_checkpoint(
                s, SYSTEM, EVERYWHERE, code=code, name=name, unit_code=UNIT
            )
            TOKENS[code] = row.token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Uow]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("patrol-browser")
    url, _ = fresh_database(folder, _seed)
    engine = make_engine(url)
    uow = partial(unit_of_work, make_session_factory(engine))
    port = free_port()
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, port) as base:
        yield base, uow
    engine.dispose()


def test_patrol_by_scanning_checkpoints(served: tuple[str, Uow]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, uow = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base + "/patrol")
            expect(page.locator("#duties")).to_contain_text("测试单位1")

            page.goto(f"{base}/patrol/cp/{TOKENS['CP-1']}")  # what the phone's camera opens
            expect(page.locator("#checkpoint-name")).to_have_text("消防控制室")
            page.locator("#start-here button", has_text="防火巡查").click()
            page.locator("#scan-form button[type=submit]").click()
            expect(page.locator('#route li[data-checkpoint="CP-1"]')).to_contain_text("正常")
            expect(page.locator("#patrol-progress")).to_contain_text("1/3")

            page.goto(f"{base}/patrol/cp/{TOKENS['CP-2']}")
            page.check("input[value=problem]")
            page.locator("#scan-form button[type=submit]").click()  # no description: refused
            expect(page.locator("#error")).to_contain_text("note")
            page.check("input[value=problem]")
            page.fill("textarea[name=note]", "疏散楼梯堆放杂物")
            page.locator("#scan-form button[type=submit]").click()
            expect(page.locator('#route li[data-checkpoint="CP-2"]')).to_contain_text("堆放杂物")
            page.screenshot(path=str(ARTIFACTS / "patrol-route.png"), full_page=True)
            page.click("#finish")
            expect(page.locator("#patrol-finished")).to_be_visible()
            expect(page.locator('#route li[data-checkpoint="CP-3"]')).to_contain_text("漏检")
            page.screenshot(path=str(ARTIFACTS / "patrol-finished.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"the patrol page scrolls sideways ({width}px)"

            officer = browser.new_page(locale="zh-CN")
            officer.goto(base + "/login")
            officer.fill("input[name=username]", "officer")
            officer.fill("input[name=password]", PASSWORD)
            officer.click("button[type=submit]")
            officer.goto(base + "/patrol/reports")
            expect(officer.locator("#compliance")).to_contain_text("测试单位1")
            officer.screenshot(path=str(ARTIFACTS / "patrol-reports.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
    with uow() as s:
        hazard = s.execute(select(Hazard)).scalar_one()
        assert "疏散楼梯堆放杂物" in hazard.description and hazard.state == "found"
        assert s.execute(select(User.id).where(User.username == "manager")).scalar_one()
