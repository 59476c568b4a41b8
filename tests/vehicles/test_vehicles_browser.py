"""Live vehicles in a real browser: a dispatcher has the one map open; a terminal reports over
real TCP JT/T 808 to a gateway (the simulator's terminal, in this process) and the vehicle's
marker appears, then moves and turns with the next report without a reload (server-sent
events); its popup gives speed and time and a click draws the track. A vehicle whose last
report is old is drawn stale. The incident board shows the same layer, and so does the
command hall's big screen (/screen, 1920×1080, Chinese only) with the open incident.

Debian's Chromium through Playwright against uvicorn on its own SQLite database; the gateway
stores through another engine on the same file, as ``lanyan jt808 serve`` would.
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

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.registry.models import Jurisdiction
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.models import Incident
from lanyan.store.db import make_engine, make_session_factory
from lanyan.vehicles import service
from lanyan.vehicles.gateway import Gateway
from lanyan.vehicles.ingest import POSITIONS, Bindings, Fix, Job, store_jobs
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
from support import DAFENG, PASSWORD, add_user, create_sample, seed_region

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class World:
    base_url: str
    url: str
    fleet: list[service.FleetMember]


def _seed(uow: Uow) -> list[service.FleetMember]:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    create_sample(uow, "vehicles", DAFENG, 1)
    create_sample(uow, "vehicles", DAFENG, 2)
    with uow() as s:
        county = s.scalars(select(Jurisdiction.id).where(Jurisdiction.code == DAFENG)).one()
        s.add(
            Incident(
                code="JQ-SCREEN-1",
                incident_type="fire",
                source="phone",
                status="active",
                alarm_level=2,
                received_at=datetime.now(UTC) - timedelta(minutes=3),
                address="江苏省盐城市大丰区幸福路8号",
                lon=120.47,
                lat=33.2,
                jurisdiction_id=county,
            )
        )
        return service.simulation_fleet(s, EVERYWHERE, 2)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    folder: Path = tmp_path_factory.mktemp("vehicles-browser")
    url, fleet = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield World(base, url, fleet)


def report(url: str, member: service.FleetMember, at: tuple[float, float], heading: int) -> None:
    """One location report from ``member``'s terminal over TCP to a gateway on ``url``."""
    engine = make_engine(url)
    vehicle = SimVehicle(member.phone, member.vehicle_id, member.code, member.plate, at)
    vehicle.heading = heading
    when = datetime.now(UTC).replace(microsecond=0)

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


def old_report(url: str, member: service.FleetMember) -> None:
    """A report received 20 minutes ago (the terminal has been silent since): stale."""
    engine = make_engine(url)
    then = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=20)
    fix = Fix(member.phone, then, then, member.lat, member.lon, speed_kmh=0.0, heading=0)
    try:
        with make_session_factory(engine)() as s:
            store_jobs(s, [Job(POSITIONS, member.phone, "test", then, [fix])], Bindings())
            s.commit()
    finally:
        engine.dispose()


def sign_in(page: Any, base: str, target: str) -> None:
    page.goto(base + "/login?next=" + target)
    page.fill("input[name=username]", "dispatcher")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_vehicle_marker_appears_moves_and_draws_its_track(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    moving, silent = world.fleet
    start = (moving.lon, moving.lat)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page = context.new_page()
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            old_report(world.url, silent)
            sign_in(page, world.base_url, "/map")
            expect(page).to_have_url(world.base_url + "/map")
            expect(page.locator("html")).to_have_attribute("data-vehicle-feed", "open")
            stale = page.locator(f'.vehicle-marker[data-vehicle="{silent.code}"]')
            expect(stale).to_have_attribute("data-stale", "true")
            expect(stale).to_have_class(
                "leaflet-marker-icon vehicle-marker vehicle-stale leaflet-zoom-animated leaflet-interactive"
            )
            page.evaluate("window.__sameDocument = true")

            report(world.url, moving, start, 90)
            marker = page.locator(f'.vehicle-marker[data-vehicle="{moving.code}"]')
            expect(marker).to_have_attribute("data-lon", str(start[0]), timeout=10_000)
            expect(marker).to_have_attribute("data-stale", "false")
            expect(page.locator("#vehicle-count")).to_have_text("2")
            first_box = marker.bounding_box()

            moved = (round(start[0] + 0.01, 6), round(start[1] + 0.005, 6))
            page.wait_for_timeout(
                1100
            )  # the next report is a later second (stored once per second)
            report(world.url, moving, moved, 45)
            expect(marker).to_have_attribute("data-lon", str(moved[0]), timeout=10_000)
            expect(marker).to_have_attribute("data-heading", "45")
            assert page.evaluate("window.__sameDocument") is True  # no reload: the stream
            assert marker.bounding_box() != first_box

            marker.click()
            popup = page.locator(f'.popup-vehicle[data-vehicle="{moving.code}"]')
            expect(popup).to_contain_text("速度")
            expect(popup).to_contain_text("定位时间")
            expect(page.locator("path.vehicle-track")).to_have_count(1)
            expect(page.locator("html")).to_have_attribute("data-track-points", "2")
            expect(popup).to_contain_text("轨迹点")
            page.screenshot(path=str(ARTIFACTS / "map-vehicles.png"))

            stale.click()
            expect(page.locator(f'.popup-vehicle[data-vehicle="{silent.code}"]')).to_contain_text(
                "位置过时"
            )

            board = context.new_page()  # the same signed-in browser
            board.on("pageerror", lambda exc: errors.append(str(exc)))
            board.goto(world.base_url + "/incidents")
            on_board = board.locator(f'.vehicle-marker[data-vehicle="{moving.code}"]')
            expect(on_board).to_have_attribute("data-lon", str(moved[0]))
            board.screenshot(path=str(ARTIFACTS / "board-vehicles.png"))

            screen = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
            big = screen.new_page()
            big.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(big, world.base_url, "/screen")
            expect(big).to_have_url(world.base_url + "/screen")
            expect(big.locator("html")).to_have_attribute("data-figures", "shown")
            expect(big.locator("#screen-map")).to_have_attribute("data-incidents", "1")
            listed = big.locator("#open-list li")
            expect(listed).to_have_count(1)
            expect(listed.first).to_contain_text("火灾幸福路8号")  # the county's prefix dropped
            expect(big.locator("#today-total")).to_have_text("1")
            on_screen = big.locator(f'.vehicle-marker[data-vehicle="{moving.code}"]')
            expect(on_screen).to_have_attribute("data-lon", str(moved[0]))
            expect(big.locator("#screen-map")).to_have_attribute("data-basemap", "ready")
            # Nothing runs off the 1920×1080 screen, and no English word shows.
            assert big.evaluate(
                "document.body.scrollWidth <= 1920 && document.body.scrollHeight <= 1080"
            )
            words = big.evaluate("document.body.innerText")
            assert not re.findall(r"[A-Za-z]{2,}", words), words
            big.screenshot(path=str(ARTIFACTS / "screen.png"))
        finally:
            browser.close()
    assert errors == []
