"""The web shell: server-rendered pages and the "一张图" map, mounted on the API app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lanyan.web import (
    admin_pages,
    auth_pages,
    docs_page,
    equipment_pages,
    errors,
    incident_pages,
    map_layers,
    map_page,
    monitoring_pages,
    outreach_pages,
    patrol_pages,
    planning_pages,
    plans_pages,
    preplan_pages,
    public_draw_pages,
    registry_pages,
    risk_map,
    stats_pages,
    supervision_pages,
    supervision_record_pages,
    supervision_step_pages,
    supplies_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(map_layers.router)
    app.include_router(auth_pages.router)
    app.include_router(map_page.router)
    app.include_router(registry_pages.router)
    app.include_router(plans_pages.router)
    app.include_router(planning_pages.router)
    app.include_router(stats_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(equipment_pages.router)
    app.include_router(supplies_pages.router)
    app.include_router(outreach_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(patrol_pages.router)
    app.include_router(preplan_pages.router)
    app.include_router(supervision_pages.router)
    app.include_router(public_draw_pages.router)
    app.include_router(risk_map.router)
    app.include_router(supervision_record_pages.router)
    app.include_router(supervision_step_pages.router)
    app.include_router(monitoring_pages.router)
    app.include_router(docs_page.router)
    errors.install(app)
