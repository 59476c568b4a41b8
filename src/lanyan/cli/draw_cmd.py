"""``lanyan draw``: plan (commit) and later run (reveal) a 双随机 draw, verify a published one,
export the result."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from lanyan.cli.common import (
    actor_for,
    console,
    err_console,
    friendly_errors,
    load_settings,
    sessions,
)
from lanyan.core.timeutil import local_text
from lanyan.prevention import draw, draw_service
from lanyan.store.db import unit_of_work


def register(app: typer.Typer) -> None:
    """Add the ``draw`` command group to ``app``."""
    group = typer.Typer(help="双随机 draws: plan, run, verify, export")
    app.add_typer(group, name="draw")

    @group.command("plan")
    def plan(
        jurisdiction: Annotated[str, typer.Option(help="GB/T 2260 code of the area drawn from")],
        user: Annotated[str | None, typer.Option(help="act as this user (their scope)")] = None,
        base_rate: Annotated[float, typer.Option(help="share of ordinary units drawn, 0–1")] = 0.05,
        high_risk_rate: Annotated[float, typer.Option(help="share of high-risk units")] = 0.20,
        credit_rate: Annotated[float, typer.Option(help="share of credit-listed units")] = 0.30,
        grade_rate: Annotated[
            list[str] | None,
            typer.Option(
                help="share of units of a risk grade, GRADE=RATE (e.g. I=0.5); repeatable; "
                "default I=0.5 II=0.2; 'none' draws grades at the other rates only"
            ),
        ] = None,
        sample_size: Annotated[
            int, typer.Option(help="draw exactly this many units (0: each unit at its rate)")
        ] = 0,
        credit_listed: Annotated[
            Path | None, typer.Option(help="file of credit-listed units' codes, one a line")
        ] = None,
        seed: Annotated[
            str | None,
            typer.Option(help="choose the seed (development and test only; refused in production)"),
        ] = None,
    ) -> None:
        """Plan a draw: publish its commitment now (seed hash, unit digest, weights, sample
        size); it may run after LANYAN_DRAW_DELAY_HOURS (24 h by default)."""
        settings = load_settings()
        if seed is not None and not settings.draw_seed_allowed:
            err_console.print(
                "[red]error:[/red] --seed: a seed is chosen by the server in production"
            )
            raise typer.Exit(2)
        listed = (
            [x.strip() for x in credit_listed.read_text(encoding="utf-8").split() if x.strip()]
            if credit_listed
            else []
        )
        with friendly_errors():
            rates = draw.Rates(
                base_rate, high_risk_rate, credit_rate, draw.parse_grade_rates(grade_rate)
            )
            with unit_of_work(sessions(settings)) as s:
                actor, scope = actor_for(s, user, "draw")
                row = draw_service.announce(
                    s,
                    actor,
                    scope,
                    jurisdiction,
                    seed,
                    rates,
                    listed,
                    sample_size=sample_size,
                    delay=timedelta(hours=settings.draw_delay_hours),
                )
                code, seed_hash, after = row.code, row.seed_sha256, row.run_after
        console.print(f"announced draw {code}: seed SHA-256 {seed_hash}")
        console.print(
            f"it may run after {local_text(after)} (Beijing time): lanyan draw run {code}"
        )

    @group.command("run")
    def run(
        code: Annotated[str, typer.Argument(help="the planned draw's code")],
        user: Annotated[str | None, typer.Option(help="act as this user (their scope)")] = None,
        csv_out: Annotated[
            Path | None, typer.Option("--csv", help="write the result as CSV")
        ] = None,
    ) -> None:
        """Run a planned draw once its published time has come, and reveal its seed."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as s:
            actor, scope = actor_for(s, user, "draw")
            record = draw_service.perform(s, actor, scope, code).record
        pool = len(record["input"]["pool"])
        console.print(f"drew {len(record['result'])} of {pool} units; seed {record['seed']}")
        if csv_out:
            csv_out.write_text(draw.to_csv(record), encoding="utf-8")
            console.print(f"result written to {csv_out}")

    @group.command("verify")
    def verify(
        source: Annotated[
            str | None,
            typer.Argument(
                help="a published record: its URL (…/api/public/draws/CODE or "
                "…/public/draws/CODE.json), a JSON file, or a stored draw's code"
            ),
        ] = None,
        file: Annotated[Path | None, typer.Option(help="a published record (JSON)")] = None,
    ) -> None:
        """Re-run a published draw and confirm it; exit 1 if it does not verify."""
        if (source is None) == (file is None):
            err_console.print("[red]error:[/red] give a URL, a file or a draw code (one of them)")
            raise typer.Exit(2)
        with friendly_errors():
            if file is not None or (source and (Path(source).is_file() or "://" in source)):
                where = str(file) if file is not None else str(source)
                try:
                    record = draw.load_record(where)
                except ValueError as exc:
                    err_console.print(f"[red]error:[/red] cannot read {where}: {exc}")
                    raise typer.Exit(2) from None
                problems = draw.verify(record)
                name = str(record.get("code", where))
            else:
                assert source is not None
                with unit_of_work(sessions(load_settings())) as s:
                    problems = draw_service.verify_stored(s, source)
                name = source
        if problems:
            err_console.print(f"[red]draw {name} does NOT verify:[/red]")
            for p in problems:
                err_console.print(f"  {p}")
            raise typer.Exit(1)
        console.print(f"draw {name} verifies: seed, input and result match")

    @group.command("export")
    def export(
        code: Annotated[str, typer.Argument(help="the draw's code")],
        fmt: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
    ) -> None:
        """Print a draw's published record (json) or result (csv) to stdout."""
        if fmt not in ("csv", "json"):
            err_console.print("[red]error:[/red] --format must be csv or json")
            raise typer.Exit(2)
        with friendly_errors(), unit_of_work(sessions(load_settings())) as s:
            record = draw_service.get_draw(s, code).record
        text = draw.to_csv(record) if fmt == "csv" else draw.canonical(record) + "\n"
        typer.echo(text, nl=False)
