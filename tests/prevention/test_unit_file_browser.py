"""As the unit's safety manager (zh-CN): open the unit file from the patrol home and the registry,
edit the filing fields, export XLSX and PDF (download events), do the monthly fire check with one
finding and have the 消防安全责任人 sign it off. Debian's Chromium through Playwright; screenshots
in ``artifacts/``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.prevention.models.inspections import Hazard
from lanyan.prevention.models.unit_files import MonthlyFireCheck, UnitFiling
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
from support import DAFENG, PASSWORD, add_user, bind_unit, sample, seed_region

pytestmark = pytest.mark.browser
UNIT = sample("units", DAFENG, 1)["code"]


def _seed(uow: Uow) -> int:
    seed_region(uow)
    add_user(uow, "manager", "unit_manager", DAFENG)
    with uow() as s:
        row = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, 1))
        unit_id = row.id
    bind_unit(uow, "manager", UNIT)
    return unit_id


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Uow, int]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("unit-file-browser")
    url, unit_id = fresh_database(folder, _seed)
    engine = make_engine(url)
    uow = partial(unit_of_work, make_session_factory(engine))
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, uow, unit_id
    engine.dispose()


def test_the_manager_files_exports_checks_and_signs(
    served: tuple[str, Uow, int],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, uow, unit_id = served
    errors: list[str] = []
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN", accept_downloads=True)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login")
            page.fill("input[name=username]", "manager")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            # the unit manager's home links the file; so does the unit's registry page
            page.goto(base + "/patrol")
            page.locator(".unit-file-link").first.click()
            expect(page.locator("#unit-file-title")).to_contain_text("单位档案")
            page.goto(f"{base}/registry/units/{unit_id}")
            page.locator("#unit-file-link").click()
            expect(page.locator("#sec-hazards .count")).to_have_text("0")
            expect(page.locator("#fact-check")).to_contain_text("未检查")
            # edit the filing fields: a bad phone first, refused naming the field
            page.locator("#filing-edit summary").click()
            form = page.locator("#filing-form")
            form.locator("input[name=responsible_name]").fill("张三")
            form.locator("input[name=responsible_phone]").fill("12345")
            form.locator("input[name=manager_name]").fill("李四")
            form.locator("input[name=manager_phone]").fill("0515-83000000")
            form.locator("textarea[name=key_parts]").fill("消防控制室、配电房、厨房")
            form.locator("textarea[name=station_members]").fill("王五、赵六、钱七")
            form.locator("textarea[name=station_equipment]").fill("灭火器 10具、消防水带 4盘")
            form.locator("input[value=fire_alarm]").check()
            form.locator("input[value=extinguisher]").check()
            form.locator("button[type=submit]").click()
            expect(page.locator("#errors")).to_contain_text("责任人电话：应为11位手机号")
            page.locator("#filing-form input[name=responsible_phone]").fill("13800000000")
            page.locator("#filing-form button[type=submit]").click()
            expect(page.locator("#flash")).to_contain_text("已保存")
            expect(page.locator("#filing-facts")).to_contain_text("火灾自动报警系统、灭火器")
            page.screenshot(path=str(ARTIFACTS / "unit-file.png"), full_page=True)
            # exports: both are downloads
            with page.expect_download() as got:
                page.locator("#export-xlsx").click()
            xlsx = got.value
            assert xlsx.suggested_filename.endswith(".xlsx")
            book = load_workbook(io.BytesIO(Path(xlsx.path()).read_bytes()))
            cells = [c for r in book.worksheets[0].iter_rows(values_only=True) for c in r if c]
            assert "张三" in cells and "消防控制室、配电房、厨房" in cells
            with page.expect_download() as got:
                page.locator("#export-pdf").click()
            pdf = got.value
            assert pdf.suggested_filename.endswith(".pdf")
            assert Path(pdf.path()).read_bytes()[:4] == b"%PDF"
            # the monthly check: everything passes but the extinguishers
            page.locator("#check-new").click()
            rows = page.locator("#check-form tr[data-item]")
            expect(rows).to_have_count(12)
            for i in range(12):
                rows.nth(i).locator("input[value=ok]").check()
            bad = page.locator('#check-form tr[data-item="m04"]')
            bad.locator("input[value=fail]").check()
            bad.locator("input[name=note_m04]").fill("二层两具灭火器压力不足")
            page.screenshot(path=str(ARTIFACTS / "unit-monthly-check-form.png"), full_page=True)
            page.locator("#check-form button[type=submit]").click()
            expect(page.locator("#check-state")).to_have_attribute("data-state", "pending")
            expect(page.locator("#flash")).to_contain_text("不合格项已转为本单位隐患")
            expect(page.locator("#results .hazard-link")).to_have_count(1)
            # the responsible person signs it off: a wrong name is refused first
            page.fill("#sign-form input[name=signer_name]", "李四")
            page.locator("#sign-form button").click()
            expect(page.locator("#errors")).to_contain_text("须为档案上的消防安全责任人")
            page.fill("#sign-form input[name=signer_name]", "张三")
            page.locator("#sign-form button").click()
            expect(page.locator("#check-state")).to_have_attribute("data-state", "signed")
            expect(page.locator("#signed-by")).to_contain_text("张三")
            page.screenshot(path=str(ARTIFACTS / "unit-monthly-check-signed.png"), full_page=True)
            page.goto(f"{base}/units/{UNIT}/file")
            expect(page.locator("#sec-hazards .count")).to_have_text("1")
            expect(page.locator("#sec-checks .count")).to_have_text("1")
            expect(page.locator("#fact-check")).to_contain_text("已签字")
            page.screenshot(path=str(ARTIFACTS / "unit-file-after-check.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
    with uow() as s:
        assert s.execute(select(UnitFiling.responsible_phone)).scalar_one() == "13800000000"
        check = s.execute(select(MonthlyFireCheck)).scalar_one()
        assert (check.state, check.signed_by_name, check.findings) == ("signed", "张三", 1)
        assert s.execute(select(Hazard.self_found)).scalar_one() is True
