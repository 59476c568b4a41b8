"""Enforcement documents in a real browser: an officer drafts a 行政处罚决定书 on the case page
(an empty draft is refused in the form), submits it; the reviewer returns it from the 法制审核
queue with a reason; the officer fixes and resubmits; the reviewer approves; the officer issues
it, downloads the PDF (it carries the number) and the unit's credit file shows the record.
Screenshots go to ``artifacts/``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader

from lanyan.core.config import Settings
from lanyan.prevention import inspections
from lanyan.prevention.hazards import local_date
from lanyan.prevention.schemas.inspections import CertificateCreate, InspectionCreate
from lanyan.registry.scope import EVERYWHERE
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
from support import DAFENG, PASSWORD, add_user, create_sample, seed_region, uscc

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
UNIT = uscc(DAFENG, 1)
FACTS = "二层东侧疏散通道被货物堵塞，室内消火栓箱被遮挡。"


def _seed(uow: Uow) -> dict[str, Any]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    for name in ("insp_a", "insp_b"):
        add_user(uow, name, "prevention_officer", DAFENG)
    today = local_date(datetime.now(UTC))
    with uow() as s:
        for i, name in enumerate(("insp_a", "insp_b")):
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"JS-{i}",
                    valid_from=today - timedelta(days=365),
                    valid_until=today + timedelta(days=365),
                ),
            )
        row = inspections.create_inspection(
            s,
            SYSTEM,
            EVERYWHERE,
            InspectionCreate(
                kind="random",
                unit_code=UNIT,
                inspected_at=datetime.now(UTC) - timedelta(days=2),
                inspectors=["insp_a", "insp_b"],
            ),
        )
        return {"inspection": row.code}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("documents-browser")
    url, seeded = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder, doc_org="大丰")
    with live_server(settings, free_port()) as base:
        yield base, seeded


def _login(browser: Any, base: str, name: str, errors: list[str]) -> Any:
    page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(base + "/login?next=/supervision/documents")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/supervision/documents")
    return page


def test_penalty_decision_review_issue_download_and_credit(
    served: tuple[str, dict[str, Any]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    code = seeded["inspection"]
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            officer = _login(browser, base, "insp_a", errors)
            officer.goto(f"{base}/supervision/cases/{code}?kind=penalty_decision")
            form = officer.locator("#draft-form")
            # An empty draft is refused in the form, naming the fields.
            form.locator("button[type=submit]").click()
            error = officer.locator("#form-error")
            expect(error).to_be_visible()
            expect(error.locator('li[data-field="facts"]')).to_contain_text("违法事实")
            expect(error.locator('li[data-field="bases"]')).to_be_visible()
            officer.screenshot(path=str(ARTIFACTS / "documents-draft-refused.png"), full_page=True)
            form = officer.locator("#draft-form")
            form.locator('input[name=bases][value="xfl_60"]').check()
            form.locator("textarea[name=facts]").fill(FACTS)
            form.locator("input[name=amount_yuan]").fill("8000")
            form.locator("button[type=submit]").click()
            officer.wait_for_url("**/supervision/documents/*?flash=draft")
            doc_url = officer.url.split("?")[0]
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "draft")
            # Not issued without review: no issue step offered on a draft decision.
            expect(officer.locator("#step-issue")).to_have_count(0)
            officer.click("#step-submit button")
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "submitted")
            expect(officer.locator("#own-case")).to_be_visible()  # not the officer's to review

            reviewer = _login(browser, base, "insp_b", errors)
            reviewer.goto(base + "/supervision/legal-review")
            row = reviewer.locator("#documents tbody tr", has_text="行政处罚决定书")
            expect(row).to_have_count(1)
            # A return without a reason is refused in the row.
            row.locator(".queue-return button").click()
            row = reviewer.locator("#documents tbody tr", has_text="行政处罚决定书")
            expect(row.locator('li[data-field="reason"]')).to_be_visible()
            row.locator(".queue-return input[name=reason]").fill("罚款数额与违法情节不相当，请核减")
            row.locator(".queue-return button").click()
            reviewer.wait_for_url("**/supervision/legal-review?flash=return")
            expect(
                reviewer.locator("#documents tbody tr.empty, #documents td.empty")
            ).to_have_count(1)

            officer.goto(doc_url)
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "returned")
            expect(officer.locator("#review-note")).to_contain_text("罚款数额与违法情节不相当")
            edit = officer.locator("#step-edit")
            edit.locator("input[name=amount_yuan]").fill("5000")
            edit.locator("button[type=submit]").click()
            officer.wait_for_url("**?flash=edit")
            expect(officer.locator("#doc-amount")).to_have_text("5,000.00")
            officer.click("#step-submit button")
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "submitted")

            reviewer.goto(base + "/supervision/legal-review")
            reviewer.screenshot(path=str(ARTIFACTS / "documents-review-queue.png"), full_page=True)
            reviewer.locator("#documents tbody tr .queue-approve button").click()
            reviewer.wait_for_url("**/supervision/legal-review?flash=approve")

            officer.goto(doc_url)
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "approved")
            officer.click("#step-issue button")
            expect(officer.locator("#doc-state")).to_have_attribute("data-state", "issued")
            number = officer.locator("#doc-number").inner_text().strip()
            assert number.startswith("大丰消行罚决字〔") and number.endswith("第0001号"), number
            expect(officer.locator("#doc-history tbody tr")).to_have_count(5)
            expect(officer.locator("#download-review")).to_be_visible()
            officer.screenshot(path=str(ARTIFACTS / "documents-issued.png"), full_page=True)
            with officer.expect_download() as download:
                officer.click("#download")
            pdf = download.value.path().read_bytes()
            text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
            assert number in text and "行政处罚决定书" in text and FACTS[:10] in text

            officer.goto(f"{base}/supervision/cases/{code}")
            case_row = officer.locator("#case-documents tbody tr")
            expect(case_row).to_have_attribute("data-state", "issued")
            expect(case_row.locator(".doc-number")).to_have_text(number)
            officer.screenshot(path=str(ARTIFACTS / "documents-case.png"), full_page=True)
            officer.goto(f"{base}/supervision/credit/units/{UNIT}")
            record = officer.locator("table tbody tr", has_text=number).first
            expect(record).to_be_visible()
            record.scroll_into_view_if_needed()
            officer.screenshot(path=str(ARTIFACTS / "documents-credit.png"))
        finally:
            browser.close()
    assert errors == []
