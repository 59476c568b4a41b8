"""The app factory: builds the engine, sessions and routers from one ``Settings``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lanyan import __version__
from lanyan.api import auth_routes, plans_routes, problems, stats_routes
from lanyan.api.io_routes import io_routers
from lanyan.api.registry_routes import registry_routers
from lanyan.core.config import Settings
from lanyan.logistics.routes import router as logistics_router
from lanyan.prevention.routes import routers as prevention_routers
from lanyan.registry.choices import Choice
from lanyan.response.routes import router as response_router
from lanyan.store.db import make_engine, make_session_factory
from lanyan.web.routes import install as install_web


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="Lanyan 蓝焰 smart-fire platform",
        version=__version__,
        description="Registry, domains and indicators of the 智慧消防 platform.",
        lifespan=lifespan,
        # The default docs pages load Swagger UI/ReDoc from a CDN; lanyan.web serves /docs
        # from local assets instead (government intranets are offline).
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    problems.install(app)
    app.include_router(auth_routes.router)
    app.include_router(plans_routes.router)
    app.include_router(stats_routes.router)
    app.include_router(response_router)
    app.include_router(logistics_router)
    for router in prevention_routers:
        app.include_router(router)
    for router in io_routers():  # before the CRUD routers: "export" is not a row id
        app.include_router(router)
    for router in registry_routers():
        app.include_router(router)

    @app.get(
        "/api/choices", tags=["Meta"], summary="Every enumeration with zh/en labels and colours"
    )
    def choices() -> dict[str, list[dict]]:
        from lanyan.api.roles import Role
        from lanyan.registry import choices as c

        enums = [
            v
            for v in vars(c).values()
            if isinstance(v, type) and issubclass(v, Choice) and v is not Choice
        ]
        out = {e.__name__: e.describe() for e in enums}
        out["Role"] = Role.describe()
        return out

    @app.get("/api/health", tags=["Meta"], summary="Liveness check")
    def health() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    install_web(app)
    return app
