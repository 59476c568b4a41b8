"""``lanyan user bind-unit / unbind-unit / units``: which units a unit safety manager manages."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.accounts.service import bind_user_unit, unbind_user_unit, user_units
from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.store.db import unit_of_work

USER = Annotated[str, typer.Argument(help="log-in name of a unit safety manager (单位管理人)")]
UNIT = Annotated[str, typer.Argument(help="unit code (统一社会信用代码)")]
AS = Annotated[str | None, typer.Option("--as", help="act as this user (their scope)")]


def register(user_app: typer.Typer) -> None:
    """Add the binding commands to ``lanyan user``."""

    @user_app.command("bind-unit")
    def bind_unit(username: USER, unit_code: UNIT, as_user: AS = None) -> None:
        """Bind a unit safety manager to a unit they manage (several units allowed)."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, as_user, "cli")
            b = bind_user_unit(session, actor, scope, username, unit_code)
            console.print(f"[green]bound[/green] {b.username} → {b.unit_code} {b.unit_name}")

    @user_app.command("unbind-unit")
    def unbind_unit(username: USER, unit_code: UNIT, as_user: AS = None) -> None:
        """Remove a unit safety manager's binding to a unit."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, scope = actor_for(session, as_user, "cli")
            unbind_user_unit(session, actor, scope, username, unit_code)
            console.print(f"[green]unbound[/green] {username} from {unit_code}")

    @user_app.command("units")
    def units(username: USER) -> None:
        """List the units a user is bound to."""
        settings = load_settings()
        with friendly_errors(), sessions(settings)() as session:
            _actor, scope = actor_for(session, None, "cli")
            rows = user_units(session, scope, username)
            if not rows:
                console.print(f"{username} is bound to no unit")
            for b in rows:
                console.print(f"{b.unit_code}  {b.unit_name}")
