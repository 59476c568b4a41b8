"""``lanyan incidents from-alarms``: open incidents from confirmed IoT fire alarms."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from lanyan.cli.common import err_console, friendly_errors, load_settings, sessions
from lanyan.response import from_alarms


def register(app: typer.Typer) -> None:
    """Add the ``incidents`` command group to ``app``."""
    group = typer.Typer(help="Incidents (警情).", no_args_is_help=True)
    app.add_typer(group, name="incidents")

    @group.command("from-alarms")
    def from_alarms_(
        once: Annotated[
            bool, typer.Option("--once", help="deliver what is pending now, then exit")
        ] = False,
        interval: Annotated[
            float, typer.Option(help="seconds between rounds when not --once", min=0.1)
        ] = 2.0,
    ) -> None:
        """Turn confirmed fire alarms (火警确认, the monitoring outbox) into incidents (警情).

        Prints one JSON line per event handled. Safe to run beside ``lanyan serve`` and beside
        another copy of itself: an alarm never opens two incidents.
        """
        settings = load_settings()
        factory = sessions(settings)
        with friendly_errors():
            while True:
                for d in from_alarms.run_once(factory):
                    typer.echo(
                        json.dumps(
                            {
                                "event": d.event_id,
                                "alarm_id": d.alarm_id,
                                "incident": d.incident_code,
                                "opened": d.opened,
                            },
                            ensure_ascii=False,
                        )
                    )
                if once:
                    with factory() as s:
                        left = from_alarms.pending(s)
                    if left:
                        err_console.print(f"[yellow]{left} event(s) still pending[/yellow]")
                    return
                try:
                    time.sleep(interval)
                except KeyboardInterrupt:  # Ctrl-C between rounds: a clean stop
                    return
