"""``lanyan cap import FILE|DIR``: import CAP 1.2 weather warnings (气象预警)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from lanyan.cli.common import load_settings, sessions
from lanyan.core.errors import LanyanError
from lanyan.exchange import cap_service
from lanyan.store.db import unit_of_work

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add the ``cap`` command group to ``app``."""
    group = typer.Typer(help="CAP 1.2 weather warnings (气象预警): import")
    app.add_typer(group, name="cap")

    @group.command("import")
    def import_(
        path: Annotated[Path, typer.Argument(help="a CAP .xml file or a folder of them")],
    ) -> None:
        """Import each CAP file (one transaction each); print one line per file."""
        # typer.echo, not Rich: one unwrapped line per file for scripts and logs
        files = sorted(path.glob("*.xml")) if path.is_dir() else [path]
        factory = sessions(load_settings())
        bad = 0
        for file in files:
            try:
                with unit_of_work(factory) as session:
                    result = cap_service.import_document(session, file.read_bytes())
            except OSError as exc:
                bad += 1
                reason = exc.strerror or type(exc).__name__
                log.warning("CAP file %s skipped: %s", file, reason)
                typer.echo(f"{file}: skipped: {reason}")
                continue
            except LanyanError as exc:
                bad += 1
                reason = "; ".join(f"{p.field} {p.rule}" for p in exc.problems) or str(exc)
                log.warning("CAP file %s skipped: %s", file, reason)
                typer.echo(f"{file}: skipped: {exc}: {reason}")
                continue
            typer.echo(f"{file}: {result.outcome} {result.identifier}")
        if bad:
            raise typer.Exit(1)
