"""The map's data: each "一张图" layer as a GeoJSON FeatureCollection inside the user's scope."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.accounts import roles
from lanyan.api.deps import SessionDep, UserDep, permit
from lanyan.core.errors import NotFound
from lanyan.exchange.choices import WarningLevel
from lanyan.monitoring import views
from lanyan.monitoring.choices import SignalKind
from lanyan.registry import service
from lanyan.registry.choices import Choice
from lanyan.registry.routes import parse_bbox
from lanyan.registry.types import ObjectType, get_type
from lanyan.web.forms import choice_of
from lanyan.web.map.warnings import WARNING_LAYER, warning_features
from lanyan.web.render import ui_for

Box = tuple[float, float, float, float]
WORLD: Box = (-180.0, -90.0, 180.0, 90.0)  # placed alarms only: one without a position is not drawn
ALARM_LAYER = "alarms"
# Alarms drawn at most per request (open fire alarms first); the answer says how many more
# the box holds ("hidden"), and the page says so: zoom in to see them.
ALARM_MOST = 2000


@dataclass(frozen=True)
class Layer:
    """A map layer: an object type, drawn coloured by one of its choice fields."""

    slug: str
    color_by: str | None
    kind: str  # "boundary", "road", "area" or "point": how the page draws it
    # Not a registry type: the layer's own palette (e.g. alarms by kind).
    choices: type[Choice] | None = None

    @property
    def object_type(self) -> ObjectType:
        return get_type(self.slug)

    def palette(self) -> type[Choice] | None:
        if self.choices is not None:
            return self.choices
        return choice_of(self.object_type, self.color_by) if self.color_by else None


# Bottom to top, the order the page stacks them.
LAYERS: tuple[Layer, ...] = (
    Layer("roads", "road_class", "road"),
    Layer("jurisdictions", None, "boundary"),
    # CAP weather warnings in force (气象预警), filled by colour level over the land.
    Layer(WARNING_LAYER, "level", "area", WarningLevel),
    Layer("units", "category", "point"),
    Layer("water-sources", "status", "point"),
    Layer("stations", "status", "point"),
    # Open alarms of the monitoring centre (报警), at their building or unit; on top.
    Layer(ALARM_LAYER, "kind", "point", SignalKind),
)
BY_SLUG = {layer.slug: layer for layer in LAYERS}

router = APIRouter(prefix="/api/map", tags=["Map"])


def readable_layers(role: str) -> list[Layer]:
    return [layer for layer in LAYERS if roles.can_read(role, layer.slug)]


def geometry_of(ot: ObjectType, row: Any) -> dict[str, Any] | None:
    """The row's GeoJSON geometry (WGS84), or None when it has none to draw."""
    if ot.geometry_field:
        text = getattr(row, ot.geometry_field)
        return json.loads(text) if text else None
    if getattr(row, "lon", None) is None or getattr(row, "lat", None) is None:
        return None
    return {"type": "Point", "coordinates": [row.lon, row.lat]}


def _positions(coords: Any) -> Iterable[tuple[float, float]]:
    if coords and isinstance(coords[0], int | float):
        yield coords[0], coords[1]
        return
    for part in coords:
        yield from _positions(part)


def bounds_of(geometry: dict[str, Any]) -> Box:
    xs, ys = zip(*_positions(geometry["coordinates"]), strict=True)
    return min(xs), min(ys), max(xs), max(ys)


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


@router.get("/layers", summary="The map layers your role may read")
def layer_list(request: Request, user: UserDep) -> list[dict[str, Any]]:
    ui = ui_for(request, user)
    return [
        {"layer": layer.slug, "kind": layer.kind, "label": ui.t(f"layer_{layer.slug}")}
        for layer in readable_layers(user.role)
    ]


@router.get(
    "/layers/{layer}",
    summary="One map layer as GeoJSON, inside your jurisdiction",
    response_class=Response,
    responses={
        200: {
            "description": "a GeoJSON FeatureCollection",
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
        }
    },
)
def layer_features(
    layer: str,
    request: Request,
    session: SessionDep,
    user: UserDep,
    bbox: str | None = None,
) -> Response:
    """Features of ``layer`` in the user's scope, optionally only those touching ``bbox``."""
    spec = BY_SLUG.get(layer)
    if spec is None:
        raise NotFound(f"no map layer {layer!r}; layers: {', '.join(BY_SLUG)}")
    if spec.slug == ALARM_LAYER:
        permit(user, ALARM_LAYER, "read")
        features, total = _alarm_features(request, session, user, parse_bbox(bbox))
        return _respond(spec, features, total)
    if spec.slug == WARNING_LAYER:
        permit(user, WARNING_LAYER, "read")
        features, total = warning_features(ui_for(request, user), session)
        return _respond(spec, features)
    ot = spec.object_type
    permit(user, ot.slug, "read")
    box = parse_bbox(bbox)
    ui = ui_for(request, user)
    palette = spec.palette()
    labels = [(name, ui.field(ot, name)) for name in ot.list_columns]
    features = []
    for rows in service.iter_all(session, ot, user.scope, bbox=box):
        for row, item in zip(rows, service.public_rows(session, ot, rows), strict=True):
            geometry = geometry_of(ot, row)
            if geometry is None or (box and not _overlaps(bounds_of(geometry), box)):
                continue
            value = item.get(spec.color_by) if spec.color_by else None
            props: dict[str, Any] = {
                "id": row.id,
                "code": row.code,
                "title": item.get("name") or item.get("address") or row.code,
                "url": f"/registry/{ot.slug}/{row.id}",
                "fields": [[label, ui.text(ot, name, item.get(name))] for name, label in labels],
            }
            if spec.color_by:
                props[spec.color_by] = value
                props["color"] = palette(value).color if palette and value else None
            features.append({"type": "Feature", "geometry": geometry, "properties": props})
    return _respond(spec, features)


def _alarm_features(
    request: Request, session: Any, user: Any, box: Box | None
) -> tuple[list[dict[str, Any]], int]:
    """Open alarms (未处理 and 已确认) in the user's scope (and ``box``), at their building or
    unit, at most ``ALARM_MOST`` of them, open fire alarms first; and how many the box holds
    in all. The popup names the unit and building and links to the monitoring centre."""
    ui = ui_for(request, user)
    zh = ui.lang == "zh"
    items, total = views.list_alarms(
        session,
        user.scope,
        views.AlarmFilter(open_only=True, bbox=box or WORLD),
        page=1,
        size=ALARM_MOST,
    )
    features = []
    for a in reversed(items):  # drawn in order: open fire alarms last, on top
        if a["lon"] is None or a["lat"] is None:
            continue
        if box and not _overlaps((a["lon"], a["lat"], a["lon"], a["lat"]), box):
            continue
        kind = SignalKind(a["kind"])
        marks = [
            ("超时升级" if zh else "escalated") if a["escalated"] else "",
            ("测试位" if zh else "test bit") if a["test_mode"] else "",
        ]
        fields = [
            ["类型" if zh else "Kind", ui.choice(kind)],
            ["状态" if zh else "Status", a["status_zh"] if zh else a["status_en"]],
            ["单位" if zh else "Unit", a["unit"]["name"] if a["unit"] else "—"],
            ["建筑" if zh else "Building", a["building"]["name"] if a["building"] else "—"],
            ["部位" if zh else "Location", a["location"] or a["point"] or "—"],
            ["报警时间" if zh else "Raised", ui.time(datetime.fromisoformat(a["raised_at"]))],
        ]
        if any(marks):
            fields.append(["标记" if zh else "Marks", "、".join(m for m in marks if m)])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [a["lon"], a["lat"]]},
                "properties": {
                    "id": a["id"],
                    "code": str(a["id"]),
                    "title": a["unit"]["name"] if a["unit"] else a["source"],
                    "url": f"/monitoring#alarm-{a['id']}",
                    "fields": fields,
                    "kind": a["kind"],
                    "status": a["status"],
                    "escalated": a["escalated"],
                    "color": kind.color,
                },
            }
        )
    return features, total


def _respond(spec: Layer, features: list[dict[str, Any]], total: int | None = None) -> Response:
    """The layer as GeoJSON: ``count`` features drawn; ``total`` and ``hidden`` when the layer
    draws at most so many (the alarms): how many the box holds and how many are not drawn."""
    collection: dict[str, Any] = {"type": "FeatureCollection", "layer": spec.slug}
    collection["count"] = len(features)
    if total is not None:
        collection["total"] = total
        collection["hidden"] = max(0, total - len(features))
    collection["features"] = features
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    # A county's road layer is megabytes of JSON that compresses about eightfold: the app's
    # gzip middleware (api/compression.py) does it, like for every other response.
    return Response(body, media_type="application/geo+json")


class Place(Protocol):
    """What a map needs of a jurisdiction to open on it."""

    boundary: str | None
    lon: float | None
    lat: float | None


def home_of(jur: Place | None) -> dict[str, Any]:
    """Where the map opens: the jurisdiction's outline bounds, else its centre point."""
    if jur is None:
        return {}
    if jur.boundary:
        minx, miny, maxx, maxy = bounds_of(json.loads(jur.boundary))
        return {"bounds": [[miny, minx], [maxy, maxx]]}
    if jur.lon is not None and jur.lat is not None:
        return {"center": [jur.lat, jur.lon]}
    return {}
