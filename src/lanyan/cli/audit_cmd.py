"""``lanyan audit``: check the audit log's hash chain."""

from __future__ import annotations

import typer

from lanyan.cli.common import console, err_console, load_settings, sessions
from lanyan.store import audit

audit_app = typer.Typer(help="Inspect the audit log.", no_args_is_help=True)


@audit_app.command("verify")
def audit_verify() -> None:
    """Check every hash chain of the audit log; exit 1 if any entry was edited, removed or
    re-ordered."""
    settings = load_settings()
    with sessions(settings)() as session, console.status("verifying the audit chains…"):
        result = audit.verify(session)
    if result.ok:
        console.print(
            f"[green]audit chain intact[/green]: {result.checked} entries verified "
            f"in {result.chains} chain(s)"
        )
        return
    err_console.print(f"[red]audit chain broken[/red] at entry {result.seq}: {result.problem}")
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
