"""GET /api/geocode and /api/geocode/snap on the response world, and the CLI's JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from lanyan.cli.main import app as cli_app
from lanyan.geocode import service as geocode
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from response_world import add_plaza, build, node
from support import DAFENG, add_user, login

runner = CliRunner()


def _road(code: str, name: str, a: tuple[float, float], b: tuple[float, float]) -> dict[str, Any]:
    line = {"type": "LineString", "coordinates": [list(a), list(b)]}
    return {
        "code": code,
        "name": name,
        "road_class": "local",
        "speed_kmh": 36,
        "geometry": json.dumps(line),
        "jurisdiction_code": DAFENG,
    }


@pytest.fixture
def world(uow: Any) -> dict[str, Any]:
    geocode.forget()
    build(uow)
    plaza = add_plaza(uow)
    with uow() as s:
        roads = get_type("roads")
        service.create(
            s, roads, SYSTEM, EVERYWHERE, _road("N-XF", "幸福路", node(0, 4), node(2, 4))
        )
        service.create(
            s, roads, SYSTEM, EVERYWHERE, _road("N-XF2", "幸福路", node(2, 4), node(4, 4))
        )
        service.create(
            s, roads, SYSTEM, EVERYWHERE, _road("N-JK", "健康路", node(2, 3), node(2, 5))
        )
        service.create(
            s, roads, SYSTEM, EVERYWHERE, _road("N-JK2", "健康路", node(2, 4), node(2, 3))
        )
    add_user(uow, "df_dispatch", "dispatcher", DAFENG)
    add_user(uow, "viewer", "government_viewer", DAFENG)
    return plaza


def _search_finds_a_building_with_a_typo(client: TestClient, world: dict[str, Any]) -> None:
    headers = login(client, "df_dispatch")
    r = client.get("/api/geocode", params={"q": "大丰广场主搂"}, headers=headers)  # 搂 for 楼
    assert r.status_code == 200, r.text
    body = r.json()
    first = body["hits"][0]
    assert (first["kind"], first["code"]) == ("building", "B-PLAZA")
    assert [first["lon"], first["lat"]] == list(node(3, 3))
    assert first["why"] and 0 < first["confidence"] <= 1
    assert body["total"] >= len(body["hits"]) >= 1
    # the unit by its 统一社会信用代码
    r = client.get("/api/geocode", params={"q": world["unit_code"]}, headers=headers)
    assert r.json()["picked"]["kind"] == "unit"


def _junction_from_the_road_network(client: TestClient, world: dict[str, Any]) -> None:
    headers = login(client, "df_dispatch")
    r = client.get("/api/geocode", params={"q": "幸福路与健康路交叉口"}, headers=headers)
    first = r.json()["hits"][0]
    assert first["kind"] == "junction"
    assert [first["lon"], first["lat"]] == list(node(2, 4))


def _a_write_to_the_registry_refreshes_the_index(
    client: TestClient, world: dict[str, Any], uow: Any
) -> None:
    headers = login(client, "df_dispatch")
    q = {"q": "丰收粮库"}
    assert client.get("/api/geocode", params=q, headers=headers).json()["hits"] == []
    lon, lat = node(1, 1)
    with uow() as s:
        service.create(
            s,
            get_type("buildings"),
            SYSTEM,
            EVERYWHERE,
            {"code": "B-GRAIN", "name": "丰收粮库", "jurisdiction_code": DAFENG, "lon": lon,
             "lat": lat, "height_m": 12, "floors_above": 2, "use": "warehouse"},
        )  # fmt: skip
    hits = client.get("/api/geocode", params=q, headers=headers).json()["hits"]
    assert hits[0]["code"] == "B-GRAIN"


def _a_unit_by_its_former_name(client: TestClient, world: dict[str, Any], uow: Any) -> None:
    headers = login(client, "df_dispatch")
    q = {"q": "金港百货大楼"}
    before = client.get("/api/geocode", params=q, headers=headers).json()["hits"]
    assert not before or before[0]["code"] != world["unit_code"]
    units = get_type("units")
    with uow() as s:
        unit_id = service.id_of_code(s, units, EVERYWHERE, world["unit_code"])
        assert unit_id is not None
        service.update(
            s, units, SYSTEM, EVERYWHERE, unit_id, {"aliases": "大丰广场、原金港百货大楼"}
        )
    first = client.get("/api/geocode", params=q, headers=headers).json()["hits"][0]
    assert first["code"] == world["unit_code"] and first["reason"] == "alias"
    # the registry's own search finds it by the former name too
    listed = client.get("/api/units", params={"q": "金港百货"}, headers=headers).json()
    assert [u["code"] for u in listed["items"]] == [world["unit_code"]]
    assert listed["items"][0]["aliases"] == "大丰广场、原金港百货大楼"


def _nothing_matches_says_so_and_offers_the_nearest_road(
    client: TestClient, world: dict[str, Any]
) -> None:
    headers = login(client, "df_dispatch")
    body = client.get("/api/geocode", params={"q": "幸富路9999号"}, headers=headers).json()
    assert body["picked"] is None
    assert body["hits"] == [] or body["hits"][0]["confidence"] < 0.85
    body = client.get("/api/geocode", params={"q": "幸运路"}, headers=headers).json()
    if not body["hits"]:
        assert body["message"] == "no place matches"


def _bad_input_and_roles(client: TestClient, world: dict[str, Any]) -> None:
    headers = login(client, "df_dispatch")
    r = client.get("/api/geocode", params={"q": ""}, headers=headers)
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert "q" in json.dumps(r.json()["errors"])
    r = client.get("/api/geocode/snap", params={"lon": 200, "lat": 33}, headers=headers)
    assert r.status_code == 422
    # the caller's point comes whole or not at all, named by its missing half
    r = client.get("/api/geocode", params={"q": "大丰", "near_lon": 120.4}, headers=headers)
    assert r.status_code == 422 and "near_lat" in json.dumps(r.json()["errors"])
    r = client.get(
        "/api/geocode", params={"q": "大丰", "near_lon": 120.4, "near_lat": 95}, headers=headers
    )
    assert r.status_code == 422 and "near_lat" in json.dumps(r.json()["errors"])
    r = client.get(
        "/api/geocode", params={"q": "大丰", "near_lon": 120.4, "near_lat": 33.2}, headers=headers
    )
    assert r.status_code == 200
    viewer = login(client, "viewer")
    assert client.get("/api/geocode", params={"q": "大丰"}, headers=viewer).status_code == 403


def _snap_a_click_to_the_nearest_building(client: TestClient, world: dict[str, Any]) -> None:
    headers = login(client, "df_dispatch")
    lon, lat = node(3, 3)
    near = client.get(
        "/api/geocode/snap", params={"lon": lon + 0.0002, "lat": lat}, headers=headers
    ).json()
    assert near["building"]["code"] == "B-PLAZA" and 15 < near["distance_m"] < 25
    far = client.get(
        "/api/geocode/snap", params={"lon": lon + 0.002, "lat": lat}, headers=headers
    ).json()
    assert far["building"] is None


def _a_landmark_the_desk_adds_by_its_popular_name(
    client: TestClient, world: dict[str, Any]
) -> None:
    """Landmarks are a registry type the dispatchers keep: one added through the registry API
    is found by its popular name (俗称) at once."""
    headers = login(client, "df_dispatch")
    lon, lat = node(1, 2)
    body = {
        "code": "LM-DRUM",
        "name": "鼓楼广场",
        "category": "square",
        "aliases": "老鼓楼、钟鼓楼",
        "lon": lon,
        "lat": lat,
        "jurisdiction_code": DAFENG,
    }
    r = client.post("/api/landmarks", json=body, headers=headers)
    assert r.status_code == 201, r.text
    r = client.post("/api/landmarks", json={**body, "code": "LM-X", "category": "tower"},
                    headers=headers)  # fmt: skip
    assert r.status_code == 422 and "category" in json.dumps(r.json()["errors"])
    hits = client.get("/api/geocode", params={"q": "老鼓楼"}, headers=headers).json()["hits"]
    assert (hits[0]["kind"], hits[0]["code"], hits[0]["label"]) == ("poi", "LM-DRUM", "鼓楼广场")
    viewer = login(client, "viewer")
    assert client.post("/api/landmarks", json=body, headers=viewer).status_code == 403


def test_api_search_snap_and_bad_input(client: TestClient, world: dict[str, Any], uow: Any) -> None:
    """One world for the read-only API checks (building the world is the slow part)."""
    _search_finds_a_building_with_a_typo(client, world)
    _junction_from_the_road_network(client, world)
    _nothing_matches_says_so_and_offers_the_nearest_road(client, world)
    _snap_a_click_to_the_nearest_building(client, world)
    _bad_input_and_roles(client, world)
    _a_write_to_the_registry_refreshes_the_index(client, world, uow)
    _a_unit_by_its_former_name(client, world, uow)
    _a_landmark_the_desk_adds_by_its_popular_name(client, world)


def test_a_big_index_is_rebuilt_in_the_background(
    world: dict[str, Any], uow: Any, sessions: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Searches keep the previous index while the new one builds, then see the write."""
    monkeypatch.setattr(geocode, "BACKGROUND_ABOVE", 0)  # the small world counts as big
    with sessions() as s:
        before = geocode.index_for(s)
        assert before.search("丰收粮库").hits == []
    lon, lat = node(1, 1)
    with uow() as s:
        service.create(
            s,
            get_type("buildings"),
            SYSTEM,
            EVERYWHERE,
            {"code": "B-GRAIN", "name": "丰收粮库", "jurisdiction_code": DAFENG, "lon": lon,
             "lat": lat, "height_m": 12, "floors_above": 2, "use": "warehouse"},
        )  # fmt: skip
    with sessions() as s:
        assert geocode.index_for(s) is before  # served while the rebuild runs
    geocode.wait_for_rebuild()
    with sessions() as s:
        after = geocode.index_for(s)
        assert after is not before
        assert after.search("丰收粮库").hits[0].code == "B-GRAIN"


def test_cli_imports_addresses_and_prints_json(
    world: dict[str, Any], settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANYAN_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    bad = tmp_path / "bad.csv"
    bad.write_text("label,lon,lat\n幸福路12号,120.48,33.22\n幸福路,abc,33.2\n", encoding="utf-8")
    r = runner.invoke(cli_app, ["geocode", "import-addresses", str(bad)])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "line 3" in r.output and "label" in r.output and "lon" in r.output
    good = tmp_path / "doors.csv"
    lon, lat = node(1, 4)
    good.write_text(
        "label,lon,lat,kind,jurisdiction_code\n"
        f"幸福路12号,{lon},{lat},address,\n人民广场,{lon},{lat + 0.001},poi,{DAFENG}\n",
        encoding="utf-8",
    )
    r = runner.invoke(cli_app, ["geocode", "import-addresses", str(good)])
    assert r.exit_code == 0, r.output
    geocode.forget()
    r = runner.invoke(cli_app, ["geocode", "江苏省盐城市幸福路１２號", "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    first = out["hits"][0]
    assert (first["kind"], first["label"]) == ("address", "幸福路12号")
    assert [first["lon"], first["lat"]] == [lon, lat]
    assert out["picked"]["label"] == "幸福路12号"
    r = runner.invoke(cli_app, ["geocode", "rmgc", "--format", "json"])
    assert json.loads(r.output)["hits"][0]["label"] == "人民广场"
    r = runner.invoke(cli_app, ["geocode", "x", "--format", "yaml"])
    assert r.exit_code == 1 and "--format" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli_app, ["geocode", "幸福路12号", "--near", f"{lon},{lat}"])
    assert r.exit_code == 0 and "幸福路12号" in r.output
    r = runner.invoke(cli_app, ["geocode", "幸福路12号", "--near", "120.4"])
    assert r.exit_code == 1 and "--near" in r.output and "Traceback" not in r.output
