"""The monitoring centre pages (监控中心): the live alarm desk with device status by unit, the
quarantine of unknown senders (隔离区), and a device's page (设备详情: its messages per day and
latest alarms).

The desk and the quarantine are shells; every read and write goes through
``/api/monitoring/…`` from ``static/js/monitoring.js`` (live updates arrive as server-sent
events), so the pages obey the same validation, scoping and audit as the API. The device page
is read-only and drawn on the server from the same view as its API
(``/api/monitoring/devices/{code}/history``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, UserDep, permit, require
from lanyan.core.timeutil import local_today
from lanyan.monitoring import history
from lanyan.monitoring.choices import AlarmStatus, QuarantineStatus, SignalKind
from lanyan.monitoring.signals import NOT_ALARMS
from lanyan.monitoring.views import DEVICE_STATUS, device_history
from lanyan.web.i18n import message, pick
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)

ALARMS, QUARANTINE, MONITORING = "alarms", "quarantine", "monitoring"
SITE = "alarm-site"  # 现场确认 by a unit's control room (消控室值班员)

WORDS: dict[str, tuple[str, str]] = {
    "mon_nav": ("监控中心", "Monitoring"),
    "mon_nav_desk": ("报警监控", "Alarm desk"),
    "mon_nav_quarantine": ("设备隔离区", "Quarantine"),
    "mon_title": ("消防物联网监控中心", "Fire IoT monitoring centre"),
    "mon_live": ("实时报警", "Live alarms"),
    "mon_connected": ("实时连接正常", "Live"),
    "mon_reconnecting": ("连接中断，正在重连…", "Connection lost, reconnecting…"),
    "mon_open_fires": ("未处理火警", "Unhandled fires"),
    "mon_open_faults": ("未处理故障", "Unhandled faults"),
    "mon_only_open": ("仅显示未处理/已确认", "Open alarms only"),
    "mon_kind": ("类型", "Kind"),
    "mon_status": ("状态", "Status"),
    "mon_confirm": ("确认火警", "Confirm fire"),
    "mon_false": ("误报", "False alarm"),
    "mon_ack": ("确认", "Acknowledge"),
    "mon_note": ("处置说明", "Note"),
    "mon_note_hint": ("如：视频复核、现场核查结果", "e.g. what the video or the site check showed"),
    "mon_submit": ("提交", "Submit"),
    "mon_cancel": ("取消", "Cancel"),
    "mon_escalated": ("超时升级", "Escalated"),
    "mon_test_bit": ("测试位", "Test bit"),
    "mon_unverified": ("未登记设备", "Unregistered sender"),
    "mon_bind": ("绑定设备", "Bind to device"),
    "mon_bind_hint": ("已登记设备编码", "Registered device code"),
    "mon_q_fire": ("报过火警 {n} 起", "{n} fire alarm(s)"),
    "mon_q_open_fire": ("未处理火警 {n} 起", "{n} open fire alarm(s)"),
    "mon_reset_at": ("已复位 {t}", "Panel reset at {t}"),
    "mon_offline_group": ("{n} 台设备离线", "{n} device(s) offline"),
    "mon_offline_acked": ("已确认 {n}", "{n} acknowledged"),
    "mon_offline_since": ("最早离线", "First offline"),
    "mon_offline_expand": ("展开设备", "Show devices"),
    "mon_offline_collapse": ("收起", "Hide"),
    "mon_no_unit": ("未关联单位", "No unit"),
    "mon_repeats": ("重复 {n} 次", "{n} repeats"),
    "mon_raised": ("报警时间", "Raised"),
    "mon_handled": ("处置", "Handled"),
    "mon_no_alarms": ("当前没有报警。", "No alarms."),
    "mon_more": ("加载更多", "Load more"),
    "mon_units": ("单位设备状态", "Devices by unit"),
    "mon_unit_shown": ("已显示 {n} / {total} 个单位", "{n} of {total} units shown"),
    "mon_unit": ("单位", "Unit"),
    "mon_devices": ("设备数", "Devices"),
    "mon_online_rate": ("在线率", "Online"),
    "mon_faults": ("故障", "Faults"),
    "mon_false_rate": ("误报率", "False alarms"),
    "mon_connection": ("重点单位联网接入率", "Key units connected"),
    "mon_device": ("设备", "Device"),
    "mon_last_heartbeat": ("最近心跳", "Last heartbeat"),
    "mon_building": ("建筑", "Building"),
    "mon_location": ("部位", "Location"),
    "mon_on_map": ("地图", "Map"),
    "mon_q_title": ("设备隔离区", "Quarantine of unknown senders"),
    "mon_q_hint": (
        "未登记的设备发来的报文先进入隔离区：核实后绑定到已登记的设备（接纳），或拒绝。",
        "Messages from unregistered senders wait here: bind a sender to a registered device "
        "(accept) or reject it.",
    ),
    "mon_q_address": ("地址", "Address"),
    "mon_q_protocol": ("协议", "Protocol"),
    "mon_q_frames": ("报文数", "Messages"),
    "mon_q_first": ("首次", "First seen"),
    "mon_q_last": ("最近", "Last seen"),
    "mon_q_peer": ("来源", "Peer"),
    "mon_q_device_code": ("设备编码", "Device code"),
    "mon_q_accept": ("接纳", "Accept"),
    "mon_q_reject": ("拒绝", "Reject"),
    "mon_q_empty": ("隔离区为空。", "The quarantine is empty."),
    "mon_dev_title": ("设备详情", "Device"),
    "mon_dev_addresses": ("报文地址", "Addresses"),
    "mon_dev_installed": ("安装日期", "Installed"),
    "mon_dev_range": ("时段", "Period"),
    "mon_dev_days": ("近 {n} 天", "Last {n} days"),
    "mon_dev_heard": ("有报文天数", "Days heard from"),
    "mon_dev_silent": ("无报文天数", "Silent days"),
    "mon_dev_frames": ("报文总数", "Messages"),
    "mon_dev_per_day": ("每日报文（设备在线记录）", "Messages per day"),
    "mon_dev_day": ("日期", "Day"),
    "mon_dev_first": ("首条", "First"),
    "mon_dev_last": ("末条", "Last"),
    "mon_dev_alarms": ("最近报警", "Latest alarms"),
    "mon_dev_no_alarms": ("该设备没有报警记录。", "No alarms from this device."),
    "mon_dev_note": (
        "超过保留期的运行状态报文按日汇总保存（条数、首条与末条时间）；报警与故障报文始终保留。",
        "Running-state reports older than the retention period are kept as daily totals "
        "(count, first and last); alarm and fault messages are always kept.",
    ),
    "mon_dev_back": ("返回监控中心", "Back to the monitoring centre"),
    "layer_alarms": ("实时报警", "Live alarms"),
    "mon_site": ("现场确认", "On-site check"),
    "mon_site_fire": ("现场确认：真实火警", "On site: real fire"),
    "mon_site_false": ("现场确认：误报", "On site: false alarm"),
    "mon_site_test": ("现场确认：测试", "On site: test"),
    "mon_site_after": ("报警后 {s} 秒", "{s} s after the alarm"),
    "mon_site_hint": (
        "现场确认由单位消控室记录，不关闭火警：由监控中心人员确认火警或标记误报。",
        "The unit's control room records its on-site check; it does not close the fire alarm: "
        "the centre confirms it or marks it false.",
    ),
}
QuarantineReader = Annotated[CurrentUser, require(QUARANTINE, "read")]
MonitoringReader = Annotated[CurrentUser, require(MONITORING, "read")]


def _text(lang: str) -> dict[str, str]:
    return {key.removeprefix("mon_"): message(key, lang) for key in WORDS}


@router.get("/monitoring", response_class=HTMLResponse)
def centre(request: Request, user: UserDep) -> HTMLResponse:
    # Unit managers read devices' status and figures only, not the alarm desk.
    if not roles.can_read(user.role, ALARMS):
        permit(user, MONITORING, "read")
    ui = ui_for(request, user)
    config = {
        "lang": ui.lang,
        "canAlarms": roles.can_read(user.role, ALARMS),
        "canHandle": roles.can_write(user.role, ALARMS),
        "canSite": roles.can_write(user.role, SITE),
        "canBind": roles.can_write(user.role, QUARANTINE),
        "canStats": roles.can_read(user.role, MONITORING),
        "text": _text(ui.lang),
        "kinds": {k.value: {"label": ui.choice(k), "color": k.color} for k in SignalKind},
        "statuses": {s.value: {"label": ui.choice(s), "color": s.color} for s in AlarmStatus},
        "deviceStatus": {k: pick(v, ui.lang) for k, v in DEVICE_STATUS.items()},
    }
    alarm_kinds = [k for k in SignalKind if k not in NOT_ALARMS]
    return render(
        request,
        "monitoring/centre.html",
        user,
        config=config,
        kinds=alarm_kinds,
        statuses=list(AlarmStatus),
    )


@router.get("/monitoring/quarantine", response_class=HTMLResponse)
def quarantine(request: Request, user: QuarantineReader) -> HTMLResponse:
    ui = ui_for(request, user)
    config = {
        "lang": ui.lang,
        "canWrite": roles.can_write(user.role, QUARANTINE),
        "text": _text(ui.lang),
        "statuses": {s.value: {"label": ui.choice(s), "color": s.color} for s in QuarantineStatus},
    }
    return render(request, "monitoring/quarantine.html", user, config=config)


RANGES = (7, 30, 90)


@router.get("/monitoring/devices/{device_code}", response_class=HTMLResponse)
def device_page(
    request: Request,
    device_code: str,
    session: SessionDep,
    user: MonitoringReader,
    days: int = Query(default=history.DEFAULT_DAYS),
) -> HTMLResponse:
    """One device: status, messages per day over a period (设备在线记录), latest alarms."""
    ui = ui_for(request, user)
    result = device_history(session, user.scope, device_code, days, local_today())

    def local(iso: str | None) -> str:
        return ui.time(datetime.fromisoformat(iso)) if iso else "—"

    for day in result["days"]:
        day["first_local"], day["last_local"] = local(day["first_seen"]), local(day["last_seen"])
    for alarm in result["alarms"]:
        alarm["raised_local"] = local(alarm["raised_at"])
        alarm["reset_local"] = local(alarm["reset_at"])
    chart = {
        "lang": ui.lang,
        "days": [d["day"] for d in result["days"]],
        "frames": [d["frames"] for d in result["days"]],
        "text": _text(ui.lang),
    }
    return render(
        request,
        "monitoring/device.html",
        user,
        result=result,
        days=days,
        ranges=RANGES if days in RANGES else (*RANGES, days),
        chart=chart,
        last_heartbeat=local(result["device"]["last_heartbeat"]),
    )
