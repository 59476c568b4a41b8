"""``lanyan coverage``, ``lanyan site``: station coverage and siting, printed as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lanyan.cli.common import friendly_errors, load_settings, sessions
from lanyan.cli.route_cmd import parse_point
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.registry.scope import EVERYWHERE
from lanyan.response.roads import registry_graph
from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.networks import GraphCache, file_graph
from lanyan.response.routing.router import Router
from lanyan.response.routing.speeds import SpeedTable
from lanyan.siting import sources
from lanyan.siting.coverage import check_minutes, coverage_of
from lanyan.siting.demand import grid_demand
from lanyan.siting.report import Change, coverage_report, what_if
from lanyan.siting.service import MODELS, load_study, site_run

STATUSES = ("existing", "under_construction", "planned")


def parse_statuses(text: str) -> list[str]:
    out = [s.strip() for s in text.split(",") if s.strip()]
    bad = [s for s in out if s not in STATUSES]
    if not out or bad:
        raise ValidationFailed(
            f"--status {text!r} is not a list of station statuses",
            [FieldProblem("--status", f"must be a comma list of {', '.join(STATUSES)}")],
        )
    return out


def parse_changes(add: list[str], move: list[str], remove: list[str]) -> list[Change]:
    """``--add LON,LAT``, ``--move CODE=LON,LAT``, ``--remove CODE`` as what-if changes."""
    changes = []
    for n, text in enumerate(add, start=1):
        lon, lat = parse_point(text, "--add")
        changes.append(Change("add", f"NEW-{n}", lon, lat))
    for text in move:
        code, sep, where = text.partition("=")
        if not sep or not code:
            raise ValidationFailed(
                f"--move {text!r} is not CODE=LON,LAT",
                [FieldProblem("--move", "must be CODE=LON,LAT, e.g. FS-01=120.47,33.20")],
            )
        lon, lat = parse_point(where, "--move")
        changes.append(Change("move", code, lon, lat))
    changes += [Change("remove", code) for code in remove]
    return changes


def load_graph(session: Session, network: Path | None, settings: Any) -> RoadGraph:
    table = SpeedTable.load(None)
    cache = GraphCache(settings.data_dir / "networks")
    if network is not None:
        return file_graph(network, table, cache)
    return registry_graph(session, table, cache)


def _emit(out: dict[str, Any], fmt: str) -> None:
    if fmt == "json":
        typer.echo(json.dumps(out, ensure_ascii=False))
        return
    for key, value in out.items():
        typer.echo(f"{key}: {json.dumps(value, ensure_ascii=False)}")


def _db_error(exc: SQLAlchemyError) -> LanyanError:
    return LanyanError(
        f"cannot read the registry ({exc.__class__.__name__}): run `lanyan init` and load data",
        [FieldProblem("database", "must hold the registry tables")],
    )


def register(app: typer.Typer) -> None:
    """Add the ``coverage`` command to ``app``."""

    @app.command("coverage")
    def coverage(
        minutes: Annotated[float, typer.Option(help="response standard (min), 建标152")] = 5.0,
        turnout: Annotated[float, typer.Option(help="turn-out time inside it (min)")] = 1.0,
        status: Annotated[
            str, typer.Option(help="station statuses to include, comma-separated")
        ] = "existing",
        cell: Annotated[float, typer.Option(help="demand grid cell size (m)")] = 500.0,
        gaps: Annotated[int, typer.Option(help="largest uncovered cells to list")] = 20,
        polygons: Annotated[
            bool, typer.Option("--polygons", help="include service-area polygons (GeoJSON)")
        ] = False,
        add: Annotated[
            list[str], typer.Option(help="what-if: add a station at LON,LAT (repeatable)")
        ] = [],  # noqa: B006 - Typer reads the default, it is never mutated
        move: Annotated[
            list[str], typer.Option(help="what-if: move station CODE=LON,LAT (repeatable)")
        ] = [],  # noqa: B006
        remove: Annotated[
            list[str], typer.Option(help="what-if: remove station CODE (repeatable)")
        ] = [],  # noqa: B006
        network: Annotated[
            Path | None, typer.Option(help="GeoJSON or .osm.pbf roads; default: the database's")
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="json or text")] = "json",
    ) -> None:
        """Who is reached within the standard (站点覆盖), per station and in total.

        Covered share per station and in total, gaps, district areas against 建标152-2017
        limits; with --add/--move/--remove, the change."""
        settings = load_settings()
        with friendly_errors():
            check_minutes(minutes, turnout)
            if not gaps >= 0:
                raise ValidationFailed("--gaps must be >= 0", [FieldProblem("--gaps", ">= 0")])
            statuses = parse_statuses(status)
            changes = parse_changes(add, move, remove)
            try:
                with sessions(settings)() as session:
                    graph = load_graph(session, network, settings)
                    sites = sources.stations(session, EVERYWHERE, statuses)
                    demand = grid_demand(
                        sources.leaf_areas(session, EVERYWHERE),
                        sources.residences(session, EVERYWHERE),
                        cell,
                    )
                    keys = sources.key_units(session, EVERYWHERE)
            except SQLAlchemyError as exc:
                raise _db_error(exc) from None
            router = Router(graph)
            if changes:
                out = what_if(router, sites, changes, demand, keys, minutes, turnout)
            else:
                cov = coverage_of(router, sites, demand, keys, minutes, turnout)
                out = coverage_report(router, sites, demand, keys, cov, gaps, polygons)
            _emit(out, fmt)

    @app.command("site")
    def site(
        model: Annotated[str, typer.Argument(help="lscp, mclp or pmedian")],
        p: Annotated[int, typer.Option("--p", help="new sites to open (mclp, pmedian)")] = 1,
        minutes: Annotated[float, typer.Option(help="response standard (min)")] = 5.0,
        turnout: Annotated[float, typer.Option(help="turn-out time inside it (min)")] = 1.0,
        status: Annotated[
            str, typer.Option(help="statuses of the stations kept open, comma-separated")
        ] = "existing",
        cell: Annotated[float, typer.Option(help="demand grid cell size (m)")] = 1000.0,
        spacing: Annotated[float, typer.Option(help="candidate grid spacing (m)")] = 2000.0,
        time_limit: Annotated[float, typer.Option(help="HiGHS time limit (s)")] = 120.0,
        gap: Annotated[float, typer.Option(help="relative MIP gap to stop at")] = 1e-4,
        network: Annotated[
            Path | None, typer.Option(help="GeoJSON or .osm.pbf roads; default: the database's")
        ] = None,
    ) -> None:
        """Optimal new station sites on road travel times (HiGHS), as JSON.

        The chosen sites, the objective and the proven optimality gap. Existing stations stay
        open."""
        settings = load_settings()
        with friendly_errors():
            if model not in MODELS:
                raise ValidationFailed(
                    f"unknown model {model!r}",
                    [FieldProblem("model", f"must be one of {', '.join(MODELS)}")],
                )
            check_minutes(minutes, turnout)
            for name, value in (
                ("--cell", cell),
                ("--spacing", spacing),
                ("--time-limit", time_limit),
            ):
                if not value > 0:
                    raise ValidationFailed(f"{name} must be positive", [FieldProblem(name, "> 0")])
            statuses = parse_statuses(status)
            try:
                with sessions(settings)() as session:
                    graph = load_graph(session, network, settings)
                    study = load_study(session, EVERYWHERE, statuses, cell)
            except SQLAlchemyError as exc:
                raise _db_error(exc) from None
            out = site_run(
                Router(graph), study, model, p, minutes, turnout, spacing, time_limit, gap
            )
            typer.echo(json.dumps(out, ensure_ascii=False))
