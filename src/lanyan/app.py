"""The app factory: builds the engine, sessions and routers from one ``Settings``."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from lanyan import __version__
from lanyan.accounts import routes as auth_routes
from lanyan.api import compression, openapi, problems
from lanyan.api.csrf import OriginCheck
from lanyan.api.deps import COOKIE
from lanyan.api.limits import BodyLimit
from lanyan.api.security_headers import SecurityHeaders
from lanyan.api.storable import storable_input
from lanyan.core.config import Settings
from lanyan.core.timeutil import utcnow
from lanyan.demo.live import beat
from lanyan.demo.live import run as demo_live
from lanyan.exchange.opinion_service import poll_forever
from lanyan.exchange.routes import inbound_router as inbound_exchange_router
from lanyan.exchange.routes import opinion_router
from lanyan.exchange.routes import router as webhook_router
from lanyan.exchange.service import relay_forever
from lanyan.exchange.settings import webhook_policy
from lanyan.geocode.routes import router as geocode_router
from lanyan.logistics.routes.equipment import router as logistics_router
from lanyan.logistics.routes.supplies import router as supplies_router
from lanyan.monitoring.live import AlarmHub
from lanyan.monitoring.routes import router as monitoring_router
from lanyan.monitoring.routes import run_housekeeping
from lanyan.ops import metrics as ops_metrics
from lanyan.ops import routes as ops_routes
from lanyan.ops.backup_schedule import last_good_backup_at, run_backups
from lanyan.outreach.routes import outreach_router, people_router
from lanyan.plans import routes as plans_routes
from lanyan.prevention.routes.documents import router as document_router
from lanyan.prevention.routes.draws import routers as draw_routers
from lanyan.prevention.routes.hotline import routers as hotline_routers
from lanyan.prevention.routes.inspections import routers as prevention_routers
from lanyan.prevention.routes.patrols import router as patrol_router
from lanyan.prevention.routes.portal import routers as portal_routers
from lanyan.prevention.routes.records import routers as prevention_record_routers
from lanyan.prevention.routes.unit_files import router as unit_file_router
from lanyan.registry.choices import Choice
from lanyan.registry.io.routes import io_routers
from lanyan.registry.routes import registry_routers
from lanyan.response.from_alarms import consume_forever
from lanyan.response.routes.crew import router as crew_router
from lanyan.response.routes.incidents import router as response_router
from lanyan.response.routes.incidents import warm_network
from lanyan.response.routes.preplans import router as preplan_router
from lanyan.response.routes.reinforcements import router as reinforcement_router
from lanyan.response.routes.turnout import router as turnout_router
from lanyan.risk.routes import router as risk_router
from lanyan.siting.routes import router as planning_router
from lanyan.stats import routes as stats_routes
from lanyan.store.db import make_engine, make_session_factory
from lanyan.vehicles.gateway import Gateway as Jt808Gateway
from lanyan.vehicles.routes import router as vehicles_router
from lanyan.web.routes import install as install_web


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Background consumers of domain events (transactional outboxes).
        tasks = []
        interval = settings.incidents_from_alarms_interval_s
        if interval is None:
            interval = 0.0 if settings.environment == "test" else 2.0
        if interval > 0:
            tasks.append(asyncio.create_task(consume_forever(app.state.sessions, interval)))
        if settings.backup_dir is not None:  # scheduled backups (lanyan.ops)
            tasks.append(asyncio.create_task(run_backups(app)))
        if settings.environment != "test":  # warm start: the network before the first 119 call
            threading.Thread(target=warm_network, args=(app.state,), daemon=True).start()
        relay = settings.webhook_relay_every_s
        if relay is None:
            relay = 0.0 if settings.environment == "test" else 5.0
        if relay > 0:
            tasks.append(
                asyncio.create_task(
                    relay_forever(app.state.sessions, relay, webhook_policy(settings))
                )
            )
        poll_every = settings.opinion_poll_every_s
        if poll_every is None:
            poll_every = 0.0 if settings.environment == "test" else 600.0
        if poll_every > 0:  # public-opinion feeds (舆情)
            tasks.append(
                asyncio.create_task(
                    poll_forever(app.state.sessions, poll_every, settings.opinion_fetch_timeout_s)
                )
            )
        if settings.demo_live:  # the demo's devices keep reporting, first beat before the sweep
            beat(app.state.sessions, utcnow(), random.Random(0), set())
            tasks.append(
                asyncio.create_task(demo_live(app.state.sessions, settings.monitor_heartbeat_s))
            )
        chores = (
            asyncio.create_task(run_housekeeping(app))
            if settings.monitor_housekeeping_every_s > 0
            else None
        )
        jt808 = None
        if settings.jt808_port:
            jt808 = Jt808Gateway(app.state.sessions)
            await jt808.start(settings.jt808_host, settings.jt808_port)
        yield
        if jt808 is not None:
            await jt808.close()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if chores is not None:
            chores.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await chores
        await app.state.alarm_hub.stop()
        engine.dispose()

    app = FastAPI(
        title="Lanyan 蓝焰 smart-fire platform",
        version=__version__,
        description="Registry, domains and indicators of the 智慧消防 platform.",
        lifespan=lifespan,
        # The default docs pages load Swagger UI/ReDoc from a CDN; lanyan.web serves /docs
        # from local assets instead (government intranets are offline).
        # and /openapi.json itself, behind log-in in production (web.docs_page).
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # A value no column can hold (a huge integer, a NUL) is a 422 naming the field.
        dependencies=[Depends(storable_input)],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine, settings.audit_hash)
    app.state.alarm_hub = AlarmHub(app.state.sessions, poll_s=settings.monitor_feed_poll_s)
    # Scrape-time gauges of /metrics; one more is one line: app.state.metric_gauges.add(...).
    app.state.metric_gauges = ops_metrics.standard_gauges(app.state.sessions)
    app.state.metric_gauges.add_age(
        "lanyan_backup_last_good_age_seconds",
        "Seconds since the newest backup whose restore drill passed (absent: none yet)",
        last_good_backup_at,
    )
    problems.install(app)
    openapi.install(app)
    app.add_middleware(OriginCheck, cookie=COOKIE)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders, tile_url=settings.tile_url)
    compression.install(app)  # compresses what the others produced (inside the timer)
    app.add_middleware(ops_metrics.RequestTimer)  # outermost: times every answer
    app.include_router(ops_routes.router)
    app.include_router(auth_routes.router)
    app.include_router(plans_routes.router)
    app.include_router(stats_routes.router)
    app.include_router(stats_routes.public_router)
    app.include_router(response_router)
    app.include_router(reinforcement_router)
    app.include_router(turnout_router)
    app.include_router(crew_router)
    app.include_router(geocode_router)
    app.include_router(preplan_router)
    app.include_router(logistics_router)
    app.include_router(supplies_router)
    app.include_router(patrol_router)
    app.include_router(unit_file_router)
    app.include_router(risk_router)
    app.include_router(monitoring_router)
    app.include_router(planning_router)
    app.include_router(vehicles_router)
    app.include_router(people_router)
    app.include_router(outreach_router)
    for router in prevention_routers:
        app.include_router(router)
    for router in prevention_record_routers:
        app.include_router(router)
    app.include_router(document_router)
    for router in draw_routers:
        app.include_router(router)
    for router in hotline_routers:
        app.include_router(router)
    for router in portal_routers:
        app.include_router(router)
    app.include_router(webhook_router)
    app.include_router(inbound_exchange_router)
    app.include_router(opinion_router)
    for router in io_routers():  # before the CRUD routers: "export" is not a row id
        app.include_router(router)
    for router in registry_routers():
        app.include_router(router)

    @app.get(
        "/api/choices", tags=["Meta"], summary="Every enumeration with zh/en labels and colours"
    )
    def choices() -> dict[str, list[dict]]:
        from lanyan.accounts.roles import Role
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
