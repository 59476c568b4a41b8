"""The portal's services on a phone (390×844, zh-CN): a citizen declares a fire's loss with a
photo and looks it up; an officer accepts it and the citizen sees 已受理. A 告知承诺 whose
"营业执照" is not a PDF is refused naming that document, then sent whole and accepted. Every
portal page is scanned for English words in its visible text, and the file pickers show the
catalogue's 选择文件 / 未选择文件 over a visually hidden input that the keyboard still reaches.
Screenshots go to ``artifacts/``."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from lanyan.core.config import Settings
from lanyan.prevention import commitment_applications as ca
from lanyan.prevention import lookup

from browser_support import (
    ARTIFACTS,
    Uow,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, add_user, create_sample, seed_region, uscc

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Words allowed in the zh-CN pages' visible text: file formats, a unit, the language switch.
ALLOWED = {"PDF", "JPEG", "PNG", "WebP", "MiB", "English"}
PORTAL_PAGES = (
    "/portal",
    "/portal/report",
    "/portal/track",
    "/portal/apply",
    "/portal/fire-loss",
    "/portal/commitment",
    "/portal/lists/hazards",
    "/portal/lists/enforcement",
    "/portal/lists/commitments",
)


def _seed(uow: Uow) -> None:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    add_user(uow, "insp_a", "prevention_officer", DAFENG)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("portal-services-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield base, folder


def _english(page: object) -> list[str]:
    text = page.locator("body").inner_text()  # type: ignore[attr-defined]
    text = re.sub(r"\d{8}-[0-9A-Z]{10}", "", text)  # tracking numbers
    text = re.sub(r"[\w.-]+\.(png|pdf|jpe?g|webp)", "", text)  # the citizen's own file names
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED})


def _files(folder: Path) -> dict[str, Path]:
    out = {}
    for d in ca.DOCUMENTS:
        path = folder / f"{d.field}.pdf"
        path.write_bytes(PDF)
        out[d.field] = path
    fake = folder / "licence.pdf"
    fake.write_bytes(b"just some text pretending to be a PDF\n")
    out["fake"] = fake
    photo = folder / "kitchen.png"
    buf = io.BytesIO()
    Image.new("RGB", (32, 24), (180, 60, 30)).save(buf, "PNG")
    photo.write_bytes(buf.getvalue())
    out["photo"] = photo
    return out


def _officer(browser: object, base: str, path: str) -> object:
    officer = browser.new_page(viewport=DESKTOP, locale="zh-CN")  # type: ignore[attr-defined]
    officer.goto(base + f"/login?next={path}")
    officer.fill("input[name=username]", "insp_a")
    officer.fill("input[name=password]", PASSWORD)
    officer.click("button[type=submit]")
    officer.wait_for_url(f"**{path}")
    return officer


def test_no_english_on_the_chinese_portal_and_the_file_pickers(served: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = served
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
            for path in PORTAL_PAGES:
                page.goto(base + path)
                assert _english(page) == [], (path, _english(page))
                for box in page.locator(".file-pick").all():
                    expect(box.locator(".file-btn")).to_have_text("选择文件")
                    expect(box.locator(".file-name")).to_have_text("未选择文件")
                    size = box.locator("input[type=file]").bounding_box()
                    assert size is not None and size["width"] <= 1 and size["height"] <= 1
                assert page.locator("input[type=file]:not(.file-input)").count() == 0
            page.goto(base + "/portal/commitment")
            page.screenshot(
                path=str(ARTIFACTS / "portal-commitment-form-phone.png"), full_page=True
            )
        finally:
            browser.close()


def test_a_fire_loss_is_declared_accepted_and_seen(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = served
    files = _files(tmp_path)
    yesterday = lookup.today() - timedelta(days=1)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            citizen = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
            citizen.on("pageerror", lambda exc: errors.append(str(exc)))
            citizen.goto(base + "/portal")
            citizen.click("#go-fire-loss")
            form = citizen.locator("#fire-loss-form")
            form.locator("#f-jurisdiction_code").fill("大丰")
            citizen.locator(".picker-list li", has_text=DAFENG).first.click()
            expect(citizen.locator(".picker-list")).to_be_hidden()
            form.locator("#f-occurred_day").fill(yesterday.isoformat())
            form.locator("#f-occurred_time").fill("19:30")
            form.locator("#f-address").fill("大丰区幸福路3号2单元501室")
            form.locator("#f-burned").fill("厨房橱柜、抽油烟机及部分家具")
            form.locator("#f-direct_loss_yuan").fill("8600")
            form.locator("#f-injuries").fill("1")
            form.locator("#f-declarant_phone").fill("13912345678")
            # The keyboard reaches the hidden file input right after the phone number.
            form.locator("#f-declarant_phone").focus()
            citizen.keyboard.press("Tab")
            assert citizen.evaluate("document.activeElement.id") == "f-photos"
            form.locator("#f-photos").set_input_files(str(files["photo"]))
            expect(form.locator(".file-pick .file-name")).to_have_text("kitchen.png")
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-fire-loss-form-phone.png"), full_page=True
            )
            assert _english(citizen) == []
            form.locator("button[type=submit]").click()
            expect(citizen.locator("#receipt-state")).to_have_text("待审核")
            tracking_no = citizen.locator("#tracking-no").inner_text().strip()
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-fire-loss-receipt-phone.png"), full_page=True
            )

            citizen.goto(base + "/portal/track")
            citizen.fill("#f-tracking_no", tracking_no)
            citizen.fill("#f-phone_last4", "5678")
            citizen.click("#track-form button[type=submit]")
            expect(citizen.locator("#status-kind")).to_have_text("火灾损失申报")
            expect(citizen.locator("#status-state")).to_have_text("待审核")

            officer = _officer(browser, base, "/stats/declarations")
            officer.on("pageerror", lambda exc: errors.append(str(exc)))  # type: ignore[attr-defined]
            row = officer.locator(f'tr[data-tracking="{tracking_no}"]')  # type: ignore[attr-defined]
            expect(row.locator(".declarant")).to_contain_text("13912345678")
            row.locator(".accept-form button[type=submit]").click()
            row = officer.locator(f'tr[data-tracking="{tracking_no}"]')  # type: ignore[attr-defined]
            expect(row).to_have_attribute("data-state", "accepted")
            officer.screenshot(
                path=str(ARTIFACTS / "stats-declarations-accepted.png"), full_page=True
            )  # type: ignore[attr-defined]

            citizen.fill("#f-phone_last4", "5678")
            citizen.click("#track-form button[type=submit]")
            expect(citizen.locator("#status-state")).to_have_text("已受理")
            assert "13912345678" not in citizen.content()
            assert _english(citizen) == []
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-fire-loss-accepted-phone.png"), full_page=True
            )
            assert errors == []
        finally:
            browser.close()


def test_a_commitment_refused_for_a_non_pdf_then_accepted(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _ = served
    files = _files(tmp_path)
    opens = lookup.today() + timedelta(days=10)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            citizen = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True)
            citizen.on("pageerror", lambda exc: errors.append(str(exc)))
            citizen.goto(base + "/portal")
            citizen.click("#go-commitment")
            form = citizen.locator("#commitment-form")
            form.locator("#f-unit_code").fill(uscc(DAFENG, 1))
            form.locator("#f-venue").fill("幸福里量贩式KTV")
            form.locator("#f-address").fill("大丰区幸福路20号3楼")
            form.locator("#f-floor_area_m2").fill("860")
            form.locator("#f-opens_on").fill(opens.isoformat())
            form.locator("#f-applicant_name").fill("李经理")
            form.locator("#f-applicant_phone").fill("13612345678")
            form.locator("#f-signatory").fill("李四")
            form.locator("#f-agreed").check()

            def choose(licence: Path) -> None:
                for d in ca.DOCUMENTS:
                    path = licence if d.field == "doc_licence" else files[d.field]
                    citizen.locator(f"#f-{d.field}").set_input_files(str(path))

            choose(files["fake"])
            expect(form.locator('.file-pick[data-field="doc_licence"] .file-name')).to_have_text(
                "licence.pdf"
            )
            form.locator("button[type=submit]").click()
            refused = citizen.locator('#form-error li[data-field="doc_licence"]')
            expect(refused).to_contain_text("营业执照")
            expect(refused).to_contain_text("须为 PDF 文件或图片")
            expect(citizen.locator("#form-error li")).to_have_count(1)
            expect(citizen.locator("#f-venue")).to_have_value("幸福里量贩式KTV")
            assert _english(citizen) == []
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-commitment-refused-phone.png"), full_page=True
            )

            choose(files["doc_licence"])
            citizen.locator("#commitment-form button[type=submit]").click()
            tracking_no = citizen.locator("#tracking-no").inner_text().strip()
            assert len(tracking_no) == 19
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-commitment-receipt-phone.png"), full_page=True
            )

            officer = _officer(browser, base, "/supervision/commitment-applications")
            row = officer.locator(f'tr[data-tracking="{tracking_no}"]')  # type: ignore[attr-defined]
            row.locator('button[value="accept"]').click()
            row = officer.locator(f'tr[data-tracking="{tracking_no}"]')  # type: ignore[attr-defined]
            expect(row).to_have_attribute("data-state", "accepted")
            officer.screenshot(
                path=str(ARTIFACTS / "commitment-applications-accepted.png"), full_page=True
            )  # type: ignore[attr-defined]

            citizen.goto(base + "/portal/track")
            citizen.fill("#f-tracking_no", tracking_no)
            citizen.fill("#f-phone_last4", "5678")
            citizen.click("#track-form button[type=submit]")
            expect(citizen.locator("#status-state")).to_have_text("已受理")
            citizen.goto(base + "/portal/lists/commitments")
            expect(citizen.locator("#list")).to_contain_text("幸福里量贩式KTV")
            citizen.screenshot(
                path=str(ARTIFACTS / "portal-commitments-list-phone.png"), full_page=True
            )
            assert errors == []
        finally:
            browser.close()
