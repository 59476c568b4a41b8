"""As the unit's safety manager (zh-CN): rectify the unit's own hazard with a photo and apply for
the recheck; the officer sees the photo beside the hazard and passes the recheck. Debian's
Chromium through Playwright; screenshots in ``artifacts/``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest
from PIL import Image
from sqlalchemy import select

from lanyan.core.config import Settings
from lanyan.core.timeutil import local_today
from lanyan.prevention import hazard_service
from lanyan.prevention.models.inspections import Hazard
from lanyan.registry import service
from lanyan.registry.models import Unit
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
from support import DAFENG, PASSWORD, add_user, bind_unit, loaded_image_width, sample, seed_region

pytestmark = pytest.mark.browser
UNIT = sample("units", DAFENG, 1)["code"]


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 60)).save(buf, format="PNG")
    return buf.getvalue()


def _seed(uow: Uow) -> int:
    seed_region(uow)
    add_user(uow, "manager", "unit_manager", DAFENG)
    add_user(uow, "officer", "prevention_officer", DAFENG)
    with uow() as s:
        service.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", DAFENG, 1))
    bind_unit(uow, "manager", UNIT)
    with uow() as s:
        unit = s.execute(select(Unit).where(Unit.code == UNIT)).scalar_one()
        found = datetime.now(UTC) - timedelta(hours=2)
        row = hazard_service.new_hazard(
            s, SYSTEM, unit, "二层疏散通道堆放货物", found, deadline=local_today()
        )
        return row.id


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Uow, int]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("rectify-browser")
    url, hid = fresh_database(folder, _seed)
    engine = make_engine(url)
    uow = partial(unit_of_work, make_session_factory(engine))
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, uow, hid
    engine.dispose()


def _login(page: object, base: str, username: str) -> None:
    page.goto(base + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_unit_rectifies_with_a_photo_and_the_officer_passes_the_recheck(
    served: tuple[str, Uow, int],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, uow, hid = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(page, base, "manager")
            page.goto(f"{base}/hazards/{hid}")
            expect(page.locator("#hazard-state")).to_have_attribute("data-state", "ordered")
            # The unit is offered its own step only, not the authority's.
            expect(page.locator("#actions form.act-form[data-action]")).to_have_count(1)
            start = page.locator('form[data-action="start"]')
            start.locator("input[name=note]").fill("搬走货物，张贴禁止堆放标识")
            start.locator("button").click()
            expect(page.locator("#hazard-state")).to_have_attribute("data-state", "rectifying")
            # A file that is not an image is refused naming the field.
            page.set_input_files(
                "#photo-form input[type=file]",
                files=[{"name": "note.png", "mimeType": "image/png", "buffer": b"not a photo"}],
            )
            page.locator("#photo-form button").click()
            expect(page.locator(".alert").first).to_contain_text("file")
            page.set_input_files(
                "#photo-form input[type=file]",
                files=[{"name": "corridor.png", "mimeType": "image/png", "buffer": _png()}],
            )
            # the file input speaks the page's language, not Chromium's "Choose File"
            expect(page.locator("#photo-form .file-btn")).to_have_text("选择文件")
            expect(page.locator("#photo-form .file-name")).to_have_text("corridor.png")
            page.fill("#photo-form input[name=note]", "通道已清空")
            page.locator("#photo-form button").click()
            expect(page.locator("#flash")).to_contain_text("整改照片已上传")
            img = page.locator('#evidence figure[data-purpose="rectification"] img')
            expect(img).to_have_count(1)
            assert loaded_image_width(page, "#evidence img") == 64
            ask = page.locator('form[data-action="request_recheck"]')
            ask.locator("input[name=note]").fill("已整改完毕，申请复查")
            ask.locator("button").click()
            expect(page.locator("#hazard-state")).to_have_attribute(
                "data-state", "recheck_requested"
            )
            expect(page.locator("#recheck-due")).to_contain_text("个工作日")
            expect(page.locator('form[data-action="pass_recheck"]')).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "unit-rectify-applied.png"), full_page=True)

            officer = browser.new_page(locale="zh-CN")
            officer.on("pageerror", lambda exc: errors.append(str(exc)))
            _login(officer, base, "officer")
            officer.goto(f"{base}/hazards")  # the board shows the recheck clock too
            expect(officer.locator("#rows .recheck-due")).to_contain_text("复查时限")
            officer.goto(f"{base}/hazards/{hid}")
            expect(officer.locator("#recheck-due")).to_contain_text("个工作日")
            expect(officer.locator("#evidence figure figcaption")).to_contain_text("manager")
            assert loaded_image_width(officer, "#evidence img") == 64
            officer.locator('form[data-action="pass_recheck"] input[name=note]').fill("通道畅通")
            officer.locator('form[data-action="pass_recheck"] button').click()
            expect(officer.locator("#hazard-state")).to_have_attribute(
                "data-state", "recheck_passed"
            )
            officer.screenshot(path=str(ARTIFACTS / "unit-rectify-passed.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
    with uow() as s:
        assert s.execute(select(Hazard.state).where(Hazard.id == hid)).scalar_one() == (
            "recheck_passed"
        )
