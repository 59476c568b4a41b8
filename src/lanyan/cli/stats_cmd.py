"""``lanyan stats``: fire statistics records (火灾统计) from the command line — import a CSV/XLSX
file all or nothing, export, the closed fire incidents still without a record, and the analysis
(the four figures with 同比 and the breakdowns) as JSON or XLSX."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.core.timeutil import local_text, local_today
from lanyan.stats import analysis, io, records
from lanyan.store.db import unit_of_work

UserOpt = Annotated[
    str | None, typer.Option("--as", help="act as this user (their role and jurisdiction)")
]


def register(app: typer.Typer) -> None:
    """Add the ``stats`` command group to ``app``."""
    stats_app = typer.Typer(help="Fire statistics (火灾统计): records, import/export, analysis.")
    app.add_typer(stats_app, name="stats")

    @stats_app.command("import")
    def import_(file: Path, as_user: UserOpt = None) -> None:
        """Import fire records from CSV or XLSX: every row is checked first and nothing is
        written if any row is broken (each is named with its line)."""
        settings = load_settings()
        with friendly_errors():
            rows = io.read_rows(file.read_bytes(), file.name)
            with unit_of_work(sessions(settings)) as session:
                actor, scope = actor_for(session, as_user, "stats-import")
                n = records.import_rows(session, actor, scope, rows)
        console.print(f"[green]imported[/green] {n} fire records from {file}")

    @stats_app.command("export")
    def export(
        file: Path,
        year: Annotated[int | None, typer.Option(help="one year; default: all")] = None,
        as_user: UserOpt = None,
    ) -> None:
        """Export fire records to FILE (.csv or .xlsx), with the headers the importer reads."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            _, scope = actor_for(session, as_user, "stats-export")
            rows = io.record_rows(session, scope, year)
        data = io.records_xlsx(rows) if file.suffix.lower() == ".xlsx" else io.to_csv(rows)
        file.write_bytes(data)
        console.print(f"[green]wrote[/green] {len(rows)} records to {file}")

    @stats_app.command("missing")
    def missing(as_user: UserOpt = None) -> None:
        """Closed 火灾 incidents that have neither a fire record nor a 简易登记."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            _, scope = actor_for(session, as_user, "stats")
            rows = records.missing_records(session, scope)
        table = Table(title=f"已结案火警未登记 Closed fires without a record: {len(rows)}")
        for col in ("警情 incident", "接警 received", "地址 address", "区划 jurisdiction"):
            table.add_column(col)
        for r in rows:
            when = local_text(r["received_at"], "%Y-%m-%d %H:%M")
            table.add_row(r["incident"], when, r["address"], r["jurisdiction"])
        console.print(table)

    @stats_app.command("analyse")
    def analyse(
        year: Annotated[int, typer.Option(help="focus year")] = local_today().year,
        first_year: Annotated[int | None, typer.Option(help="trend from; default year−4")] = None,
        jurisdiction: Annotated[str | None, typer.Option(help="GB/T 2260 code")] = None,
        output: Annotated[
            Path | None, typer.Option(help=".xlsx file to write; default: JSON on stdout")
        ] = None,
        as_user: UserOpt = None,
    ) -> None:
        """The four figures by year with 同比, and by cause, place, grade, month, weekday, hour
        and jurisdiction for the focus year."""
        settings = load_settings()
        f = analysis.Filters(year, first_year or year - 4, jurisdiction)
        with friendly_errors(), sessions(settings)() as session:
            _, scope = actor_for(session, as_user, "stats")
            result = analysis.analyse(session, scope, f)
        if output is None:
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
            return
        output.write_bytes(io.analysis_xlsx(result))
        console.print(f"[green]wrote[/green] {output}")
