"""As the unit's control-room operator (zh-CN): a shift handover refused while a fire alarm is
open, the alarm named, then accepted once the centre closed it; a duty-log entry for a future
time refused naming the field; a 查岗 from the centre answered on the duty page, and one missed.
Debian's Chromium through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.core.timeutil import to_local, utcnow
from lanyan.monitoring import duty_check_service, duty_service
from lanyan.monitoring.gb26875 import decode
from lanyan.monitoring.handling import mark_false_alarm
from lanyan.monitoring.housekeeping import Housekeeping
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.models import DutyCheck, MonitoringAlarm
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
UITD = bytes.fromhex("d1d2d3d4d5d6")


def _seed(uow: Uow) -> str:
    seed_region(uow)
    unit = sample("units", DAFENG, 1)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, unit)
        device = sample("devices", DAFENG, 1) | {"code": UITD.hex(), "unit_code": unit["code"]}
        service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, device)
    for name in ("kzs", "kzs2"):
        add_user(uow, name, "control_room_operator", DAFENG)
        bind_unit(uow, name, unit["code"])
    add_user(uow, "desk", "dispatcher", DAFENG)
    with uow() as s:
        for name in ("kzs", "kzs2"):
            duty_service.save_operator(
                s, SYSTEM, EVERYWHERE, unit["code"], name, f"Z-{name}", date(2099, 1, 1)
            )
    return str(unit["code"])


def _raise_fire(sessions: Any) -> None:
    at = utcnow() - timedelta(seconds=20)
    raw = component_state_frame(UITD, at, 0b11, 3, "二层走廊烟感")
    store_frame(sessions, decode(raw), raw, at, "test")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, str]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("duty-browser")
    url, unit = fresh_database(folder, _seed)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    _raise_fire(sessions)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, sessions, unit
    engine.dispose()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_handover_refused_then_accepted_and_duty_checks_answered_and_missed(
    served: tuple[str, Any, str],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, sessions, unit = served
    with sessions() as s:
        alarm_id = s.execute(select(MonitoringAlarm.id)).scalar_one()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 2000})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "kzs")
            page.goto(base + "/monitoring/duty")  # the one bound unit opens by itself
            expect(page.locator("h1")).to_contain_text(unit)

            # A handover while the fire alarm is open: refused, the alarm named.
            page.select_option("#handover-form select[name=accepted_by]", "kzs2")
            page.fill("#handover-form input[name=note]", "交班")
            page.click("#handover-form button[type=submit]")
            refused = page.locator("#refused")
            expect(refused).to_contain_text("存在未处理的报警，不能交接班")
            expect(refused.locator(".blocking-alarm")).to_contain_text(f"#{alarm_id} 火警")
            expect(page.locator("#handovers")).to_contain_text("暂无记录")
            page.screenshot(path=str(ARTIFACTS / "duty-handover-refused.png"), full_page=True)

            # A duty-log entry an hour ahead: refused naming the time field.
            ahead = to_local(utcnow() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
            page.fill("#log-form input[name=at]", ahead)
            page.click("#log-form button[type=submit]")
            expect(page.locator("#refused")).to_contain_text("时间")
            expect(page.locator("#refused")).to_contain_text("不能晚于当前时间")
            expect(page.locator("#log-entries")).to_contain_text("暂无记录")

            # The centre closes the alarm; the handover goes through and is listed.
            with unit_of_work(sessions) as s:
                mark_false_alarm(s, SYSTEM, EVERYWHERE, alarm_id, utcnow(), "核实为误报")
            page.goto(base + "/monitoring/duty")
            page.select_option("#handover-form select[name=accepted_by]", "kzs2")
            page.fill("#handover-form input[name=note]", "设备正常")
            page.click("#handover-form button[type=submit]")
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#handovers tbody tr").first).to_contain_text("kzs2")
            expect(page.locator("#handovers")).to_contain_text("设备正常")

            # The centre sends a 查岗 of the unit from its page.
            desk = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 1100})
            desk.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(desk, base, "desk")
            desk.goto(base + "/monitoring/duty-checks")
            desk.fill("#check-form input[name=unit_code]", unit)
            desk.click("#check-form button[type=submit]")
            expect(desk.locator("#flash")).to_be_visible()
            expect(desk.locator('#results tr[data-state="pending"]')).to_have_count(1)

            # The control room sees it first on its page and answers.
            page.goto(base + "/monitoring/duty")
            alert = page.locator("#pending .duty-check-alert")
            expect(alert).to_contain_text("查岗！请立即应答")
            page.screenshot(path=str(ARTIFACTS / "duty-check-pending.png"), full_page=True)
            alert.locator("button").click()
            expect(page.locator("#no-pending")).to_be_visible()

            # A second 查岗 sent 20 minutes ago nobody answered: the housekeeping marks it
            # missed; it no longer shows on the duty page, and the centre reads 未应答.
            with unit_of_work(sessions) as s:
                duty_check_service.start_round(
                    s, SYSTEM, EVERYWHERE, utcnow() - timedelta(minutes=20), unit_code=unit
                )
            assert Housekeeping().missed_checks(sessions, utcnow()) == 1
            page.goto(base + "/monitoring/duty")
            expect(page.locator("#no-pending")).to_be_visible()
            desk.goto(base + "/monitoring/duty-checks")
            expect(desk.locator('#results tr[data-state="answered"]')).to_contain_text("按时应答")
            expect(desk.locator('#results tr[data-state="answered"]')).to_contain_text("kzs")
            expect(desk.locator('#results tr[data-state="missed"]')).to_contain_text("未应答")
            expect(desk.locator("#compliance")).to_contain_text(unit)  # it has a roster
            desk.screenshot(path=str(ARTIFACTS / "duty-checks-centre.png"), full_page=True)
            page.goto(base + "/monitoring/duty")
            page.screenshot(path=str(ARTIFACTS / "duty-page.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
    with sessions() as s:
        states = sorted(s.execute(select(DutyCheck.state)).scalars())
    assert states == ["answered", "missed"]
