"""维修工单 in the browser (zh-CN): a fault frame from the unit's transmitter raises a fault
alarm; the control-room operator opens a work order from it, the unit manager starts the
repair, an empty 维修内容 is refused naming the field, the operator marks it done with what was
done; the fault alarm is closed by the order, which the centre's dispatcher sees. Debian's
Chromium through Playwright; screenshots in ``artifacts/``."""

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
UITD = bytes.fromhex("e1e2e3e4e5e6")
FAULT = 0b101  # bit 0 normal operation, bit 2 故障


def _seed(uow: Uow) -> str:
    seed_region(uow)
    unit = sample("units", DAFENG, 1)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, unit)
        device = sample("devices", DAFENG, 1) | {"code": UITD.hex(), "unit_code": unit["code"]}
        service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, device)
    add_user(uow, "kzs", "control_room_operator", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    bind_unit(uow, "kzs", unit["code"])
    bind_unit(uow, "manager", unit["code"])
    add_user(uow, "desk", "dispatcher", DAFENG)
    return str(unit["code"])


def _raise_fault(sessions: Any) -> None:
    at = utcnow() - timedelta(seconds=20)
    raw = component_state_frame(UITD, at, FAULT, 3, "二层走廊烟感")
    store_frame(sessions, decode(raw), raw, at, "test")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("work-orders-browser")
    url, _unit = fresh_database(folder, _seed)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    _raise_fault(sessions)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, sessions
    engine.dispose()


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


def test_fault_work_order_repair_done_closes_the_alarm(served: tuple[str, Any]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, sessions = served
    with sessions() as s:
        alarm = s.scalars(select(MonitoringAlarm)).one()
        assert (alarm.kind, alarm.status) == ("fault", "active")
        alarm_id = alarm.id
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1100})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # The control-room operator: the fault waits for a work order; 报修.
            _login(page, base, "kzs")
            page.goto(base + "/monitoring/work-orders")
            fault = page.locator(f"#faults tr[data-alarm='{alarm_id}']")
            expect(fault).to_contain_text("二层走廊烟感")
            fault.locator("button").click()
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#faults")).to_contain_text("暂无记录")
            order = page.locator("#orders tbody tr").first
            expect(order).to_have_attribute("data-status", "open")
            expect(order).to_contain_text("待维修")

            # The unit manager sees it and starts the repair.
            _login(page, base, "manager")
            page.goto(base + "/monitoring/work-orders")
            order = page.locator("#orders tbody tr").first
            order.locator(".start-form input[name=repairer]").fill("维保公司 张工")
            order.locator(".start-form button").click()
            expect(page.locator("#flash")).to_be_visible()
            order = page.locator("#orders tbody tr").first
            expect(order).to_contain_text("维修中")
            expect(order).to_contain_text("维保公司 张工")

            # The operator: an empty 维修内容 is refused naming the field, then done.
            _login(page, base, "kzs")
            page.goto(base + "/monitoring/work-orders")
            order = page.locator("#orders tbody tr").first
            order.locator(".done-form input[name=work_done]").fill("   ")
            order.locator(".done-form button").click()
            expect(page.locator("#refused")).to_contain_text("维修内容")
            expect(page.locator("#orders tbody tr").first).to_contain_text("维修中")
            page.screenshot(path=str(ARTIFACTS / "work-orders-refused.png"), full_page=True)
            order = page.locator("#orders tbody tr").first
            order.locator(".done-form input[name=work_done]").fill("更换二层走廊烟感探头")
            order.locator(".done-form button").click()
            expect(page.locator("#flash")).to_be_visible()
            order = page.locator("#orders tbody tr").first
            expect(order).to_have_attribute("data-status", "done")
            expect(order.locator(".alarm-status")).to_contain_text("已复位 · kzs")
            page.screenshot(path=str(ARTIFACTS / "work-orders-done.png"), full_page=True)

            # The centre's dispatcher: the alarm is closed by the order, with who.
            _login(page, base, "desk")
            page.goto(base + "/monitoring/work-orders?status=done")
            expect(page.locator("#orders tbody tr").first).to_contain_text("更换二层走廊烟感探头")
            seen = page.request.get(f"{base}/api/monitoring/alarms/{alarm_id}").json()
            assert seen["status"] == "cleared" and seen["handled_by"] == "kzs"
            assert "维修工单" in seen["note"]
        finally:
            browser.close()
    assert errors == []
