"""In production mode the main pages load in Chromium with no Content-Security-Policy violation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.config import Settings

from browser_support import Uow, free_port, fresh_database, launch, live_server, require_chromium
from support import PASSWORD, add_user, seed_region

PAGES = [
    "/",  # the one map (一张图)
    "/monitoring",  # monitoring desk
    "/monitoring/quarantine",
    "/incidents",  # incident board
    "/registry/units",  # a registry list
    "/registry/vehicles",
    "/hazards",
    "/docs",
]


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "admin", "admin", "320000")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("csp")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(
        environment="production",
        secret_key="Zq7v-Jm2pX9tKc4Rw8bN1yHs6Lf3Ud5Ae0Gi",
        database_url=url,
        data_dir=folder,
        incidents_from_alarms_interval_s=0,
        monitor_housekeeping_every_s=0,
    )
    with live_server(settings, free_port()) as base:
        yield base


def test_main_pages_raise_no_csp_violation_in_production(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    violations: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN")

            def watch(message: Any) -> None:
                text = message.text
                if "Content Security Policy" in text or "Content-Security-Policy" in text:
                    violations.append(f"{page.url}: {text}")

            page.on("console", watch)
            page.on("pageerror", lambda exc: violations.append(f"{page.url}: {exc}"))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(base_url + "/")
            for path in PAGES:
                response = page.goto(base_url + path)
                assert response is not None and response.status == 200, path
                assert "script-src 'self'" in response.headers["content-security-policy"]
                page.wait_for_load_state("networkidle")
            # The filter that had an inline onchange still submits, through static/js/page.js.
            page.goto(base_url + "/hazards")
            page.select_option("#state-filter", index=1)
            page.wait_for_url("**/hazards?state=*")
        finally:
            browser.close()
    assert violations == []
