"""``lanyan client``: machine clients (机器接入) such as the 12345 platform, and their callbacks."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.accounts import clients
from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.exchange import service as exchange
from lanyan.exchange.choices import EventType
from lanyan.store.db import unit_of_work


def register(app: typer.Typer) -> None:
    """Add the ``client`` command group to ``app``."""
    group = typer.Typer(
        help="Machine clients (机器接入): API tokens of other departments' systems.",
        no_args_is_help=True,
    )
    app.add_typer(group, name="client")

    @group.command("add")
    def add(
        name: Annotated[str, typer.Argument(help="the system's name, e.g. 12345平台")],
        jurisdiction: Annotated[str, typer.Option(help="GB/T 2260 code it acts inside")],
        permission: Annotated[
            list[str], typer.Option(help="one of: " + ", ".join(clients.PERMISSIONS))
        ],
        callback_url: Annotated[
            str, typer.Option(help="its status callback receiver (http:// or https://)")
        ] = "",
    ) -> None:
        """Create a client; print its token (and its callback's signing secret) this once."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, _ = actor_for(session, None, "cli")
            row, token = clients.create_client(session, actor, name, jurisdiction, permission)
            secret = ""
            if callback_url:
                sub = exchange.create_subscription(
                    session,
                    actor,
                    f"{name} callback",
                    callback_url,
                    [EventType.HOTLINE_STATUS.value],
                    api_client_id=row.id,
                )
                secret = sub.secret
        typer.echo(f"created client {name} in {jurisdiction}")
        typer.echo(f"token (shown once): {token}")
        if secret:
            typer.echo(f"callback signing secret (shown once): {secret}")

    @group.command("list")
    def list_() -> None:
        """Every client: name, jurisdiction, permissions, on or off, last call."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            for c, code in clients.list_clients(session):
                state = "on" if c.active else "off"
                last = c.last_used_at.isoformat() if c.last_used_at else "never"
                console.print(f"{c.name}\t{code}\t{','.join(c.permissions)}\t{state}\t{last}")

    @group.command("off")
    def off(name: Annotated[str, typer.Argument(help="the client's name")]) -> None:
        """Switch a client off: its token stops working at once."""
        settings = load_settings()
        with friendly_errors(), unit_of_work(sessions(settings)) as session:
            actor, _ = actor_for(session, None, "cli")
            clients.set_active(session, actor, name, False)
        typer.echo(f"{name}: off")
