"""Every role's side navigation, page by page, in Chinese and in English (no browser).

On a small seeded county (every registry type plus a few records of the domains), each of the
seven roles signs in through the web form, follows every link of the side navigation of ``/`` and
then a few detail links found on those pages. Each page must answer 200 (or a deliberate 403 page,
never a 500) and show no raw message key (``or_nav``, ``pp_nav`` …) in place of words.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stats_support import closed_fire, fire

from lanyan.accounts.roles import Role
from lanyan.registry.types import OBJECT_TYPES

from response_world import preplan_body
from support import DAFENG, PASSWORD, add_user, create_sample, login, seed_region, uscc

NAV = re.compile(r'<nav class="sidenav".*?</nav>', re.S)
HREF = re.compile(r'href="(/[^"#]*)"')
# A text node that is only a message key: lower-case words joined by underscores.
RAW_KEY = re.compile(r">\s*([a-z]{2,}_[a-z0-9_]+)\s*<")
NOT_PAGES = ("/logout", "/lang/", "/static/", "/docs", "/openapi", "/api/")
DETAILS_PER_KIND = 2


@pytest.fixture
def county(app: Any, uow: Any) -> Iterator[TestClient]:
    """The test region with one record of every registry type in Dafeng, a user of every role
    there, and a few records of the domains, written through the API as the administrator."""
    seed_region(uow)
    for ot in OBJECT_TYPES:
        if ot.slug not in ("jurisdictions", "grids", "stations"):
            # vehicles and personnel each bring a station of their own
            create_sample(uow, ot.slug, DAFENG, 2 if ot.slug == "personnel" else 1)
    for role in Role:
        add_user(uow, username(role), role.value, DAFENG)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield _fill(client)


def _fill(client: TestClient) -> TestClient:
    admin = login(client, "admin")
    closed_fire(client, admin)
    r = client.post("/api/stats/records", json=fire(), headers=admin)
    assert r.status_code == 201, r.text
    person = {
        "code": "R1",
        "name": "人员R1",
        "kind": "rescuer",
        "jurisdiction_code": DAFENG,
        "joined_on": "2020-01-01",
    }
    assert client.post("/api/people", json=person, headers=admin).status_code == 201
    event = {
        "title": "消防安全进校园",
        "kind": "school_drill",
        "channel": "school",
        "jurisdiction_code": DAFENG,
        "held_on": "2025-11-09",
        "participants": {"students": 800, "teachers": 60},
    }
    r = client.post("/api/outreach/events", json=event, headers=admin)
    assert r.status_code == 201, r.text
    body = preplan_body(uscc(DAFENG, 1), building_code=None)
    r = client.post("/api/preplans", json=body, headers=admin)
    assert r.status_code == 201, r.text
    return client


def username(role: Role) -> str:
    """Not the role's value, which would read as a raw key in the page header."""
    return role.value.replace("_", "-")


def kind(path: str) -> str:
    """A link's kind: its path with ids and codes masked, so each kind is visited a few times."""
    return re.sub(r"/[0-9A-Za-z-]*\d[0-9A-Za-z-]*", "/#", path.split("?")[0])


def visit(client: TestClient, role: Role, lang: str) -> tuple[list[str], int]:
    """Sign in as ``role`` in ``lang``; visit the navigation and one level of links below it.
    Returns the problems found and the number of pages visited."""
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username(role), "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    client.cookies.set("lanyan_lang", lang)  # after signing in, which sets the user's language
    home = client.get("/")
    assert home.status_code == 200
    nav = [p for p in HREF.findall(NAV.search(home.text).group(0)) if not p.startswith(NOT_PAGES)]
    assert len(nav) >= 3, nav
    problems: list[str] = []
    seen: set[str] = set()
    kinds: dict[str, int] = defaultdict(int)
    frontier = nav
    for level in (0, 1):
        below: list[str] = []
        for path in frontier:
            if path in seen:
                continue
            seen.add(path)
            page = client.get(path)
            where = f"{role.value} {lang} GET {path} -> {page.status_code}"
            if page.status_code not in (200, 403):
                problems.append(where)
                continue
            if "text/html" not in page.headers.get("content-type", ""):
                continue
            if page.status_code == 403:
                assert 'class="sidenav"' in page.text, where  # a page, not a bare error
            raw = sorted(set(RAW_KEY.findall(page.text)))
            if raw:
                problems.append(f"{where} shows raw keys {raw}")
            if lang == "en" and 'lang="en"' not in page.text:
                problems.append(f"{where} is not in English")
            if level == 0:
                for link in HREF.findall(page.text):
                    if not link.startswith(NOT_PAGES) and kinds[kind(link)] < DETAILS_PER_KIND:
                        kinds[kind(link)] += 1
                        below.append(link)
        frontier = below
    return problems, len(seen)


def test_every_role_sees_its_pages_in_both_languages(county: TestClient) -> None:
    problems: list[str] = []
    visited: dict[str, int] = {}
    for role in Role:
        for lang in ("zh", "en"):
            found, n = visit(county, role, lang)
            problems += found
            visited[f"{role.value}/{lang}"] = n
    assert not problems, "\n".join(problems)
    # Each role reaches more than its navigation: lists lead to detail pages.
    assert all(n > 10 for n in visited.values()), visited
    assert visited["admin/zh"] > visited["grid_worker/zh"], visited


def test_audit_log_names_the_domains_actions_and_types(county: TestClient) -> None:
    """The audit log names each domain's records and actions in words, not stored slugs."""
    county.cookies.clear()
    r = county.post("/login", data={"username": "admin", "password": PASSWORD, "next": "/"})
    assert r.status_code == 200
    html = county.get("/admin/audit").text
    rows = re.findall(r'<tr><td class="num">.*?</tr>', html, re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row)[3:5] for row in rows]
    assert {c[1] for c in cells} >= {"警情", "火灾统计记录", "人员", "数字化预案", "用户"}, cells
    untranslated = [c for c in cells if not all(re.search(r"[\u4e00-\u9fff]", x) for x in c)]
    assert not untranslated, untranslated
    county.cookies.set("lanyan_lang", "en")
    html = county.get("/admin/audit").text
    assert "Fire records" in html and "timeline step" in html
