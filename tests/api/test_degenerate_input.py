"""Inputs that used to end in a 500 (issue #14 item 5): statistics of a jurisdiction with no
children, degenerate geometries (a one-point line, NaN, out-of-range, self-intersecting), and an
empty unit_code on a patrol checkpoint. Each must be a clear answer naming the field."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from stats_support import TOWN, fire

from lanyan.core.errors import ValidationFailed
from lanyan.registry.io.formats import Format
from lanyan.registry.io.importer import import_file
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, add_user, login, sample, seed_region

ONE_POINT = {"type": "LineString", "coordinates": [[120.47, 33.2]]}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[120.4, 33.2], [120.5, 33.3], [120.5, 33.2], [120.4, 33.3], [120.4, 33.2]]],
}


@pytest.fixture
def admin(uow: Any, client: TestClient) -> dict[str, str]:
    seed_region(uow)
    add_user(uow, "df_admin", "admin", DAFENG)
    add_user(uow, "town_cmd", "commander", TOWN)
    return login(client, "df_admin")


def test_statistics_of_a_jurisdiction_without_children(
    client: TestClient, admin: dict[str, str]
) -> None:
    r = client.post("/api/stats/records", json=fire(), headers=admin)
    assert r.status_code == 201, r.text
    for h, query in ((admin, f"&jurisdiction={TOWN}"), (login(client, "town_cmd"), "")):
        a = client.get(f"/api/stats/analysis?year=2024{query}", headers=h)
        assert a.status_code == 200, a.text
        assert a.json()["by_jurisdiction"] == [
            {
                "code": TOWN,
                "name": a.json()["jurisdiction"]["name"],
                "fires": 1,
                "deaths": 0,
                "injuries": 1,
                "loss_yuan": 12000.0,
            }
        ]
        m = client.get(f"/api/stats/map?year=2024{query}", headers=h)
        assert m.status_code == 200, m.text
        assert len(m.json()["points"]["features"]) == 1
        x = client.get(f"/api/stats/analysis.xlsx?year=2024{query}", headers=h)
        assert x.status_code == 200, x.text
        assert load_workbook(io.BytesIO(x.content)).sheetnames
        page = client.get(f"/stats?year=2024{query}", headers=h)
        assert page.status_code == 200, page.text


@pytest.mark.parametrize(
    ("geometry", "rule"),
    [
        (ONE_POINT, "at least 2 distinct points"),
        ({"type": "LineString", "coordinates": [[120.4, 33.2], [120.4, 33.2]]}, "2 distinct"),
        ({"type": "MultiLineString", "coordinates": [[[120.4, 33.2]]]}, "2 distinct points"),
        ({"type": "LineString", "coordinates": []}, "must not be empty"),
        ({"type": "LineString", "coordinates": [[120.4, 33.2], [200, 33.2]]}, "lon must be"),
        ({"type": "LineString", "coordinates": [[120.4, 33.2], [120.5, 95]]}, "lat must be"),
        ('{"type":"LineString","coordinates":[[120.4,33.2],[NaN,33.3]]}', "finite numbers"),
        ({"type": "Point", "coordinates": [120.4, 33.2]}, "geometry type must be one of"),
    ],
)
@pytest.mark.parametrize("slug", ["fire-lanes", "roads"])
def test_degenerate_lines_are_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], slug: str, geometry: Any, rule: str
) -> None:
    body = sample(slug, DAFENG) | {
        "geometry": geometry if isinstance(geometry, str) else json.dumps(geometry)
    }
    r = client.post(f"/api/{slug}", json=body, headers=admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    [err] = r.json()["errors"]
    assert err["field"] == "geometry" and rule in err["rule"], err


@pytest.mark.parametrize(
    ("boundary", "rule"),
    [
        (BOWTIE, "no self-intersections"),
        ({"type": "Polygon", "coordinates": [[[120.4, 33.2], [120.5, 33.2]]]}, "not valid"),
        ({"type": "Polygon", "coordinates": []}, "must not be empty"),
    ],
)
def test_degenerate_polygons_are_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], boundary: Any, rule: str
) -> None:
    body = sample("grids", DAFENG) | {"boundary": json.dumps(boundary)}
    r = client.post("/api/grids", json=body, headers=admin)
    assert r.status_code == 422, r.text
    [err] = r.json()["errors"]
    assert err["field"] == "boundary" and rule in err["rule"], err


def test_fire_lane_import_names_the_one_point_row(uow: Any, admin: dict[str, str]) -> None:
    good, bad = sample("fire-lanes", DAFENG, 1), sample("fire-lanes", DAFENG, 2)
    bad["geometry"] = json.dumps(ONE_POINT)
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(f.pop("geometry")), "properties": f}
            for f in (good, bad)
        ],
    }
    with pytest.raises(ValidationFailed) as info, uow() as s:
        import_file(
            s,
            get_type("fire-lanes"),
            SYSTEM,
            EVERYWHERE,
            json.dumps(doc).encode(),
            Format.GEOJSON,
        )
    [p] = info.value.problems
    assert (p.row, p.field) == (2, "geometry") and "at least 2 distinct points" in p.rule


def test_checkpoint_and_duty_with_an_empty_unit_code_name_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    for url, body in (
        ("/api/patrols/checkpoints", {"code": "CP-1", "name": "控制室", "unit_code": ""}),
        ("/api/patrols/checkpoints", {"code": "CP-2", "name": "x", "grid_code": ""}),
        ("/api/patrols/duties", {"username": "town_cmd", "unit_code": ""}),
    ):
        r = client.post(url, json=body, headers=admin)
        assert r.status_code == 422, r.text
        fields = {e["field"] for e in r.json()["errors"]}
        assert fields & {"unit_code", "grid_code"}, r.json()
