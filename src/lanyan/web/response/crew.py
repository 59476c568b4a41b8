"""The crew terminal (移动作战终端): a phone page per vehicle with its current assignment (the
incident, the road route from where the vehicle is, water, building facts, the pre-plan) and
the buttons 出动 → 途中 → 到场 → 出水 → 控制 → 返回 → 归队.

A shell like the station terminal: it reads ``/api/crew/{code}``, moves with
``/api/dispatches/{id}/status`` and, when the phone allows, sends its geolocation to
``/api/vehicles/{code}/position``; all scoped and authorised as the API is (a user whose
jurisdiction holds the vehicle's station, see :mod:`lanyan.response.crew_service`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.registry.choices import VehicleType, WaterSourceKind
from lanyan.response import crew_service, incidents
from lanyan.response.choices import CrewStatus, IncidentType
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)
Reader = Annotated[CurrentUser, require(incidents.SLUG, "read")]

WORDS: dict[str, tuple[str, str]] = {
    "crew_title": ("移动作战终端", "Crew terminal"),
    "crew_link": ("移动作战终端", "Crew terminal"),
    "crew_station_link": ("消防站出动终端", "Station turnout terminal"),
    "crew_none": ("当前无出动任务", "No current assignment"),
    "crew_status": ("车辆状态", "Vehicle status"),
    "crew_incident": ("警情", "Incident"),
    "crew_address": ("地址", "Address"),
    "crew_type": ("类型", "Type"),
    "crew_level_n": ("{n} 级", "Level {n}"),
    "crew_route": ("路线", "Route"),
    "crew_route_from_position": ("从车辆当前位置出发", "From the vehicle's current position"),
    "crew_route_from_station": ("从本站出发", "From the station"),
    "crew_route_to_station": ("返回本站", "Back to the station"),
    "crew_route_eta": ("道路距离 {d} 米，约 {m} 分钟", "{d} m by road, about {m} min"),
    "crew_route_none": ("无道路路线", "No road route"),
    "crew_water": ("附近水源", "Water nearby"),
    "crew_water_none": ("500 米内无可用水源", "No usable water within 500 m"),
    "crew_meters": ("米", "m"),
    "crew_place": ("建筑信息", "Building"),
    "crew_height": ("高度 {h} 米", "{h} m high"),
    "crew_floors": ("地上 {a} 层，地下 {b} 层", "{a} floors above, {b} below"),
    "crew_high_rise": ("高层建筑", "High-rise"),
    "crew_place_none": ("无建筑信息", "No building on record"),
    "crew_unit_contact": ("单位联系人", "Unit contact"),
    "crew_preplan": ("预案", "Pre-plan"),
    "crew_preplan_open": ("查看预案", "Open pre-plan"),
    "crew_preplan_none": ("无预案", "None"),
    "crew_times": ("时间记录", "Times"),
    "crew_response": ("响应时间（出动→到场）", "Response time (turnout → on scene)"),
    "crew_minutes": ("{m} 分 {s} 秒", "{m} min {s} s"),
    "crew_done": ("本次出动已归队", "Back at station: this turnout is done"),
    "crew_failed": ("操作失败", "Failed"),
    "crew_gps_on": ("定位已开启", "Location on"),
    "crew_gps_off": ("未开启定位", "Location off"),
    "crew_gps_sent": ("已上报位置 {t}", "Position sent {t}"),
    "crew_refresh": ("刷新", "Refresh"),
}


@router.get("/crew/{code}", response_class=HTMLResponse)
def crew_terminal(code: str, request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    vehicle = crew_service.vehicle_in_scope(session, user.scope, code)
    config = {
        "vehicle": vehicle.code,
        "canMove": roles.can_write(user.role, incidents.SLUG),
        "canLocate": roles.can_write(user.role, "vehicles"),
        "statuses": {s.value: (s.zh if zh else s.en) for s in CrewStatus},
        "types": {t.value: (t.zh if zh else t.en) for t in IncidentType},
        "vehicleTypes": {t.value: (t.zh if zh else t.en) for t in VehicleType},
        "waterKinds": {k.value: (k.zh if zh else k.en) for k in WaterSourceKind},
        "tileUrl": request.app.state.settings.tile_url,
        "words": {key: ui.t(key) for key in WORDS},
        "lang": ui.lang,
    }
    return render(request, "response/crew.html", user, vehicle=vehicle, config=config)
