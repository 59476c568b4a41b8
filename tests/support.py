"""Helpers shared by tests: seeding the test region, sample inputs per object type, log-in,
the kill -9 tests' check."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from lanyan.accounts.service import bind_user_unit, create_user
from lanyan.core.codes import uscc_with_check_digit
from lanyan.monitoring.gb26875 import encode, encode_appdata
from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from conftest import FIXTURES

REGION = json.loads((FIXTURES / "region.json").read_text(encoding="utf-8"))
PASSWORD = "correct-horse-battery"
DAFENG, TINGHU = "320904", "320902"


def seed_region(uow: Any) -> None:
    with uow() as s:
        for j in REGION["jurisdictions"]:
            service.create(s, get_type("jurisdictions"), SYSTEM, EVERYWHERE, j)


def add_user(uow: Any, username: str, role: str, jurisdiction_code: str) -> None:
    with uow() as s:
        create_user(
            s,
            SYSTEM,
            EVERYWHERE,
            {
                "username": username,
                "password": PASSWORD,
                "role": role,
                "jurisdiction_code": jurisdiction_code,
            },
        )


def bind_unit(uow: Any, username: str, unit_code: str) -> None:
    """Bind a unit safety manager to a unit (their unit scope)."""
    with uow() as s:
        bind_user_unit(s, SYSTEM, EVERYWHERE, username, unit_code)


def login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return {"Authorization": f"Bearer {r.json()['token']}"}


def uscc(county: str, n: int) -> str:
    return uscc_with_check_digit(f"91{county}MA{n:06d}0"[:17])


LINE = '{{"type":"LineString","coordinates":[[{lon},{lat}],[{lon2},{lat}]]}}'
POLY = (
    '{{"type":"Polygon","coordinates":[[[{lon},{lat}],[{lon2},{lat}],[{lon2},{lat2}],'
    "[{lon},{lat2}],[{lon},{lat}]]]}}"
)


def sample(slug: str, county: str, n: int = 1) -> dict[str, Any]:
    """A valid Create payload for ``slug`` inside ``county`` (code made unique by ``n``)."""
    p = REGION["places"][county]
    lon, lat = p["lon"] + n * 0.001, p["lat"]
    geo = {"lon": lon, "lat": lat, "lon2": lon + 0.01, "lat2": lat + 0.01}
    tag = f"{county}-{n}"
    return {
        "jurisdictions": {
            "code": f"{county}{200 + n:03d}",
            "name": f"测试镇{n}",
            "level": "town",
            "parent_code": county,
        },
        "populations": {
            "code": f"POP-{tag}",
            "jurisdiction_code": county,
            "year": 2024,
            "population": 700000 + n,
            "is_assumed": True,
            "source": "test",
        },
        "grids": {
            "code": f"G-{tag}",
            "name": f"网格{n}",
            "jurisdiction_code": p["town"],
            "boundary": POLY.format(**geo),
        },
        "grid-workers": {
            "code": f"GW-{tag}",
            "name": f"网格员{n}",
            "phone": "13800000000",
            "grid_code": f"G-{tag}",
        },
        "units": {
            "code": uscc(county, n),
            "name": f"测试单位{n}",
            "category": "key",
            "lon": lon,
            "lat": lat,
            "jurisdiction_code": county,
        },
        "buildings": {
            "code": f"B-{tag}",
            "name": f"测试大楼{n}",
            "jurisdiction_code": county,
            "lon": lon,
            "lat": lat,
            "height_m": 60,
            "floors_above": 20,
            "use": "public",
            "fire_systems": ["automatic_alarm", "sprinkler"],
        },
        "stations": {
            "code": f"S-{tag}",
            "name": f"测试消防站{n}",
            "station_class": "class1",
            "force_type": "national",
            "status": "existing",
            "lon": lon,
            "lat": lat,
            "jurisdiction_code": county,
        },
        "vehicles": {
            "code": f"V-{tag}",
            "vehicle_type": "water_tender",
            "station_code": f"S-{tag}",
            "pump_flow_lps": 60,
            "water_tank_l": 8000,
        },
        "personnel": {
            "code": f"P-{tag}",
            "station_code": f"S-{tag}",
            "category": "national",
            "count": 30,
            "as_of": "2025-01-01",
        },
        "water-sources": {
            "code": f"H-{tag}",
            "kind": "municipal_hydrant",
            "status": "intact",
            "lon": lon,
            "lat": lat,
            "jurisdiction_code": county,
            "pressure_mpa": 0.2,
        },
        "fire-lanes": {
            "code": f"FL-{tag}",
            "name": f"通道{n}",
            "jurisdiction_code": county,
            "geometry": LINE.format(**geo),
            "width_m": 5,
            "clearance_m": 5,
        },
        "devices": {
            "code": f"D-{tag}",
            "kind": "user_info_transmission",
            "protocol": "gb26875",
            "jurisdiction_code": county,
        },
        "landmarks": {
            "code": f"LM-{tag}",
            "name": f"测试广场{n}",
            "category": "square",
            "aliases": "老广场、人民广场",
            "address": f"测试路{n}号",
            "lon": lon,
            "lat": lat,
            "jurisdiction_code": county,
        },
        "maintenance-companies": {
            "code": uscc(county, 500 + n),
            "name": f"测试维保公司{n}",
            "jurisdiction_code": county,
            "phone": "0515-83000000",
            "cert_number": f"苏消技{n:04d}",
            "cert_level": "class2",
            "cert_valid_until": "2030-12-31",
        },
        "roads": {
            "code": f"R-{tag}",
            "name": f"测试路{n}",
            "road_class": "arterial",
            "speed_kmh": 50,
            "geometry": LINE.format(**geo),
            "jurisdiction_code": county,
        },
    }[slug]


PREREQUISITES = {"grid-workers": ["grids"], "vehicles": ["stations"], "personnel": ["stations"]}


def create_sample(uow: Any, slug: str, county: str, n: int = 1) -> int:
    """Create ``slug``'s sample (and what it needs) directly through the service; return its id."""
    with uow() as s:
        for pre in PREREQUISITES.get(slug, []):
            service.create(s, get_type(pre), SYSTEM, EVERYWHERE, sample(pre, county, n))
        row = service.create(s, get_type(slug), SYSTEM, EVERYWHERE, sample(slug, county, n))
        return row.id


# A field each type can change in an update test, with a valid new value.
CHANGE = {
    "jurisdictions": ("name", "改名镇"),
    "populations": ("population", 710000),
    "grids": ("name", "新网格"),
    "grid-workers": ("phone", "13900000000"),
    "units": ("name", "改名单位"),
    "buildings": ("height_m", 80.0),
    "stations": ("name", "改名消防站"),
    "vehicles": ("status", "maintenance"),
    "personnel": ("count", 35),
    "water-sources": ("status", "damaged"),
    "fire-lanes": ("is_marked", True),
    "devices": ("status", "online"),
    "landmarks": ("category", "park"),
    "roads": ("speed_kmh", 40.0),
    "maintenance-companies": ("cert_level", "class1"),
}


def assert_confirmed_frames_stored_once(sessions: Any, stats: Any, frames: int) -> None:
    """After a simulator run (``stats``) of ``frames`` reports: every frame a device had
    confirmed is in ``monitoring_events``, and nothing is stored twice."""
    from sqlalchemy import func, select

    from lanyan.monitoring.models import MonitoringEvent

    assert stats.failed == 0 and stats.confirmed == frames
    with sessions() as s:
        rows = s.execute(
            select(MonitoringEvent.source, MonitoringEvent.serial, func.count()).group_by(
                MonitoringEvent.source, MonitoringEvent.serial
            )
        ).all()
    stored = {(source, serial): n for source, serial, n in rows}
    confirmed = {
        (address.to_bytes(6, "little").hex(), serial)
        for address, serials in stats.confirmed_serials.items()
        for serial in serials
    }
    assert len(confirmed) == frames
    assert confirmed <= stored.keys(), sorted(confirmed - stored.keys())[:5]
    assert all(n == 1 for n in stored.values())


def heartbeat_frame(serial: int, at: datetime, source: bytes) -> bytes:
    """A GB/T 26875.3 running-state report (运行状态, type 21) from ``source``: the heartbeat
    that group commit stores most and retention folds into day rows."""
    return encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(21, [{"state": 1, "time": at}]),
        timestamp=at,
    )


def component_state_frame(
    source: bytes, at: datetime, state: int, address: int, description: str, serial: int = 1
) -> bytes:
    """A GB/T 26875.3 component-state upload (部件运行状态, type 2) from ``source``: one
    smoke detector (type 42) at ``address`` in ``state`` (0b11 fire, the fault bit a fault)."""
    component = {
        "system_type": 1,
        "system_address": 1,
        "component_type": 42,
        "component_address": address,
        "state": state,
        "description": description,
        "time": at,
    }
    return encode(
        serial=serial,
        command=2,
        source=source,
        destination=0,
        payload=encode_appdata(2, [component]),
        timestamp=at,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (for servers a test starts)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loaded_image_width(page: Any, selector: str) -> int:
    """The natural width of the first image matching ``selector`` once it has decoded.

    ``naturalWidth`` is 0 until the browser has fetched and decoded the image, so
    reading it straight after the element appears races the download; a broken
    image never completes, and the wait times out naming the selector.
    """
    script = (
        "sel => { const i = document.querySelector(sel);"
        " return !!i && i.complete && i.naturalWidth > 0; }"
    )
    page.wait_for_function(script, arg=selector, timeout=10_000)
    return int(page.evaluate("sel => document.querySelector(sel).naturalWidth", selector))
