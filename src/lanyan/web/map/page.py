"""The "一张图" page: the map shell, its layer toggles and legend; data comes from map_layers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from lanyan.accounts import roles
from lanyan.api.deps import SessionDep, UserDep
from lanyan.registry import service as registry_service
from lanyan.web.map.layers import home_of, readable_layers
from lanyan.web.render import render, ui_for
from lanyan.web.risk.map_layers import legend as risk_legend

router = APIRouter(include_in_schema=False)

# Line weight (pixels) of each road class on the basemap; wider roads read as more important.
ROAD_WEIGHT = {"expressway": 5.0, "arterial": 4.0, "secondary": 3.0, "local": 1.8, "rural": 1.8}


@router.get("/", response_class=HTMLResponse)
@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, session: SessionDep, user: UserDep) -> HTMLResponse:
    ui = ui_for(request, user)
    layers = []
    for layer in readable_layers(user.role):
        palette = layer.palette()
        legend = (
            [{"label": ui.choice(m), "color": m.color} for m in palette if m.color]
            if palette
            else []
        )
        layers.append(
            {
                "slug": layer.slug,
                "kind": layer.kind,
                "label": ui.t(f"layer_{layer.slug}"),
                "color_by": layer.color_by,
                "legend": legend,
            }
        )
    settings = request.app.state.settings
    config = {
        "layers": layers,
        "home": home_of(registry_service.jurisdiction(session, user.jurisdiction_id)),
        "tileUrl": settings.tile_url,
        "tileAttribution": settings.tile_attribution,
        "roadWeight": ROAD_WEIGHT,
        "text": {
            "viewDetail": ui.t("view_detail"),
            "loadFailed": ui.t("load_failed"),
            "loading": ui.t("loading"),
            "hidden": ui.t("map_hidden"),
        },
    }
    risk = None
    if roles.can_read(user.role, "risk"):
        risk = {
            "layers": [
                {
                    "slug": "risk-units",
                    "url": "/api/map/risk/units",
                    "kind": "point",
                    "label": ui.t("layer_risk_units"),
                },
                {
                    "slug": "risk-h3",
                    "url": "/api/map/risk/h3",
                    "kind": "polygon",
                    "label": ui.t("layer_risk_h3"),
                },
            ],
            "legend": risk_legend(ui.lang),
        }
    config["risk"] = risk
    from lanyan.web.siting.pages import map_panel_config

    config["planning"] = map_panel_config(ui, user.role)
    return render(request, "map/map.html", user, layers=layers, config=config, risk=risk)
