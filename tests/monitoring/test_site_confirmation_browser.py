"""As the unit's control-room operator (zh-CN): a fire alarm confirmed on site as false is seen
at the centre beside the alarm, which the centre still has to decide. Debian's Chromium through
Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import decode
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.models import MonitoringAlarm
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
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
from support import (
    DAFENG,
    PASSWORD,
    add_user,
    bind_unit,
    component_state_frame,
    sample,
    seed_region,
)

pytestmark = pytest.mark.browser
UITD = bytes.fromhex("c1c2c3c4c5c6")


def _seed(uow: Uow) -> None:
    seed_region(uow)
    unit = sample("units", DAFENG, 1)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, unit)
        device = sample("devices", DAFENG, 1) | {"code": UITD.hex(), "unit_code": unit["code"]}
        service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, device)
    add_user(uow, "kzs", "control_room_operator", DAFENG)
    add_user(uow, "desk", "dispatcher", DAFENG)
    bind_unit(uow, "kzs", unit["code"])


def _raise_fire(sessions: Any) -> None:
    at = utcnow() - timedelta(seconds=20)
    raw = component_state_frame(UITD, at, 0b11, 9, "一层大堂烟感")
    store_frame(sessions, decode(raw), raw, at, "test")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("site-browser")
    url, _ = fresh_database(folder, _seed)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    _raise_fire(sessions)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, sessions
    engine.dispose()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_a_fire_alarm_confirmed_on_site_is_seen_at_the_centre(
    served: tuple[str, Any],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, sessions = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "kzs")
            page.goto(base + "/monitoring")
            card = page.locator('#alarm-list li.alarm[data-kind="fire"]')
            expect(card).to_have_count(1)
            expect(card.locator("button.act-confirm")).to_have_count(0)  # not the centre's
            expect(page.locator("#site-hint")).to_contain_text("不关闭火警")
            card.locator('button[data-verdict="false"]').click()
            page.fill("#note-text", "现场查看为装修粉尘，已复位")
            page.click("#note-submit")
            expect(card.locator(".alarm-site")).to_contain_text("误报")
            expect(card.locator("button.act-site")).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "site-confirmed-unit.png"), full_page=True)

            desk = browser.new_page(locale="zh-CN")
            desk.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(desk, base, "desk")
            desk.goto(base + "/monitoring")
            seen = desk.locator('#alarm-list li.alarm[data-kind="fire"]')
            expect(seen.locator(".alarm-site")).to_contain_text("现场确认: 误报 · kzs")
            expect(seen.locator(".alarm-site")).to_contain_text("装修粉尘")
            expect(seen).to_have_attribute("data-status", "active")
            expect(seen.locator("button.act-confirm")).to_have_count(1)  # the centre decides
            desk.screenshot(path=str(ARTIFACTS / "site-confirmed-centre.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
    with sessions() as s:
        alarm = s.execute(select(MonitoringAlarm)).scalar_one()
        assert (alarm.site_verdict, alarm.site_by, alarm.status) == ("false", "kzs", "active")
