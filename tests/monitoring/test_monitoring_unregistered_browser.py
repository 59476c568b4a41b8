"""In a real browser (issue #14 items 2, 3 and 4): a fire alarm from a sender not in the
registry reaches the top jurisdiction's desk live, marked 未登记设备; the quarantine page says
that sender raised a fire; one step on the desk binds it to a registry device. A panel reset
shows beside the open fire and leaves it open. Offline devices are one card per unit, and the
device page says offline too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.alarms import sweep_offline
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import store_frame
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
from support import DAFENG, PASSWORD, add_user, sample, seed_region

pytestmark = pytest.mark.browser

STRANGER = bytes.fromhex("7a7b7c7d7e7f")
PROVINCE = "320000"
QUIET = [bytes.fromhex(f"0000aaaa00{n:02x}") for n in range(3)]


@dataclass(frozen=True)
class World:
    base_url: str
    url: str
    device: str
    unit_name: str


def _seed(uow: Uow) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "top", "dispatcher", PROVINCE)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG))
        device = service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG) | {"code": "UITD-TO-BIND", "unit_code": unit.code},
        )
        quiet = service.create(
            s,
            get_type("units"),
            SYSTEM,
            EVERYWHERE,
            sample("units", DAFENG, 2) | {"name": "离线测试单位"},
        )
        for n in range(3):
            service.create(
                s,
                get_type("devices"),
                SYSTEM,
                EVERYWHERE,
                sample("devices", DAFENG, 10 + n)
                | {"code": QUIET[n].hex(), "unit_code": quiet.code},
            )
        return {"device": device.code, "unit_name": unit.name}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    folder: Path = tmp_path_factory.mktemp("monitoring-unregistered")
    url, seeded = fresh_database(folder, _seed)
    settings = Settings(
        environment="test", database_url=url, data_dir=folder, monitor_housekeeping_every_s=0
    )
    with live_server(settings, free_port()) as base:
        yield World(base, url, seeded["device"], seeded["unit_name"])


def feed(
    url: str,
    serial: int,
    type_flag: int,
    obj: dict[str, Any],
    source: bytes = STRANGER,
    ago: timedelta = timedelta(0),
) -> None:
    """One frame (by default from the unregistered sender) through the real decode-and-store
    path, received ``ago`` before now."""
    now = utcnow() - ago
    raw = encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(type_flag, [obj | {"time": now}]),
        timestamp=now,
    )
    engine = make_engine(url)
    try:
        store_frame(make_session_factory(engine), decode(raw), raw, now, "gateway-test")
    finally:
        engine.dispose()


FIRE = {
    "system_type": 1,
    "system_address": 1,
    "component_type": 42,
    "component_address": 7,
    "state": 0b11,
    "description": "二层仓库烟感",
}
RESET = {"system_type": 1, "system_address": 1, "state": 1 | 1 << 13}


def test_unregistered_fire_reaches_the_top_desk_and_is_bound_in_one_step(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(world.base_url + "/login?next=/monitoring")
            page.fill("input[name=username]", "top")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#live-state")).to_have_attribute("data-state", "live")

            feed(world.url, 1, 2, FIRE)
            card = page.locator('#alarm-list .alarm[data-kind="fire"]')
            expect(card).to_have_count(1)
            expect(card).to_contain_text("未登记设备")
            expect(page.locator("#count-fire")).to_have_attribute("data-count", "1")

            # The panel's reset is shown beside it; the fire stays open for an operator.
            feed(world.url, 2, 1, RESET)
            expect(card.locator(".mark-reset")).to_contain_text("已复位", timeout=10_000)
            expect(card).to_have_attribute("data-status", "active")
            expect(page.locator("#count-fire")).to_have_attribute("data-count", "1")
            page.screenshot(path=str(ARTIFACTS / "monitoring-unregistered-fire.png"))

            # The quarantine page says this sender raised a fire.
            page.goto(world.base_url + "/monitoring/quarantine")
            row = page.locator(
                f'#quarantine tr[data-status="pending"]:has-text("{STRANGER.hex()}")'
            )
            expect(row.locator(".q-fire")).to_contain_text("未处理火警 1 起")
            page.screenshot(path=str(ARTIFACTS / "monitoring-quarantine-fire.png"))

            # One step on the desk: a wrong code is named, the right one binds.
            page.goto(world.base_url + "/monitoring")
            card = page.locator('#alarm-list .alarm[data-kind="fire"]')
            card.locator(".bind-device").fill("NO-SUCH-DEVICE")
            card.locator(".act-bind").click()
            expect(page.locator("#mon-error")).to_contain_text("device_code")
            card.locator(".bind-device").fill(world.device)
            card.locator(".act-bind").click()
            expect(card).to_contain_text(world.unit_name)
            expect(card).not_to_contain_text("未登记设备")
            expect(card.locator(".act-bind")).to_have_count(0)
            expect(card).to_have_attribute("data-status", "active")
        finally:
            browser.close()
    assert errors == []


def test_offline_devices_are_one_card_per_unit_and_offline_everywhere(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    for source in QUIET:
        feed(world.url, 1, 21, {"state": 1}, source=source, ago=timedelta(minutes=10))
    engine = make_engine(world.url)
    try:
        with make_session_factory(engine).begin() as s:
            assert len(sweep_offline(s, utcnow(), timedelta(minutes=1))) == 3
    finally:
        engine.dispose()
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(world.base_url + "/login?next=/monitoring")
            page.fill("input[name=username]", "top")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("#live-state")).to_have_attribute("data-state", "live")
            expect(page.locator('#alarm-list .alarm[data-kind="offline"]')).to_have_count(0)
            card = page.locator("#offline-groups .offline-group")
            expect(card).to_have_count(1)
            expect(card).to_have_attribute("data-devices", "3")
            expect(card).to_contain_text("离线测试单位")
            expect(card).to_contain_text("3 台设备离线")
            card.locator(".group-toggle").click()
            expect(card.locator(".group-device")).to_have_count(3)
            page.screenshot(path=str(ARTIFACTS / "monitoring-offline-groups.png"))
            # The kind filter still lists them one by one.
            page.select_option("#filter-kind", "offline")
            expect(page.locator('#alarm-list .alarm[data-kind="offline"]')).to_have_count(3)
            expect(page.locator("#offline-groups .offline-group")).to_have_count(0)
            # The device page and the registry say what the desk says.
            page.goto(world.base_url + f"/monitoring/devices/{QUIET[0].hex()}")
            expect(page.locator("#dev-status")).to_have_text("离线")
            listed = page.request.get(world.base_url + "/api/devices?q=" + QUIET[0].hex())
            assert listed.json()["items"][0]["status"] == "offline"
        finally:
            browser.close()
    assert errors == []
