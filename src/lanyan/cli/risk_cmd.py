"""``lanyan risk``: check the weights, compute a day's snapshot, list scores and warnings."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lanyan.accounts import roles
from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.core.errors import Forbidden
from lanyan.core.timeutil import to_local, utcnow
from lanyan.risk import config, service
from lanyan.risk.choices import RiskGrade
from lanyan.store.db import unit_of_work

STAGES = {
    "features": "读取因素 reading factors",
    "score": "计算评分 scoring",
    "store": "保存快照 storing",
}


def register(app: typer.Typer) -> None:
    """Add the ``risk`` command group to ``app``."""
    group = typer.Typer(help="unit and area fire risk (风险评估): weights, compute, list")
    app.add_typer(group, name="risk")

    @group.command("weights")
    def weights(
        file: Annotated[Path | None, typer.Option(help="weights YAML (default: shipped)")] = None,
    ) -> None:
        """Check a weights file and print every factor's final weight and each matrix's CR."""
        with friendly_errors():
            model = config.load(file or load_settings().risk_weights)
        table = Table(title=f"AHP criteria (CR = {model.consistency_ratio:.3f} < 0.1)")
        for col in ("criterion 准则", "weight", "CR", "factor 因素", "final weight"):
            table.add_column(col)
        for c in model.criteria.values():
            for i, name in enumerate(c.factors):
                f = model.factors[name]
                table.add_row(
                    f"{c.zh} {c.en}" if i == 0 else "",
                    f"{c.weight:.3f}" if i == 0 else "",
                    f"{c.consistency_ratio:.3f}" if i == 0 else "",
                    f"{f.zh} {f.en}",
                    f"{f.weight:.4f}",
                )
        console.print(table)
        grades = ", ".join(f"{g} ≥ {v:g}" for g, v in model.grade_from.items())
        console.print(f"grades: {grades}, else IV; sha256 {model.sha256[:16]}…")

    @group.command("compute")
    def compute(
        as_of: Annotated[
            str | None, typer.Option("--date", help="snapshot day (default: today, local)")
        ] = None,
        user: Annotated[str | None, typer.Option(help="act as this user (their scope)")] = None,
        file: Annotated[Path | None, typer.Option(help="weights YAML (default: shipped)")] = None,
    ) -> None:
        """Score every unit on a day, store unit and area snapshots, record warnings."""
        settings = load_settings()
        factory = sessions(settings)
        with friendly_errors():
            model = config.load(file or settings.risk_weights)
            local = to_local(utcnow())
            assert local is not None
            day: date = service.parse_day(as_of, "--date") or local.date()
            columns = (
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console) as bar:
                tasks: dict[str, int] = {}

                def tick(stage: str, done: int, total: int) -> None:
                    if stage not in tasks:
                        tasks[stage] = bar.add_task(STAGES.get(stage, stage), total=total)
                    bar.update(tasks[stage], completed=done)

                with factory() as s:
                    actor, scope = actor_for(s, user, "risk")
                if user and not roles.can_write(actor.role, service.SLUG):
                    raise Forbidden(f"role {actor.role} may not compute risk snapshots")
                # short transactions: the server's log-ins and alarm confirms go on meanwhile
                result = service.compute_in_chunks(factory, actor, scope, day, model, progress=tick)
                warned = [
                    (w.kind, w.target_name or w.target, w.audience, w.message)
                    for w in result.warnings
                ]
        table = Table(title=f"风险快照 risk snapshot {day} — {result.units} units")
        for g in RiskGrade:
            table.add_column(g.zh, justify="right")
        table.add_row(*(str(result.grades.get(g.value, 0)) for g in RiskGrade))
        console.print(table)
        console.print(f"{result.areas} area rows (grids, H3 cells, jurisdictions)")
        for _kind, target, audience, message in warned:
            console.print(f"[yellow]预警 warning[/yellow] {target}: {message} → {audience}")
        if not warned:
            console.print("no new warnings")

    @group.command("list")
    def list_(
        as_of: Annotated[str | None, typer.Option("--date", help="day (default: latest)")] = None,
        top: Annotated[int, typer.Option(help="how many units")] = 20,
        user: Annotated[str | None, typer.Option(help="act as this user (their scope)")] = None,
    ) -> None:
        """The highest-risk units of a snapshot with their largest contributions."""
        with friendly_errors(), unit_of_work(sessions(load_settings())) as s:
            _, scope = actor_for(s, user, "risk")
            day, rows, total = service.list_units(
                s, scope, service.parse_day(as_of, "--date"), size=top
            )
            table = Table(title=f"风险最高的单位 highest-risk units, {day} ({total} scored)")
            for col in ("unit", "name", "score", "grade", "largest contributions"):
                table.add_column(col)
            for score, unit in rows:
                top3 = "; ".join(f"{c['zh']} +{c['points']:.1f}" for c in score.contributions[:3])
                table.add_row(
                    unit.code, unit.name, f"{score.score:.1f}", RiskGrade(score.grade).zh, top3
                )
        console.print(table)
