"""``lanyan geocode``: find a place from free text; ``lanyan geocode import-addresses FILE``:
import house numbers (门牌) and landmarks from CSV/XLSX."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lanyan.cli.common import actor_for, friendly_errors, load_settings, sessions
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs
from lanyan.geocode import service
from lanyan.geocode.schemas import GeocodeAnswer

IMPORT = "import-addresses"


def _crs(text: str) -> Crs:
    try:
        return Crs.parse(text)
    except ValueError as exc:
        raise ValidationFailed(
            "--crs is not a known coordinate system", [FieldProblem("--crs", str(exc))]
        ) from None


def _near(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    parts = text.split(",")
    try:
        lon, lat = (float(v) for v in parts)
    except ValueError:
        raise ValidationFailed(
            "--near is not a point", [FieldProblem("--near", "LON,LAT, two numbers")]
        ) from None
    return service.caller_context(lon, lat, ("--near", "--near"))


def register(app: typer.Typer) -> None:
    """Add the ``geocode`` command to ``app``."""

    @app.command("geocode")
    def geocode(
        words: Annotated[
            list[str], typer.Argument(help=f'the text to find ("永泰路155号"), or {IMPORT} FILE')
        ],
        fmt: Annotated[str, typer.Option("--format", help="json or text")] = "text",
        limit: Annotated[int, typer.Option(min=1, max=50, help="top N hits")] = 10,
        user: Annotated[str | None, typer.Option(help="search in this user's jurisdiction")] = None,
        crs: Annotated[str, typer.Option(help=f"{IMPORT}: coordinates of the file")] = "WGS84",
        near: Annotated[
            str | None,
            typer.Option(
                help="the caller's point LON,LAT (WGS84): orders equal hits nearest first"
            ),
        ] = None,
    ) -> None:
        """Print the places matching the text, best first (lon/lat WGS84), or import a file."""
        settings = load_settings()
        with friendly_errors():
            if fmt not in ("json", "text"):
                raise ValidationFailed(
                    "--format", [FieldProblem("--format", "must be json or text")]
                )
            with sessions(settings)() as session:
                if words[0] == IMPORT:
                    if len(words) != 2:
                        raise ValidationFailed(
                            f"{IMPORT} takes one file",
                            [FieldProblem("FILE", "give exactly one .csv or .xlsx file")],
                        )
                    path = Path(words[1])
                    if not path.is_file():
                        raise ValidationFailed(
                            f"{path} does not exist",
                            [FieldProblem("FILE", "must be a readable file")],
                        )
                    n = service.import_places(session, path, _crs(crs))
                    session.commit()
                    typer.echo(f"imported {n} place(s) from {path.name}")
                    return
                _, scope = actor_for(session, user, "geocode")
                answer = service.search(session, scope, " ".join(words), limit, _near(near))
                out = GeocodeAnswer.of(answer, limit, answer.total)
        if fmt == "json":
            typer.echo(json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2))
            return
        if not out.hits:
            near = f"; nearest: {out.nearest.label} ({out.nearest.why})" if out.nearest else ""
            typer.echo(f"no place matches {out.query!r}{near}")
            return
        for h in out.hits:
            typer.echo(
                f"{h.confidence:.2f}  {h.kind:<9} {h.label}  {h.lon:.6f},{h.lat:.6f}  ({h.why})"
            )
        typer.echo(
            f"{len(out.hits)} of {out.total}" + ("; ambiguous: choose one" if out.ambiguous else "")
        )
