"""战勤物资 in a real browser: receive a batch, put a module on standby, send it to an incident
with one click and see what it lacked. Debian's Chromium through Playwright; screenshots go to
``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.logistics import service as logistics
from lanyan.logistics import supplies
from lanyan.logistics.schemas.equipment import DepotCreate
from lanyan.logistics.schemas.supplies import ModuleCreate, SupplyKindCreate
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.models import Incident
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
from support import DAFENG, PASSWORD, add_user, seed_region

pytestmark = pytest.mark.browser


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "commander", "commander", DAFENG)
    with uow() as s:
        logistics.create_depot(
            s,
            SYSTEM,
            EVERYWHERE,
            DepotCreate(code="DEP-1", name="大丰战勤保障库", jurisdiction_code=DAFENG),
        )
        supplies.create_supply_kind(
            s,
            SYSTEM,
            SupplyKindCreate(
                code="FOAM",
                name="水成膜泡沫液",
                category="extinguishing_agent",
                unit_name="吨",
                shelf_life_days=1095,
            ),
        )
        supplies.create_supply_kind(
            s,
            SYSTEM,
            SupplyKindCreate(
                code="WATER",
                name="瓶装饮用水",
                category="food_water",
                unit_name="箱",
                shelf_life_days=365,
            ),
        )
        supplies.create_module(
            s,
            SYSTEM,
            EVERYWHERE,
            ModuleCreate(
                code="M-BF",
                name="建筑火灾保障模块",
                kind="building_fire",
                depot_code="DEP-1",
                lines=[{"supply_kind_code": "FOAM", "quantity": 2}],
            ),
        )
        supplies.create_module(
            s,
            SYSTEM,
            EVERYWHERE,
            ModuleCreate(
                code="M-LS",
                name="生活保障模块",
                kind="life_support",
                depot_code="DEP-1",
                lines=[{"supply_kind_code": "WATER", "quantity": 20}],
            ),
        )
        jid = s.execute(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).scalar_one()
        s.add(
            Incident(
                code="F20251124001",
                received_at=datetime.now(UTC),
                incident_type="fire",
                source="phone",
                status="active",
                alarm_level=2,
                building_class="high_rise",
                address="大丰区幸福大厦",
                jurisdiction_id=jid,
            )
        )


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("supplies-browser")
    url, _ = fresh_database(folder, _seed)
    port = free_port()
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, port) as served:
        yield served


def test_receive_ready_and_one_click_dispatch(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base_url + "/supplies")
            module = page.locator('tr[data-module="M-BF"]')
            expect(module).to_contain_text("补充中")
            # Not ready while the depot holds nothing: the reason names the line.
            module.locator("button").click()
            expect(page.locator("#error")).to_contain_text("lines.FOAM")
            for kind, lot, qty in (("FOAM", "F-2025-01", "3"), ("WATER", "W-2025-01", "12")):
                form = page.locator("#receive-form")
                form.locator("select[name=kind_code]").select_option(kind)
                form.locator("input[name=lot]").fill(lot)
                form.locator("input[name=quantity]").fill(qty)
                form.locator("button[type=submit]").click()
                expect(page.locator("#flash")).to_contain_text("已入库")
            expect(page.locator("#stock tbody tr")).to_have_count(2)
            page.locator('tr[data-module="M-BF"] button').click()
            expect(page.locator('tr[data-module="M-BF"]')).to_contain_text("备勤")
            # 生活保障 needs 20 boxes, the depot holds 12: it stays short and not ready.
            page.locator('tr[data-module="M-LS"] button').click()
            expect(page.locator("#error")).to_contain_text("lines.WATER")

            page.locator("#dispatch-form select").select_option("F20251124001")
            page.locator("#dispatch-form button").click()
            result = page.locator("#dispatch-result")
            expect(result.locator("li.sent")).to_have_count(1)
            expect(result).to_contain_text("建筑火灾保障模块")
            expect(result.locator("li.unavailable")).to_have_count(2)  # 指挥部, 生活保障
            expect(page.locator('tr[data-module="M-BF"]')).to_contain_text("已调派")
            page.screenshot(path=str(ARTIFACTS / "supplies-dispatch.png"), full_page=True)
            expect(page.locator("#stock tbody tr").first).to_contain_text("1 吨")
        finally:
            browser.close()
    assert errors == [], errors
