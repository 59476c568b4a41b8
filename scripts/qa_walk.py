"""Walk a built demo in Chromium as the administrator and a dispatcher (QA aid, not a test).

    LANYAN_DATA_DIR=/tmp/demo .venv/bin/python scripts/qa_walk.py

Serves the demo on a free port, signs in through the form, opens every side-navigation page in
Chinese (or English with ``--en``), saves a screenshot of each to ``artifacts/qa/`` and prints console errors and failed
requests.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from lanyan.core.config import Settings
from lanyan.demo.build import DEMO_PASSWORD

from browser_support import ARTIFACTS, free_port, launch, live_server

LANG = "en" if "--en" in sys.argv else "zh"
USERS = [a for a in sys.argv[1:] if not a.startswith("--")] or ["admin", "dispatcher"]


def watch(page: Any) -> list[str]:
    """The list that collects ``page``'s console errors, uncaught errors and failed requests."""
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"{r.status} {r.url}"))
    return errors


def main() -> None:
    out = ARTIFACTS / "qa"
    out.mkdir(parents=True, exist_ok=True)
    with live_server(Settings(), free_port()) as base, sync_playwright() as pw:
        browser = launch(pw)
        for user in USERS:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            errors = watch(page)
            page.goto(base + "/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            if LANG == "en":
                page.goto(base + "/lang/en?next=/")
            links = page.eval_on_selector_all(
                "nav.sidenav a", "as => as.map(a => a.getAttribute('href'))"
            )
            for href in links:
                if href.startswith("/docs"):
                    continue
                errors.clear()
                page.goto(base + href)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(800)
                name = re.sub(r"[^a-z0-9]+", "-", href.strip("/")) or "home"
                page.screenshot(path=str(out / f"{user}-{LANG}-{name}.png"), full_page=False)
                print(user, href, "errors:", errors[:5] if errors else "none", flush=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
