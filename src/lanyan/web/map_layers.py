"""The map's data: each "一张图" layer as a GeoJSON FeatureCollection inside the user's scope."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from lanyan.api import roles
from lanyan.api.deps import SessionDep, UserDep
from lanyan.api.registry_routes import parse_bbox
from lanyan.core.errors import Forbidden, NotFound
from lanyan.registry import service
from lanyan.registry.choices import Choice
from lanyan.registry.types import ObjectType, get_type
from lanyan.web.forms import choice_of
from lanyan.web.render import ui_for

Box = tuple[float, float, float, float]
GZIP_FROM = 4096  # bytes; smaller bodies are not worth compressing


@dataclass(frozen=True)
class Layer:
    """A map layer: an object type, drawn coloured by one of its choice fields."""

    slug: str
    color_by: str | None
    kind: str  # "boundary", "road" or "point": how the page draws it

    @property
    def object_type(self) -> ObjectType:
        return get_type(self.slug)

    def palette(self) -> type[Choice] | None:
        return choice_of(self.object_type, self.color_by) if self.color_by else None


# Bottom to top, the order the page stacks them.
LAYERS: tuple[Layer, ...] = (
    Layer("roads", "road_class", "road"),
    Layer("jurisdictions", None, "boundary"),
    Layer("units", "category", "point"),
    Layer("water-sources", "status", "point"),
    Layer("stations", "status", "point"),
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


@router.get("/layers/{layer}", summary="One map layer as GeoJSON, inside your jurisdiction")
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
    ot = spec.object_type
    if not roles.can_read(user.role, ot.slug):
        raise Forbidden(f"role {user.role} may not read {ot.slug}")
    box = parse_bbox(bbox)
    ui = ui_for(request, user)
    palette = spec.palette()
    labels = [(name, ui.field(ot, name)) for name in ot.list_columns]
    features = []
    for rows in service.iter_all(session, ot, user.scope):
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
    collection = {
        "type": "FeatureCollection",
        "layer": spec.slug,
        "count": len(features),
        "features": features,
    }
    body = json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Vary": "Accept-Encoding"}
    # A county's road layer is megabytes of JSON that compresses about eightfold.
    if len(body) > GZIP_FROM and "gzip" in request.headers.get("accept-encoding", ""):
        body = gzip.compress(body, compresslevel=5)
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type="application/geo+json", headers=headers)
