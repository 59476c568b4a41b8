"""``lanyan init`` and ``lanyan serve``: the database schema and the web platform."""

from __future__ import annotations

from typing import Annotated

import typer

from lanyan.cli.common import console, load_settings
from lanyan.store.migrate import upgrade


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``serve`` to ``app``."""

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

        from lanyan.ops.logs import uvicorn_log_config

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
            log_config=uvicorn_log_config(settings.log_format),
        )
