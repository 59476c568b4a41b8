"""The supervision pages in a real browser: a prevention officer takes a drawn unit from the
phone page's tasks, records a finding with a photo, and the hazard goes through 责令整改 →
整改中 → 申请复查 → 复查不通过 → … → 复查通过 → 销案 on the hazard page, every step in the audit
trail; the 挂牌督办 list, the risk page and map layer; the public draw page verifies without a
log-in. Screenshots go to ``artifacts/``.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from lanyan.core.config import Settings
from lanyan.prevention import draw, draw_service, hazard_service, inspections
from lanyan.prevention.choices import HazardAction
from lanyan.prevention.hazards import local_date
from lanyan.prevention.schemas.inspections import CertificateCreate, HazardMove
from lanyan.registry.models import Unit
from lanyan.registry.scope import EVERYWHERE
from lanyan.risk import config as risk_config
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

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
UNIT, OTHER = uscc(DAFENG, 1), uscc(DAFENG, 2)
SEED = "b" * 64


def _seed(uow: Uow) -> dict[str, Any]:
    seed_region(uow)
    create_sample(uow, "units", DAFENG, 1)
    create_sample(uow, "units", DAFENG, 2)
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
        # A major hazard at the other unit, listed for supervision (挂牌督办).
        other = s.query(Unit).filter_by(code=OTHER).one()
        found = datetime.now(UTC) - timedelta(days=10)
        row = hazard_service.new_hazard(
            s, SYSTEM, other, "生产、储存、住宿合用场所未有效分隔", found, True, today
        )
        hazard_service.move(
            s,
            SYSTEM,
            EVERYWHERE,
            row.id,
            HazardMove(
                action=HazardAction.LIST,
                at=found + timedelta(hours=2),
                department="区消防安全委员会办公室",
                deadline=today + timedelta(days=60),
                published=True,
            ),
        )
    # A draw that takes every unit (rate 1), announced and drawn: the phone page's tasks.
    with uow() as s:
        code = draw_service.announce(
            s, SYSTEM, EVERYWHERE, DAFENG, SEED, draw.Rates(1.0, 1.0, 1.0)
        ).code
    with uow() as s:
        draw_service.perform(s, SYSTEM, EVERYWHERE, code, SEED)
    return {"draw": code, "today": today}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, Any]]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("supervision-browser")
    url, seeded = fresh_database(folder, _seed)
    port = free_port()
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, port) as base:
        yield base, seeded


def _photo(rgb: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), rgb).save(out, format="PNG")
    return out.getvalue()


def test_finding_to_closed_hazard_through_the_pages(served: tuple[str, dict[str, Any]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    today = seeded["today"]
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login?next=/inspect")
            page.fill("input[name=username]", "insp_a")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/inspect")
            task = page.locator('#tasks li[data-task="draw"]', has_text=UNIT)
            expect(task).to_contain_text(seeded["draw"])
            expect(task).to_contain_text("insp_b")
            task.locator("a.pick").click()
            expect(page.locator("#unit_code")).to_have_value(UNIT)
            expect(page.locator("#partners")).to_have_value("insp_b")
            # The unit's category checklist (重点单位: its own items after the general ones).
            expect(page.locator("#checklist")).to_have_attribute("data-checklist", "key")
            expect(page.locator('#checklist .item[data-item="K01"]')).to_be_visible()
            for item in ("G01", "K01"):
                page.locator(f'#checklist input[name="item_{item}"][value="pass"]').check()
            photo, lane = _photo(), _photo((40, 90, 200))
            page.set_input_files(
                "#photos", files=[{"name": "exit.png", "mimeType": "image/png", "buffer": photo}]
            )
            expect(page.locator("#photo-preview img")).to_have_count(1)
            page.set_input_files(
                "#photo_0", files=[{"name": "lane.png", "mimeType": "image/png", "buffer": lane}]
            )
            page.fill("#finding_0", "疏散通道堆放杂物")
            page.fill("#deadline_0", (today + timedelta(days=20)).isoformat())
            page.screenshot(path=str(ARTIFACTS / "supervision-inspect-phone.png"), full_page=True)
            page.click("#submit-inspection")
            expect(page.locator("#flash")).to_contain_text("JC")
            done = page.locator("#done-today")
            expect(done).to_contain_text(UNIT)
            expect(done).to_contain_text("insp_b")
            # The drawn unit has left today's tasks: it has been inspected from that draw.
            expect(page.locator('#tasks li[data-task="draw"]', has_text=UNIT)).to_have_count(0)
            page.screenshot(path=str(ARTIFACTS / "supervision-inspect-done.png"), full_page=True)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"] + 1, f"the inspector page scrolls sideways ({width}px)"
            # The photos are evidence: the site photo on the inspection, the finding's on its
            # hazard, each stored by its SHA-256; the checklist results are on the record.
            expect(done.locator(".evidence img")).to_have_count(2)
            listed = page.request.get(base + "/api/inspections").json()["items"][0]
            assert {r["item_code"] for r in listed["checklist"]} == {"G01", "K01"}
            kept = page.request.get(base + f"/api/inspections/{listed['id']}/attachments").json()
            assert [(a["filename"], a["sha256"]) for a in kept] == [
                ("exit.png", hashlib.sha256(photo).hexdigest())
            ]
            assert page.request.get(base + kept[0]["url"]).body() == photo

            done.locator("a.hazard-link").first.click()
            page.set_viewport_size(DESKTOP)
            expect(page.locator("#hazard-state")).to_contain_text("责令整改")

            def act(action: str, state: str, **fields: str) -> None:
                form = page.locator(f'form.act-form[data-action="{action}"]')
                for name, value in fields.items():
                    form.locator(f"[name={name}]").fill(value)
                form.locator("button[type=submit]").click()
                expect(page.locator("#hazard-state")).to_contain_text(state)

            act("start", "整改中")
            act("request_recheck", "申请复查", note="已清理通道")
            # A new deadline before the recheck day is refused, naming the field; nothing moves.
            act("fail_recheck", "申请复查", deadline=(today - timedelta(days=1)).isoformat())
            expect(page.locator("#page-error")).to_contain_text("deadline")
            act(
                "fail_recheck",
                "复查不通过",
                note="仍有杂物",
                deadline=(today + timedelta(days=7)).isoformat(),
            )
            page.screenshot(path=str(ARTIFACTS / "supervision-hazard-failed.png"), full_page=True)
            act("start", "整改中")
            act("request_recheck", "申请复查", note="全部清理")
            act("pass_recheck", "复查通过", note="复查合格")
            act("close", "销案")
            expect(page.locator("#actions form")).to_have_count(0)
            steps = [
                "found",
                "order",
                "start",
                "request_recheck",
                "fail_recheck",
                "start",
                "request_recheck",
                "pass_recheck",
                "close",
            ]
            history = page.locator("#history li")
            expect(history).to_have_count(len(steps))
            assert [history.nth(i).get_attribute("data-event") for i in range(len(steps))] == steps
            # The audit trail also has the finding's photo, attached as evidence (证据材料).
            audited = [*steps[:2], "attach", *steps[2:]]
            trail = page.locator("#audit-trail tbody td[data-action]")
            expect(trail).to_have_count(len(audited))
            assert [
                trail.nth(i).get_attribute("data-action") for i in range(len(audited))
            ] == audited
            expect(page.locator("#audit-trail tbody tr").last).to_contain_text("insp_a")
            expect(page.locator("#history")).to_contain_text("仍有杂物")
            page.screenshot(path=str(ARTIFACTS / "supervision-hazard-closed.png"), full_page=True)
            page.locator("#audit-trail").screenshot(
                path=str(ARTIFACTS / "supervision-hazard-audit.png")
            )

            page.goto(base + "/hazards")
            expect(page.locator("#rows")).to_contain_text("销案")
            expect(page.locator("#overdue-count")).to_have_text("0")
            page.screenshot(path=str(ARTIFACTS / "supervision-hazard-board.png"), full_page=True)
            page.goto(base + "/hazards/listed")
            row = page.locator("#listed tbody tr")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("区消防安全委员会办公室")
            expect(row).to_contain_text("已公布")
            page.screenshot(path=str(ARTIFACTS / "supervision-listed.png"), full_page=True)

            # Risk: compute today's snapshot from the page; the listed major hazard's unit leads.
            page.goto(base + "/risk")
            page.click("#compute")
            first = page.locator("#risk-rows tbody tr").first
            expect(first).to_have_attribute("data-unit", OTHER)
            expect(first).to_contain_text("重大火灾隐患")
            page.screenshot(path=str(ARTIFACTS / "supervision-risk.png"), full_page=True)
            first.locator("a").first.click()
            rows = page.locator("#contributions tbody tr")
            model = risk_config.load()
            # one row per factor, and the weather warning's (outside the AHP weights) if set
            expect(rows).to_have_count(len(model.factors) + (model.weather is not None))
            shown = sum(float(rows.nth(i).locator("td").last.inner_text()) for i in range(15))
            assert abs(shown - float(page.locator("#score").inner_text())) < 0.1
            expect(page.locator('#contributions tr[data-factor="major_hazards"]')).to_contain_text(
                "17.79"
            )
            page.screenshot(path=str(ARTIFACTS / "supervision-risk-unit.png"), full_page=True)
            page.goto(base + "/map?risk=1")
            expect(page.locator("path.feature-risk-units")).to_have_count(2)
            expect(page.locator("path.feature-risk-h3").first).to_be_attached()
            page.wait_for_timeout(300)
            page.screenshot(path=str(ARTIFACTS / "supervision-risk-map.png"))
        finally:
            browser.close()
    assert errors == [], errors


def test_public_draw_page_verifies_without_log_in(served: tuple[str, dict[str, Any]]) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, seeded = served
    code = seeded["draw"]
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
            page.goto(base + "/public/draws")
            expect(page.locator("input[name=password]")).to_have_count(0)
            page.locator(f'#draws tr[data-code="{code}"] a').click()
            expect(page.locator("#seed-hash")).to_have_text(draw.sha256_hex(SEED))
            expect(page.locator("#seed")).to_have_text(SEED)
            expect(page.locator("#result tbody tr")).to_have_count(2)
            page.click("#verify-btn")
            expect(page.locator("#verify-result")).to_have_attribute("data-ok", "true")
            page.screenshot(path=str(ARTIFACTS / "supervision-public-draw.png"), full_page=True)
            record = page.request.get(base + f"/public/draws/{code}.json").json()
            assert draw.verify(record) == []
            record["result"][0]["inspectors"] = ["insp_a", "intruder"]
            assert draw.verify(record)  # a tampered record does not verify
        finally:
            browser.close()


def test_complaint_taken_in_assigned_verified_and_fed_back(
    served: tuple[str, dict[str, Any]],
) -> None:
    """A 96119 report through the pages: taken in, assigned to the second inspector, verified
    with the 举报核查 inspection recorded on the phone page, fed back with a reward; a refused
    step names its field; the audit trail has every step."""
    from playwright.sync_api import expect, sync_playwright

    base, _ = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport=DESKTOP, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login?next=/supervision/complaints")
            page.fill("input[name=username]", "insp_a")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/supervision/complaints")
            expect(page.locator('.sidenav a[href="/supervision/credit"]')).to_be_visible()
            form = page.locator("#record-form")
            form.locator("select[name=channel]").select_option("96119")
            form.locator("input[name=unit_code]").fill(UNIT)
            form.locator("textarea[name=content]").fill("商场安全出口夜间上锁")
            form.locator("input[name=reporter_name]").fill("王先生")
            form.locator("input[name=reporter_phone]").fill("13900001111")
            form.locator("button[type=submit]").click()
            expect(page.locator("#flash")).to_contain_text("JB")
            page.screenshot(path=str(ARTIFACTS / "supervision-complaints.png"), full_page=True)
            page.locator("#rows a.record-link").first.click()
            expect(page.locator("#record-state")).to_have_attribute("data-state", "received")

            assign = page.locator("#step-assign")
            assign.locator("select[name=assignee]").select_option("insp_b")
            assign.locator("button[type=submit]").click()
            expect(page.locator("#record-state")).to_have_attribute("data-state", "assigned")
            complaint_url = page.url.split("?")[0]

            # The 举报核查 inspection, started from the complaint, recorded on the phone page.
            page.get_by_role("link", name="开始举报核查检查").click()
            expect(page.locator("#kind")).to_have_value("complaint")
            expect(page.locator("#unit_code")).to_have_value(UNIT)
            page.select_option("#partners", "insp_b")
            page.fill("#notes", "夜间核查：安全出口确被上锁")
            page.click("#submit-inspection")
            expect(page.locator("#flash")).to_contain_text("JC")
            inspection = page.locator("#flash").inner_text().split()[-1]

            page.goto(complaint_url)
            verify = page.locator("#step-verify")
            verify.locator("select[name=result]").select_option("substantiated")
            verify.locator("select[name=inspection_code]").select_option(inspection)
            verify.locator("button[type=submit]").click()  # no note: refused by field
            refused = page.locator("#step-verify .form-error")
            expect(refused).to_contain_text("(note)")
            expect(page.locator("#record-state")).to_have_attribute("data-state", "assigned")
            page.screenshot(
                path=str(ARTIFACTS / "supervision-complaint-refused.png"), full_page=True
            )
            verify = page.locator("#step-verify")
            verify.locator("textarea[name=note]").fill("安全出口被锁，已当场责令开启")
            verify.locator("button[type=submit]").click()
            expect(page.locator("#record-state")).to_have_attribute("data-state", "verified")
            expect(page.locator('[data-fact="sr_c_inspection"]')).to_have_text(inspection)

            feedback = page.locator("#step-feedback")
            feedback.locator("textarea[name=feedback]").fill("举报属实，已依法处理，感谢监督")
            feedback.locator("input[name=reward]").check()
            feedback.locator("button[type=submit]").click()
            expect(page.locator("#record-state")).to_have_attribute("data-state", "closed")
            expect(page.locator('[data-fact="sr_c_reward"]')).to_have_text("是")
            expect(page.locator("#steps form")).to_have_count(0)
            trail = page.locator("#audit-trail tbody td[data-action]")
            expect(trail).to_have_count(4)
            assert [trail.nth(i).get_attribute("data-action") for i in range(4)] == [
                "create",
                "assign",
                "verify",
                "feedback",
            ]
            page.screenshot(
                path=str(ARTIFACTS / "supervision-complaint-closed.png"), full_page=True
            )

            # The unit's credit file: blacklisted with its joint punishment (联合惩戒).
            page.goto(base + f"/supervision/credit?unit_code={UNIT}")
            page.locator("#summary a").click()
            blacklist = page.locator("#step-blacklist")
            blacklist.locator("textarea[name=reason]").fill("安全出口上锁，拒不改正")
            blacklist.locator('input[name=measures][value="bidding"]').check()
            blacklist.locator('input[name=measures][value="publication"]').check()
            blacklist.locator("button[type=submit]").click()
            expect(page.locator('[data-fact="sr_blacklisted"]')).to_have_text("是")
            expect(page.locator('[data-fact="sr_c_measures"]')).to_contain_text("限制参与招标投标")
            expect(page.locator("#step-unblacklist")).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "supervision-credit-file.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
