"""Crawl a built demo database as each demo user, in zh and in English (QA aid, not a test).

    LANYAN_DATA_DIR=/tmp/demo .venv/bin/python scripts/qa_crawl.py [--depth 1] [--zh] [USER …]

Signs in through the web form, GETs every side-navigation link of ``/`` and, one level down, a
few links of each kind found on those pages; prints every answer that is not 200/403 and every
page showing what looks like a raw message key.
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from lanyan.app import create_app
from lanyan.core.config import Settings
from lanyan.demo.build import DEMO_PASSWORD, DEMO_USERS

NAV = re.compile(r'<nav class="sidenav".*?</nav>', re.S)
HREF = re.compile(r'href="([^"#]+)"')
RAW_KEY = re.compile(r">\s*([a-z]{2,}_[a-z0-9_]+)\s*<")
SKIP = ("/logout", "/lang/", "/static/", "/docs", "/openapi", "/api/")


def shape(path: str) -> str:
    """A link's kind: its path with numbers and codes replaced, so each kind is visited a few
    times only."""
    return re.sub(r"/[0-9A-Za-z-]*\d[0-9A-Za-z-]*", "/#", urlsplit(path).path)


def main() -> int:
    depth = int(sys.argv[sys.argv.index("--depth") + 1]) if "--depth" in sys.argv else 1
    app = create_app(Settings())
    bad: list[str] = []
    only = {a for a in sys.argv[1:] if not a.startswith("--") and not a.isdigit()}
    langs = ("zh",) if "--zh" in sys.argv else ("zh", "en")
    for user in DEMO_USERS:
        if only and user.username not in only:
            continue
        for lang in langs:
            client = TestClient(app, raise_server_exceptions=False)
            client.cookies.set("lanyan_lang", lang)
            r = client.post(
                "/login",
                data={"username": user.username, "password": DEMO_PASSWORD, "next": "/"},
                follow_redirects=False,
            )
            assert r.status_code == 303, r.text
            home = client.get("/")
            nav = HREF.findall(NAV.search(home.text).group(0))
            seen: set[str] = set()
            kinds: dict[str, int] = defaultdict(int)
            frontier = [p for p in nav if not p.startswith(SKIP)]
            for level in range(depth + 1):
                nxt: list[str] = []
                for path in frontier:
                    if path in seen:
                        continue
                    seen.add(path)
                    page = client.get(path)
                    where = f"{user.username:13} {lang} {page.status_code} {path}"
                    if page.status_code not in (200, 403):
                        bad.append(where)
                        print("BAD ", where, page.text[:200].replace("\n", " "))
                        continue
                    if "text/html" in page.headers.get("content-type", ""):
                        raw = set(RAW_KEY.findall(page.text))
                        if raw:
                            bad.append(f"{where} raw keys {sorted(raw)[:8]}")
                            print("KEYS", where, sorted(raw)[:8])
                        if lang == "en" and level == 0 and page.status_code == 200:
                            body = re.sub(r"<[^>]+>", " ", page.text.split("<main", 1)[-1])
                            han = re.findall(r"[\u4e00-\u9fff]{2,}", body)
                            if len(han) > 40:
                                print("HAN ", where, len(han), han[:6])
                        if level < depth:
                            for link in HREF.findall(page.text):
                                if not link.startswith("/") or link.startswith(SKIP):
                                    continue
                                k = shape(link)
                                if kinds[k] < 2:
                                    kinds[k] += 1
                                    nxt.append(link)
                frontier = nxt
            print(f"{user.username:13} {lang} visited {len(seen)} pages")
    print(f"{len(bad)} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
