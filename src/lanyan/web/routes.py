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
    plans_pages,
    registry_pages,
    stats_pages,
)

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(map_layers.router)
    app.include_router(auth_pages.router)
    app.include_router(map_page.router)
    app.include_router(registry_pages.router)
    app.include_router(plans_pages.router)
    app.include_router(stats_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(equipment_pages.router)
    app.include_router(incident_pages.router)
    app.include_router(docs_page.router)
    errors.install(app)
