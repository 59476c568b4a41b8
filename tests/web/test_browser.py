"""The map in a real browser: log in through the form, see the layers drawn, toggle, click.

Runs Debian's Chromium (``scripts/ensure-browser``) through Playwright against a uvicorn server
on its own temporary SQLite database. Screenshots go to ``artifacts/`` for people to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lanyan.core.config import Settings
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from browser_support import (
    ARTIFACTS,
    free_port,
    fresh_database,
    launch,
    live_server,
    require_chromium,
)
from support import DAFENG, PASSWORD, TINGHU, add_user, seed_region, uscc

pytestmark = pytest.mark.browser

# Dafeng's test outline and the street grid drawn inside it (WGS84 degrees).
WEST, SOUTH, EAST, NORTH = 120.42, 33.15, 120.54, 33.25
HYDRANT_STATUSES = ["intact"] * 6 + ["damaged"] * 3 + ["missing"] * 2


@dataclass(frozen=True)
class Seeded:
    base_url: str
    hydrants: int
    roads: int
    stations: int
    units: int


def _line(points: list[tuple[float, float]]) -> str:
    coords = ",".join(f"[{x:.5f},{y:.5f}]" for x, y in points)
    return f'{{"type":"LineString","coordinates":[{coords}]}}'


def _seed(uow: Any) -> tuple[int, int, int, int]:
    """Dafeng with an outline, a street grid, stations, hydrants of each status and units."""
    seed_region(uow)
    add_user(uow, "commander", "commander", DAFENG)
    create = service.create
    with uow() as s:
        jur = service.list_rows(s, get_type("jurisdictions"), EVERYWHERE, q=DAFENG).items[0]
        outline = (
            f'{{"type":"Polygon","coordinates":[[[{WEST},{SOUTH}],[{EAST},{SOUTH}],'
            f"[{EAST},{NORTH}],[{WEST},{NORTH}],[{WEST},{SOUTH}]]]}}"
        )
        service.update(
            s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, jur.id, {"boundary": outline}
        )
        roads = 0
        for i, lat in enumerate([33.17, 33.19, 33.20, 33.21, 33.23]):
            road_class = "arterial" if lat == 33.20 else ("secondary" if i % 2 else "local")
            for k, lon in enumerate([120.43, 120.46, 120.49]):
                roads += 1
                create(
                    s,
                    get_type("roads"),
                    SYSTEM,
                    EVERYWHERE,
                    {
                        "code": f"R-EW-{i}-{k}",
                        "name": f"东西{i}路",
                        "road_class": road_class,
                        "speed_kmh": 40,
                        "jurisdiction_code": DAFENG,
                        "geometry": _line([(lon, lat), (lon + 0.03, lat)]),
                    },
                )
        for i, lon in enumerate([120.44, 120.47, 120.50, 120.53]):
            roads += 1
            create(
                s,
                get_type("roads"),
                SYSTEM,
                EVERYWHERE,
                {
                    "code": f"R-NS-{i}",
                    "name": f"南北{i}路",
                    "road_class": "expressway" if i == 3 else "arterial",
                    "speed_kmh": 50,
                    "jurisdiction_code": DAFENG,
                    "geometry": _line([(lon, 33.16), (lon, 33.24)]),
                },
            )
        stations = [("existing", None), ("under_construction", 2026), ("planned", 2028)]
        for i, (status, year) in enumerate(stations):
            create(
                s,
                get_type("stations"),
                SYSTEM,
                EVERYWHERE,
                {
                    "code": f"S-{i}",
                    "name": f"大丰{['特勤', '城东', '港区'][i]}消防站",
                    "station_class": ["special_service", "class1", "class2"][i],
                    "force_type": "national",
                    "status": status,
                    "planned_year": year,
                    "lon": 120.455 + i * 0.03,
                    "lat": 33.205,
                    "jurisdiction_code": DAFENG,
                },
            )
        for i, status in enumerate(HYDRANT_STATUSES):
            create(
                s,
                get_type("water-sources"),
                SYSTEM,
                EVERYWHERE,
                {
                    "code": f"H-{i:03d}",
                    "kind": "municipal_hydrant",
                    "status": status,
                    "lon": 120.435 + (i % 6) * 0.018,
                    "lat": 33.175 + (i // 6) * 0.04,
                    "address": f"东西路{i}号",
                    "pressure_mpa": 0.25,
                    "jurisdiction_code": DAFENG,
                },
            )
        # Outside the user's county: must not reach the user's map.
        create(
            s,
            get_type("water-sources"),
            SYSTEM,
            EVERYWHERE,
            {
                "code": "H-TINGHU",
                "kind": "municipal_hydrant",
                "status": "intact",
                "lon": 120.19,
                "lat": 33.39,
                "jurisdiction_code": TINGHU,
            },
        )
        categories = ["key", "crowded", "nine_small", "high_risk"]
        for i, category in enumerate(categories):
            create(
                s,
                get_type("units"),
                SYSTEM,
                EVERYWHERE,
                {
                    "code": uscc(DAFENG, i + 1),
                    "name": f"测试单位{i + 1}",
                    "category": category,
                    "lon": 120.445 + i * 0.025,
                    "lat": 33.195,
                    "jurisdiction_code": DAFENG,
                },
            )
    return len(HYDRANT_STATUSES), roads, len(stations), len(categories)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    require_chromium()
    folder = tmp_path_factory.mktemp("browser")
    url, counts = fresh_database(folder, _seed)
    settings = Settings(environment="test", database_url=url, data_dir=folder)
    with live_server(settings, free_port()) as base:
        yield Seeded(base, *counts)


def test_map_draws_toggles_and_inspects(seeded: Seeded) -> None:
    from playwright.sync_api import expect, sync_playwright

    errors: list[str] = []
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(seeded.base_url + "/")
            expect(page).to_have_url(seeded.base_url + "/login?next=/")
            page.screenshot(path=str(ARTIFACTS / "login.png"))
            page.fill("input[name=username]", "commander")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(seeded.base_url + "/")
            expect(page.locator("#map")).to_have_attribute("data-ready", "true")
            expect(page.locator(".brand-name")).to_have_text("蓝焰智慧消防平台")

            hydrants = page.locator("path.feature-water-sources")
            water = page.locator('.layer-toggle[data-layer="water-sources"]')
            expect(hydrants).to_have_count(seeded.hydrants)  # the Tinghu hydrant is out of scope
            expect(water).to_have_attribute("data-drawn", str(seeded.hydrants))
            expect(page.locator("path.feature-stations")).to_have_count(seeded.stations)
            expect(page.locator("path.feature-units")).to_have_count(seeded.units)
            roads = page.locator('.layer-toggle[data-layer="roads"]')
            expect(roads).to_have_attribute("data-drawn", str(seeded.roads))
            expect(page.locator(".leaflet-boundaries-pane path")).to_have_count(1)
            page.screenshot(path=str(ARTIFACTS / "map.png"))

            water.locator("input").uncheck()
            expect(hydrants).to_have_count(0)
            expect(water).to_have_attribute("data-drawn", "0")
            water.locator("input").check()
            expect(hydrants).to_have_count(seeded.hydrants)

            popup = page.locator(".leaflet-popup-content")
            outline = page.locator(".leaflet-boundaries-pane path").bounding_box()
            assert outline is not None
            page.mouse.click(outline["x"] + 25, outline["y"] + 25)  # inside, off every road
            expect(popup).to_contain_text("大丰区")
            page.keyboard.press("Escape")
            expect(popup).to_have_count(0)

            page.locator("path.feature-stations").first.click()
            expect(popup).to_be_visible()
            expect(popup).to_contain_text("大丰特勤消防站")
            expect(popup).to_contain_text("特勤消防站")  # the station class
            page.screenshot(path=str(ARTIFACTS / "map-popup.png"), animations="disabled")

            popup.locator("a.popup-link").click()
            expect(page.locator("h1")).to_have_text("大丰特勤消防站")
            expect(page.locator("#minimap .leaflet-interactive").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "station-detail.png"))

            page.goto(seeded.base_url + "/registry/water-sources/new")
            page.fill("#f-code", "H-NEW")
            page.fill("#f-pressure_mpa", "9")
            page.click("form.form-grid button[type=submit]")
            expect(page.locator('[data-field="pressure_mpa"] .field-error')).to_be_visible()
            expect(page.locator('[data-field="lon"] .field-error')).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "form-errors.png"), full_page=True)

            page.click("#lang-switch")
            expect(page.locator(".logout button")).to_have_text("Sign out")
            page.goto(seeded.base_url + "/registry/water-sources")
            expect(page.locator("#rows tbody tr")).to_have_count(seeded.hydrants)
            page.screenshot(path=str(ARTIFACTS / "water-sources-en.png"))

            page.goto(seeded.base_url + "/docs")  # Swagger UI from local assets, offline
            # the first request builds the OpenAPI document (about 2 s, cached after)
            expect(page.locator(".swagger-ui .title").first).to_contain_text(
                "Lanyan", timeout=30_000
            )
        finally:
            browser.close()
    assert errors == [], errors
