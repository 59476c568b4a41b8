"""The live vehicles layer (车辆实时位置) drawn on the one map, the incident board and the big
screen: its words and the configuration ``static/js/vehicle_layer.js`` reads. The data comes
from the vehicles API (positions, their server-sent events and the track)."""

from __future__ import annotations

from typing import Any

from lanyan.registry.choices import VehicleStatus
from lanyan.vehicles.service import STALE_MINUTES, TRACK_MINUTES
from lanyan.web.render import Ui

WORDS: dict[str, tuple[str, str]] = {
    "veh_layer": ("车辆实时位置", "Vehicles (live)"),
    "veh_plate": ("车牌", "Plate"),
    "veh_status": ("车辆状态", "Status"),
    "veh_speed": ("速度", "Speed"),
    "veh_kmh": ("千米/时", "km/h"),
    "veh_heading": ("方向", "Heading"),
    "veh_reported": ("定位时间", "Reported"),
    "veh_stale": ("位置过时", "Stale position"),
    "veh_stale_note": ("超过 {n} 分钟未上报", "no report for {n} min"),
    "veh_track": ("近一小时轨迹", "Last hour's track"),
    "veh_track_points": ("轨迹点", "track points"),
    "veh_live": ("实时", "live"),
}


def layer_config(ui: Ui, control: bool = True) -> dict[str, Any]:
    """What ``vehicle_layer.js`` needs: words, status labels and colours, the stale period;
    ``control``: draw the layer's on/off switch on the map."""
    return {
        "lang": ui.lang,
        "control": control,
        "staleMinutes": STALE_MINUTES,
        "trackMinutes": TRACK_MINUTES,
        "status": {s.value: {"label": ui.choice(s), "color": s.color} for s in VehicleStatus},
        "text": {key: ui.t(key) for key in WORDS if key != "veh_stale_note"}
        | {"staleNote": ui.t("veh_stale_note", n=STALE_MINUTES)},
    }
