"""``lanyan webhooks``: relay emitted events to the subscribed receivers (outside ``serve``)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from lanyan.cli.common import console, friendly_errors, load_settings, sessions
from lanyan.exchange import service
from lanyan.exchange.settings import webhook_policy


def register(app: typer.Typer) -> None:
    """Add the ``webhooks`` command group to ``app``."""
    group = typer.Typer(help="Outbound webhooks (数据交换): deliver")
    app.add_typer(group, name="webhooks")

    @group.command("deliver")
    def deliver(
        once: Annotated[bool, typer.Option(help="one round, then exit")] = False,
        every: Annotated[float, typer.Option(help="seconds between rounds", min=0.1)] = 5.0,
    ) -> None:
        """Fan out new events and deliver what is due (signed, with backoff and a log)."""
        settings = load_settings()
        factory = sessions(settings)
        policy = webhook_policy(settings)
        with friendly_errors():
            while True:
                counts = service.run_once(factory, policy)
                console.print(
                    f"fanned out {counts['fanned_out']}, delivered {counts['delivered']}, "
                    f"retry later {counts['retry']}, failing {counts['failing']}"
                )
                if once:
                    return
                time.sleep(every)
