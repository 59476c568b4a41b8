"""Issue 18's done-when in a real browser: a simulated engine reports its position over real
TCP JT/T 808; it is dispatched; its station terminal beeps (the alert counted on the page) and
signs for it; the crew terminal on a phone (390×844) walks 出动 … 归队 while the engine drives
towards the fire, and sends the phone's geolocation; the incident board and the command hall's
big screen show it moving; the per-vehicle times land in the fire record.

Debian's Chromium through Playwright against uvicorn on its own SQLite database; the JT/T 808
gateway stores through another engine on the same file, as ``lanyan jt808 serve`` would.
Screenshots (Chinese only) go to artifacts/.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from lanyan.core.config import Settings
from lanyan.registry.scope import EVERYWHERE
from lanyan.store.db import make_engine, make_session_factory
from lanyan.vehicles import service
from lanyan.vehicles.gateway import Gateway
from lanyan.vehicles.simulator import Navigator, SimVehicle, simulate

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from response_world import build, node
from support import DAFENG, PASSWORD, add_user

pytestmark = pytest.mark.browser

WALK = ["出动", "途中", "到场", "出水", "控制", "返回", "归队"]
STATUS = ["turned_out", "en_route", "arrived", "water_on", "controlled", "returning", "back"]


@dataclass(frozen=True)
class World:
    base_url: str
    url: str
    engine: service.FleetMember


def _seed(uow: Uow) -> service.FleetMember:
    build(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    with uow() as s:
        (engine,) = service.simulation_fleet(s, EVERYWHERE, 1)  # V-DF1-1, a water tender
    return engine


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    folder: Path = tmp_path_factory.mktemp("crew-browser")
    url, engine = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield World(base, url, engine)


class Terminal:
    """The engine's JT/T 808 terminal: each report a later second than the last."""

    def __init__(self, url: str, member: service.FleetMember) -> None:
        self.url, self.member = url, member
        self.start = datetime.now(UTC).replace(microsecond=0)
        self.sent = 0

    def report(self, at: tuple[float, float], heading: int) -> None:
        engine = make_engine(self.url)
        m = self.member
        vehicle = SimVehicle(m.phone, m.vehicle_id, m.code, m.plate, at)
        vehicle.heading = heading
        self.sent += 1
        # Later than anything stored before (the phone's geolocation included), one per second.
        now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        when = self.start = max(now, self.start + timedelta(seconds=1))

        async def main() -> Any:
            gateway = Gateway(make_session_factory(engine))
            host, port = await gateway.start("127.0.0.1", 0)
            try:
                return await simulate(
                    host, port, [vehicle], Navigator(), interval=0, reports=1, clock=lambda: when
                )
            finally:
                await gateway.close()

        try:  # Playwright's own loop runs in this thread: the gateway gets another
            with ThreadPoolExecutor(1) as pool:
                stats = pool.submit(asyncio.run, main()).result()
        finally:
            engine.dispose()
        assert stats.acknowledged == 1, stats


def sign_in(page: Any, base: str, target: str) -> None:
    page.goto(base + "/login?next=" + target)
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + target)


def chinese_only(page: Any, codes: list[str]) -> None:
    text = page.evaluate("document.body.innerText")
    for code in codes:
        text = text.replace(code, "")
    assert not re.findall(r"[A-Za-z]{2,}", text), text


def test_engine_dispatched_beeped_walked_and_timed(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    member = world.engine
    assert member.code == "V-DF1-1"
    terminal = Terminal(world.url, member)
    terminal.report(node(0, 0), 0)  # at its station
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            station = desk.new_page()
            station.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(station, world.base_url, "/stations/S-DF1/terminal")
            expect(station.locator("#to-status")).to_have_text("已连接")
            station.get_by_role("button", name="启用提示音").click()
            expect(station.get_by_role("button", name="提示音已启用")).to_be_visible()

            board = desk.new_page()
            board.on("pageerror", lambda exc: errors.append(str(exc)))
            board.goto(world.base_url + "/incidents")
            on_board = board.locator(f'.vehicle-marker[data-vehicle="{member.code}"]')
            expect(on_board).to_have_attribute("data-lon", str(node(0, 0)[0]))

            hall = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            screen = hall.new_page()
            screen.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(screen, world.base_url, "/screen")
            on_screen = screen.locator(f'.vehicle-marker[data-vehicle="{member.code}"]')
            expect(on_screen).to_have_attribute("data-lon", str(node(0, 0)[0]))

            # The dispatcher commits the engine (through the API, as the board's button does).
            with httpx.Client(base_url=world.base_url) as api:
                r = api.post(
                    "/api/auth/login", json={"username": "dispatcher", "password": PASSWORD}
                )
                headers = {"Authorization": f"Bearer {r.json()['token']}"}
                body = {"incident_type": "fire", "building_code": "B-TOWER", "alarm_level": 1}
                incident = api.post("/api/incidents", json=body, headers=headers).json()
                commit = {"vehicles": [{"vehicle_code": member.code}]}
                r = api.post(
                    f"/api/incidents/{incident['id']}/dispatch", json=commit, headers=headers
                )
                assert r.status_code == 200, r.text
            code = incident["code"]

            # The station terminal: the order arrives by SSE and the alert sounds.
            sheet = station.locator(".to-sheet")
            expect(sheet).to_have_count(1)
            expect(sheet).to_contain_text(code)
            expect(station.locator("body")).to_have_attribute("data-alerts", "1")
            beeps = station.evaluate("Number(document.body.dataset.beeps || 0)")
            assert beeps >= 2, beeps  # the test beep at 启用提示音, then the order's
            station.get_by_role("button", name="签收").click()
            expect(sheet).to_contain_text("已签收")
            crew_link = sheet.get_by_role("link", name="作战终端")
            expect(crew_link).to_have_attribute("href", f"/crew/{member.code}")

            # The crew terminal on a phone, which shares its location.
            phone_ctx = browser.new_context(
                viewport={"width": 390, "height": 844},
                is_mobile=True,
                has_touch=True,
                locale="zh-CN",
                geolocation={"latitude": node(0, 0)[1], "longitude": node(0, 0)[0]},
                permissions=["geolocation"],
            )
            phone = phone_ctx.new_page()
            phone.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(phone, world.base_url, f"/crew/{member.code}")
            body = phone.locator("body")
            expect(body).to_have_attribute("data-status", "assigned")
            expect(phone.locator("#crew-incident")).to_contain_text(code)
            expect(phone.locator("#crew-water")).to_contain_text("H-1")
            expect(phone.locator("#crew-place")).to_contain_text("高度")
            expect(phone.locator("#crew-route")).to_contain_text("道路距离")
            expect(phone.locator("#crew-gps")).to_have_attribute("data-sent", "1")
            # Skipping a step is not possible: only 出动 is open.
            expect(phone.locator('#crew-buttons button[data-status="arrived"]')).to_be_disabled()

            drive = {"en_route": (node(1, 0), 90), "arrived": (node(2, 2), 0)}
            moved_to: tuple[float, float] | None = None
            for label, status in zip(WALK, STATUS, strict=True):
                phone.get_by_role("button", name=label, exact=True).click()
                expect(body).to_have_attribute("data-status", status)
                if status in drive:
                    moved_to, heading = drive[status]
                    terminal.report(moved_to, heading)
                    # The board and the big screen follow the engine without a reload.
                    expect(on_board).to_have_attribute("data-lon", str(moved_to[0]))
                    expect(on_screen).to_have_attribute("data-lon", str(moved_to[0]))
                if status == "arrived":
                    expect(phone.locator("#crew-response")).to_contain_text("响应时间")
                    assert phone.evaluate("document.body.scrollWidth <= 390")
                    chinese_only(phone, [member.code, code, "H-1", "B-TOWER"])
                    phone.screenshot(path=str(ARTIFACTS / "crew-terminal-arrived.png"))
                    board.screenshot(path=str(ARTIFACTS / "crew-board-moving.png"))
                    screen.reload()  # its figures refresh every 30 s: now, with the incident
                    expect(screen.locator("#screen-map")).to_have_attribute("data-incidents", "1")
                    expect(on_screen).to_have_attribute("data-lon", str(moved_to[0]))
                    expect(screen.locator("#today-total")).to_have_text("1")
                    chinese_only(screen, [])
                    screen.screenshot(path=str(ARTIFACTS / "crew-screen-moving.png"))
            assert moved_to == node(2, 2)
            expect(phone.locator("#crew-status")).to_contain_text("本次出动已归队")
            phone.screenshot(path=str(ARTIFACTS / "crew-terminal-back.png"), full_page=True)

            # The incident closed with its vehicle back; the fire record keeps its times.
            with httpx.Client(base_url=world.base_url) as api:
                inc = api.get(f"/api/incidents/{incident['id']}", headers=headers).json()
                assert inc["status"] == "closed"
                steps = [e["step"] for e in inc["timeline"]]
                assert steps[-4:] == ["arrived", "water_on", "controlled", "returned"]
                r = api.post(
                    "/api/stats/records",
                    json={"incident": code, "place": "residential", "cause": "electrical"},
                    headers=headers,
                )
                assert r.status_code == 201, r.text
                record = r.json()
            (times,) = record["vehicle_times"]
            assert times["vehicle"] == member.code and times["response_s"] is not None
            assert record["first_response_s"] == times["response_s"]
            records = desk.new_page()
            records.on("pageerror", lambda exc: errors.append(str(exc)))
            records.goto(world.base_url + "/stats/records")
            cell = records.locator(f'tr[data-code="{record["code"]}"] .record-response')
            expect(cell).to_contain_text("秒")
            expect(cell).to_have_attribute("data-seconds", str(times["response_s"]))
            records.screenshot(path=str(ARTIFACTS / "crew-fire-record.png"))
        finally:
            browser.close()
    assert errors == []
