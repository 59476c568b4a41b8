"""The command hall's big screen (指挥大屏) at ``/screen``: a dark 1920×1080 page that needs no
hands. The live map (open incidents, vehicles, fire alarms) and the panels around it: today's
incidents by type, vehicles by status, alarms pending, response times and the five plans'
headline indicators. The page's figures come from ``/screen/figures`` (every 30 s); the
vehicles move by their own server-sent events (``vehicle_layer.js``), the alarms redraw on
the monitoring centre's. Every figure is read through its package's service or public
functions, inside the viewer's jurisdiction; a panel the role may not read is left out.
"""

from __future__ import annotations

import re
import time as time_module
from datetime import datetime, time
from statistics import median
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.core.timeutil import CHINA_TZ, utcnow
from lanyan.monitoring import views as alarm_views
from lanyan.monitoring.choices import SignalKind
from lanyan.plans.catalog import list_plans
from lanyan.plans.engine import Status
from lanyan.plans.service import build_report, default_year, scoped_jurisdiction
from lanyan.registry import service as registry_service
from lanyan.registry.choices import VehicleStatus
from lanyan.response import public as response
from lanyan.response.choices import IncidentType
from lanyan.vehicles import service as vehicles
from lanyan.web.map.layers import home_of
from lanyan.web.render import Ui, render, ui_for

router = APIRouter(include_in_schema=False)
Viewer = Annotated[CurrentUser, require("incidents", "read")]

OPEN_LISTED = 8  # open incidents listed beside the map (the map draws up to OPEN_DRAWN)
OPEN_DRAWN = 500
REFRESH_S = 30

WORDS: dict[str, tuple[str, str]] = {
    "screen_title": ("指挥大屏", "Command screen"),
    "screen_heading": ("消防救援指挥中心", "Fire and rescue command centre"),
    "screen_today": ("今日警情", "Incidents today"),
    "screen_total": ("合计", "Total"),
    "screen_open": ("在办警情", "Open incidents"),
    "screen_none_open": ("暂无在办警情", "No open incidents"),
    "screen_vehicles": ("车辆状态", "Vehicles by status"),
    "screen_alarms": ("待处理报警", "Alarms pending"),
    "screen_fire_alarms": ("火警", "Fire alarms"),
    "screen_other_alarms": ("其他报警", "Other alarms"),
    "screen_response": ("今日响应时间", "Response time today"),
    "screen_response_avg": ("平均", "Mean"),
    "screen_response_median": ("中位", "Median"),
    "screen_response_n": ("到场起数", "Arrivals"),
    "screen_minutes": ("分钟", "min"),
    "screen_plans": ("“十四五”规划指标", "Five-year plan indicators"),
    "screen_plan_met": ("达标", "met"),
    "screen_updated": ("更新于", "Updated"),
    "screen_level": ("级", "level"),
    "screen_legend_incident": ("在办警情", "Open incident"),
    "screen_legend_alarm": ("火警", "Fire alarm"),
    "screen_legend_vehicle": ("车辆", "Vehicle"),
}


@router.get("/screen", response_class=HTMLResponse)
def screen_page(request: Request, session: SessionDep, user: Viewer) -> HTMLResponse:
    ui = ui_for(request, user)
    config = {
        "lang": ui.lang,
        "home": home_of(registry_service.jurisdiction(session, user.jurisdiction_id)),
        "refreshS": REFRESH_S,
        "alarms": roles.can_read(user.role, "alarms"),
        "types": {t.value: {"label": ui.choice(t), "color": t.color} for t in IncidentType},
        "text": {key: ui.t(key) for key in WORDS},
    }
    return render(
        request,
        "map/screen.html",
        user,
        config=config,
        figures=screen_figures(session, user, ui, _plan_cache(request)),
        vehicle_control=False,
    )


@router.get("/screen/figures")
def screen_figures_json(request: Request, session: SessionDep, user: Viewer) -> dict[str, Any]:
    """The big screen's panels as JSON (what the page shows; refreshed every 30 s)."""
    return screen_figures(session, user, ui_for(request, user), _plan_cache(request))


# The plans' headlines are evaluated from many tables and change slowly (yearly figures):
# each viewer's (scope, language) answer is kept this long, per app.
PLANS_KEEP_S = 600.0
PlanCache = dict[tuple[str, str], tuple[float, list[dict[str, Any]]]]


def _plan_cache(request: Request) -> PlanCache:
    state = request.app.state
    if not hasattr(state, "screen_plans"):
        state.screen_plans = {}
    cache: PlanCache = state.screen_plans
    return cache


def _today_start() -> datetime:
    return datetime.combine(utcnow().astimezone(CHINA_TZ).date(), time(0), CHINA_TZ)


def screen_figures(
    session: Any, user: CurrentUser, ui: Ui, plan_cache: PlanCache | None = None
) -> dict[str, Any]:
    """Every panel of the screen for ``user`` (inside their jurisdiction); the plans'
    headlines from ``plan_cache`` while younger than ``PLANS_KEEP_S``."""
    since = _today_start()
    by_type = response.incidents_by_type(session, user.scope, since)
    rows, open_total = response.open_incidents(session, user.scope, 1, OPEN_DRAWN)
    minutes = response.arrival_minutes(session, user.scope, since)
    figures: dict[str, Any] = {
        "updated": ui.time(utcnow(), "%H:%M:%S"),
        "today": {
            "total": sum(by_type.values()),
            "types": [
                {"label": ui.choice(t), "color": t.color, "count": by_type.get(t.value, 0)}
                for t in IncidentType
            ],
        },
        "open": {
            "total": open_total,
            "drawn": [
                {
                    "code": code,
                    "type": kind,
                    "level": level,
                    "address": short_address(address),
                    "lon": lon,
                    "lat": lat,
                    "at": ui.time(at, "%H:%M" if at >= since else "%m-%d %H:%M"),
                }
                for code, kind, level, address, lon, lat, at in rows
            ],
            "listed": OPEN_LISTED,
        },
        "response": {
            "count": len(minutes),
            "mean": round(sum(minutes) / len(minutes), 1) if minutes else None,
            "median": round(median(minutes), 1) if minutes else None,
        },
        "vehicles": None,
        "alarms": None,
        "plans": None,
    }
    if roles.can_read(user.role, "vehicles"):
        counts = vehicles.status_counts(session, user.scope)
        figures["vehicles"] = [
            {"label": ui.choice(s), "color": s.color, "count": counts.get(s.value, 0)}
            for s in VehicleStatus
        ]
    if roles.can_read(user.role, "alarms"):
        figures["alarms"] = _alarms(session, user)
    if roles.can_read(user.role, "plans"):
        key = (f"{user.scope.path}|{user.jurisdiction_id}", ui.lang)
        kept = (plan_cache or {}).get(key)
        if kept is None or time_module.monotonic() - kept[0] > PLANS_KEEP_S:
            kept = (time_module.monotonic(), _plans(session, user, ui))
            if plan_cache is not None:
                plan_cache[key] = kept
        figures["plans"] = kept[1]
    return figures


def _alarms(session: Any, user: CurrentUser) -> dict[str, int]:
    def total(kind: SignalKind | None) -> int:
        _items, n = alarm_views.list_alarms(
            session, user.scope, alarm_views.AlarmFilter(kind=kind, open_only=True), 1, 1
        )
        return n

    everything = total(None)
    fire = total(SignalKind.FIRE)
    return {"fire": fire, "other": everything - fire}


# Only when a city leads: "团结小区3号" alone keeps its 区.
_REGION_PREFIX = re.compile(r"^(?:[^省]{2,7}省)?[^市]{2,7}市(?:[^区县]{2,7}[区县])?")


def short_address(address: str) -> str:
    """An address without its province, city and county (the screen shows one county):
    江苏省盐城市大丰区丰华街道团结路380号 → 丰华街道团结路380号."""
    rest = _REGION_PREFIX.sub("", address, count=1)
    return rest or address


def _short_region(name: str) -> str:
    """江苏省盐城市大丰区 → 大丰区: the last level of a region's full name."""
    found = re.search(r"([^省市区县]+[市区县])$", name)
    return found.group(1) if found else name


def _plans(session: Any, user: CurrentUser, ui: Ui) -> list[dict[str, Any]]:
    """Each plan's headline: how many of its indicators are met, at risk, not met, without
    data, for the jurisdiction the viewer evaluates it for (this year)."""
    out = []
    for plan in list_plans():
        place = scoped_jurisdiction(session, plan, user.scope, user.jurisdiction_id, None)
        counts = build_report(session, plan, place, default_year(plan)).evaluation.counts()
        out.append(
            {
                "region": _short_region(plan.region_name_zh)
                if ui.lang == "zh"
                else plan.id.title(),
                "total": sum(counts.values()),
                "statuses": [
                    {"label": ui.choice(s), "color": s.color, "count": counts[s]} for s in Status
                ],
                "met": counts[Status.MET],
            }
        )
    return out
