"""The risk layers of the 一张图 map: units coloured by grade, and H3 cells by mean score."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from lanyan.accounts.service import CurrentUser
from lanyan.api.deps import SessionDep, require
from lanyan.registry.routes import parse_bbox
from lanyan.risk import service
from lanyan.risk.choices import AreaKind, RiskGrade
from lanyan.web.render import ui_for
from lanyan.web.risk.pages import raw_text

router = APIRouter(prefix="/api/map/risk", tags=["Map"])
Reader = Annotated[CurrentUser, require(service.SLUG, "read")]


def legend(lang: str) -> list[dict[str, str]]:
    return [{"grade": g.value, "label": g.label(lang), "color": g.color or ""} for g in RiskGrade]


@router.get("/units", summary="Units of the latest risk snapshot as GeoJSON, coloured by grade")
def unit_layer(
    request: Request,
    session: SessionDep,
    user: Reader,
    bbox: Annotated[
        str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS84): only units inside")
    ] = None,
) -> dict[str, Any]:
    ui = ui_for(request, user)
    box = parse_bbox(bbox)
    day = service.latest_date(session, user.scope)
    features = []
    if day is not None:
        for s, u in service.map_units(session, user.scope, day, box):
            grade = RiskGrade(s.grade)
            top = [
                [
                    c["zh"] if ui.lang == "zh" else c["en"],
                    f"{raw_text(c, ui.lang)} (+{c['points']:.1f})",
                ]
                for c in s.contributions[:3]
                if c["points"] > 0
            ]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [u.lon, u.lat]},
                    "properties": {
                        "code": u.code,
                        "title": u.name,
                        "grade": grade.value,
                        "color": grade.color,
                        "url": f"/risk/units/{u.code}",
                        "fields": [
                            [ui.t("risk_score"), f"{s.score:.1f}"],
                            [ui.t("risk_grade"), grade.label(ui.lang)],
                            *top,
                        ],
                    },
                }
            )
    return {"type": "FeatureCollection", "as_of": day, "count": len(features), "features": features}


@router.get("/h3", summary="H3 cells of the latest risk snapshot as GeoJSON polygons")
def h3_layer(request: Request, session: SessionDep, user: Reader) -> dict[str, Any]:
    ui = ui_for(request, user)
    features = []
    day = service.latest_date(session, user.scope)
    if day is not None:
        _, areas = service.list_areas(session, user.scope, AreaKind.H3, day)
        for a in areas:
            grade = RiskGrade(a.grade)
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [service.h3_boundary(a.area_key)],
                    },
                    "properties": {
                        "code": a.area_key,
                        "title": f"H3 {a.area_key}",
                        "grade": grade.value,
                        "color": grade.color,
                        "fields": [
                            [ui.t("risk_units"), str(a.units)],
                            [ui.t("risk_mean"), f"{a.mean_score:.1f}"],
                            [ui.t("risk_max"), f"{a.max_score:.1f}"],
                            [ui.t("risk_grade"), grade.label(ui.lang)],
                        ],
                    },
                }
            )
    return {"type": "FeatureCollection", "as_of": day, "count": len(features), "features": features}
