"""``lanyan demo``: build the deterministic Dafeng demo county into the configured database."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select

from lanyan.accounts.service import User
from lanyan.cli.common import console, friendly_errors, load_settings, sessions
from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.core.timeutil import to_local, utcnow
from lanyan.demo import duty as demo_duty
from lanyan.demo import history as demo_history
from lanyan.demo import outreach as demo_outreach
from lanyan.demo import plan as demo_plan
from lanyan.demo import preplans as demo_preplans
from lanyan.demo import supervision
from lanyan.demo.build import (
    DEMO_ACTOR,
    DEMO_PASSWORD,
    DEMO_USERS,
    bind_demo_unit_manager,
    create_users,
    has_jurisdictions,
    load,
)
from lanyan.demo.generate import DEFAULT_SEED, generate
from lanyan.demo.monitoring import build_monitoring
from lanyan.demo.region import COUNTY_CODE
from lanyan.demo.scale import SCALE_MAX, SCALE_MIN, SCALE_RULE
from lanyan.registry.types import get_type
from lanyan.stats.demo import seed_fire_records
from lanyan.store.db import unit_of_work
from lanyan.store.migrate import upgrade

DUTY_LABELS = {
    "equipment items": "装备 equipment items",
    "supply lots": "物资批次 supply lots",
    "support modules": "战勤保障模块 support modules",
    "checkpoints": "巡查点 patrol checkpoints",
    "patrols": "巡查 patrols",
    "filings": "户籍化备案 unit filings",
    "contracts": "维保合同 maintenance contracts",
    "maintenance-records": "月度维保记录 maintenance records",
    "monthly-checks": "每月防火检查 monthly fire checks",
}


def _login_table(password: str, caption: str = "", only: set[str] | None = None) -> Table:
    table = Table(title="演示账号 Demo log-ins (jurisdiction 320904 大丰区)", caption=caption)
    table.add_column("用户名 username")
    table.add_column("角色 role")
    table.add_column("密码 password")
    for user in DEMO_USERS:
        if only is None or user.username in only:
            table.add_row(user.username, f"{user.role.zh} {user.role.en}", password)
    return table


SUPERVISION_STAGES = {
    "inspections": "监督检查 Inspections",
    "records": "举报、执法、承诺、信用 Records",
    "risk": "风险评估 Risk snapshot",
}
SUPERVISION_ROWS = {
    "inspections": "监督检查 Inspections",
    "hazards": "隐患 Hazards",
    "closed": "已销案 Hazards closed",
    "listed": "挂牌督办 Hazards listed",
    "fires": "火灾警情（已结案）Past fires",
    "complaints": "举报投诉 Complaints",
    "enforcement": "行政强制与处罚 Enforcement actions",
    "commitments": "告知承诺 Commitments",
    "credit": "信用记录 Credit records",
    "blacklist": "失信黑名单 Blacklisted units",
    "draws": "双随机抽查 Draws",
    "risk_units": "风险评估单位 Units scored",
    "risk_warnings": "风险预警 Risk warnings",
}


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""

    @app.command()
    def demo(
        seed: Annotated[
            int, typer.Option(help="random seed; the same seed builds the same county")
        ] = DEFAULT_SEED,
        if_empty: Annotated[
            bool,
            typer.Option("--if-empty", help="do nothing if the database already has jurisdictions"),
        ] = False,
        password: Annotated[
            str, typer.Option(help="password of every demo user (at least 10 characters)")
        ] = DEMO_PASSWORD,
        scale: Annotated[
            int,
            typer.Option(
                help=f"N× the county's units, roads and records on the same outline "
                f"({SCALE_MIN}–{SCALE_MAX}), for benchmarks"
            ),
        ] = 1,
    ) -> None:
        """Build the synthetic Dafeng (大丰区) demo county, with one log-in per role."""
        if not SCALE_MIN <= scale <= SCALE_MAX:
            with friendly_errors():
                raise ValidationFailed(
                    "demo scale out of range", [FieldProblem("--scale", SCALE_RULE)]
                )
        settings = load_settings()
        url = settings.resolved_database_url
        with console.status("migrating the database…"):
            upgrade(url)
        factory = sessions(settings)
        with factory() as session:
            occupied = has_jurisdictions(session)
        if occupied and if_empty:
            console.print(
                "[yellow]the database already holds jurisdictions; demo not built[/yellow]"
            )
            with factory() as session:
                present = set(session.execute(select(User.username)).scalars())
            if present & {u.username for u in DEMO_USERS}:
                note = "the password given when the demo was first built"
                console.print(_login_table(password, note, present))
            else:
                console.print("no demo users in this database; add users with `lanyan user add`")
            return
        started = time.perf_counter()
        with friendly_errors():
            if occupied:
                raise Conflict(
                    "the database already holds jurisdictions; the demo needs an empty database",
                    [
                        FieldProblem(
                            "--if-empty", "pass it to skip the build on a non-empty database"
                        )
                    ],
                )
            if len(password) < 10:
                raise ValidationFailed(
                    "demo password too short",
                    [FieldProblem("--password", "must have at least 10 characters")],
                )
            with console.status("laying out roads, divisions and records…"):
                data = generate(seed, scale)
            counts = data.counts()
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console) as bar, unit_of_work(factory) as session:
                tasks = {
                    slug: bar.add_task(f"{get_type(slug).zh} {get_type(slug).en}", total=n)
                    for slug, n in counts.items()
                }
                load(session, data, lambda slug, n: bar.advance(tasks[slug], n))
                n_plans = demo_preplans.COUNT * scale
                plans_task = bar.add_task("数字化预案 Pre-plans", total=n_plans)
                counts["preplans"] = demo_preplans.build(
                    session,
                    seed,
                    count=n_plans,
                    progress=lambda n: bar.advance(plans_task, n),
                )
                bar.update(plans_task, total=counts["preplans"])
                create_users(session, password)
                stages: dict[str, int] = {}

                def tick(stage: str, done: int, total: int) -> None:
                    if stage not in stages:
                        label = SUPERVISION_STAGES.get(stage, stage)
                        stages[stage] = bar.add_task(label, total=total)
                    bar.update(stages[stage], completed=done)

                local = to_local(utcnow())
                assert local is not None
                supervised = supervision.build(
                    session,
                    seed,
                    local.date(),
                    tick,
                    n_inspections=supervision.INSPECTIONS * scale,
                    n_fires=supervision.FIRES * scale,
                )
                bind_demo_unit_manager(session)  # a unit with hazards
                demo_plan.adopt_dafeng(session, DEMO_ACTOR)  # the district's own plan
                demo_history.build_registry(session, seed, local.date())  # 2021 to the build day
                people = bar.add_task("人员与宣教 People & outreach", total=None)
                outreach = demo_outreach.build(
                    session, DEMO_ACTOR, seed, lambda _what, n: bar.advance(people, n)
                )
                bar.update(people, total=sum(outreach.values()))
                duty_task = bar.add_task("装备、物资与巡查 Equipment, supplies, patrols", total=8)
                tick_duty = lambda _what, n: bar.advance(duty_task, n)  # noqa: E731
                duty = demo_duty.build_equipment(session, seed, tick_duty)
                duty |= demo_duty.build_patrols(session, seed, tick_duty)
                duty |= demo_duty.build_unit_upkeep(session, local.date())
                bar.update(duty_task, completed=8)
                demo_history.build_activity(session, seed, local.date())
                fires = bar.add_task("火灾统计记录 fire records", total=None)
                counts["fire-records"] = seed_fire_records(
                    session,
                    DEMO_ACTOR,
                    COUNTY_CODE,
                    seed,
                    lambda n: bar.update(fires, total=n, completed=n),
                    scale=scale,
                )
            with Progress(*columns, console=console) as bar:
                task = bar.add_task("监控历史 monitoring history", total=counts["devices"])
                history = build_monitoring(
                    factory, seed, utcnow(), lambda n: bar.advance(task, n), scale=scale
                )
        elapsed = time.perf_counter() - started
        region = "大丰区" if scale == 1 else f"大丰区 ×{scale}"
        summary = Table(title=f"{region} demo built in {elapsed:.1f} s (seed {seed})")
        summary.add_column("对象 object type")
        summary.add_column("rows", justify="right")
        for slug, n in counts.items():
            label = {
                "preplans": "数字化预案 Pre-plans",
                "fire-records": "火灾统计记录 Fire records",
            }
            name = label.get(slug)
            summary.add_row(name or f"{get_type(slug).zh} {get_type(slug).en}", str(n))
        for key, label in SUPERVISION_ROWS.items():
            summary.add_row(label, str(supervised.get(key, 0)))
        summary.add_row(
            "报警记录 alarms (GB/T 26875.3 frames)", f"{history.alarms} ({history.frames})"
        )
        for what, n in outreach.items():
            summary.add_row(demo_outreach.LABELS[what], str(n))
        for what, n in duty.items():
            summary.add_row(DUTY_LABELS[what], str(n))
        console.print(summary)
        console.print(
            "[dim]town, subdistrict and zone codes (3209041xx, 3209040xx, 3209044xx) and their "
            "boundaries are synthetic placeholders; population figures are assumed (plan L31).[/dim]"
        )
        console.print(_login_table(password))
