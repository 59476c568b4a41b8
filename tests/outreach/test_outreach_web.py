"""The outreach pages (server side): each page renders for a reader, forms write through the
service with scoping, and a refused form or import shows its problems with nothing stored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lanyan.outreach.models import OpenDay, Person, Survey
from lanyan.registry import service as registry
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from outreach_support import good_rows, survey_csv
from support import DAFENG, TINGHU, add_user, login, sample, seed_region, uscc


@pytest.fixture
def auth(uow: Any, client: TestClient) -> dict[str, dict[str, str]]:
    seed_region(uow)
    with uow() as s:
        for county in (DAFENG, TINGHU):
            registry.create(s, get_type("stations"), SYSTEM, EVERYWHERE, sample("stations", county))
            registry.create(s, get_type("units"), SYSTEM, EVERYWHERE, sample("units", county))
    add_user(uow, "df_cmd", "commander", DAFENG)
    add_user(uow, "df_view", "government_viewer", DAFENG)
    add_user(uow, "df_unit", "unit_manager", DAFENG)
    return {
        "cmd": login(client, "df_cmd"),
        "view": login(client, "df_view"),
        "unit": login(client, "df_unit"),
    }


PAGES = [
    "/people",
    "/trainings",
    "/outreach/events",
    "/outreach/open-days",
    "/outreach/volunteers",
    "/outreach/surveys",
]


def test_pages_render_for_readers_and_not_for_unit_roles(
    client: TestClient, auth: dict[str, dict[str, str]]
) -> None:
    for path in PAGES:
        r = client.get(path, headers=auth["view"])
        assert r.status_code == 200, (path, r.text[:300])
        assert "人员与宣教" in r.text  # the nav section
        # The viewer gets no write forms.
        assert 'action="/people/' not in r.text and 'action="/outreach/' not in r.text
        assert client.get(path, headers=auth["unit"]).status_code == 403


def test_forms_write_and_refusals_show_problems(
    client: TestClient, auth: dict[str, dict[str, str]], sessions: Any
) -> None:
    cmd = auth["cmd"]
    form = {
        "code": "R1",
        "name": "张三",
        "kind": "rescuer",
        "jurisdiction_code": DAFENG,
        "joined_on": "2020-01-01",
    }
    r = client.post("/people/new", data=form, headers=cmd, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/people/R1")
    r = client.post("/people/new", data={**form, "code": "R2", "joined_on": ""}, headers=cmd)
    assert r.status_code == 422 and 'id="problems"' in r.text and "joined_on" in r.text
    r = client.post(
        "/people/R1/certifications",
        data={"name": "消防员职业资格", "valid_until": "2099-01-01"},
        headers=cmd,
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/people/R1", headers=cmd).text
    assert "消防员职业资格" in page and "2099-01-01" in page
    r = client.post(
        "/trainings/new",
        data={"unit_code": uscc(DAFENG, 1), "held_on": "2025-03-01", "attendees": "30"},
        headers=cmd,
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = client.post(
        "/outreach/open-days/new",
        data={"station_code": f"S-{DAFENG}-1", "day": "2025-03-08"},
        headers=cmd,
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(f"/outreach/open-days?year=2025&station=S-{DAFENG}-1", headers=cmd).text
    assert "未达标" in page and 'class="open-day"' in page
    r = client.post(
        "/outreach/open-days/new",
        data={"station_code": f"S-{TINGHU}-1", "day": "2025-03-08"},
        headers=cmd,
    )
    assert r.status_code == 422
    # A survey with a bad row: the page names it and nothing is stored.
    rows = good_rows()
    rows[0][5] = "X"
    r = client.post(
        "/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG},
        files={"file": ("export.csv", survey_csv(rows), "text/csv")},
        headers=cmd,
    )
    assert r.status_code == 422 and 'data-row="2"' in r.text
    with sessions() as s:
        assert s.execute(select(func.count(Survey.id))).scalar_one() == 0
        assert s.execute(select(func.count(Person.id))).scalar_one() == 1
        assert s.execute(select(func.count(OpenDay.id))).scalar_one() == 1
    r = client.post(
        "/outreach/surveys/import",
        data={"jurisdiction_code": DAFENG},
        files={"file": ("export.csv", survey_csv(good_rows()), "text/csv")},
        headers=cmd,
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "80.0%" in client.get("/outreach/surveys", headers=cmd).text
