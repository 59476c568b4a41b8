"""Pickers at city scale in a real browser: 5,000 units in the county, and the LAST one is picked
by typing part of its name on every form with a unit picker (pre-plan, employee training, a
registry building), submitted, and found referenced by the saved row. Also: "load more" pages
on, nothing matching says so, and the keyboard works (down, enter).

Debian's Chromium through Playwright against a uvicorn server on its own SQLite database, as the
other browser tests do. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.outreach.models import TrainingRecord
from lanyan.registry.models import Building, Unit
from lanyan.response.models import PrePlan
from lanyan.store.db import make_engine, make_session_factory

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from picker_support import bulk_units, unit_name
from support import DAFENG, PASSWORD, TINGHU, add_user, seed_region

pytestmark = pytest.mark.browser
COUNT = 5_000


@dataclass
class City:
    base_url: str
    database_url: str
    last_code: str


def _seed(uow: Uow) -> str:
    seed_region(uow)
    codes = bulk_units(uow, DAFENG, COUNT)
    bulk_units(uow, TINGHU, 10, first=COUNT + 1)
    add_user(uow, "commander", "commander", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    return codes[-1]


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[City]:
    require_chromium()
    folder = tmp_path_factory.mktemp("pickers-browser")
    url, last = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as served:
        yield City(served, url, last)


def _signed_in(browser: Any, city: City, username: str, errors: list[str]) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(city.base_url + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


def _pick_last(page: Any, field: str, code: str, *, keyboard: bool) -> None:
    """Type part of the last unit's name into the picker of ``field`` and choose it (``code``)."""
    from playwright.sync_api import expect

    box = page.locator(f"#f-{field}")
    box.fill(f"单位{COUNT:05d}")
    option = page.locator(f"#f-{field}-list [role=option]", has_text=unit_name(COUNT))
    expect(option).to_have_count(1)
    expect(page.locator(f"#f-{field}-list [role=option]")).to_have_count(1)
    if keyboard:
        box.press("ArrowDown")
        expect(option).to_have_attribute("aria-selected", "true")
        box.press("Enter")
    else:
        option.click()
    expect(box).to_have_value(f"{code} · {unit_name(COUNT)}")
    expect(page.locator(f"#f-{field}-list")).to_be_hidden()


def _saved(city: City, model: Any, **where: Any) -> Any:
    engine = make_engine(city.database_url)
    try:
        with make_session_factory(engine)() as s:
            row = s.execute(select(model).filter_by(**where)).scalar_one()
            unit = s.get(Unit, row.unit_id)
            return unit.code if unit else None
    finally:
        engine.dispose()


def test_the_last_of_5000_units_is_picked_on_every_form(city: City) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = _signed_in(browser, city, "commander", errors)

            # 1. Pre-plan: the list pages on ("加载更多"), says when nothing matches, and the
            #    last unit is chosen with the keyboard.
            page.goto(city.base_url + "/preplans/new")
            unit = page.locator("#f-unit_code")
            expect(unit).to_have_attribute("placeholder", "输入名称或代码搜索…")
            unit.fill("批量单位")
            listing = page.locator("#f-unit_code-list")
            # The list answers the typed text (not the empty search the focus started).
            expect(listing).to_have_attribute("data-query", "批量单位")
            expect(listing).not_to_have_attribute("aria-busy", "true")
            options = page.locator("#f-unit_code-list [role=option]:not([data-more])")
            expect(options).to_have_count(20)
            expect(options.first).to_contain_text("批量单位")  # the typed search has answered
            more = page.locator("#f-unit_code-list [data-more]")
            expect(more).to_have_text("加载更多")
            more.click()
            expect(options).to_have_count(40)
            expect(listing).not_to_have_attribute("aria-busy", "true")
            unit.fill("没有这个单位")
            expect(page.locator("#f-unit_code-list .picker-note")).to_have_text("无匹配")
            _pick_last(page, "unit_code", city.last_code, keyboard=True)
            page.fill("#f-title", "末位单位预案")
            page.screenshot(path=str(ARTIFACTS / "picker-preplan.png"), full_page=True)
            page.click("#save-preplan")
            page.wait_for_url(lambda u: "flash=saved" in u)
            assert _saved(city, PrePlan, title="末位单位预案") == city.last_code

            # 2. Employee training: picked with the mouse.
            page.goto(city.base_url + "/trainings")
            _pick_last(page, "unit_code", city.last_code, keyboard=False)
            form = page.locator("#training-form")
            form.locator("input[name=title]").fill("末位单位消防培训")
            form.locator("input[name=held_on]").fill("2025-03-01")
            form.locator("input[name=attendees]").fill("30")
            form.locator("button[type=submit]").click()
            page.wait_for_url(lambda u: "flash=saved" in u)
            assert _saved(city, TrainingRecord, title="末位单位消防培训") == city.last_code

            # 3. A registry form's references (建筑 → 单位, 辖区).
            page = _signed_in(browser, city, "officer", errors)
            page.goto(city.base_url + "/registry/buildings/new")
            page.fill("#f-code", "B-LAST")
            page.fill("#f-name", "末位单位大楼")
            _pick_last(page, "unit_code", city.last_code, keyboard=False)
            page.locator("#f-jurisdiction_code").fill("大丰")
            page.locator("#f-jurisdiction_code-list [role=option]", has_text="大丰区").click()
            page.fill("#f-lon", "120.47")
            page.fill("#f-lat", "33.2")
            page.fill("#f-height_m", "30")
            page.fill("#f-floors_above", "8")
            page.select_option("#f-use", "commercial")
            page.click("form.form-grid button[type=submit]")
            page.wait_for_url(lambda u: "/new" not in u)
            assert _saved(city, Building, code="B-LAST") == city.last_code
        finally:
            browser.close()
    assert errors == [], errors
