"""``lanyan opinion poll``: read the public-opinion feeds once (舆情监测)."""

from __future__ import annotations

import typer

from lanyan.cli.common import friendly_errors, load_settings, sessions
from lanyan.exchange import opinion_service


def register(app: typer.Typer) -> None:
    """Add the ``opinion`` command group to ``app``."""
    group = typer.Typer(
        help="Public opinion monitoring (舆情监测): poll the feeds.", no_args_is_help=True
    )
    app.add_typer(group, name="opinion")

    @group.command("poll")
    def poll() -> None:
        """Fetch every active feed once; new matching items become alerts (a bad feed is
        logged and skipped)."""
        settings = load_settings()
        with friendly_errors():
            r = opinion_service.poll(sessions(settings), settings.opinion_fetch_timeout_s)
        typer.echo(f"feeds {r.feeds}, failed {r.failed}, items {r.items}, new alerts {r.alerts}")
