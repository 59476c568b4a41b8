"""Digital pre-plans (数字化预案): per unit (and optionally per building), what a commander
needs on the way: building facts, key parts, hazards, fire facilities, water and fire lanes
nearby, attack and evacuation notes, forces, contacts and floor plans.

Functions take the caller's session (the caller owns the transaction), the acting user's
``Actor`` and ``Scope``; every write is audited and bumps ``revision``.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any

import shapely
from pydantic import BaseModel, ConfigDict, Field, field_validator
from shapely.ops import nearest_points
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from lanyan.core.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from lanyan.core.timeutil import utcnow
from lanyan.registry.models import Building, FireLane, Road, Unit, WaterSource
from lanyan.registry.scope import Scope, row_path
from lanyan.response.models import PrePlan, PrePlanAttachment
from lanyan.store import audit
from lanyan.store.audit import Actor
from lanyan.store.fetch import one_or_not_found
from lanyan.store.paging import paginate

SLUG = "preplans"
PHONE = r"^[0-9+\-() ]{3,20}$"
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
# Raster images only (an SVG may carry script); the magic bytes must agree with the type.
IMAGE_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
NEAR_WATER_M = 1000.0
NEAR_LANE_M = 300.0


# --- input shapes ----------------------------------------------------------------------------


class KeyPart(BaseModel):
    """重点部位: a part of the site that needs attention in a fire."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    location: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class Hazard(BaseModel):
    """A hazardous material kept on site (危险化学品 / 易燃易爆物品)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    quantity: str = Field("", max_length=50)
    location: str = Field("", max_length=100)
    note: str = Field("", max_length=300)


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=50)
    role: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if value and not re.match(PHONE, value):
            raise ValueError("must be a phone number: digits, +, -, spaces, brackets")
        return value


class PrePlanFields(BaseModel):
    """What a commander writes in a pre-plan (everything but the unit/building it is for)."""

    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    structure: str = Field("", max_length=50, description="结构类型, e.g. 钢筋混凝土框架")
    occupants_day: int | None = Field(None, ge=0, le=1_000_000)
    occupants_night: int | None = Field(None, ge=0, le=1_000_000)
    key_parts: list[KeyPart] = Field(default_factory=list, max_length=100)
    hazardous_materials: list[Hazard] = Field(default_factory=list, max_length=100)
    sprinklers: str = Field("", max_length=2000)
    hydrant_system: str = Field("", max_length=2000)
    pump_room: str = Field("", max_length=2000)
    control_room: str = Field("", max_length=2000)
    other_facilities: str = Field("", max_length=2000)
    attack_notes: str = Field("", max_length=5000)
    evacuation_notes: str = Field("", max_length=5000)
    forces: str = Field("", max_length=2000, description="调派力量")
    contacts: list[Contact] = Field(default_factory=list, max_length=50)


class PrePlanCreate(PrePlanFields):
    unit_code: str = Field(description="统一社会信用代码 of the unit")
    building_code: str | None = Field(None, description="a building of that unit; none: the unit")


class PrePlanUpdate(PrePlanFields):
    revision: int = Field(ge=1, description="the revision the edit started from")


# --- reads -----------------------------------------------------------------------------------


def in_scope(scope: Scope) -> ColumnElement[bool]:
    return scope.within(PrePlan.jurisdiction_id)


def snapshot(row: PrePlan) -> dict[str, Any]:
    return {
        c.key: getattr(row, c.key)
        for c in PrePlan.__table__.columns
        if c.name not in ("created_at", "updated_at")
    }


def get_preplan(session: Session, scope: Scope, preplan_id: int, lock: bool = False) -> PrePlan:
    stmt = select(PrePlan).where(PrePlan.id == preplan_id, in_scope(scope))
    return one_or_not_found(
        session, stmt, f"pre-plan {preplan_id} does not exist or is outside your jurisdiction", lock
    )


def list_preplans(
    session: Session,
    scope: Scope,
    q: str = "",
    page: int = 1,
    size: int = 50,
    unit_id: int | None = None,
) -> tuple[list[tuple[PrePlan, str, str | None]], int]:
    """Pre-plans in scope (of one unit, given ``unit_id``) with their unit's and building's
    names, by unit name."""
    where = [in_scope(scope)]
    if unit_id is not None:
        where.append(PrePlan.unit_id == unit_id)
    if q.strip():
        like = f"%{q.strip()}%"
        where.append(or_(PrePlan.title.ilike(like), Unit.name.ilike(like), PrePlan.code == q))
    base = (
        select(PrePlan, Unit.name, Building.name)
        .join(Unit, Unit.id == PrePlan.unit_id)
        .outerjoin(Building, Building.id == PrePlan.building_id)
        .where(*where)
    )
    rows, total = paginate(session, base.order_by(Unit.name, PrePlan.id), page, size)
    return [(p, u, b) for p, u, b in rows], total


def preplan_for(session: Session, unit_id: int | None, building_id: int | None) -> PrePlan | None:
    """The pre-plan that fits a place: the building's own, else the unit's general one, else
    any of the unit's (the incident side reads it; scope is the incident's)."""
    if building_id is not None:
        row = session.execute(
            select(PrePlan).where(PrePlan.building_id == building_id).order_by(PrePlan.id)
        ).scalar()
        if row is not None:
            return row
        if unit_id is None:
            unit_id = session.execute(
                select(Building.unit_id).where(Building.id == building_id)
            ).scalar()
    if unit_id is None:
        return None
    return session.execute(
        select(PrePlan)
        .where(PrePlan.unit_id == unit_id)
        .order_by(PrePlan.building_id.is_not(None), PrePlan.id)
    ).scalar()


def _meters(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, metres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def _box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def site_of(session: Session, row: PrePlan) -> tuple[float, float]:
    """The pre-plan's point: its building's, else its unit's."""
    if row.building_id is not None:
        b = session.get(Building, row.building_id)
        if b is not None:
            return b.lon, b.lat
    u = session.get(Unit, row.unit_id)
    assert u is not None
    return u.lon, u.lat


def surroundings(session: Session, row: PrePlan, radius_m: float = NEAR_WATER_M) -> dict:
    """Water sources within ``radius_m`` (straight line, nearest first; damaged ones flagged),
    the unit's fire lanes and those passing nearby, and roads for the sketch."""
    lon, lat = site_of(session, row)
    x0, y0, x1, y1 = _box(lon, lat, radius_m)
    water = []
    for w in session.execute(
        select(WaterSource).where(WaterSource.lon.between(x0, x1), WaterSource.lat.between(y0, y1))
    ).scalars():
        d = _meters(lon, lat, w.lon, w.lat)
        if d <= radius_m:
            water.append(
                {
                    "code": w.code,
                    "kind": w.kind,
                    "status": w.status,
                    "usable": w.status == "intact",
                    "meters": round(d),
                    "lon": w.lon,
                    "lat": w.lat,
                    "address": w.address,
                }
            )
    water.sort(key=lambda w: (w["meters"], w["code"]))
    site = shapely.Point(lon, lat)
    lane_box = shapely.box(*_box(lon, lat, NEAR_LANE_M))
    lanes = []
    for lane in session.execute(select(FireLane).order_by(FireLane.code)).scalars():
        geom = shapely.from_geojson(lane.geometry)
        if lane.unit_id != row.unit_id and not geom.intersects(lane_box):
            continue
        near = nearest_points(geom, site)[0]
        lanes.append(
            {
                "code": lane.code,
                "name": lane.name,
                "status": lane.status,
                "width_m": lane.width_m,
                "meters": round(_meters(lon, lat, near.x, near.y)),
                "own": lane.unit_id == row.unit_id,
                "coordinates": shapely.get_coordinates(geom).tolist(),
            }
        )
    roads = []
    sketch_box = shapely.box(*_box(lon, lat, radius_m * 0.6))
    for geometry, name in session.execute(select(Road.geometry, Road.name)).all():
        geom = shapely.from_geojson(geometry)
        if geom.intersects(sketch_box):
            roads.append({"name": name, "coordinates": shapely.get_coordinates(geom).tolist()})
    return {"lon": lon, "lat": lat, "water": water[:12], "lanes": lanes, "roads": roads}


def attachments(session: Session, preplan_id: int) -> list[PrePlanAttachment]:
    return list(
        session.execute(
            select(PrePlanAttachment)
            .where(PrePlanAttachment.preplan_id == preplan_id)
            .order_by(PrePlanAttachment.id)
        ).scalars()
    )


def building_facts(building: Building | None) -> dict[str, Any] | None:
    if building is None:
        return None
    return {
        "code": building.code,
        "name": building.name,
        "address": building.address,
        "height_m": building.height_m,
        "floors_above": building.floors_above,
        "floors_below": building.floors_below,
        "use": building.use,
        "is_high_rise": building.is_high_rise,
        "fire_systems": list(building.fire_systems or []),
    }


def public(session: Session, row: PrePlan, near: bool = True) -> dict[str, Any]:
    """The pre-plan as its API shape, with the registry facts it draws on."""
    unit = session.get(Unit, row.unit_id)
    building = session.get(Building, row.building_id) if row.building_id else None
    assert unit is not None
    out = {
        **snapshot(row),
        "updated_at": row.updated_at,
        "unit": {
            "code": unit.code,
            "name": unit.name,
            "category": unit.category,
            "address": unit.address,
            "responsible_person": unit.responsible_person,
            "responsible_phone": unit.responsible_phone,
            "manager_person": unit.manager_person,
            "manager_phone": unit.manager_phone,
        },
        "building": building_facts(building),
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "content_type": a.content_type,
                "caption": a.caption,
                "size": a.size,
                "url": f"/api/preplans/{row.id}/attachments/{a.id}",
            }
            for a in attachments(session, row.id)
        ],
    }
    if near:
        out["surroundings"] = surroundings(session, row)
    return out


def summary(session: Session, row: PrePlan) -> dict[str, Any]:
    """The key facts the recommendation card shows, with a link to the full pre-plan."""
    return {
        "id": row.id,
        "code": row.code,
        "title": row.title,
        "revision": row.revision,
        "url": f"/preplans/{row.id}",
        "print_url": f"/preplans/{row.id}/print",
        "structure": row.structure,
        "occupants_day": row.occupants_day,
        "occupants_night": row.occupants_night,
        "key_parts": [p["name"] for p in row.key_parts][:6],
        "hazardous_materials": [
            f"{h['name']} {h.get('quantity', '')}".strip() for h in row.hazardous_materials
        ][:6],
        "control_room": row.control_room,
        "pump_room": row.pump_room,
        "contacts": row.contacts[:3],
    }


# --- writes ----------------------------------------------------------------------------------


def _fields(payload: PrePlanFields) -> dict[str, Any]:
    return payload.model_dump(exclude={"unit_code", "building_code", "revision"})


def create_preplan(
    session: Session,
    actor: Actor,
    scope: Scope,
    payload: PrePlanCreate,
) -> PrePlan:
    """A new pre-plan (revision 1) for a unit in scope, or one of its buildings."""
    audit.begin_write(session)
    unit = session.execute(select(Unit).where(Unit.code == payload.unit_code)).scalar_one_or_none()
    if unit is None or not scope.contains(session, unit.jurisdiction_id):
        raise ValidationFailed(
            f"unit {payload.unit_code} is unknown or outside your jurisdiction",
            [FieldProblem("unit_code", "must be a unit inside your jurisdiction")],
        )
    building = None
    if payload.building_code:
        building = session.execute(
            select(Building).where(Building.code == payload.building_code)
        ).scalar_one_or_none()
        if building is None or building.unit_id != unit.id:
            raise ValidationFailed(
                f"building {payload.building_code} is not a building of unit {unit.code}",
                [FieldProblem("building_code", "must be a building of the chosen unit")],
            )
    dup = session.execute(
        select(PrePlan.code).where(
            PrePlan.unit_id == unit.id,
            PrePlan.building_id == building.id
            if building is not None
            else PrePlan.building_id.is_(None),
        )
    ).scalar()
    if dup is not None:
        raise Conflict(f"pre-plan {dup} already covers this unit/building: edit it instead")
    row = PrePlan(
        code=f"tmp-{utcnow().timestamp()}",
        unit_id=unit.id,
        building_id=building.id if building else None,
        jurisdiction_id=unit.jurisdiction_id,
        revision=1,
        updated_by=actor.username,
        **_fields(payload),
    )
    session.add(row)
    session.flush()
    row.code = f"YA{row.id:06d}"  # 预案编号
    session.flush()
    audit.record(
        session, actor, "create", SLUG, row.id, None, snapshot(row), scope_path=row_path(session, row),
    )  # fmt: skip
    return row


def update_preplan(
    session: Session,
    actor: Actor,
    scope: Scope,
    preplan_id: int,
    payload: PrePlanUpdate,
) -> PrePlan:
    """Edit a pre-plan; refused when it changed since the editor loaded ``revision``."""
    audit.begin_write(session)
    row = get_preplan(session, scope, preplan_id, lock=True)
    if payload.revision != row.revision:
        raise Conflict(
            f"pre-plan {row.code} is at revision {row.revision}, the edit started from "
            f"revision {payload.revision}: someone changed it meanwhile — reload and edit again"
        )
    before = snapshot(row)
    for key, value in _fields(payload).items():
        setattr(row, key, value)
    row.revision += 1
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session, actor, "update", SLUG, row.id, before, snapshot(row), scope_path=row_path(session, row),
    )  # fmt: skip
    return row


def add_attachment(
    session: Session,
    actor: Actor,
    scope: Scope,
    preplan_id: int,
    filename: str,
    content_type: str,
    data: bytes,
    caption: str = "",
    max_bytes: int = MAX_ATTACHMENT_BYTES,
) -> PrePlanAttachment:
    """Attach an image (floor plan, photo) of at most ``max_bytes`` (the deployment's
    ``max_image_mb``); the pre-plan's revision goes up."""
    problems = []
    magic = IMAGE_TYPES.get(content_type)
    if magic is None:
        problems.append(FieldProblem("file", "must be a PNG, JPEG, GIF or WebP image"))
    elif not data.startswith(magic):
        problems.append(FieldProblem("file", f"content is not a {content_type} image"))
    if not data:
        problems = [FieldProblem("file", "is empty")]
    if len(data) > max_bytes:
        problems.append(FieldProblem("file", f"must be at most {max_bytes / 2**20:g} MB"))
    if len(caption) > 200:
        problems.append(FieldProblem("caption", "must be at most 200 characters"))
    if problems:
        raise ValidationFailed("the attachment was refused", problems)
    audit.begin_write(session)
    row = get_preplan(session, scope, preplan_id, lock=True)
    att = PrePlanAttachment(
        preplan_id=row.id,
        filename=(filename or "image")[-200:],
        content_type=content_type,
        caption=caption,
        size=len(data),
        data=data,
        uploaded_by=actor.username,
        uploaded_at=utcnow(),
    )
    session.add(att)
    row.revision += 1
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session, actor, "attach", SLUG, row.id, None,
        {"attachment": att.id, "filename": att.filename, "size": att.size,
         "revision": row.revision},
        scope_path=row_path(session, row),
    )  # fmt: skip
    return att


def get_attachment(
    session: Session, scope: Scope, preplan_id: int, attachment_id: int
) -> PrePlanAttachment:
    get_preplan(session, scope, preplan_id)
    att = session.get(PrePlanAttachment, attachment_id)
    if att is None or att.preplan_id != preplan_id:
        raise NotFound(f"pre-plan {preplan_id} has no attachment {attachment_id}")
    return att


def remove_attachment(
    session: Session,
    actor: Actor,
    scope: Scope,
    preplan_id: int,
    attachment_id: int,
) -> None:
    audit.begin_write(session)
    row = get_preplan(session, scope, preplan_id, lock=True)
    att = get_attachment(session, scope, preplan_id, attachment_id)
    meta = {"attachment": att.id, "filename": att.filename, "size": att.size}
    session.delete(att)
    row.revision += 1
    row.updated_by = actor.username
    session.flush()
    audit.record(
        session, actor, "detach", SLUG, row.id, meta, {"revision": row.revision}, scope_path=row_path(session, row),
    )  # fmt: skip


# --- the site sketch -------------------------------------------------------------------------


def sketch_svg(near: dict[str, Any], width: int = 640, height: int = 420) -> str:
    """A vector sketch of the site (示意图): roads, fire lanes, water sources (damaged ones in
    red with a cross) and the building, north up, with a scale bar. Plain SVG, printable."""
    lon0, lat0 = near["lon"], near["lat"]
    half_m = max([300.0] + [w["meters"] * 1.15 for w in near["water"][:8]])
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_540.0
    scale = min(width, height) / 2 / half_m  # px per metre

    def xy(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(width / 2 + (lon - lon0) * kx * scale, 1),
            round(height / 2 - (lat - lat0) * ky * scale, 1),
        )

    def esc(s: str) -> str:
        import html

        return html.escape(s, quote=True)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" class="site-sketch" role="img" aria-label="site sketch">',
        f'<rect width="{width}" height="{height}" fill="#fbfbf8" stroke="#999"/>',
        '<defs><clipPath id="frame"><rect width="100%" height="100%"/></clipPath></defs>',
        '<g clip-path="url(#frame)">',
    ]
    for road in near["roads"]:
        pts = " ".join(f"{x},{y}" for x, y in (xy(*c[:2]) for c in road["coordinates"]))
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="#c9c9c9" stroke-width="7" '
            'stroke-linecap="round"/>'
        )
    for lane in near["lanes"]:
        pts = " ".join(f"{x},{y}" for x, y in (xy(*c[:2]) for c in lane["coordinates"]))
        colour = "#1a9850" if lane["status"] == "clear" else "#d73027"
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="3" '
            f'stroke-dasharray="8 4" class="sketch-lane"><title>{esc(lane["name"])}</title>'
            "</polyline>"
        )
    cx, cy = xy(lon0, lat0)
    parts.append(
        f'<rect x="{cx - 14}" y="{cy - 14}" width="28" height="28" fill="#555" '
        'stroke="#000" class="sketch-site"/>'
    )
    for w in near["water"][:8]:
        x, y = xy(w["lon"], w["lat"])
        fill = "#1f78b4" if w["usable"] else "#d73027"
        parts.append(
            f'<circle cx="{x}" cy="{y}" r="7" fill="{fill}" stroke="#fff" stroke-width="2" '
            f'class="sketch-water" data-code="{esc(w["code"])}"/>'
        )
        if not w["usable"]:
            parts.append(
                f'<path d="M{x - 5},{y - 5}L{x + 5},{y + 5}M{x + 5},{y - 5}L{x - 5},{y + 5}" '
                'stroke="#fff" stroke-width="2"/>'
            )
        parts.append(
            f'<text x="{x + 9}" y="{y + 4}" font-size="12" fill="#222">'
            f"{esc(w['code'])} {w['meters']}m</text>"
        )
    parts.append("</g>")
    # North arrow and a round-number scale bar.
    parts.append(
        f'<g transform="translate({width - 30},34)"><path d="M0,-20L8,6L0,0L-8,6Z" '
        'fill="#222"/><text x="0" y="20" font-size="13" text-anchor="middle">N</text></g>'
    )
    target = half_m / 2.5
    bar_m = max([m for m in (50, 100, 200, 250, 500, 1000, 2000) if m <= target] or [50])
    bar_px = bar_m * scale
    parts.append(
        f'<g transform="translate(16,{height - 18})"><rect width="{bar_px:.1f}" height="6" '
        f'fill="#222"/><text x="{bar_px + 6:.1f}" y="7" font-size="12">{bar_m} m</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


def revision_history(session: Session, scope: Scope, row: PrePlan) -> list[dict[str, Any]]:
    """Audit entries of this pre-plan the user may read, newest first."""
    entries = audit.trail(session, SLUG, row.id, scope.path, newest_first=True, limit=50)
    out = []
    for e in entries:
        after = json.loads(e.after) if e.after else {}
        out.append(
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "revision": after.get("revision") if isinstance(after, dict) else None,
            }
        )
    return out


def when(value: datetime | None) -> str:
    from lanyan.core.timeutil import to_local

    local = to_local(value) if value else None
    return f"{local:%Y-%m-%d %H:%M}" if local else "—"
