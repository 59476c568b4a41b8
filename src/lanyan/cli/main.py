"""The ``lanyan`` command (Typer + Rich)."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.accounts.roles import Role
from lanyan.accounts.service import create_user
from lanyan.cli import (
    account_units_cmd,
    demo_cmd,
    draw_cmd,
    equipment_cmd,
    gateway_cmd,
    gb26875_cmd,
    hydrants_cmd,
    incidents_cmd,
    io_cmd,
    monitor_cmd,
    mqtt_cmd,
    outreach_cmd,
    plan_cmd,
    planning_cmd,
    recommend_cmd,
    risk_cmd,
    route_cmd,
    simulate_cmd,
    stats_cmd,
    webhooks_cmd,
)
from lanyan.cli.common import (
    LanyanGroup,
    actor_for,
    console,
    err_console,
    friendly_errors,
    load_settings,
    sessions,
)
from lanyan.store import audit
from lanyan.store.db import unit_of_work
from lanyan.store.migrate import upgrade

app = typer.Typer(
    help="Lanyan 蓝焰 smart-fire platform.",
    no_args_is_help=True,
    add_completion=False,
    cls=LanyanGroup,  # one line, never a stack trace, for any error a command lets through
)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
audit_app = typer.Typer(help="Inspect the audit log.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(audit_app, name="audit")
account_units_cmd.register(user_app)


@app.command()
def init() -> None:
    """Create or upgrade the database to the current schema."""
    settings = load_settings()
    url = settings.resolved_database_url
    with console.status("migrating the database…"):
        upgrade(url)
    console.print(f"[green]database ready[/green] at {url.split('@')[-1]}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Run the web platform and API."""
    import uvicorn

    settings = load_settings()
    upgrade(settings.resolved_database_url)
    console.print(f"Lanyan 蓝焰 at [bold]http://{host}:{port}[/bold]  (API docs: /docs)")
    uvicorn.run(
        "lanyan.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="log-in name")],
    role: Annotated[Role, typer.Option(help="one of the platform roles")],
    jurisdiction: Annotated[str, typer.Option(help="GB/T 2260 code the user is bound to")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="at least 10 characters"
        ),
    ],
    display_name: Annotated[str, typer.Option(help="name shown in the UI")] = "",
    language: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Create a user bound to a jurisdiction."""
    settings = load_settings()
    with friendly_errors(), unit_of_work(sessions(settings)) as session:
        actor, scope = actor_for(session, None, "cli")
        user = create_user(
            session,
            actor,
            scope,
            {
                "username": username,
                "password": password,
                "role": role.value,
                "jurisdiction_code": jurisdiction,
                "display_name": display_name,
                "language": language,
            },
        )
        console.print(
            f"[green]created[/green] {user.username} ({role.zh} {role.en}) in {jurisdiction}"
        )


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain of the audit log; exit 1 if any entry was edited or deleted."""
    settings = load_settings()
    with sessions(settings)() as session, console.status("verifying the audit chain…"):
        result = audit.verify(session)
    if result.ok:
        console.print(f"[green]audit chain intact[/green]: {result.checked} entries verified")
        return
    err_console.print(f"[red]audit chain broken[/red] at entry {result.seq}: {result.problem}")
    raise typer.Exit(1)


demo_cmd.register(app)
io_cmd.register(app)
route_cmd.register(app)
recommend_cmd.register(app)
incidents_cmd.register(app)
gb26875_cmd.register(app)
gateway_cmd.register(app)
mqtt_cmd.register(app)
monitor_cmd.register(app)
simulate_cmd.register(app)
planning_cmd.register(app)
hydrants_cmd.register(app)
equipment_cmd.register(app)
draw_cmd.register(app)
plan_cmd.register(app)
risk_cmd.register(app)
outreach_cmd.register(app)
stats_cmd.register(app)
webhooks_cmd.register(app)


if __name__ == "__main__":
    app()
