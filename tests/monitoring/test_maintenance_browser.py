"""维保 in the browser (zh-CN): the fire officer registers a maintenance company with its
certificate (a registry page); the unit manager adds a contract (the company picked as they
type), records a month of the fire alarm system with one 异常 item that opens a repair work
order, is refused a record of a system the unit does not have (naming 系统), and uploads the
annual test report (a PDF); the officer sees the contract's expiry reminder and the report.
Debian's Chromium through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.core.timeutil import local_today
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user, bind_unit, sample, seed_region, uscc

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _seed(uow: Uow) -> str:
    seed_region(uow)
    unit = sample("units", DAFENG, 1) | {"name": "大丰万达广场"}
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, unit)
        building = sample("buildings", DAFENG, 1) | {"unit_code": unit["code"]}
        building["fire_systems"] = ["automatic_alarm", "indoor_hydrant"]
        service.create(s, get_type("buildings"), SYSTEM, EVERYWHERE, building)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    bind_unit(uow, "manager", unit["code"])
    return str(unit["code"])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("maintenance-browser")
    url, _unit = fresh_database(folder, _seed)
    engine = make_engine(url)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base
    engine.dispose()


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)


def test_company_contract_record_report(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = served
    today = local_today()
    company_code = uscc(DAFENG, 777)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1400, "height": 1100})
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            # 1. The officer registers the company and its certificate (资质).
            _login(page, base, "officer")
            page.goto(base + "/registry/maintenance-companies/new")
            page.fill("input[name=code]", company_code)
            page.fill("input[name=name]", "盐城安泰消防技术服务有限公司")
            page.locator("#f-jurisdiction_code").fill("大丰")
            page.locator("[role=option]", has_text="大丰区").first.click()
            page.fill("input[name=cert_number]", "苏消技服字第3201号")
            page.select_option("select[name=cert_level]", "class1")
            page.fill("input[name=cert_valid_until]", "2029-12-31")
            page.screenshot(path=str(ARTIFACTS / "maintenance-company-new.png"), full_page=True)
            page.locator("form.form-grid button[type=submit]").click()
            page.wait_for_url(lambda u: "/new" not in u)
            expect(page.locator("body")).to_contain_text("苏消技服字第3201号")

            # 2. The unit manager adds a contract ending in 20 days: 即将到期.
            _login(page, base, "manager")
            page.goto(base + "/monitoring/maintenance")
            expect(page.locator("h1")).to_contain_text("大丰万达广场")
            expect(page.locator("#unit-systems")).to_contain_text("火灾自动报警系统")
            form = page.locator("#contract-form")
            form.locator("#contract-company").fill("安泰")  # the search-as-you-type picker
            form.locator("[role=option]", has_text="盐城安泰消防").click()
            form.locator("input[name=number]").fill("WB-2026-001")
            form.locator("input[name=start_on]").fill(str(today - timedelta(days=345)))
            form.locator("input[name=end_on]").fill(str(today + timedelta(days=20)))
            form.locator("input[value=automatic_alarm]").check()
            form.locator("input[value=water_hydrant]").check()
            form.locator("button[type=submit]").click()
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#contracts tbody tr").first).to_have_attribute(
                "data-state", "expiring"
            )
            expect(page.locator("#reminders")).to_contain_text("WB-2026-001")

            # 3. A month of the fire alarm system with one 异常 item that opens a work order.
            page.select_option("#system-form select[name=system]", "automatic_alarm")
            page.locator("#system-form button").click()
            row = page.locator("#record-form tr[data-item=detectors]")
            row.locator("input[value=abnormal]").check()
            row.locator("input[name='note.detectors']").fill("三层2只感烟探测器报故障")
            row.locator("input[name='order.detectors']").check()
            page.locator("#record-form button[type=submit]").click()
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#records tbody tr").first).to_contain_text("火灾自动报警系统")
            page.locator("#records tbody tr").first.locator("a").click()
            detector = page.locator("#record-detail tr[data-item=detectors]")
            expect(detector).to_contain_text("异常")
            expect(detector.locator("a")).to_contain_text("#")
            page.locator("#records").screenshot(path=str(ARTIFACTS / "maintenance-record.png"))

            # 4. A system the unit does not have: refused naming 系统.
            page.select_option("#system-form select[name=system]", "sprinkler")
            page.locator("#system-form button").click()
            page.locator("#record-form button[type=submit]").click()
            refused = page.locator("#refused")
            expect(refused).to_contain_text("系统")
            expect(refused).to_contain_text("本单位未登记该系统")
            page.screenshot(path=str(ARTIFACTS / "maintenance-refused.png"), full_page=True)
            page.locator("#records").screenshot(path=str(ARTIFACTS / "maintenance-form.png"))

            # 5. The annual test report, a PDF.
            page.goto(base + "/monitoring/maintenance")
            form = page.locator("#report-form")
            form.locator("#report-company").fill("安泰")
            form.locator("[role=option]", has_text="盐城安泰消防").click()
            form.locator("input[name=tested_on]").fill(str(today))
            form.locator("select[name=conclusion]").select_option("pass")
            form.locator("input[name=file]").set_input_files(
                {"name": "年度检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
            form.locator("button[type=submit]").click()
            expect(page.locator("#flash")).to_be_visible()
            expect(page.locator("#reports tbody tr").first).to_contain_text("合格")
            page.screenshot(path=str(ARTIFACTS / "maintenance-unit.png"), full_page=True)
            page.locator("#reports").screenshot(path=str(ARTIFACTS / "maintenance-reports.png"))

            # The repair order is on the work orders page.
            page.goto(base + "/monitoring/work-orders")
            expect(page.locator("#orders tbody tr").first).to_contain_text("三层2只感烟探测器")

            # 6. The officer: the reminder, and the unit no longer missing its report.
            _login(page, base, "officer")
            page.goto(base + "/monitoring/maintenance")
            expect(page.locator("#reminders")).to_contain_text("大丰万达广场")
            expect(page.locator("#missing")).to_contain_text("暂无")
            page.screenshot(path=str(ARTIFACTS / "maintenance-officer.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
