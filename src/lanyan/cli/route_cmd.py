"""``lanyan route``: fastest fire-vehicle route between two points, printed as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from lanyan.cli.common import friendly_errors, load_settings, sessions
from lanyan.core.config import Settings
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.core.geo import Crs, check_lon_lat, from_wgs84, to_wgs84
from lanyan.response.roads import registry_graph
from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.networks import GraphCache, file_graph
from lanyan.response.routing.router import Router
from lanyan.response.routing.speeds import SpeedTable


def parse_point(text: str, option: str) -> tuple[float, float]:
    """``"LON,LAT"`` in degrees, or ValidationFailed naming the option."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError("needs exactly two numbers")
        lon, lat = float(parts[0]), float(parts[1])
        check_lon_lat(lon, lat)
    except ValueError as exc:
        raise ValidationFailed(
            f"{option} {text!r} is not a point",
            [FieldProblem(option, f"must be LON,LAT in degrees, e.g. 120.16,33.35 ({exc})")],
        ) from None
    return lon, lat


def _parse_crs(text: str | None, option: str) -> Crs | None:
    if text is None:
        return None
    try:
        return Crs.parse(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"{option} is not a known coordinate system", [FieldProblem(option, str(exc))]
        ) from None


def register(app: typer.Typer) -> None:
    """Add the ``route`` command to ``app``."""

    @app.command("route")
    def route(
        from_: Annotated[str, typer.Option("--from", help="origin LON,LAT (degrees)")],
        to: Annotated[str, typer.Option("--to", help="destination LON,LAT (degrees)")],
        network: Annotated[
            Path | None,
            typer.Option(help="GeoJSON or .osm.pbf road file; default: the database's roads"),
        ] = None,
        crs: Annotated[
            str, typer.Option(help="coordinate system of --from/--to and of the printed path")
        ] = "WGS84",
        network_crs: Annotated[
            str | None,
            typer.Option(help="coordinate system of a GeoJSON network without a crs member"),
        ] = None,
        speeds: Annotated[
            Path | None, typer.Option(help="fire-vehicle speed table (YAML); default: shipped one")
        ] = None,
        max_snap: Annotated[
            float, typer.Option(help="farthest a point may lie from a road (metres)")
        ] = 500.0,
    ) -> None:
        """Fastest route by road: prints JSON with seconds, meters and path (lon, lat pairs)."""
        settings = load_settings()
        with friendly_errors():
            point_crs = _parse_crs(crs, "--crs") or Crs.WGS84
            file_crs = _parse_crs(network_crs, "--network-crs")
            origin = to_wgs84(*parse_point(from_, "--from"), point_crs)
            destination = to_wgs84(*parse_point(to, "--to"), point_crs)
            if not max_snap > 0:
                raise ValidationFailed(
                    "--max-snap must be positive",
                    [FieldProblem("--max-snap", "must be > 0 metres")],
                )
            table = SpeedTable.load(speeds)
            cache = GraphCache(settings.data_dir / "networks")
            graph = _graph(network, table, cache, file_crs, settings)
            result = Router(graph, max_snap_m=max_snap).route(origin, destination)
            if not result.reachable:
                raise LanyanError(
                    f"--to is not reachable from --from: {result.reason}",
                    [FieldProblem("--to", "must be reachable by road from --from")],
                )
            out = result.as_dict()
            out["path"] = [
                [round(c, 7) for c in from_wgs84(x, y, point_crs)] for x, y in result.path
            ]
            out["crs"] = point_crs.value
            typer.echo(json.dumps(out, ensure_ascii=False))


def _graph(
    network: Path | None, table: SpeedTable, cache: GraphCache, crs: Crs | None, settings: Settings
) -> RoadGraph:
    if network is not None:
        return file_graph(network, table, cache, crs)
    try:
        with sessions(settings)() as session:
            return registry_graph(session, table, cache)
    except SQLAlchemyError as exc:
        raise LanyanError(
            f"cannot read roads from the database ({exc.__class__.__name__}): "
            "run `lanyan init` and load roads, or pass --network",
            [FieldProblem("roads", "table must exist in the configured database")],
        ) from None
