"""Pickers that scale (issue 15 item 5): the registry list API searches by code or name inside the
user's jurisdiction and pages in SQL with no cap; the forms place one search-as-you-type picker
instead of a capped <select>; a code outside the user's scope is refused naming the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.outreach.models import TrainingRecord as Training
from lanyan.registry.models import Building
from lanyan.response.models import PrePlan

from picker_support import bulk_units, unit_name
from support import DAFENG, PASSWORD, TINGHU, add_user, login, seed_region

MANY = 2_100  # past the old 2,000-row cap of the pre-plan form


@pytest.fixture
def city(uow: Any, client: TestClient) -> dict[str, Any]:
    seed_region(uow)
    mine = bulk_units(uow, DAFENG, MANY)
    theirs = bulk_units(uow, TINGHU, 30, first=MANY + 1)
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "df_prev", "prevention_officer", DAFENG)
    return {"mine": mine, "theirs": theirs}


def test_search_by_name_or_code_pages_without_cap_inside_scope(
    client: TestClient, city: dict[str, Any]
) -> None:
    h = login(client, "df_cmd")
    first = client.get("/api/units", params={"q": "批量单位", "size": 100}, headers=h).json()
    assert first["total"] == MANY  # every unit of the county, none of Tinghu's
    assert [u["code"] for u in first["items"]] == sorted(city["mine"])[:100]
    last_page = -(-MANY // 100)
    tail = client.get(
        "/api/units", params={"q": "批量单位", "size": 100, "page": last_page}, headers=h
    ).json()
    assert [u["code"] for u in tail["items"]] == sorted(city["mine"])[(last_page - 1) * 100 :]
    # Part of the last unit's name finds it alone; so does its code.
    by_name = client.get("/api/units", params={"q": f"单位{MANY:05d}"}, headers=h).json()
    assert [u["name"] for u in by_name["items"]] == [unit_name(MANY)]
    by_code = client.get("/api/units", params={"q": city["mine"][-1]}, headers=h).json()
    assert [u["code"] for u in by_code["items"]] == [city["mine"][-1]]
    # Outside the jurisdiction: not found by name or by code.
    other = client.get("/api/units", params={"q": city["theirs"][0]}, headers=h).json()
    assert other == {"items": [], "total": 0, "page": 1, "size": 50}


def _page_login(client: TestClient, username: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": username, "password": PASSWORD})
    assert r.status_code in (200, 303)


def test_forms_place_a_picker_not_a_capped_list(client: TestClient, city: dict[str, Any]) -> None:
    _page_login(client, "df_cmd")
    for path, source in [
        ("/preplans/new", "/api/units"),
        ("/preplans/new", "/api/buildings"),
        ("/trainings", "/api/units"),
        ("/registry/vehicles/new", "/api/stations"),
        ("/people", "/api/jurisdictions"),
        ("/outreach/events", "/api/jurisdictions"),
        ("/outreach/surveys", "/api/jurisdictions"),
    ]:
        html = client.get(path).text
        assert f'data-source="{source}"' in html, (path, source)
        assert "输入名称或代码搜索…" in html
        # No registry rows are listed in the page: the picker asks the API.
        assert not re.search(r"<option value=\"(91)?" + DAFENG, html), path
    # A jurisdiction picker starts at the user's own county, as the list's first row did.
    html = client.get("/outreach/events").text
    assert re.search(r'id="f-jurisdiction_code" name="jurisdiction_code" value="' + DAFENG, html)
    _page_login(client, "df_prev")
    html = client.get("/registry/buildings/new").text
    assert 'data-source="/api/units"' in html and 'data-source="/api/jurisdictions"' in html
    _page_login(client, "df_cmd")
    client.get("/lang/en", params={"next": "/trainings"})
    english = client.get("/trainings").text
    assert "Type a name or code to search…" in english and 'data-more="Load more"' in english


def test_a_code_outside_scope_or_unknown_is_refused_naming_the_field(
    client: TestClient, city: dict[str, Any], sessions: Any
) -> None:
    _page_login(client, "df_cmd")
    for code in (city["theirs"][0], "91320904XX0000000X"):
        r = client.post(
            "/preplans/new", data={"unit_code": code, "title": "越权预案"}, follow_redirects=False
        )
        assert r.status_code == 422, r.text[:300]
        assert re.search(r'class="field has-error" data-field="unit_code"', r.text)
        r = client.post(
            "/trainings/new",
            data={"unit_code": code, "held_on": "2025-03-01", "attendees": "30"},
            follow_redirects=False,
        )
        assert r.status_code == 422 and "unit_code" in r.text
    person = {"code": "P1", "name": "张三", "kind": "rescuer", "joined_on": "2020-01-01"}
    r = client.post("/people/new", data=person | {"jurisdiction_code": TINGHU})
    assert r.status_code == 422 and "jurisdiction_code" in r.text
    # The last of the county's units is accepted on both forms.
    last = city["mine"][-1]
    r = client.post(
        "/preplans/new", data={"unit_code": last, "title": "末位单位预案"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text[:500]
    _page_login(client, "df_prev")
    r = client.post(
        "/registry/buildings/new",
        data={
            "code": "B-FAR",
            "name": "外区大楼",
            "unit_code": city["theirs"][0],
            "jurisdiction_code": DAFENG,
            "lon": "120.45",
            "lat": "33.2",
            "height_m": "30",
            "floors_above": "8",
            "use": "commercial",
        },
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert re.search(r'class="field\s+has-error" data-field="unit_code"', r.text)
    assert not re.search(r'has-error" data-field="(use|code|jurisdiction_code)"', r.text)
    with sessions() as s:
        assert s.execute(select(func.count(PrePlan.id))).scalar_one() == 1
        assert s.execute(select(func.count(Training.id))).scalar_one() == 0
        assert s.execute(select(func.count(Building.id))).scalar_one() == 0
