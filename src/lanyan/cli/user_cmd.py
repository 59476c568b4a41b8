"""``lanyan user``: add users and bind unit safety managers to their units."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.accounts.roles import Role
from lanyan.accounts.service import create_user
from lanyan.cli import account_units_cmd
from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.store.db import unit_of_work

user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
account_units_cmd.register(user_app)


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


def register(app: typer.Typer) -> None:
    app.add_typer(user_app, name="user")
