"""The incident board (警情调度): open incidents, the new-incident form with a map pick, the
recommendation card, dispatch and timeline buttons.

The page is a shell; every read and write goes through ``/api/incidents…`` from
``static/js/incidents.js``, so the board obeys the same validation, scoping and audit as the API.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.registry import service as registry_service
from lanyan.registry.choices import VehicleStatus
from lanyan.response import incidents
from lanyan.response.choices import (
    CallKind,
    CancelReason,
    IncidentStatus,
    IncidentType,
    ReinforcementState,
    TimelineStep,
)
from lanyan.response.runcards import MAX_LEVEL
from lanyan.web.map.layers import home_of
from lanyan.web.render import render, ui_for

router = APIRouter(include_in_schema=False)
SNAP_M = 50  # a map click snaps to the nearest building this near (metres)
Reader = Annotated[CurrentUser, require(incidents.SLUG, "read")]

# Words of the reinforcement requests (跨区增援请求) on the board; the script reads them from the
# page's config in the user's language.
WORDS: dict[str, tuple[str, str]] = {
    "reinf_queue": ("待审批增援请求", "Reinforcement requests to answer"),
    "reinf_requests": ("跨区增援请求", "Reinforcement requests"),
    "reinf_none": ("暂无增援请求", "No reinforcement requests"),
    "reinf_request_btn": ("请求增援", "Request reinforcement"),
    "reinf_dispatch_btn": ("调派", "Dispatch"),
    "reinf_approve": ("批准", "Approve"),
    "reinf_refuse": ("拒绝", "Refuse"),
    "reinf_cancel": ("撤回", "Cancel"),
    "reinf_reason": ("理由（拒绝时必填）", "Reason (required to refuse)"),
    "reinf_from": ("请求方", "Requested by"),
    "reinf_to": ("增援辖区", "Asked of"),
    "reinf_busy": ("不可出动", "Cannot go"),
    "reinf_level": ("火警等级", "Alarm level"),
    "reinf_received": ("接警时间", "Call received"),
    "reinf_outside": ("辖区外车辆", "Outside your jurisdiction"),
    "reinf_skipped": (
        "辖区外车辆未调派：请先请求增援，经对方批准后调派。",
        "Vehicles outside your jurisdiction were not dispatched: request reinforcement and "
        "dispatch them once approved.",
    ),
    "reinf_sent": ("增援请求已发送", "Reinforcement request sent"),
    # The place of the call: one search box over the geocoder, or a map click.
    "geo_search": ("查找地点", "Find the place"),
    "geo_placeholder": (
        "地址、门牌、单位、建筑、路口、消防站…",
        "Address, house number, unit, building, junction, station…",
    ),
    "geo_searching": ("查找中…", "Searching…"),
    "geo_no_match": ("没有匹配的地点", "No place matches"),
    "geo_nearest": ("最接近的", "Closest"),
    "geo_choose": ("多个结果，请选择一个", "Several places match: choose one"),
    "geo_failed": ("查找失败", "Search failed"),
    "geo_point": ("位置", "Point"),
    "geo_picked": ("已选地点", "Picked"),
    "geo_snapped": ("已吸附到建筑", "Snapped to building"),
    "geo_snap_far": (
        "米内无建筑，使用点击位置",
        "m: no building nearer; the clicked point is used",
    ),
    "geo_metres": ("米", "m"),
    "geo_need_point": (
        "请先选择警情位置：搜索并选择地点，或在地图上点击",
        "Pick the place first: search and choose a hit, or click the map",
    ),
    "geo_pick_hint": (
        "搜索地点或在地图上点击选择警情位置",
        "Search for the place or click the map",
    ),
    "geo_confidence": ("匹配度", "match"),
    "geo_kind_building": ("建筑", "Building"),
    "geo_kind_unit": ("单位", "Unit"),
    "geo_kind_address": ("门牌", "Address"),
    "geo_kind_road": ("道路", "Road"),
    "geo_kind_junction": ("路口", "Junction"),
    "geo_kind_division": ("行政区划", "Division"),
    "geo_kind_station": ("消防站", "Station"),
    "geo_kind_hydrant": ("消防水源", "Water source"),
    "geo_kind_poi": ("地标", "Landmark"),
    "geo_why_code": ("编码一致", "code"),
    "geo_why_house_number": ("门牌号匹配", "house number"),
    "geo_why_nearest_number": ("无此门牌，最近门牌", "no such number: the nearest"),
    "geo_why_junction": ("两路交叉口", "junction of the two roads"),
    "geo_why_initials": ("拼音首字母", "pinyin initials"),
    "geo_why_nearest_road": ("名称最接近的道路", "the road with the closest name"),
    "geo_why_division_named": ("地址中的行政区划", "the division named in the text"),
    "geo_why_nearest_building": ("最近的建筑", "nearest building"),
    "geo_why_sounds_like": ("读音相同或相近", "sounds alike"),
    "geo_why_part_of": ("名称的一部分", "part of the name"),
    "geo_why_name": ("名称相近", "similar name"),
    "geo_why_alias": ("别名或地址相近", "alias or address"),
    # Why a run-card group is short ({n} vehicles, {h} metres of ladder).
    "short_unavailable": (
        "{n} 辆不可用（已出动或停用），已跳过",
        "{n} skipped: not available (committed or out of service)",
    ),
    "short_ladder_short": (
        "{n} 辆登高车高度不足 {h} 米，已跳过",
        "{n} skipped: ladder shorter than {h} m",
    ),
    "short_unreachable": (
        "{n} 辆所属消防站无道路可达，已跳过",
        "{n} skipped: station not reachable by road",
    ),
    "short_missing": ("尚缺 {n} 辆：无更多车辆可派", "{n} short: no further vehicle can be sent"),
    # Where a recommended vehicle starts ({n} minutes since its report, {km} from its station).
    "board_start": ("出发位置", "Starts from"),
    "start_station": ("从车库出发", "From the station"),
    "start_position": (
        "当前位置（{n} 分钟前上报，距车站 {km} km）",
        "Current position (reported {n} min ago, {km} km from the station)",
    ),
    # The incident's lifecycle on the board (修改, 多次报警, 合并, 撤销, 调整等级, 增派).
    "board_level": ("火警等级", "Alarm level"),
    "board_level_btn": ("调整等级", "Change level"),
    "board_received": ("接警时间", "Call received"),
    "board_floor": ("楼层", "Floor"),
    "board_floor_n": ("{n}层", "floor {n}"),
    "board_calls": ("报警记录", "Calls and alarms"),
    "board_edit": ("修改警情", "Edit the incident"),
    "board_building_code_edit": ("建筑编码", "Building code"),
    "board_edit_note": ("备注", "Note"),
    "board_save": ("保存修改", "Save"),
    "board_add_call": ("多次报警", "Further call"),
    "board_add_call_btn": ("记录报警", "Record the call"),
    "board_merge": ("合并重复警情", "Merge a duplicate"),
    "board_merge_into": ("并入警情", "Merge into"),
    "board_merge_btn": ("合并", "Merge"),
    "board_merge_none": ("没有其他在办警情", "No other open incident"),
    "board_reason": ("原因", "Reason"),
    "board_cancel": ("撤销警情", "Cancel the incident"),
    "board_cancel_btn": ("撤销", "Cancel"),
    "board_cancel_sent": (
        "已有车辆出动，不能撤销：归队后结案",
        "Vehicles were sent: the incident ends with their return, not a cancel",
    ),
    "board_reinforce": ("增派推荐车辆", "Send further recommended vehicles"),
    "board_merged_into": ("已并入", "Merged into"),
    # The board's own words (page, card, place facts).
    "board_damaged": ("损坏", "damaged"),
    "board_cross_district": ("跨区增援", "Cross-district"),
    "board_people": ("人", "people"),
    "board_height": ("高度", "Height"),
    "board_high_rise": ("高层", "high-rise"),
    "board_risk_grade": ("风险等级", "Risk grade"),
    "board_key_parts": ("重点部位", "Key parts"),
    "board_vehicle": ("车辆", "Vehicle"),
    "board_distance": ("距离", "Distance"),
    "board_responsible": ("责任人", "responsible"),
    "board_run_card": ("调派标准", "Run card"),
    "board_no_preplan": ("该单位尚无预案", "No pre-plan for this unit"),
    "board_routes": ("行车路线", "Routes"),
    "board_route_from_position": ("从当前位置", "from its current position"),
    "board_short": ("缺", "short"),
    "board_offline": ("离线", "offline"),
    "board_day": ("白天", "day"),
    "board_status": ("状态", "status"),
    "board_devices": ("物联网设备", "Monitored devices"),
    "board_iot_fire_alarm": ("物联网火警", "IoT fire alarm"),
    "board_iot": ("物联网", "IoT"),
    "board_unlocated": ("待定位", "Location pending"),
    "board_more": (
        "另有 {n} 起处置中的警情未列出，请在警情列表中查看",
        "{n} more active incidents not listed: see the incident list",
    ),
    "board_fire_alarms": ("火警", "fire alarms"),
    "board_station": ("消防站", "Station"),
    "board_control_room": ("消防控制室", "Control room"),
    "board_no_recommendation": ("没有可调派的推荐", "No recommendation to dispatch"),
    "board_never_reported": ("未上报", "never reported"),
    "board_nearest_water": ("最近水源", "Nearest water sources"),
    "board_preplan": ("数字化预案", "Pre-plan"),
    "board_faults": ("故障", "faults"),
    "board_failed": ("操作失败", "Failed"),
    "board_no_vehicle": ("推荐中没有车辆", "The recommendation holds no vehicle"),
    "board_alarm_no": ("报警编号", "alarm"),
    "board_print": ("打印", "print"),
    "board_building": ("建筑", "Building"),
    "board_rec_extra": (
        "已出动车辆不再推荐，下表为增派建议",
        "Committed vehicles are skipped: these are further vehicles",
    ),
    "board_floors": ("层", "floors"),
    "board_night": ("夜间", "night"),
    "board_below": ("地下", "below"),
    "board_above": ("地上", "above"),
    "board_online": ("在线", "online"),
    "board_unit": ("单位", "Unit"),
    "board_eta": ("到场时间", "ETA"),
    "board_unreachable": ("不可达", "unreachable"),
    "board_revision": ("第{n}版", "rev. {n}"),
    "board_title": ("警情调度", "Incidents"),
    "board_heading": ("警情调度", "Incident board"),
    "board_open": ("在办警情", "Open incidents"),
    "board_new": ("新建警情", "New incident"),
    "board_type": ("类型", "Type"),
    "board_address": ("地址", "Address"),
    "board_caller": ("报警人", "Caller"),
    "board_phone": ("电话", "Phone"),
    "board_building_code": ("建筑编码（可选）", "Building code (optional)"),
    "board_create": ("创建警情", "Create incident"),
    "board_dispatch": ("调派推荐车辆", "Dispatch recommended vehicles"),
    "board_committed": ("出动车辆", "Committed vehicles"),
    "board_timeline": ("时间线", "Timeline"),
    "board_fire_record": ("火灾统计登记", "Fire statistics record"),
}

# Steps a button records on the board; 接警 and 出动 are written by creating and dispatching.
BUTTON_STEPS = [
    TimelineStep.ARRIVED,
    TimelineStep.WATER_ON,
    TimelineStep.CONTROLLED,
    TimelineStep.EXTINGUISHED,
    TimelineStep.RETURNED,
]


@router.get("/incidents", response_class=HTMLResponse)
def board(request: Request, session: SessionDep, user: Reader) -> HTMLResponse:
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    settings = request.app.state.settings
    home = registry_service.jurisdiction(session, user.jurisdiction_id)
    config = {
        "lang": ui.lang,
        "canWrite": roles.can_write(user.role, incidents.SLUG),
        "home": home_of(home),
        # New incidents belong to the dispatcher's own jurisdiction unless a building says else.
        "jurisdictionCode": home.code if home is not None else None,
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
        "types": {t.value: (t.zh if zh else t.en) for t in IncidentType},
        "vehicleStatus": {v.value: (v.zh if zh else v.en) for v in VehicleStatus},
        "steps": {s.value: (s.zh if zh else s.en) for s in TimelineStep},
        "reinforcementStates": {s.value: (s.zh if zh else s.en) for s in ReinforcementState},
        "statuses": {s.value: (s.zh if zh else s.en) for s in IncidentStatus},
        "cancelReasons": {r.value: (r.zh if zh else r.en) for r in CancelReason},
        "callKinds": {k.value: (k.zh if zh else k.en) for k in CallKind},
        "words": {key: ui.t(key) for key in WORDS},
        "snapMetres": SNAP_M,
        # Turnout orders left unacknowledged this long are listed in red (turnout_board.js).
        "turnoutAckS": settings.turnout_ack_s,
        # Stations of every county: the recommendation may send 跨区增援 from outside the scope.
        "stations": [
            {"code": c, "name": n, "lon": x, "lat": y}
            for c, n, x, y in registry_service.stations_with_position(session, 2000)
        ],
    }
    return render(
        request,
        "response/board.html",
        user,
        config=config,
        types=list(IncidentType),
        steps=BUTTON_STEPS,
        cancel_reasons=list(CancelReason),
        max_level=MAX_LEVEL,
    )
