"""The map's weather-warnings layer (气象预警): CAP warnings in force, filled by colour level,
with a popup of event, level, onset–expires and description."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lanyan.exchange import cap_service
from lanyan.exchange.choices import WarningLevel
from lanyan.web.render import Ui

WARNING_LAYER = "weather-warnings"
# Warnings in force at once are few (a county's observatory issues a handful a day); the
# layer reads them a page at a time and says how many there are.
PAGE = 200

WORDS: dict[str, tuple[str, str]] = {
    "layer_weather-warnings": ("气象预警", "Weather warnings"),
    "warn_event": ("预警类型", "Event"),
    "warn_level": ("预警级别", "Level"),
    "warn_period": ("生效时段", "In force"),
    "warn_area": ("预警区域", "Area"),
    "warn_sender": ("发布单位", "Issued by"),
    "warn_description": ("预警内容", "Description"),
}


def warning_features(ui: Ui, session: Session) -> tuple[list[dict[str, Any]], int]:
    """Every warning in force as a GeoJSON feature (all pages, in SQL), and how many."""
    features: list[dict[str, Any]] = []
    page, total = 1, 0
    while True:
        items, total = cap_service.active(session, page, PAGE)
        for w in items:
            if w.geometry is None:
                continue
            level = WarningLevel(w.level)
            period = f"{ui.time(w.onset, '%m-%d %H:%M')} – {ui.time(w.expires, '%m-%d %H:%M')}"
            fields = [
                [ui.t("warn_event"), w.event],
                [ui.t("warn_level"), ui.choice(level)],
                [ui.t("warn_period"), period],
                [ui.t("warn_area"), w.area_desc or "—"],
                [ui.t("warn_sender"), w.sender_name or w.sender],
                [ui.t("warn_description"), w.description or "—"],
            ]
            props = {
                "id": w.id,
                "code": w.identifier,
                "title": w.headline or w.event,
                "url": "",  # no page of its own: the popup is the whole warning
                "fields": fields,
                "level": w.level,
                "color": level.color,
            }
            features.append({"type": "Feature", "geometry": w.geometry, "properties": props})
        if page * PAGE >= total:
            return features, total
        page += 1
