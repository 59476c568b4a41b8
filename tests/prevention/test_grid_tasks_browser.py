"""Grid workers (网格员) walked in a browser: an officer assigns a patrol task on the page with
pickers searching as they type; the grid worker (on a phone) finds it in their tasks, patrols,
reports a finding at a 九小场所 with the checklist, the phone's location and a photo (a file that
is not an image is refused naming the field), and follows it in 我上报的隐患. Debian's
Chromium through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from functools import partial

import pytest
from PIL import Image
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.core.timeutil import local_today
from lanyan.prevention import patrols
from lanyan.prevention.models.inspections import Attachment, Hazard
from lanyan.prevention.models.patrols import GridTask, PatrolScan
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM
from lanyan.store.db import make_engine, make_session_factory, unit_of_work

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
UNIT = sample("units", DAFENG, 7)
GRID = sample("grids", DAFENG, 1)
TOKENS: dict[str, str] = {}
HERE = {"longitude": 120.4712, "latitude": 33.2021}


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    add_user(uow, "wangge", "grid_worker", DAFENG)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, UNIT)
        service.create(s, get_type("grids"), SYSTEM, EVERYWHERE, GRID)
    with uow() as s:
        patrols.assign_duty(s, SYSTEM, EVERYWHERE, username="wangge", grid_code=GRID["code"])
        row = patrols.create_checkpoint(
            s,
            SYSTEM,
            EVERYWHERE,
            code="CP-N1",
            name="小吃店门口",
            grid_code=GRID["code"],
            unit_code=UNIT["code"],
        )
        TOKENS["CP-N1"] = row.token


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Uow]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("grid-browser")
    url, _ = fresh_database(folder, _seed)
    engine = make_engine(url)
    uow = partial(unit_of_work, make_session_factory(engine))
    port = free_port()
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, port) as base:
        yield base, uow
    engine.dispose()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 40)).save(out, "PNG")
    return out.getvalue()


def _login(page: object, base: str, username: str) -> None:
    page.goto(base + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_officer_assigns_and_the_grid_worker_reports_and_follows(
    served: tuple[str, Uow],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, uow = served
    errors: list[str] = []
    due = (local_today() + timedelta(days=3)).isoformat()
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            officer = browser.new_page(locale="zh-CN")
            officer.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(officer, base, "officer")
            officer.goto(base + "/patrol/reports")
            officer.click("#new-task")
            form = officer.locator("#task-form")
            form.locator("#f-assignee").fill("wang")  # searches as you type
            form.locator("[role=option]", has_text="wangge").click()
            form.locator("#f-grid_code").fill(GRID["code"][:4])
            form.locator("[role=option]", has_text=GRID["code"]).click()
            form.locator("#f-unit_code").fill(UNIT["name"])
            form.locator("[role=option]", has_text=UNIT["code"]).click()
            form.locator("#f-title").fill("巡查网格内九小场所")
            form.locator("#f-due_on").fill((local_today() - timedelta(days=1)).isoformat())
            officer.evaluate("document.getElementById('f-due_on').removeAttribute('min')")
            form.locator("button[type=submit]").click()  # due yesterday: refused, form kept
            expect(officer.locator("#error")).to_contain_text("due_on")
            expect(officer.locator("#f-title")).to_have_value("巡查网格内九小场所")
            officer.locator("#f-due_on").fill(due)
            officer.locator("#task-form button[type=submit]").click()
            expect(officer.locator("#flash")).to_be_visible()
            officer.screenshot(path=str(ARTIFACTS / "grid-task-assigned.png"), full_page=True)

            phone = browser.new_context(
                viewport=PHONE,
                locale="zh-CN",
                is_mobile=True,
                has_touch=True,
                geolocation=HERE,
                permissions=["geolocation"],
            ).new_page()
            phone.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(phone, base, "wangge")
            phone.goto(base + "/patrol/tasks")
            task = phone.locator("#my-tasks li", has_text="巡查网格内九小场所")
            expect(task).to_contain_text(UNIT["name"])
            expect(task).to_contain_text(due)
            phone.screenshot(path=str(ARTIFACTS / "grid-my-tasks.png"), full_page=True)
            task.locator("button[type=submit]").click()
            expect(phone.locator("#patrol-progress")).to_be_visible()

            phone.goto(f"{base}/patrol/cp/{TOKENS['CP-N1']}")  # the QR at the shop's door
            phone.select_option("#f-place_kind", "eatery")
            box = phone.locator('fieldset[data-kind="eatery"]')
            expect(box).to_be_visible()
            box.locator('input[value="E01"]').check()
            expect(phone.locator("input[name=result][value=problem]")).to_be_checked()
            phone.click("#locate")
            expect(phone.locator("#locate-status")).to_have_text("已定位")
            phone.set_input_files(
                "input[name=photos]",
                files=[{"name": "notes.txt", "mimeType": "image/jpeg", "buffer": b"plain text"}],
            )
            phone.locator("#scan-form button[type=submit]").click()
            expect(phone.locator("#error")).to_contain_text("photos")
            phone.screenshot(path=str(ARTIFACTS / "grid-finding-refused.png"), full_page=True)

            phone.select_option("#f-place_kind", "eatery")
            phone.locator('fieldset[data-kind="eatery"] input[value="E01"]').check()
            phone.click("#locate")
            expect(phone.locator("#locate-status")).to_have_text("已定位")
            phone.set_input_files(
                "input[name=photos]",
                files=[{"name": "gas.png", "mimeType": "image/png", "buffer": _png()}],
            )
            phone.screenshot(path=str(ARTIFACTS / "grid-finding-form.png"), full_page=True)
            phone.locator("#scan-form button[type=submit]").click()
            stop = phone.locator('#route li[data-checkpoint="CP-N1"]')
            expect(stop).to_contain_text("燃气")

            phone.goto(base + "/patrol/hazards")
            mine = phone.locator("#my-hazards li").first
            expect(mine).to_contain_text(UNIT["name"])
            expect(mine).to_contain_text("小餐饮")
            expect(mine.locator(".hazard-state")).to_have_text("发现")
            phone.screenshot(path=str(ARTIFACTS / "grid-my-hazards.png"), full_page=True)
            width = phone.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"the page scrolls sideways ({width}px)"
        finally:
            browser.close()
    assert errors == [], errors
    with uow() as s:
        (task_row,) = s.scalars(select(GridTask)).all()
        assert task_row.unit_id is not None and task_row.assigned_by == "officer"
        scan = s.scalars(select(PatrolScan)).one()
        assert scan.checklist == ["E01"] and scan.place_kind == "eatery" and not scan.ok
        assert scan.lon == pytest.approx(HERE["longitude"]) and scan.lat == pytest.approx(
            HERE["latitude"]
        )
        hazard = s.get(Hazard, scan.hazard_id)
        assert hazard is not None and "燃气" in hazard.description
        (photo,) = s.scalars(select(Attachment).where(Attachment.object_id == hazard.id)).all()
        assert photo.content_type == "image/png" and photo.object_type == "hazards"
