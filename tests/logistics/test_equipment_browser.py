"""Scanning a label in a real browser: decode the printed QR, open it on a phone, sign in, move
the item from purchase to scrap with the page's buttons, and read its history and audit trail.

Runs Debian's Chromium through Playwright against a uvicorn server on its own SQLite database,
as ``test_browser.py`` does. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import zxingcpp
from PIL import Image

from lanyan.core.config import Settings
from lanyan.logistics import service as logistics
from lanyan.logistics.schemas.equipment import DepotCreate, ItemCreate, KindCreate
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

PHONE = {"width": 390, "height": 844}


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "commander", "commander", DAFENG)
    with uow() as s:
        service.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", DAFENG))
        logistics.create_depot(
            s,
            SYSTEM,
            EVERYWHERE,
            DepotCreate(code="DEP-1", name="大丰装备库", jurisdiction_code=DAFENG),
        )
        logistics.create_kind(
            s,
            SYSTEM,
            KindCreate(
                code="SCBA", name="正压式空气呼吸器", category="protective_gear", inspection_days=30
            ),
        )
        logistics.create_item(
            s, SYSTEM, EVERYWHERE, ItemCreate(code="E-0001", kind_code="SCBA", depot_code="DEP-1")
        )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("equipment-browser")
    url, _ = fresh_database(folder, _seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(environment="test", database_url=url, data_dir=folder, public_base_url=base)
    with live_server(settings, port) as served:
        yield served


def test_scan_label_and_walk_the_lifecycle(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            # Print the label sheet from the label page's PNG button and scan it.
            page.goto(base_url + "/equipment/labels")
            expect(page.locator("#rows tbody tr")).to_have_count(1)
            png = page.request.get(base_url + "/api/equipment/labels.png?codes=E-0001")
            assert png.ok, png.text()
            scanned = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.body())).convert("L"))
            assert [r.text for r in scanned] == [base_url + "/equipment/items/E-0001"]

            page.goto(scanned[0].text)
            expect(page.locator("#item-code")).to_have_text("E-0001")
            expect(page.locator("#item-state")).to_contain_text("采购")
            page.screenshot(path=str(ARTIFACTS / "equipment-item-purchased.png"), full_page=True)

            walk = [
                ("stock", "入库", None),
                ("issue", "配发", f"station:S-{DAFENG}-1"),
                ("commission", "在用", None),
                ("send_to_repair", "维修", None),
                ("return_from_repair", "在用", None),
                ("scrap", "报废", None),
            ]
            for action, state, place in walk:
                form = page.locator(f'form.move-form[data-action="{action}"]')
                if place:  # a station: chosen with the search-as-you-type picker
                    kind, place_code = place.split(":")
                    form.locator("select[name=location_kind]").select_option(kind)
                    form.locator(".picker-input").fill(place_code)
                    form.locator("[role=option]", has_text=place_code).click()
                if action == "send_to_repair":
                    form.locator("input[name=note]").fill("阀门漏气")
                form.locator("button[type=submit]").click()
                expect(page.locator("#item-state")).to_contain_text(state)
                if action == "issue":
                    expect(page.locator("#item-location")).to_contain_text("测试消防站1")
                    page.screenshot(
                        path=str(ARTIFACTS / "equipment-item-issued.png"), full_page=True
                    )
            expect(page.locator("#moves")).to_have_count(0)  # nothing follows 报废
            expect(page.locator("#history li")).to_have_count(7)
            expect(page.locator("#history")).to_contain_text("阀门漏气")
            trail = page.locator("#audit-trail tbody tr")
            expect(trail).to_have_count(7)
            expect(trail.last).to_contain_text("报废")
            expect(trail.last).to_contain_text("commander")
            page.screenshot(path=str(ARTIFACTS / "equipment-item-scrapped.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"the item page scrolls sideways ({width}px)"
        finally:
            browser.close()
    assert errors == [], errors
