"""The commit–reveal draw in a real browser: an officer plans a draw on /supervision/draws, its
commitment is public at once, running it early is refused, the clock moves a day on, the run
reveals the seed, the visitor's browser re-runs the draw from the public JSON (and catches a
tampered one), ``lanyan draw verify URL`` agrees, and an inspection's outcome is published.
Screenshots go to ``artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from lanyan.cli.main import app as cli
from lanyan.core.config import Settings
from lanyan.prevention import draw, draw_service, inspections
from lanyan.prevention.schemas.inspections import CertificateCreate, InspectionCreate
from lanyan.registry.scope import EVERYWHERE
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
from support import DAFENG, PASSWORD, add_user, create_sample, seed_region

pytestmark = pytest.mark.browser


def _seed(uow: Uow) -> None:
    seed_region(uow)
    for n in range(1, 8):
        create_sample(uow, "units", DAFENG, n)
    today = datetime.now(UTC).date()
    for i, name in enumerate(("insp_a", "insp_b", "insp_c")):
        add_user(uow, name, "prevention_officer", DAFENG)
        with uow() as s:
            inspections.add_certificate(
                s,
                SYSTEM,
                CertificateCreate(
                    username=name,
                    certificate_no=f"DB-{i}",
                    valid_from=today - timedelta(days=30),
                    valid_until=today + timedelta(days=300),
                ),
            )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require_chromium()
    folder = tmp_path_factory.mktemp("draw-browser")
    url, _ = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    assert settings.draw_delay_hours == 24
    with live_server(settings, free_port()) as base:
        yield base, url


def test_commit_wait_reveal_and_verify_in_the_browser(
    served: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, url = served
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(base + "/login?next=/supervision/draws")
            page.fill("input[name=username]", "insp_a")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/supervision/draws")
            form = page.locator("#plan-form")
            form.locator("input[name=jurisdiction]").fill(DAFENG)
            form.locator("input[name=base_rate]").fill("0.5")
            form.locator("input[name=sample_size]").fill("3")
            form.locator("#plan-btn").click()
            expect(page.locator("#flash")).to_be_visible()
            code = page.locator("#planned-link").inner_text()

            # The commitment is public at once; the seed is not.
            visitor = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            visitor.on("pageerror", lambda exc: errors.append(str(exc)))
            visitor.goto(base + f"/public/draws/{code}")
            seed_hash = visitor.locator("#seed-hash").inner_text()
            assert len(seed_hash) == 64
            expect(visitor.locator("#seed")).to_have_text("抽查后公布")
            expect(visitor.locator("#sample-size")).to_have_text("3")
            expect(visitor.locator("#verify-js")).to_have_count(0)
            visitor.screenshot(path=str(ARTIFACTS / "draw-committed.png"), full_page=True)

            # Too early: the run is refused on the page.
            page.locator(f'#draws tr[data-code="{code}"] .run-btn').click()
            expect(page.locator("#page-error")).to_contain_text("run_after")

            # A day later (the server's clock moved), the run reveals the seed.
            later = datetime.now(UTC) + timedelta(hours=24, minutes=5)
            monkeypatch.setattr(draw_service, "utcnow", lambda: later)
            page.goto(base + "/supervision/draws")
            page.locator(f'#draws tr[data-code="{code}"] .run-btn').click()
            page.wait_for_url(f"**/public/draws/{code}")
            seed = page.locator("#seed").inner_text()
            assert draw.sha256_hex(seed) == seed_hash
            expect(page.locator("#result tbody tr")).to_have_count(3)

            # The visitor's browser re-runs it from the public JSON.
            visitor.reload()
            visitor.click("#verify-js")
            result = visitor.locator("#verify-js-result")
            expect(result).to_have_attribute("data-ok", "true")
            expect(result).to_contain_text("本浏览器核验通过")
            visitor.screenshot(path=str(ARTIFACTS / "draw-verified-in-browser.png"), full_page=True)

            # A tampered copy (one inspector swapped) fails in the browser.
            def tamper(route: Any) -> None:
                body = route.fetch().json()
                first = body["record"]["result"][0]
                first["inspectors"] = sorted(
                    {"insp_a", "insp_b", "insp_c"} - {first["inspectors"][0]}
                )
                route.fulfill(json=body)

            visitor.route(f"**/api/public/draws/{code}", tamper)
            visitor.reload()
            visitor.click("#verify-js")
            expect(visitor.locator("#verify-js-result")).to_have_attribute("data-ok", "false")
            visitor.unroute(f"**/api/public/draws/{code}")

            # The one command agrees, from the URL.
            r = CliRunner().invoke(cli, ["draw", "verify", base + f"/api/public/draws/{code}"])
            assert r.exit_code == 0 and "verifies" in r.output, r.output

            # After an inspection, its outcome is published.
            record = draw.load_record(base + f"/api/public/draws/{code}")
            first = record["result"][0]
            factory = make_session_factory(make_engine(url))
            with unit_of_work(factory) as s:
                inspections.create_inspection(
                    s,
                    SYSTEM,
                    EVERYWHERE,
                    InspectionCreate(
                        kind="random", unit_code=first["unit"], inspectors=first["inspectors"]
                    ),
                    draw_code=code,
                )
            visitor.reload()
            row = visitor.locator(f'#outcomes tr[data-unit="{first["unit"]}"]')
            expect(row).to_have_attribute("data-outcome", "passed")
            expect(row).to_contain_text("合格")
            visitor.screenshot(path=str(ARTIFACTS / "draw-outcomes.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
