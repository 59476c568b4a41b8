"""Binding a unit safety manager to their unit from the administrator's users page, and what the
manager's monitoring page shows before (a notice: no unit bound) and after (their unit's devices).
Debian's Chromium through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanyan.core.config import Settings
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

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
MINE, OTHER = sample("units", DAFENG, 1), sample("units", DAFENG, 2)


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "admin", "admin", DAFENG)
    add_user(uow, "manager", "unit_manager", DAFENG)
    with uow() as s:
        for n, unit in ((1, MINE), (2, OTHER)):
            service.create(s, get_type("units"), SYSTEM, EVERYWHERE, unit)
            device = sample("devices", DAFENG, 10 + n) | {"unit_code": unit["code"]}
            service.create(s, get_type("devices"), SYSTEM, EVERYWHERE, device)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("unit-scope-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def _sign_in(browser: object, base: str, username: str) -> object:
    page = browser.new_page(locale="zh-CN")  # type: ignore[attr-defined]
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def test_admin_binds_and_the_manager_sees_their_unit(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            manager = _sign_in(browser, served, "manager")
            manager.on("pageerror", lambda exc: errors.append(str(exc)))
            manager.goto(served + "/monitoring")
            expect(manager.locator("#no-unit-bound")).to_contain_text("尚未绑定单位")
            manager.screenshot(path=str(ARTIFACTS / "unit-scope-unbound.png"), full_page=True)

            admin = _sign_in(browser, served, "admin")
            admin.goto(served + "/admin/users")
            row = admin.locator("#user-manager")
            expect(row).to_contain_text("未绑定单位")
            row.locator("input[name=unit_code]").fill(MINE["code"])
            row.locator("button", has_text="绑定单位").click()
            expect(admin.locator("#user-manager")).to_contain_text(MINE["name"])
            expect(admin.locator(".alert-ok")).to_contain_text("已绑定单位")
            admin.locator("#user-manager input[name=unit_code]").fill("91320904XX0000000X")
            admin.locator("#user-manager button", has_text="绑定单位").click()
            expect(admin.locator("#binding-error")).to_contain_text("unit_code")
            admin.screenshot(path=str(ARTIFACTS / "unit-scope-admin-users.png"), full_page=True)

            manager.goto(served + "/monitoring")
            expect(manager.locator("body")).to_contain_text(MINE["name"])
            assert manager.locator("#no-unit-bound").count() == 0
            expect(manager.locator("#jur-stats-card")).to_be_hidden()  # the area's figures
            expect(manager.locator("body")).not_to_contain_text(OTHER["name"])
            manager.screenshot(path=str(ARTIFACTS / "unit-scope-bound.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
