"""``lanyan import`` and ``lanyan export``: registry files in and out, with progress and a summary.

Without ``--as`` the commands act as the unrestricted system actor ``system:cli``; with it, as
that user, inside their jurisdiction.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from lanyan.cli.common import actor_for, console, err_console, friendly_errors, load_settings
from lanyan.cli.common import sessions as make_sessions
from lanyan.core.cells import csv_row
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.registry.io import (
    CRS_NAMES,
    Format,
    export_rows,
    format_for,
    import_file,
    parse_crs,
)
from lanyan.registry.types import BY_SLUG, ObjectType, get_type
from lanyan.store.db import unit_of_work

STAGES = {
    "reading": "读取 reading",
    "validating": "校验 validating",
    "inserting": "写入 inserting",
    "exporting": "导出 exporting",
}
TypeArg = Annotated[str, typer.Argument(metavar="TYPE", help=f"one of: {', '.join(BY_SLUG)}")]
AsOpt = Annotated[
    str | None, typer.Option("--as", help="act as this user (their role and jurisdiction)")
]
FormatOpt = Annotated[
    str, typer.Option("--format", help="auto (from the extension), csv, xlsx, geojson")
]


class _Bar:
    """Adapts the import/export progress reports to one Rich task per stage."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task: Any = None

    def stage(self, name: str, total: int | None) -> None:
        self._finish()
        self.task = self.progress.add_task(STAGES.get(name, name), total=total)

    def advance(self, n: int) -> None:
        self.progress.advance(self.task, n)

    def _finish(self) -> None:
        if self.task is not None:
            done = self.progress.tasks[-1]
            total = done.total if done.total is not None else 1
            self.progress.update(self.task, total=total, completed=total)

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self._finish()
        self.progress.stop()


def _bar() -> _Bar:
    return _Bar(
        Progress(
            TextColumn("{task.description:<18}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=False,
        )
    )


def _object_type(slug: str) -> ObjectType:
    try:
        return get_type(slug)
    except KeyError as exc:
        raise LanyanError(
            str(exc.args[0]), [FieldProblem("TYPE", "is not an object type")]
        ) from None


def _report_bad_rows(
    exc: ValidationFailed, fmt: Format, limit: int, errors_csv: Path | None
) -> None:
    label = "feature" if fmt is Format.GEOJSON else "line"
    rows = {p.row for p in exc.problems}
    err_console.print(f"[red]导入失败 import failed:[/red] {exc.message}")
    err_console.print(
        f"{len(exc.problems)} problems in {len(rows)} rows; nothing was written (未写入任何数据)."
    )
    table = Table(label, "field 字段", "rule 规则", show_edge=False)
    for p in exc.problems[:limit]:
        table.add_row("" if p.row is None else str(p.row), p.field, p.rule)
    err_console.print(table)
    if len(exc.problems) > limit:
        hint = "" if errors_csv else "; --errors-csv FILE writes every one"
        err_console.print(f"… and {len(exc.problems) - limit} more{hint}")
    if errors_csv:
        with errors_csv.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([label, "field", "rule"])
            writer.writerows(
                csv_row(["" if p.row is None else p.row, p.field, p.rule]) for p in exc.problems
            )
        err_console.print(f"every problem is listed in {errors_csv}")


def register(app: typer.Typer) -> None:
    """Add the ``import`` and ``export`` commands to ``app``."""

    @app.command("import")
    def import_(
        type_: TypeArg,
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the file")],
        crs: Annotated[
            str | None,
            typer.Option(
                help="the CRS of a CSV/XLSX file without a crs column: wgs84, cgcs2000, gcj02, bd09"
            ),
        ] = None,
        as_user: AsOpt = None,
        format: FormatOpt = "auto",
        encoding: Annotated[str, typer.Option(help="text encoding of a CSV file")] = "utf-8",
        errors_csv: Annotated[
            Path | None, typer.Option(help="write every bad row (row, field, rule) to this CSV")
        ] = None,
        show: Annotated[int, typer.Option(help="bad rows to print")] = 30,
    ) -> None:
        """Import a CSV, XLSX or GeoJSON file: every row, or none if any is bad."""
        settings = load_settings()
        with friendly_errors():
            ot = _object_type(type_)
            fmt = format_for(file.name, format)
            started = time.perf_counter()
            try:
                with _bar() as bar, unit_of_work(make_sessions(settings)) as session:
                    actor, scope = actor_for(session, as_user, "cli")
                    result = import_file(
                        session,
                        ot,
                        actor,
                        scope,
                        file.read_bytes(),
                        fmt,
                        crs=crs,
                        encoding=encoding,
                        progress=bar,
                    )
            except ValidationFailed as exc:
                if not any(p.row is not None for p in exc.problems):
                    raise
                _report_bad_rows(exc, fmt, show, errors_csv)
                raise typer.Exit(1) from None
            elapsed = time.perf_counter() - started
        table = Table(title=f"导入完成 imported {ot.zh} {ot.en}", show_header=False)
        table.add_row("file 文件", str(file))
        table.add_row("format 格式", fmt.value)
        table.add_row(
            "coordinates 坐标系", ", ".join(result.crs) + " → WGS84" if result.crs else "—"
        )
        table.add_row("rows 行数", f"{result.rows:,}")
        table.add_row("acting as 操作人", actor.username)
        table.add_row(
            "time 用时", f"{elapsed:.2f} s ({result.rows / max(elapsed, 1e-9):,.0f} rows/s)"
        )
        console.print(table)

    @app.command("export")
    def export(
        type_: TypeArg,
        file: Annotated[Path, typer.Argument(dir_okay=False, help="where to write")],
        format: FormatOpt = "auto",
        crs: Annotated[
            str, typer.Option(help="write coordinates in wgs84, cgcs2000, gcj02, bd09")
        ] = "wgs84",
        as_user: AsOpt = None,
    ) -> None:
        """Export the rows in scope as CSV, XLSX or GeoJSON (a file ``lanyan import`` reads back)."""
        settings = load_settings()
        with friendly_errors():
            ot = _object_type(type_)
            fmt = format_for(file.name, format)
            target = parse_crs(crs, "--crs")
            with _bar() as bar, make_sessions(settings)() as session:
                actor, scope = actor_for(session, as_user, "cli")
                out = export_rows(session, ot, scope, fmt, target, progress=bar)
            file.write_bytes(out.data)
        table = Table(title=f"导出完成 exported {ot.zh} {ot.en}", show_header=False)
        table.add_row("file 文件", str(file))
        table.add_row("format 格式", fmt.value)
        table.add_row("coordinates 坐标系", CRS_NAMES[target])
        table.add_row("rows 行数", f"{out.rows:,}")
        table.add_row("scope of 范围", actor.username)
        console.print(table)
