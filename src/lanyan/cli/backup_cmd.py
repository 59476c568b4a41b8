"""``lanyan backup``, ``lanyan backup verify``, ``lanyan backup keygen`` and ``lanyan restore``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lanyan.cli.common import console, err_console, friendly_errors, load_settings
from lanyan.ops import backup_crypto
from lanyan.ops.backup import BackupError, create_backup
from lanyan.ops.backup_restore import RestoreReport, drill, restore

backup_app = typer.Typer(
    help="Back up the database and evidence files into one archive (see README "
    '"Backup and restore"). Without a subcommand: make a backup.',
    invoke_without_command=True,
)

KeyFile = Annotated[
    Path | None,
    typer.Option(
        "--key-file",
        help="256-bit key file: encrypt the archive with AES-256-GCM (make one: backup keygen)",
    ),
]


@contextmanager
def _progress() -> Iterator[object]:
    bars = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    )
    tasks: dict[str, object] = {}

    def report(step: str, done: int, total: int) -> None:
        key = step.split(" ", 1)[0] if step.startswith("copying") else step
        if key not in tasks:
            tasks[key] = bars.add_task(step, total=total or None)
        bars.update(tasks[key], completed=done, description=step)  # type: ignore[arg-type]

    with bars:
        yield report


def _key(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return backup_crypto.load_key(path)
    except backup_crypto.ArchiveCryptoError as exc:
        raise BackupError(str(exc)) from None


def _print_checks(report: RestoreReport) -> None:
    for check in report.checks:
        console.print(f"  [green]✓[/green] {check}")


@backup_app.callback()
def backup(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(help="archive file or folder (default: LANYAN_BACKUP_DIR, else data dir)"),
    ] = None,
    key_file: KeyFile = None,
) -> None:
    """Write one archive: database snapshot, evidence files and a manifest."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    target = out or settings.backup_dir or settings.data_dir / "backups"
    if out is None:
        target.mkdir(parents=True, exist_ok=True)
    with friendly_errors():
        key = _key(key_file)
        with _progress() as report:
            result = create_backup(
                settings.resolved_database_url,
                settings.data_dir,
                target,
                key=key,
                progress=report,  # type: ignore[arg-type]
            )
    m = result.manifest
    console.print(
        f"[green]backup written[/green] {result.path} ({result.size_bytes:,} bytes): "
        f"{m['rows']:,} rows in {len(m['tables'])} tables, {m['attachments']} evidence files, "
        f"audit log {m['audit']['entries']} entries in {m['audit']['chains']} chains, "
        f"schema {m['schema_revision']}" + (", encrypted (AES-256-GCM)" if key else "")
    )


@backup_app.command("verify")
def backup_verify(
    archive: Annotated[Path, typer.Argument(help="the archive to check")],
    key_file: KeyFile = None,
) -> None:
    """The restore drill: restore ARCHIVE into a scratch database and check it; exit 1 if not."""
    with friendly_errors():
        key = _key(key_file)
        with _progress() as report:
            result = drill(archive, key=key, progress=report)  # type: ignore[arg-type]
    console.print(f"[green]archive {archive} restores[/green] (drill into a scratch database):")
    _print_checks(result)


@backup_app.command("keygen")
def backup_keygen(
    path: Annotated[Path, typer.Argument(help="new key file (not overwritten)")],
) -> None:
    """Write a new random 256-bit key for --key-file (keep a copy away from the backups)."""
    if path.exists():
        err_console.print(f"[red]error:[/red] {path} already exists; not overwritten")
        raise typer.Exit(1)
    backup_crypto.new_key_file(path)
    console.print(f"[green]key written[/green] to {path} (mode 600)")


def restore_cmd(
    archive: Annotated[Path, typer.Argument(help="archive written by lanyan backup")],
    force: Annotated[
        bool, typer.Option("--force", help="replace the contents of a database that has data")
    ] = False,
    key_file: KeyFile = None,
) -> None:
    """Restore ARCHIVE into the configured database (empty unless --force), then check it."""
    settings = load_settings()
    with friendly_errors():
        key = _key(key_file)
        with _progress() as report:
            result = restore(
                archive,
                settings.resolved_database_url,
                settings.data_dir,
                force=force,
                key=key,
                progress=report,  # type: ignore[arg-type]
            )
    console.print(
        f"[green]restored[/green] {result.rows:,} rows and {result.attachments} evidence files "
        f"from {archive}:"
    )
    _print_checks(result)


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")
    app.command("restore")(restore_cmd)
