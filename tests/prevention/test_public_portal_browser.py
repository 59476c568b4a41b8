"""The public portal on a phone (390×844): a citizen reports a hazard and looks it up, an
officer handles it on the supervision pages (seeing the full phone only once it is theirs),
and the citizen sees the officer's feedback. Screenshots go to ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from lanyan.core.config import Settings

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
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _seed(uow: Uow) -> None:
    seed_region(uow)
    add_user(uow, "insp_a", "prevention_officer", DAFENG)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    folder = tmp_path_factory.mktemp("portal-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base


def test_a_citizen_reports_and_sees_the_officers_feedback(served: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            citizen = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
            citizen.on("pageerror", lambda exc: errors.append(str(exc)))
            citizen.goto(base + "/portal")
            citizen.screenshot(path=str(ARTIFACTS / "portal-home-phone.png"), full_page=True)
            citizen.click("#go-report")
            form = citizen.locator("#report-form")
            form.locator("#f-jurisdiction_code").fill("大丰")  # the picker searches as you type
            citizen.locator(".picker-list li", has_text=DAFENG).first.click()
            form.locator("#f-address").fill("大丰区幸福路18号")
            form.locator("#f-content").fill("楼道堆放大量纸箱，安全出口被锁")
            form.locator("#f-reporter_phone").fill("1381234567")  # ten digits: refused
            form.locator("button[type=submit]").click()
            expect(citizen.locator('#form-error li[data-field="reporter_phone"]')).to_be_visible()
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-report-refused-phone.png"), full_page=True
            )
            citizen.locator("#f-reporter_phone").fill("13812345678")
            citizen.locator("#report-form button[type=submit]").click()
            tracking_no = citizen.locator("#tracking-no").inner_text().strip()
            assert len(tracking_no) == 19
            citizen.screenshot(path=str(ARTIFACTS / "portal-receipt-phone.png"), full_page=True)

            citizen.goto(base + "/portal/track")
            citizen.fill("#f-tracking_no", tracking_no)
            citizen.fill("#f-phone_last4", "5678")
            citizen.click("#track-form button[type=submit]")
            expect(citizen.locator("#status-state")).to_have_text("已受理")
            expect(citizen.locator("#status-feedback")).to_have_text("尚未反馈，请耐心等待。")

            officer = browser.new_page(viewport=DESKTOP, locale="zh-CN")
            officer.on("pageerror", lambda exc: errors.append(str(exc)))
            officer.goto(base + "/login?next=/supervision/complaints")
            officer.fill("input[name=username]", "insp_a")
            officer.fill("input[name=password]", PASSWORD)
            officer.click("button[type=submit]")
            officer.wait_for_url("**/supervision/complaints")
            officer.locator("#rows a.record-link").first.click()
            reporter = officer.locator('[data-fact="sr_c_reporter"]')
            expect(reporter).to_contain_text("138****5678")  # not theirs yet: masked
            assign = officer.locator("#step-assign")
            assign.locator("select[name=assignee]").select_option("insp_a")
            assign.locator("button[type=submit]").click()
            expect(officer.locator("#record-state")).to_have_attribute("data-state", "assigned")
            expect(reporter).to_contain_text("13812345678")  # the handling officer calls back
            verify = officer.locator("#step-verify")
            verify.locator("select[name=result]").select_option("substantiated")
            verify.locator("textarea[name=note]").fill("现场核实属实")
            verify.locator("button[type=submit]").click()
            expect(officer.locator("#record-state")).to_have_attribute("data-state", "verified")
            feedback = officer.locator("#step-feedback")
            feedback.locator("textarea[name=feedback]").fill(
                "已责令单位清理楼道并开启安全出口，感谢监督"
            )
            feedback.locator("button[type=submit]").click()
            expect(officer.locator("#record-state")).to_have_attribute("data-state", "closed")

            citizen.fill("#f-phone_last4", "5678")
            citizen.click("#track-form button[type=submit]")
            expect(citizen.locator("#status-state")).to_have_text("已反馈办结")
            expect(citizen.locator("#status-feedback")).to_have_text(
                "已责令单位清理楼道并开启安全出口，感谢监督"
            )
            assert "13812345678" not in citizen.content()
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-track-feedback-phone.png"), full_page=True
            )

            citizen.goto(base + "/portal/lists/enforcement")
            expect(citizen.locator("#list-total")).to_contain_text("共 0 条")
            citizen.screenshot(path=str(ARTIFACTS / "portal-list-phone.png"), full_page=True)
            citizen.goto(base + "/portal/apply")
            expect(citizen.locator("#f-kind option")).to_have_count(2)
            citizen.screenshot(path=str(ARTIFACTS / "portal-apply-phone.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
