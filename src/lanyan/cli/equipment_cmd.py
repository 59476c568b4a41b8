"""``lanyan equipment labels``: print the QR label sheet of equipment items to a file."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from lanyan.cli.common import actor_for, console, friendly_errors, load_settings, sessions
from lanyan.logistics import labels, service


class LabelFormat(StrEnum):
    PNG = "png"
    SVG = "svg"
    PDF = "pdf"


def register(app: typer.Typer) -> None:
    """Add the ``equipment`` command group to ``app``."""
    equipment = typer.Typer(help="Equipment (装备): QR labels.", no_args_is_help=True)
    app.add_typer(equipment, name="equipment")

    @equipment.command("labels")
    def labels_(
        format_: Annotated[
            LabelFormat, typer.Option("--format", help="png, svg or pdf")
        ] = LabelFormat.PDF,
        output: Annotated[
            Path | None, typer.Option(help="file to write; default: equipment-labels.<format>")
        ] = None,
        code: Annotated[
            list[str] | None, typer.Option(help="item code (repeat); default: every item")
        ] = None,
        user: Annotated[
            str | None, typer.Option(help="print as this user: only their jurisdiction's items")
        ] = None,
    ) -> None:
        """Write the printable QR label sheet; each label opens the item's page."""
        settings = load_settings()
        target = output or Path(f"equipment-labels.{format_.value}")
        with friendly_errors(), sessions(settings)() as session:
            _, scope = actor_for(session, user, "labels")
            sheet = service.labels_for(session, scope, code or [], settings.public_base_url)
            target.write_bytes(labels.render(sheet, format_.value, settings.label_font))
        console.print(f"[green]{len(sheet)} labels[/green] written to {target}")
