"""The web shell: server-rendered pages and the "一张图" map, mounted on the API app."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lanyan.accounts import roles
from lanyan.stats.choices import FireGrade
from lanyan.web import docs_page, errors, i18n
from lanyan.web.accounts import admin, sign_in
from lanyan.web.exchange import opinion, webhooks
from lanyan.web.logistics import equipment, supplies
from lanyan.web.map import layers as map_layers
from lanyan.web.map import page as map_page
from lanyan.web.map import screen as map_screen
from lanyan.web.map import vehicles as map_vehicles
from lanyan.web.map import warnings as map_warnings
from lanyan.web.monitoring import duty as monitoring_duty
from lanyan.web.monitoring import maintenance as monitoring_maintenance
from lanyan.web.monitoring import pages as monitoring
from lanyan.web.monitoring import work_orders as monitoring_work_orders
from lanyan.web.ops import pages as ops
from lanyan.web.outreach import pages as outreach
from lanyan.web.plans import pages as plans
from lanyan.web.prevention import (
    applications,
    commitment_applications,
    documents,
    draws,
    inspections,
    patrols,
    portal,
    public_draws,
    record_steps,
    records,
    unit_file,
)
from lanyan.web.registry import pages as registry
from lanyan.web.render import TEMPLATES
from lanyan.web.response import crew, incidents, preplans, terminal
from lanyan.web.risk import map_layers as risk_map_layers
from lanyan.web.risk import pages as risk
from lanyan.web.siting import pages as siting
from lanyan.web.stats import declarations as stats_declarations
from lanyan.web.stats import pages as stats

STATIC = Path(__file__).parent / "static"

# Each page package's own words, added to the one catalogue (web/i18n.py MESSAGES) here.
PAGE_WORDS: tuple[dict[str, tuple[str, str]], ...] = (
    monitoring.WORDS,
    monitoring_duty.WORDS,
    monitoring_work_orders.WORDS,
    monitoring_maintenance.WORDS,
    ops.WORDS,
    outreach.WORDS,
    plans.WORDS,
    incidents.WORDS,
    preplans.WORDS,
    terminal.WORDS,
    crew.WORDS,
    inspections.WORDS,
    draws.WORDS,
    webhooks.WORDS,
    opinion.WORDS,
    records.WORDS,
    patrols.WORDS,
    record_steps.WORDS,
    documents.WORDS,
    siting.WORDS,
    stats.WORDS,
    portal.WORDS,
    applications.WORDS,
    unit_file.WORDS,
    commitment_applications.WORDS,
    stats_declarations.WORDS,
    map_vehicles.WORDS,
    map_screen.WORDS,
    map_warnings.WORDS,
)


def install_words_and_globals() -> None:
    """Add the page packages' words to the catalogue and their helpers to the templates: the one
    place either is changed (idempotent, so building several apps is harmless)."""
    for words in PAGE_WORDS:
        i18n.add_messages(words)
    TEMPLATES.env.globals.update(
        can_read=roles.can_read,  # the navigation shows 规划评估 only to roles that may read plans
        fire_grades=FireGrade.describe(),  # the 一张图 page draws fire layers in grade colours
        outreach_rule=outreach.outreach_rule,
        risk_raw=risk.raw_text,
        role_may_write=roles.can_write,  # the prevention pages offer forms only to writers
        vehicle_layer_config=map_vehicles.layer_config,  # the live vehicles on any map
    )


def install(app: FastAPI) -> None:
    install_words_and_globals()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Pages by domain (web/<domain>/), in the order their paths must be matched.
    for module in (
        map_layers,
        sign_in,
        map_page,
        map_screen,
        registry,
        plans,
        siting,
        stats_declarations,
        stats,
        admin,
        ops,
        equipment,
        supplies,
        outreach,
        incidents,
        terminal,
        crew,
        patrols,
        unit_file,
        preplans,
        inspections,
        draws,
        public_draws,
        portal,
        applications,
        commitment_applications,
        webhooks,
        opinion,
        risk_map_layers,
        risk,
        records,
        record_steps,
        documents,
        monitoring_duty,
        monitoring_work_orders,
        monitoring_maintenance,
        monitoring,
        docs_page,
    ):
        app.include_router(module.router)
    errors.install(app)
