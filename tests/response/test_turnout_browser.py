"""The station terminal (出动终端) in a real browser: a dispatch made through the API appears on
the station's page by server-sent events as a 出车单; the board lists it in red while it is
unacknowledged; 签收 on the terminal records the acknowledgement and the board drops it.
Screenshots of the 出车单 (A4 and 80 mm receipt, Chinese only) go to artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from lanyan.core.config import Settings

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from response_world import build
from support import DAFENG, PASSWORD, add_user

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class World:
    base_url: str


def _seed(uow: Uow) -> None:
    build(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    folder: Path = tmp_path_factory.mktemp("turnout-browser")
    url, _ = fresh_database(folder, _seed)
    # One second: the order is overdue almost at once, so the board's red list shows it.
    settings = Settings(environment="test", database_url=url, data_dir=folder, turnout_ack_s=1)
    with live_server(settings, free_port()) as base:
        yield World(base)


def _dispatch_from_the_api(base: str) -> str:
    with httpx.Client(base_url=base) as api:
        r = api.post("/api/auth/login", json={"username": "dispatcher", "password": PASSWORD})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        body = {"incident_type": "fire", "building_code": "B-TOWER", "alarm_level": 2}
        r = api.post("/api/incidents", json=body, headers=headers)
        assert r.status_code == 201, r.text
        incident = r.json()
        commit = {"vehicles": [{"vehicle_code": "V-DF1-1"}, {"vehicle_code": "V-DF1-A"}]}
        r = api.post(f"/api/incidents/{incident['id']}/dispatch", json=commit, headers=headers)
        assert r.status_code == 200, r.text
        return str(incident["code"])


def sign_in(page: Any, base: str, target: str) -> None:
    page.goto(base + "/login?next=" + target)
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_order_arrives_by_sse_and_is_acknowledged(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 1000}, locale="zh-CN")
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(page, world.base_url, "/stations/S-DF1/terminal")
            expect(page).to_have_url(world.base_url + "/stations/S-DF1/terminal")
            expect(page.locator("#to-status")).to_have_text("已连接")
            expect(page.locator(".to-sheet")).to_have_count(0)

            code = _dispatch_from_the_api(world.base_url)
            sheet = page.locator(".to-sheet")
            expect(sheet).to_have_count(1)  # one 出车单 for both vehicles, pushed by SSE
            expect(sheet).to_contain_text(code)
            expect(sheet).to_contain_text("V-DF1-1")
            expect(sheet).to_contain_text("V-DF1-A")
            expect(sheet).to_contain_text("火灾")
            expect(sheet).to_contain_text("2 级")
            expect(sheet).to_contain_text("H-1")  # the nearest usable hydrant
            expect(sheet).to_contain_text("（道路计算）")  # ETA from the road router
            page.screenshot(path=str(ARTIFACTS / "turnout-sheet-a4.png"), full_page=True)
            page.check("input[name=paper][value=receipt]")
            expect(page.locator("body")).to_have_class("to-body paper-receipt")
            page.emulate_media(media="print")
            page.screenshot(path=str(ARTIFACTS / "turnout-sheet-receipt.png"), full_page=True)
            page.emulate_media(media="screen")

            board = context.new_page()
            board.on("pageerror", lambda exc: errors.append(str(exc)))
            board.goto(world.base_url + "/incidents")
            late = board.locator("#turnout-late li[data-dispatch]")
            expect(late).to_have_count(2, timeout=20_000)  # both vehicles, in red
            expect(late.first).to_contain_text(code)
            board.screenshot(path=str(ARTIFACTS / "turnout-board-late.png"))

            page.get_by_role("button", name="签收").click()
            expect(sheet).to_contain_text("已签收")
            board.reload()
            expect(board.locator("#turnout-late")).to_contain_text("无超时未签收")
            expect(late).to_have_count(0)
        finally:
            browser.close()
    assert errors == []
