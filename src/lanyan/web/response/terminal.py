"""The station terminal (消防站出动终端): the station's turnout orders (出动指令) as they arrive,
with an audible alert, the printable 出车单, and the 签收 button.

A shell like the board: the orders come from ``/api/stations/{code}/orders/stream`` (SSE) and the
acknowledgement goes to ``/api/dispatches/{id}/acknowledge``, both scoped and authorised as the
API is. Who may open it: a user whose jurisdiction holds the station (a station's duty officer is
a dispatcher scoped to the station's jurisdiction), see :mod:`lanyan.response.turnout`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.registry.choices import VehicleType, WaterSourceKind
from lanyan.response import incidents, turnout
from lanyan.response.choices import IncidentType
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)
Reader = Annotated[CurrentUser, require(incidents.SLUG, "read")]

WORDS: dict[str, tuple[str, str]] = {
    "to_title": ("出动终端", "Turnout terminal"),
    "to_heading": ("出动指令", "Turnout orders"),
    "to_sheet": ("出车单", "Turnout sheet"),
    "to_waiting": ("等待出动指令…", "Waiting for turnout orders…"),
    "to_connected": ("已连接", "Connected"),
    "to_reconnecting": ("连接中断，正在重连…", "Connection lost, reconnecting…"),
    "to_sound_on": ("启用提示音", "Enable alert sound"),
    "to_sound_ready": ("提示音已启用", "Alert sound on"),
    "to_sound_note": (
        "浏览器在用户点击前可能禁止播放声音，请先点击“启用提示音”。",
        "Browsers may block sound until you click: press “Enable alert sound” first.",
    ),
    "to_incident": ("警情编号", "Incident"),
    "to_address": ("地址", "Address"),
    "to_type": ("类型", "Type"),
    "to_level": ("等级", "Level"),
    "to_level_n": ("{n} 级", "Level {n}"),
    "to_vehicles": ("出动车辆", "Vehicles"),
    "to_crew": ("作战终端", "Crew terminal"),
    "to_route": ("路线", "Route"),
    "to_route_road": ("道路距离 {d} 米，预计 {m} 分钟到达", "{d} m by road, ETA {m} min"),
    "to_route_eta": ("预计 {m} 分钟到达", "ETA {m} min"),
    "to_route_line": ("直线距离 {d} 米", "{d} m straight line"),
    "to_route_none": ("无路线信息", "No route information"),
    "to_eta_recommendation": ("（调派时推荐）", "(from the recommendation)"),
    "to_eta_road": ("（道路计算）", "(road router)"),
    "to_water": ("水源", "Water"),
    "to_water_none": ("500 米内无可用水源", "No usable water within 500 m"),
    "to_meters": ("米", "m"),
    "to_preplan": ("预案", "Pre-plan"),
    "to_preplan_open": ("查看预案", "Open pre-plan"),
    "to_preplan_none": ("无预案", "None"),
    "to_dispatched": ("下达时间", "Issued"),
    "to_ack": ("签收", "Acknowledge"),
    "to_acked": ("已签收", "Acknowledged"),
    "to_print": ("打印", "Print"),
    "to_paper_a4": ("A4 纸", "A4"),
    "to_paper_receipt": ("80 毫米小票", "80 mm receipt"),
    "to_failed": ("操作失败", "Failed"),
    # The board's block of orders the station has not acknowledged in time.
    "to_late": ("超时未签收的出动指令", "Turnout orders not acknowledged in time"),
    "to_late_none": ("无超时未签收", "None overdue"),
    "to_late_note": ("下达后超过 {n} 秒未签收", "Not acknowledged {n} s after issue"),
    "to_late_more": ("另有 {n} 条未列出", "{n} more not listed"),
}


@router.get("/stations/{code}/terminal", response_class=HTMLResponse)
def terminal(code: str, request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    station = turnout.station_in_scope(session, user.scope, code)
    config = {
        "station": station.code,
        "canAck": roles.can_write(user.role, incidents.SLUG),
        "types": {t.value: (t.zh if zh else t.en) for t in IncidentType},
        "vehicleTypes": {t.value: (t.zh if zh else t.en) for t in VehicleType},
        "waterKinds": {k.value: (k.zh if zh else k.en) for k in WaterSourceKind},
        "words": {key: ui.t(key) for key in WORDS},
        "lang": ui.lang,
    }
    return render(request, "response/terminal.html", user, station=station, config=config)
