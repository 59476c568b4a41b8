"""The incident lifecycle on the board in a real browser: a call taken by typing an address with
a typo, the high-rise card, dispatch, a second call merged into it, the level raised and 增派,
closed with 归队; another call cancelled as a duplicate.

Seeds ``response_world`` with the plaza (a 54 m high-rise) and one smoke-extraction vehicle that
only the level-2 high-rise card asks for, into a fresh SQLite database served by uvicorn.
Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

import response_world
from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user

pytestmark = pytest.mark.browser


def _seed(uow: Uow) -> dict[str, Any]:
    response_world.build(uow)
    plaza = response_world.add_plaza(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    with uow() as s:
        service.create(
            s,
            get_type("vehicles"),
            SYSTEM,
            EVERYWHERE,
            {"code": "V-DF1-S", "vehicle_type": "smoke_extraction", "station_code": "S-DF1"},
        )
    return plaza


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("incident-lifecycle")
    url, _plaza = fresh_database(folder, _seed)
    port = free_port()
    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=folder,
        public_base_url=f"http://127.0.0.1:{port}",
    )
    with live_server(settings, port) as served:
        yield served


def _board(pw: Any, base_url: str, errors: list[str]) -> Any:
    page = launch(pw).new_page(viewport={"width": 1280, "height": 1100}, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base_url + "/login")
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(base_url + "/incidents")
    return page


def _take_call(page: Any, query: str, phone: str) -> None:
    """Type the address, pick the building hit, create the incident."""
    from playwright.sync_api import expect

    page.fill("#place-search", query)
    hit = page.locator("#place-hits li.place-hit[data-kind=building]")
    expect(hit).to_contain_text("大丰广场主楼")
    hit.first.click()
    expect(page.locator("input[name=building_code]")).to_have_value("B-PLAZA")
    page.fill("#new-incident input[name=caller_phone]", phone)
    page.click("#new-incident button[type=submit]")
    expect(page.locator("#calls li")).to_have_count(1)
    expect(page.locator("#calls li").first).to_contain_text(phone)


def test_call_dispatch_merge_raise_reinforce_close(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        page = _board(pw, base_url, errors)
        try:
            # The first call: 幸富路 (a homophone slip for 幸福路), the plaza's high-rise card.
            _take_call(page, "盐城市幸富路88號", "13800000011")
            first = page.locator("#incident-title").text_content().split(" · ")[0]
            card = page.locator("#rec-card")
            expect(card).to_contain_text("火灾/高层建筑/1级")
            # The shortfall notes speak the page's language (the 32 m ladder is too short).
            expect(card.locator(".shortfall[data-reason=ladder_short]")).to_contain_text("高度不足")
            assert "skipped" not in card.text_content() and "short:" not in card.text_content()
            page.click("#dispatch-btn")
            expect(page.locator("#dispatched li[data-code='V-DF1-1']")).to_have_count(1)
            expect(page.locator("#dispatch-btn")).to_have_text("增派推荐车辆")
            expect(page.locator("#dispatch-btn")).to_be_enabled()
            # 撤销 is not offered once vehicles went.
            expect(page.locator("#cancel-form button")).to_be_disabled()

            # A second caller about the same fire: a new incident, merged into the first.
            _take_call(page, "幸福路88号", "13900000022")
            second = page.locator("#incident-title").text_content().split(" · ")[0]
            assert second != first
            page.click("#merge-block summary")
            page.select_option("#merge-form select[name=into]", first)
            page.fill("#merge-form input[name=reason]", "同一起火灾")
            page.click("#merge-form button[type=submit]")
            expect(page.locator("#incident-title")).to_contain_text(first)
            expect(page.locator("#calls li")).to_have_count(2)
            expect(page.locator("#calls")).to_contain_text("13900000022")
            expect(page.locator("#timeline li[data-step='merged_in']")).to_contain_text("并入警情")
            expect(page.locator("#incident-list li")).to_have_count(1)  # one incident left

            # The caller names the floor: 修改 records it on the timeline.
            page.click("#edit-block summary")
            page.fill("#edit-form input[name=e_floor]", "12")
            page.click("#edit-form button[type=submit]")
            expect(page.locator("#incident-floor")).to_contain_text("12层")
            expect(page.locator("#timeline li[data-step='edited']")).to_contain_text("修改警情")

            # Raise the level: the level-2 card asks for smoke extraction; 增派 sends it.
            page.select_option("#level-form select[name=level]", "2")
            page.click("#level-btn")
            expect(page.locator("#incident-level")).to_have_text("2")
            expect(card).to_contain_text("火灾/高层建筑/2级")
            expect(card.locator("tr.rec-vehicle[data-code='V-DF1-S']")).to_have_count(1)
            expect(page.locator("#timeline li[data-step='level_changed']")).to_contain_text(
                "调整等级"
            )
            page.screenshot(path=str(ARTIFACTS / "incident-lifecycle-level2.png"), full_page=True)
            page.click("#dispatch-btn")
            expect(page.locator("#dispatched li[data-code='V-DF1-S']")).to_have_count(1)
            expect(page.locator("#timeline li[data-step='dispatched']")).to_have_count(2)

            # Close with 归队: the incident is a record, its actions are gone.
            page.click(".step-btn[data-step='returned']")
            expect(page.locator("#incident-status")).to_have_text("已结案")
            expect(page.locator("#incident-actions")).to_be_hidden()
            expect(page.locator("#dispatch-btn")).to_be_disabled()
            expect(card.locator("tr.rec-vehicle")).to_have_count(0)  # no card on a record
            page.screenshot(path=str(ARTIFACTS / "incident-lifecycle-closed.png"), full_page=True)
        finally:
            page.context.browser.close()
    assert errors == [], errors


def test_cancel_a_duplicate(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        page = _board(pw, base_url, errors)
        try:
            _take_call(page, "幸福路88号", "13700000033")
            page.click("#cancel-block summary")
            page.select_option("#cancel-form select[name=reason]", "duplicate")
            page.fill("#cancel-form input[name=note]", "同一报警人重复拨打")
            page.click("#cancel-form button[type=submit]")
            expect(page.locator("#incident-status")).to_have_text("已撤销")
            expect(page.locator("#timeline li[data-step='cancelled']")).to_contain_text("撤销警情")
            expect(page.locator("#incident-actions")).to_be_hidden()
            expect(page.locator("#dispatch-btn")).to_be_disabled()
            page.screenshot(
                path=str(ARTIFACTS / "incident-lifecycle-cancelled.png"), full_page=True
            )
            # English after the language switch: the lifecycle words come from the catalogue.
            page.click("#lang-switch")
            expect(page.locator("#calls")).to_be_attached()
            page.goto(base_url + "/incidents")
            expect(page.locator("h1")).to_have_text("Incident board")
            expect(page.locator("#level-btn")).to_have_text("Change level")
            expect(page.locator("#cancel-block summary")).to_have_text("Cancel the incident")
        finally:
            page.context.browser.close()
    assert errors == [], errors


def test_a_call_taken_without_a_point_heads_the_board_as_pending_location(
    base_url: str,
) -> None:
    """A call the API took from an address alone shows first in the board's list, tagged
    待定位, until someone gives it a point."""
    import httpx
    from playwright.sync_api import expect, sync_playwright

    with httpx.Client(base_url=base_url, timeout=30) as api:
        token = api.post(
            "/api/auth/login", json={"username": "dispatcher", "password": PASSWORD}
        ).json()["token"]
        call = {
            "incident_type": "fire",
            "caller_phone": "13700000044",
            "address": "永泰路口附近，报警人说不清门牌",
            "jurisdiction_code": DAFENG,
        }
        r = api.post("/api/incidents", json=call, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 201, r.text
        code = r.json()["code"]
    errors: list[str] = []
    with sync_playwright() as pw:
        page = _board(pw, base_url, errors)
        try:
            first = page.locator("#incident-list li").first
            expect(first).to_contain_text(code)
            expect(first.locator(".tag-unlocated")).to_have_text("待定位")
            expect(page.locator("#incident-list li[data-located=false]")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "incident-board-unlocated.png"))
        finally:
            page.context.browser.close()
    assert errors == [], errors
