"""The monitoring centre in a real browser: a dispatcher has /monitoring open (and a second
operator too), a fire alarm arrives through the real pipeline (a GB/T 26875.3 frame decoded and
stored by the ingest), both pages show it live without a reload, red and on top; the dispatcher
confirms it with a note; the state, the audit entry and the domain event are checked in the
store. Then the quarantine page accepts an unknown sender, and the map shows the alarm.

Debian's Chromium through Playwright against uvicorn on its own SQLite database; the frames are
stored by another engine on the same database file, as a gateway process would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.monitoring.gb26875 import decode, encode, encode_appdata
from lanyan.monitoring.ingest import store_frame
from lanyan.monitoring.models import MonitoringAlarm, OutboxEvent, QuarantinedSender
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM, AuditEntry
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

UITD = bytes.fromhex("0a1b2c3d4e5f")
STRANGER = bytes.fromhex("665544332211")


@dataclass(frozen=True)
class World:
    base_url: str
    url: str
    unit: str
    spare: str


def _seed(uow: Uow) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "commander", "commander", DAFENG)
    with uow() as s:
        unit = service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG))
        building = service.create(
            s,
            get_type("buildings"),
            SYSTEM,
            EVERYWHERE,
            sample("buildings", DAFENG) | {"unit_code": unit.code, "name": "大丰商厦主楼"},
        )
        service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG)
            | {"code": UITD.hex(), "unit_code": unit.code, "building_code": building.code},
        )
        spare = service.create(
            s,
            get_type("devices"),
            SYSTEM,
            EVERYWHERE,
            sample("devices", DAFENG, 2) | {"unit_code": unit.code, "building_code": building.code},
        )
        return {"unit": unit.code, "spare": spare.code}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    require_chromium()
    folder: Path = tmp_path_factory.mktemp("monitoring-browser")
    url, seeded = fresh_database(folder, _seed)
    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=folder,
        monitor_housekeeping_every_s=0,
    )
    with live_server(settings, free_port()) as base:
        yield World(base, url, seeded["unit"], seeded["spare"])


def feed(url: str, serial: int, state: int, source: bytes = UITD, address: int = 12) -> None:
    """One component-state frame (type 2) through the real decode-and-store path."""
    now = utcnow()
    raw = encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(
            2,
            [
                {
                    "system_type": 1,
                    "system_address": 1,
                    "component_type": 42,
                    "component_address": address,
                    "state": state,
                    "description": "三层东侧走廊烟感",
                    "time": now,
                }
            ],
        ),
        timestamp=now,
    )
    engine = make_engine(url)
    try:
        store_frame(make_session_factory(engine), decode(raw), raw, now, "gateway-test")
    finally:
        engine.dispose()


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login?next=/monitoring")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")


def test_fire_alarm_arrives_live_and_is_confirmed(world: World) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            lists: list[str] = []  # the alarm list is fetched once on opening (issue 22)
            page.on(
                "request",
                lambda r: lists.append(r.url) if "/api/monitoring/alarms?" in r.url else None,
            )
            sign_in(page, world.base_url, "dispatcher")
            expect(page).to_have_url(world.base_url + "/monitoring")
            other = browser.new_page(viewport={"width": 1200, "height": 800}, locale="zh-CN")
            other.on("pageerror", lambda exc: errors.append(str(exc)))
            sign_in(other, world.base_url, "commander")
            for p in (page, other):
                expect(p.locator("#live-state")).to_have_attribute("data-state", "live")
                expect(p.locator("#alarm-empty")).to_be_visible()
                p.evaluate("window.__sameDocument = true")  # gone if the page reloads
            page.wait_for_timeout(3500)  # past the no-stream fallback: still one fetch
            assert len(lists) == 1, lists

            feed(world.url, 1, 0b101)  # a fault first, then a fire: the fire goes on top
            feed(world.url, 2, 0b11)
            for p in (page, other):
                alarms = p.locator("#alarm-list .alarm")
                expect(alarms).to_have_count(2)
                top = alarms.first
                expect(top).to_have_attribute("data-kind", "fire")
                expect(top).to_have_class("alarm alarm-fire alarm-active alarm-hot alarm-flash")
                expect(top).to_contain_text("测试单位1")
                expect(top).to_contain_text("大丰商厦主楼 · 三层东侧走廊烟感")
                expect(p.locator("#count-fire")).to_have_attribute("data-count", "1")
                assert p.evaluate("window.__sameDocument") is True
            page.screenshot(path=str(ARTIFACTS / "monitoring-live-fire.png"))

            top = page.locator("#alarm-list .alarm").first
            top.locator("button.act-confirm").click()
            expect(page.locator("#note-dialog")).to_be_visible()
            page.fill("#note-text", "视频复核见明火，已通知119")
            page.screenshot(path=str(ARTIFACTS / "monitoring-confirm-dialog.png"))
            page.click("#note-submit")
            expect(page.locator("#note-dialog")).to_be_hidden()
            confirmed = page.locator('#alarm-list .alarm[data-kind="fire"]')
            expect(confirmed).to_have_attribute("data-status", "confirmed")
            expect(confirmed).to_contain_text("视频复核见明火")
            # The second operator's page learns of it through the stream.
            expect(other.locator('#alarm-list .alarm[data-kind="fire"]')).to_have_attribute(
                "data-status", "confirmed", timeout=10_000
            )
            # Confirming it again (e.g. from a stale page) is refused, naming the state.
            response = page.request.post(
                world.base_url
                + "/api/monitoring/alarms/"
                + confirmed.get_attribute("data-id")
                + "/confirm",
                data={"note": ""},
                headers={"Origin": world.base_url},
            )
            assert response.status == 409
            assert "already confirmed (已确认)" in response.json()["detail"]

            # Devices by unit: the figures and the device list.
            expect(page.locator("#unit-stats tbody tr")).to_have_count(1)
            expect(page.locator("#unit-stats .unit-faults")).to_have_text("1")
            page.locator("#unit-stats .unit-link").click()
            expect(page.locator("#unit-devices tbody tr")).to_have_count(2)
            expect(page.locator(f'#unit-devices tr[data-code="{UITD.hex()}"]')).to_contain_text(
                "故障"
            )
            page.screenshot(path=str(ARTIFACTS / "monitoring-confirmed.png"), full_page=True)

            # The device's page: today's two messages, the other days of the month silent,
            # its two alarms; a shorter period; a bad period named.
            page.locator(f'#unit-devices tr[data-code="{UITD.hex()}"] a').click()
            expect(page).to_have_url(world.base_url + f"/monitoring/devices/{UITD.hex()}")
            summary = page.locator("#dev-summary")
            expect(summary).to_have_attribute("data-days", "30")
            expect(summary).to_have_attribute("data-frames", "2")
            heard = int(summary.get_attribute("data-heard") or 0)
            assert heard in (1, 2)  # 2 only if local midnight fell between the two frames
            expect(page.locator("#dev-status")).to_have_text("故障")
            expect(page.locator("#dev-chart")).to_have_attribute("data-ready", "true")
            expect(page.locator("#dev-chart svg")).to_have_count(1)
            expect(page.locator("#dev-days tbody tr")).to_have_count(30)
            expect(page.locator("#dev-days tr.dev-silent")).to_have_count(30 - heard)
            expect(page.locator("#dev-alarms tbody tr")).to_have_count(2)
            expect(page.locator("#dev-alarms tr.dev-alarm-fire")).to_contain_text("视频复核见明火")
            page.screenshot(path=str(ARTIFACTS / "monitoring-device.png"), full_page=True)
            page.locator(".dev-ranges a", has_text="近 7 天").click()
            expect(summary).to_have_attribute("data-days", "7")
            expect(page.locator("#dev-days tbody tr")).to_have_count(7)
            page.goto(world.base_url + f"/monitoring/devices/{UITD.hex()}?days=400")
            expect(page.locator("main")).to_contain_text("days")
            page.goto(world.base_url + "/monitoring/devices/NO-SUCH-DEVICE")
            expect(page.locator("main")).to_contain_text("NO-SUCH-DEVICE")
            page.goto(world.base_url + "/monitoring")

            # Quarantine: an unknown sender's frame waits there; the dispatcher accepts it.
            feed(world.url, 1, 0b11, source=STRANGER)
            page.goto(world.base_url + "/monitoring/quarantine")
            row = page.locator('#quarantine tr[data-status="pending"]')
            expect(row).to_have_count(1)
            row.locator(".q-device").fill("NO-SUCH-DEVICE")
            row.locator(".q-accept").click()
            expect(page.locator("#mon-error")).to_contain_text("device_code")
            row.locator(".q-device").fill(world.spare)
            page.screenshot(path=str(ARTIFACTS / "monitoring-quarantine.png"))
            row.locator(".q-accept").click()
            expect(page.locator('#quarantine tr[data-status="accepted"]')).to_contain_text(
                world.spare
            )

            # The map: open alarms as a layer; a click names the unit and the building.
            page.goto(world.base_url + "/map")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true")
            markers = page.locator("path.feature-alarms")
            expect(markers).to_have_count(3)  # the confirmed fire, the fault, the accepted fire
            markers.first.click(force=True)
            popup = page.locator(".leaflet-popup-content")
            expect(popup).to_contain_text("测试单位1")
            expect(popup).to_contain_text("大丰商厦主楼")
            expect(popup).to_contain_text("火警")  # the open fire lies on top
            page.screenshot(path=str(ARTIFACTS / "monitoring-map.png"), animations="disabled")
        finally:
            browser.close()
    assert errors == []

    engine = make_engine(world.url)
    try:
        with make_session_factory(engine)() as s:
            fire = s.scalars(
                select(MonitoringAlarm).where(
                    MonitoringAlarm.source == UITD.hex(), MonitoringAlarm.kind == "fire"
                )
            ).one()
            assert (fire.status, fire.handled_by) == ("confirmed", "dispatcher")
            assert fire.note == "视频复核见明火，已通知119"
            entry = s.scalars(
                select(AuditEntry).where(
                    AuditEntry.object_type == "monitoring_alarms",
                    AuditEntry.object_id == str(fire.id),
                )
            ).one()
            assert (entry.action, entry.actor) == ("confirm", "dispatcher")
            before, after = json.loads(entry.before or "{}"), json.loads(entry.after or "{}")
            assert before["status"] == "active" and after["status"] == "confirmed"
            (event,) = s.scalars(select(OutboxEvent).where(OutboxEvent.topic == "fire_confirmed"))
            assert event.payload["alarm_id"] == fire.id
            sender = s.scalars(select(QuarantinedSender)).one()
            assert sender.status == "accepted" and sender.decided_by == "dispatcher"
    finally:
        engine.dispose()


def test_stream_serves_several_clients_and_survives_a_dead_one(world: World) -> None:
    """Three raw SSE clients on the live server: one vanishes mid-stream without closing
    politely; the other two still get the next alarm (no browser needed)."""
    import socket
    import threading

    import httpx

    with httpx.Client(base_url=world.base_url) as c:
        token = c.post(
            "/api/auth/login", json={"username": "dispatcher", "password": PASSWORD}
        ).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}

    got: dict[int, list[str]] = {0: [], 1: []}
    ready = threading.Barrier(3, timeout=20)

    def listen(n: int) -> None:
        with (
            httpx.Client(base_url=world.base_url, timeout=20) as c,
            c.stream("GET", "/api/monitoring/alarms/stream", headers=headers) as r,
        ):
            assert r.status_code == 200
            assert r.headers["content-type"].startswith("text/event-stream")
            for line in r.iter_lines():
                if line.startswith("event: ready"):
                    ready.wait()
                if line.startswith("data: {") and '"kind"' in line:
                    got[n].append(line)
                    if '"三层东侧走廊烟感"' in line and '"fire"' in line and '"active"' in line:
                        return

    # The dead client: asks for the stream, reads the first bytes, then resets the socket.
    host, port = world.base_url.removeprefix("http://").split(":")
    dead = socket.create_connection((host, int(port)))
    dead.sendall(
        f"GET /api/monitoring/alarms/stream HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\n\r\n".encode()
    )
    assert b"200" in dead.recv(200)
    dead.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    dead.close()

    threads = [threading.Thread(target=listen, args=(n,), daemon=True) for n in (0, 1)]
    for t in threads:
        t.start()
    ready.wait()
    feed(world.url, 40, 0b11, address=77)  # a new fire at another detector
    for t in threads:
        t.join(timeout=20)
        assert not t.is_alive(), "a live client did not get the alarm"
    assert all(got[n] for n in (0, 1))
