"""The incident board in a real browser: a dispatcher picks the place on the map, reads the
recommendation card, dispatches, presses 到场 and sees the vehicle status and the timeline.

Seeds the road grid of ``response_world`` (stations, vehicles, hydrants) into a fresh SQLite
database served by uvicorn; Playwright drives Debian's Chromium. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.monitoring.models import DeviceHealth
from lanyan.registry.scope import EVERYWHERE
from lanyan.response import lifecycle_service, preplans
from lanyan.response.choices import CancelReason
from lanyan.response.models import Incident
from lanyan.response.preplans import PrePlanCreate
from lanyan.response.schemas import CancelRequest
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

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
from support import DAFENG, PASSWORD, TINGHU, add_user, loaded_image_width

pytestmark = pytest.mark.browser


def _seed(uow: Uow) -> dict[str, Any]:
    response_world.build(uow)
    plaza = response_world.add_plaza(uow)
    add_user(uow, "dispatcher", "dispatcher", DAFENG)
    add_user(uow, "commander", "commander", DAFENG)
    add_user(uow, "th_commander", "commander", TINGHU)
    with uow() as s:
        s.add(DeviceHealth(device_id=plaza["devices"][0], last_seen=datetime.now(UTC), online=True))
        preplans.create_preplan(
            s, SYSTEM, EVERYWHERE, PrePlanCreate(**response_world.preplan_body(plaza["unit_code"]))
        )
        preplans.add_attachment(
            s, SYSTEM, EVERYWHERE, 1, "一层平面图.png", "image/png", _floor_plan(), "一层平面图"
        )
    return plaza


def _floor_plan() -> bytes:
    """A small drawn floor plan (rooms and a stair) as PNG."""
    import io

    from PIL import Image, ImageDraw

    img = Image.new("RGB", (360, 220), "white")
    d = ImageDraw.Draw(img)
    d.rectangle([10, 10, 350, 210], outline="black", width=3)
    d.line([180, 10, 180, 210], fill="black", width=2)
    d.line([10, 110, 180, 110], fill="black", width=2)
    d.rectangle([290, 150, 340, 200], outline="red", width=3)  # the stair
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("incident-board")
    url, plaza = fresh_database(folder, _seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        environment="test",
        database_url=url,
        data_dir=folder,
        public_base_url=base,
        incidents_from_alarms_interval_s=0.5,  # the consumer of lanyan serve, running
    )
    with live_server(settings, port) as served:
        yield {"base": served, "url": url, "plaza": plaza}


@pytest.fixture(scope="module")
def base_url(server: dict[str, Any]) -> str:
    return server["base"]


def test_create_recommend_dispatch_arrive(base_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("a.nav-item:has-text('警情调度')")
            expect(page.locator("h1")).to_have_text("警情调度")

            # No incident without a point from the board: the form says so before sending.
            page.fill("input[name=address]", "大丰区幸福路1号")
            page.fill("input[name=caller_phone]", "abc")
            page.click("#new-incident button[type=submit]")
            expect(page.locator("#board-error")).to_contain_text("请先选择警情位置")

            # Click the map at the junction next to station S-DF1 (node (1, 0) of the grid).
            lon, lat = response_world.node(1, 0)
            page.wait_for_function("document.querySelectorAll('.leaflet-interactive').length >= 3")
            xy = page.evaluate(
                "() => { const r = document.getElementById('board-map').getBoundingClientRect();"
                " return [r.left, r.top]; }"
            )
            point = page.evaluate(
                "([lat, lon]) => window.__boardMap.latLngToContainerPoint([lat, lon])",
                [lat, lon],
            )
            page.mouse.click(xy[0] + point["x"], xy[1] + point["y"])
            expect(page.locator("#picked")).to_contain_text("位置: 120.47")  # within a pixel
            expect(page.locator("#picked")).to_contain_text("米内无建筑")  # no building to snap
            page.click("#new-incident button[type=submit]")
            expect(page.locator("#board-error")).to_contain_text("caller_phone")
            page.fill("input[name=caller_phone]", "13800000000")
            page.fill("input[name=caller_name]", "张三")
            page.click("#new-incident button[type=submit]")

            card = page.locator("#rec-card")
            expect(card.locator("tr.rec-vehicle[data-code='V-DF1-1']")).to_have_count(1)
            expect(card).to_contain_text("min")
            expect(card).to_contain_text("km")
            # Where each vehicle starts: none has reported a position, so all from the station.
            expect(card.locator("tr.rec-vehicle[data-code='V-DF1-1'] .rec-start")).to_have_text(
                "从车库出发"
            )
            card.screenshot(path=str(ARTIFACTS / "incident-board-start.png"))
            expect(page.locator("#water")).to_contain_text("H-2")
            expect(page.locator("#water")).to_contain_text("损坏")
            expect(page.locator("#incident-list li:not([data-source=iot_alarm])")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "incident-board-card.png"), full_page=True)

            page.click("#dispatch-btn")
            first = page.locator("#dispatched li[data-code='V-DF1-1']")
            expect(first.locator(".vehicle-status")).to_have_text("出动中")
            expect(page.locator("#timeline li[data-step='dispatched']")).to_have_count(1)

            page.click(".step-btn[data-step='arrived']")
            expect(page.locator("#timeline li[data-step='arrived']")).to_contain_text("到场")
            expect(page.locator("#timeline li")).to_have_count(3)  # 接警, 出动, 到场
            page.screenshot(path=str(ARTIFACTS / "incident-board-arrived.png"), full_page=True)

            # English after the language switch, errors included: 到场 again is out of order.
            page.click("#lang-switch")
            expect(page.locator("h1")).to_have_text("Incident board")
            page.click("#incident-list li")
            expect(page.locator(".step-btn[data-step='arrived']")).to_have_text("Arrived")
            expect(page.locator("#rec-extra")).to_contain_text("further vehicles")
            expect(page.locator("#rec-card .rec-start").first).to_have_text("From the station")
            page.click(".step-btn[data-step='arrived']")
            expect(page.locator("#board-error")).to_contain_text("Failed")
            page.screenshot(path=str(ARTIFACTS / "incident-board-english.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors


def test_type_an_address_with_a_typo_pick_the_hit_and_create(base_url: str) -> None:
    """The geocoder as the dispatcher types: 幸富路 (a homophone slip for 幸福路) 88號 lists the
    plaza's building; picking it sets the point and the building; the pick is gone after the
    create, so the next call starts clean."""
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base_url + "/login")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base_url + "/incidents")
            page.fill("#place-search", "盐城市幸富路88號")
            hits = page.locator("#place-hits")
            expect(hits).to_have_attribute("data-query", "盐城市幸富路88號")
            building = hits.locator("li.place-hit[data-kind=building]")
            expect(building).to_contain_text("大丰广场主楼")
            expect(building).to_contain_text("门牌号匹配")  # why, in the page's language
            expect(building).to_have_attribute("data-reason", "house_number")
            page.screenshot(path=str(ARTIFACTS / "incident-board-geocode.png"), full_page=True)
            building.click()
            expect(page.locator("#picked")).to_contain_text("大丰广场主楼")
            expect(page.locator("input[name=building_code]")).to_have_value("B-PLAZA")
            page.fill("input[name=caller_phone]", "13800000001")
            page.click("#new-incident button[type=submit]")
            expect(page.locator("#incident-view")).to_be_visible()
            expect(page.locator("#picked")).to_contain_text("搜索地点或在地图上点击")
            expect(page.locator("input[name=building_code]")).to_have_value("")
            created = page.evaluate(
                "() => fetch('/api/incidents?status=active&size=100').then((r) => r.json())"
            )
            mine = [i for i in created["items"] if i["caller_phone"] == "13800000001"]
            assert len(mine) == 1
            assert mine[0]["building_code"] == "B-PLAZA"
            assert [mine[0]["lon"], mine[0]["lat"]] == list(response_world.node(3, 3))
        finally:
            browser.close()
    assert errors == [], errors


def test_alarm_opened_incident_card_routes_and_print(server: dict[str, Any]) -> None:
    """A fire alarm confirmed in the monitoring domain becomes an incident on the board (the
    server's own consumer opens it); its card shows the pre-plan and the road routes; the
    pre-plan prints on A4."""
    from playwright.sync_api import expect, sync_playwright

    sessions = make_session_factory(make_engine(server["url"]))
    # A call at the plaza from an earlier test is still open: an alarm there would attach to it
    # (多次报警). Cancel it first, so this alarm opens its own incident.
    with unit_of_work(sessions) as s:
        for row in s.scalars(select(Incident).where(Incident.status == "active")).all():
            if row.building_id == server["plaza"]["building_id"]:
                lifecycle_service.cancel(
                    s, SYSTEM, EVERYWHERE, row.id, CancelRequest(reason=CancelReason.HANDLED)
                )
    confirmed = datetime.now(UTC).replace(microsecond=0)
    alarm_id = response_world.fire_alarm(
        lambda: unit_of_work(sessions), server["plaza"], confirmed, confirmed
    )
    base = server["base"]
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login")
            page.fill("input[name=username]", "dispatcher")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.goto(base + "/incidents")
            alarm_item = page.locator("#incident-list li[data-source=iot_alarm]")
            expect(alarm_item).to_have_count(1, timeout=15000)  # consumer + board polling
            expect(alarm_item).to_contain_text("物联网")
            expect(alarm_item).to_contain_text("大丰区幸福路88号")
            alarm_item.click()
            expect(page.locator("#incident-source")).to_contain_text(f"#{alarm_id}")
            expect(page.locator("#incident-source")).to_contain_text("三层东侧烟感")
            card = page.locator("#rec-card")
            expect(card.locator("#preplan")).to_contain_text("大丰广场主楼灭火救援预案")
            expect(card.locator("#preplan")).to_contain_text("地下一层配电房")
            expect(card.locator("#preplan")).to_contain_text("柴油")
            expect(card.locator("#building-facts")).to_contain_text("54 m")
            expect(card.locator("#devices")).to_contain_text("在线 1")
            expect(card.locator("#devices")).to_contain_text("火警 1")
            expect(card.locator("#routes li").first).to_contain_text("min")
            # One drawn road route per station a recommended vehicle leaves from, the road
            # network as a light layer and the damaged hydrant flagged on the map.
            stations = card.locator("#routes li").count()
            assert stations >= 1
            expect(page.locator("path.route-line")).to_have_count(stations)
            page.wait_for_function("document.querySelectorAll('path.road-line').length > 0")
            expect(page.locator("path.water-damaged")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "incident-board-alarm.png"), full_page=True)
            card.locator("#place").screenshot(path=str(ARTIFACTS / "incident-board-place.png"))

            with page.expect_popup() as popup:
                card.locator("#preplan a").first.click()
            view = popup.value
            expect(view.locator("#pp-title")).to_have_text("大丰广场主楼灭火救援预案")
            view.goto(base + view.url.split(base)[1] + "/print")
            expect(view.locator("h1")).to_have_text("大丰广场主楼灭火救援预案")
            expect(view.locator("svg.site-sketch circle.sketch-water")).not_to_have_count(0)
            expect(view.locator("#pp-water tr.pp-damaged")).to_contain_text("损坏")
            expect(view.locator(".pp-figure img")).to_have_count(1)
            assert loaded_image_width(view, ".pp-figure img") == 360
            view.emulate_media(media="print")
            # Printed, the page keeps to the A4 text width (190 mm ≈ 718 CSS px) at any window.
            assert view.evaluate("document.body.getBoundingClientRect().width") <= 719
            view.screenshot(path=str(ARTIFACTS / "preplan-print.png"), full_page=True)
            view.pdf(path=str(ARTIFACTS / "preplan-print.pdf"), format="A4")
        finally:
            browser.close()
    assert errors == [], errors
    with sessions() as s:
        (inc,) = s.scalars(select(Incident).where(Incident.alarm_id == alarm_id)).all()
        assert (inc.source, inc.received_at) == ("iot_alarm", confirmed)


def test_commander_edits_a_preplan_in_the_browser(server: dict[str, Any]) -> None:
    """Pre-plan list → edit form → save: the revision goes up and the change shows; a bad
    contact line is named in the form."""
    from playwright.sync_api import expect, sync_playwright

    base = server["base"]
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login")
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.click("a.nav-item:has-text('数字化预案')")
            row = page.locator("#preplan-list tr[data-code='YA000001']")
            expect(row).to_contain_text("大丰广场主楼")
            revision = int(row.locator("td").nth(4).inner_text())
            row.locator("a:has-text('编辑')").click()
            page.fill("#f-occupants_night", "120")
            page.fill("#f-contacts", "王五 | 消防控制室 | 0515-88880000\n赵六 | 保安 | 打电话")
            page.click("#save-preplan")
            expect(page.locator("[data-field=contacts] .error")).to_contain_text("第2行")
            page.fill("#f-contacts", "王五 | 消防控制室 | 0515-88880000\n赵六 | 保安 | 13700000000")
            page.click("#save-preplan")
            expect(page.locator("#pp-revision")).to_have_text(str(revision + 1))
            expect(page.locator(".pp-facts")).to_contain_text("120")
            expect(page.locator("#pp-history li").first).to_contain_text("update")
            page.screenshot(path=str(ARTIFACTS / "preplan-view.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors


def test_reinforcement_request_approve_dispatch(base_url: str) -> None:
    """A Dafeng dispatcher asks for Tinghu's V-TH1-1 (跨区增援请求) from the card; Tinghu's
    commander sees the incident's facts in the queue and approves; the dispatcher then sends it,
    and the timeline says who asked, who approved and when it went."""
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []

    def sign_in(browser: Any, username: str) -> Any:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(base_url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto(base_url + "/incidents")
        return page

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            df = sign_in(browser, "dispatcher")
            df.fill("input[name=address]", "大丰大厦")
            df.fill("input[name=building_code]", "B-TOWER")
            df.fill("input[name=caller_phone]", "13800000001")
            df.click("#new-incident button[type=submit]")
            row = df.locator("#rec-card tr.rec-vehicle[data-code='V-TH1-1']")
            expect(row.locator(".reinf-request")).to_have_text("请求增援")
            expect(
                df.locator("#rec-card tr.rec-vehicle[data-code='V-DF1-2'] .reinf-request")
            ).to_have_count(0)
            row.locator(".reinf-request").click()
            expect(row.locator(".reinf-state")).to_have_text("待审批")
            expect(df.locator("#reinf-list li[data-state='pending']")).to_contain_text("亭湖区")
            expect(df.locator("#timeline li[data-step='reinf_requested']")).to_have_count(1)
            code = df.locator("#incident-title").inner_text().split(" ")[0]

            th = sign_in(browser, "th_commander")
            item = th.locator("#reinf-queue li.reinf-item")
            expect(item).to_have_count(1)
            expect(item).to_contain_text(code)
            expect(item).to_contain_text("大丰区")
            expect(item.locator("li[data-code='V-TH1-1']")).to_have_count(1)
            th.screenshot(path=str(ARTIFACTS / "reinforcement-queue.png"), full_page=True)
            item.locator(".reinf-reason").fill("即刻出发")
            item.locator(".reinf-approve").click()
            expect(th.locator("#reinf-queue-block")).to_be_hidden()

            df.click(f"#incident-list li:has-text('{code}')")
            row = df.locator("#rec-card tr.rec-vehicle[data-code='V-TH1-1']")
            expect(row.locator(".reinf-dispatch")).to_have_text("调派")
            row.locator(".reinf-dispatch").click()
            expect(df.locator("#dispatched li[data-code='V-TH1-1'] .tag-reinf")).to_have_count(1)
            steps = df.locator("#timeline li")
            expect(steps).to_have_count(4)
            expect(df.locator("#timeline li[data-step='reinf_approved']")).to_contain_text(
                "th_commander"
            )
            expect(df.locator("#reinf-list li[data-state='dispatched']")).to_have_count(1)
            df.screenshot(path=str(ARTIFACTS / "reinforcement-dispatched.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
