"""A small command-and-rescue world for tests: a road grid in Dafeng, stations of both counties,
vehicles and hydrants, created through the registry service."""

from __future__ import annotations

import json
from typing import Any

from lanyan.registry import service
from lanyan.registry.scope import EVERYWHERE
from lanyan.registry.types import get_type
from lanyan.store.audit import SYSTEM

from support import DAFENG, TINGHU, seed_region

LON0, LAT0, STEP = 120.47, 33.20, 0.005
N = 6  # 6 × 6 junctions, 0.005° (≈ 470 m east-west, 555 m north-south) apart


def node(i: int, j: int) -> tuple[float, float]:
    return (round(LON0 + i * STEP, 6), round(LAT0 + j * STEP, 6))


def _line(a: tuple[float, float], b: tuple[float, float]) -> str:
    return json.dumps({"type": "LineString", "coordinates": [list(a), list(b)]})


def build(uow: Any) -> dict[str, Any]:
    """Roads, stations S-DF1 (national, Dafeng), S-DF2 (micro, Dafeng), S-TH1 (Tinghu, inside
    the grid), S-FAR (off the network), their vehicles, and four hydrants (one damaged)."""
    seed_region(uow)
    create = lambda s, slug, data: service.create(s, get_type(slug), SYSTEM, EVERYWHERE, data)  # noqa: E731
    with uow() as s:
        k = 0
        for i in range(N):
            for j in range(N):
                for di, dj in ((1, 0), (0, 1)):
                    if i + di < N and j + dj < N:
                        k += 1
                        create(
                            s,
                            "roads",
                            {
                                "code": f"R{k:03d}",
                                "road_class": "local",
                                "speed_kmh": 36,
                                "geometry": _line(node(i, j), node(i + di, j + dj)),
                                "jurisdiction_code": DAFENG,
                            },
                        )
        stations = {
            "S-DF1": ("national", DAFENG, node(0, 0)),
            "S-DF2": ("micro", DAFENG, node(5, 5)),
            "S-TH1": ("national", TINGHU, node(5, 0)),
            "S-FAR": ("national", DAFENG, (121.5, 33.2)),
        }
        for code, (force, county, (lon, lat)) in stations.items():
            create(
                s,
                "stations",
                {
                    "code": code,
                    "name": f"{code}站",
                    "force_type": force,
                    "station_class": "class1" if force == "national" else None,
                    "status": "existing",
                    "lon": lon,
                    "lat": lat,
                    "jurisdiction_code": county,
                },
            )
        vehicles = [
            ("V-DF1-1", "water_tender", "S-DF1", None),
            ("V-DF1-2", "water_tender", "S-DF1", None),
            ("V-DF1-A", "aerial_platform", "S-DF1", 32.0),
            ("V-DF2-M", "motorcycle", "S-DF2", None),
            ("V-TH1-1", "water_tender", "S-TH1", None),
            ("V-TH1-2", "water_tender", "S-TH1", None),
            ("V-TH1-R", "rescue", "S-TH1", None),
            ("V-FAR-R", "rescue", "S-FAR", None),
        ]
        for code, vtype, station, height in vehicles:
            create(
                s,
                "vehicles",
                {
                    "code": code,
                    "vehicle_type": vtype,
                    "station_code": station,
                    "ladder_height_m": height,
                },
            )
        hydrants = [
            ("H-1", node(2, 2), "intact"),
            ("H-2", node(3, 2), "damaged"),
            ("H-3", node(0, 5), "intact"),
            ("H-4", node(5, 5), "intact"),
        ]
        for code, (lon, lat), status in hydrants:
            create(
                s,
                "water-sources",
                {
                    "code": code,
                    "kind": "municipal_hydrant",
                    "status": status,
                    "lon": lon,
                    "lat": lat,
                    "jurisdiction_code": DAFENG,
                },
            )
        create(
            s,
            "buildings",
            {
                "code": "B-TOWER",
                "name": "大丰大厦",
                "jurisdiction_code": DAFENG,
                "lon": node(2, 2)[0],
                "lat": node(2, 2)[1],
                "height_m": 30,
                "floors_above": 10,
                "use": "public",
            },
        )
    return {"stations": stations}


def add_plaza(uow: Any) -> dict[str, Any]:
    """A key unit 大丰广场 with its building B-PLAZA (high-rise, at junction (3, 3)) and two
    monitored devices; call after :func:`build`. Returns the ids."""
    from support import uscc

    create = lambda s, slug, data: service.create(s, get_type(slug), SYSTEM, EVERYWHERE, data)  # noqa: E731
    lon, lat = node(3, 3)
    with uow() as s:
        unit = create(
            s,
            "units",
            {
                "code": uscc(DAFENG, 77),
                "name": "大丰广场商业管理有限公司",
                "category": "key",
                "address": "大丰区幸福路88号",
                "lon": lon,
                "lat": lat,
                "jurisdiction_code": DAFENG,
                "responsible_person": "李四",
                "responsible_phone": "13900000001",
            },
        )
        building = create(
            s,
            "buildings",
            {
                "code": "B-PLAZA",
                "name": "大丰广场主楼",
                "unit_code": unit.code,
                "address": "大丰区幸福路88号",
                "jurisdiction_code": DAFENG,
                "lon": lon,
                "lat": lat,
                "height_m": 54,
                "floors_above": 18,
                "floors_below": 2,
                "use": "commercial",
                "fire_systems": ["automatic_alarm", "sprinkler"],
            },
        )
        devices = []
        for n, (kind, status) in enumerate(
            (("user_info_transmission", "online"), ("smoke_detector", "fault"))
        ):
            devices.append(
                create(
                    s,
                    "devices",
                    {
                        "code": f"D-PLAZA-{n}",
                        "kind": kind,
                        "protocol": "gb26875",
                        "status": status,
                        "unit_code": unit.code,
                        "building_code": building.code,
                        "jurisdiction_code": DAFENG,
                    },
                ).id
            )
        return {
            "unit_id": unit.id,
            "unit_code": unit.code,
            "building_id": building.id,
            "jurisdiction_id": unit.jurisdiction_id,
            "devices": devices,
        }


def fire_alarm(
    uow: Any,
    plaza: dict[str, Any],
    raised_at: Any,
    confirmed_at: Any | None = None,
    kind: str = "fire",
    location: str = "三层东侧烟感",
) -> int:
    """A fire alarm of the plaza's first device; confirmed (publishing ``fire_confirmed`` to the
    monitoring outbox) when ``confirmed_at`` is given. Returns the alarm id."""
    from lanyan.monitoring.handling import confirm_alarm
    from lanyan.monitoring.models import MonitoringAlarm

    with uow() as s:
        alarm = MonitoringAlarm(
            kind=kind,
            status="active",
            source="D-PLAZA-0",
            device_id=plaza["devices"][0],
            unit_id=plaza["unit_id"],
            building_id=plaza["building_id"],
            jurisdiction_id=plaza["jurisdiction_id"],
            point="1号回路005",
            location=location,
            raised_at=raised_at,
            last_seen=raised_at,
        )
        s.add(alarm)
        s.flush()
        alarm_id = alarm.id
    if confirmed_at is not None:
        with uow() as s:
            confirm_alarm(s, SYSTEM, EVERYWHERE, alarm_id, confirmed_at)
    return alarm_id


def preplan_body(unit_code: str, **extra: Any) -> dict[str, Any]:
    return {
        "unit_code": unit_code,
        "building_code": "B-PLAZA",
        "title": "大丰广场主楼灭火救援预案",
        "structure": "钢筋混凝土框架",
        "occupants_day": 1200,
        "occupants_night": 80,
        "key_parts": [
            {"name": "地下一层配电房", "location": "B1 东北角", "note": "断电后进入"},
            {"name": "三层影院", "location": "3F", "note": "人员密集"},
        ],
        "hazardous_materials": [{"name": "柴油", "quantity": "2 t", "location": "B2 发电机房"}],
        "sprinklers": "湿式系统，全楼覆盖；报警阀间在 B1",
        "hydrant_system": "室内消火栓每层 4 处；水泵接合器 2 个在北侧",
        "pump_room": "B2 西侧，2 台主泵 1 台稳压泵",
        "control_room": "一层东门旁，24 小时值班 0515-8888",
        "attack_notes": "从北侧登高场地展开云梯车；内攻走东侧消防电梯",
        "evacuation_notes": "影院散场通道两处，疏散至南广场",
        "forces": "水罐车 3、云梯车 1、抢险救援车 1",
        "contacts": [{"name": "王五", "role": "消防控制室", "phone": "0515-88880000"}],
        **extra,
    }
