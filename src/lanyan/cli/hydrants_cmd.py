"""``lanyan hydrants gaps``: hydrant coverage gaps along roads (GB 50974-2014 §7.2), as JSON."""

from __future__ import annotations

import json
import time
from typing import Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from lanyan.cli.common import friendly_errors, load_settings, sessions
from lanyan.cli.planning_cmd import _db_error
from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry.choices import RoadClass
from lanyan.registry.scope import EVERYWHERE
from lanyan.siting import sources
from lanyan.siting.hydrant_gaps import HydrantGaps, Weight

MODES = ("network", "straight")
# GB 50974 §7.2 governs municipal roads: expressways and rural roads are left out by default.
URBAN_CLASSES = (RoadClass.ARTERIAL.value, RoadClass.SECONDARY.value, RoadClass.LOCAL.value)


def register(app: typer.Typer) -> None:
    """Add the ``hydrants`` command group to ``app``."""
    group = typer.Typer(help="Hydrant planning (市政消火栓规划).", no_args_is_help=True)
    app.add_typer(group, name="hydrants")

    @group.command("gaps")
    def gaps(
        radius: Annotated[float, typer.Option(help="protection radius (m), GB 50974 §7.2")] = 150.0,
        spacing: Annotated[float, typer.Option(help="largest spacing along a road (m)")] = 120.0,
        per_year: Annotated[
            int | None, typer.Option("--per-year", help="hydrants built per year (plan target)")
        ] = None,
        distance: Annotated[
            str, typer.Option(help="network (along roads) or straight")
        ] = "network",
        step: Annotated[float, typer.Option(help="road sample spacing (m)")] = 20.0,
        snap: Annotated[
            float, typer.Option(help="farthest a hydrant may stand off a road (m)")
        ] = 50.0,
        time_limit: Annotated[float, typer.Option(help="HiGHS time limit (s)")] = 120.0,
        stretches: Annotated[int, typer.Option(help="longest uncovered stretches to list")] = 50,
        classes: Annotated[
            str, typer.Option(help="road classes to analyse, comma-separated")
        ] = ",".join(URBAN_CLASSES),
        fmt: Annotated[str, typer.Option("--format", help="json or text")] = "json",
    ) -> None:
        """Road stretches beyond the protection radius of a usable hydrant, spacing over the
        limit, the fewest new hydrants closing every gap (HiGHS, proven gap) and a yearly
        build list."""
        settings = load_settings()
        with friendly_errors():
            if distance not in MODES:
                raise ValidationFailed(
                    f"--distance {distance!r} is unknown",
                    [FieldProblem("--distance", "must be network or straight")],
                )
            if per_year is not None and per_year < 1:
                raise ValidationFailed(
                    "--per-year must be at least 1", [FieldProblem("--per-year", "must be >= 1")]
                )
            if stretches < 0 or not time_limit > 0:
                raise ValidationFailed(
                    "--stretches must be >= 0 and --time-limit > 0",
                    [FieldProblem("--stretches", ">= 0"), FieldProblem("--time-limit", "> 0")],
                )
            if fmt not in ("json", "text"):
                raise ValidationFailed(
                    f"--format {fmt!r} is unknown", [FieldProblem("--format", "json or text")]
                )
            known = {c.value for c in RoadClass}
            wanted = [c.strip() for c in classes.split(",") if c.strip()]
            if not wanted or any(c not in known for c in wanted):
                raise ValidationFailed(
                    f"--classes {classes!r} is not a list of road classes",
                    [FieldProblem("--classes", f"each must be one of {', '.join(sorted(known))}")],
                )
            try:
                with sessions(settings)() as session:
                    roads = sources.hydrant_roads(session, EVERYWHERE, wanted)
                    hydrants = sources.hydrants(session, EVERYWHERE)
                    served = [
                        Weight(r.lon, r.lat, floors=r.floors)
                        for r in sources.residences(session, EVERYWHERE)
                    ] + [
                        Weight(u.lon, u.lat, key=1) for u in sources.key_units(session, EVERYWHERE)
                    ]
            except SQLAlchemyError as exc:
                raise _db_error(exc) from None
            started = time.perf_counter()
            g = HydrantGaps(
                roads, hydrants, radius, spacing, step, snap, network=distance == "network"
            ).solve(time_limit)
            build = g.build_list(per_year, served)
            seconds = time.perf_counter() - started
            longest = sorted(g.uncovered, key=lambda s: -s["length_m"])[:stretches]
            out: dict[str, Any] = {
                "standard": "GB 50974-2014 §7.2",
                "radius_m": radius,
                "spacing_m": spacing,
                "distance": distance,
                "classes": wanted,
                "roads": len(roads),
                "road_km": round(g.total_m / 1000, 3),
                "hydrants_usable": len(g.usable),
                "hydrants_unusable": len(g.unusable),
                "hydrants_off_road": g.off_road,
                "uncovered_km": round(g.uncovered_m / 1000, 3),
                "uncovered_share": round(g.uncovered_m / g.total_m, 4) if g.total_m else 0.0,
                "uncovered_stretches": len(g.uncovered),
                "longest_uncovered": longest,
                "spacing_gaps": g.spacing_gaps,
                "proposed_count": g.proposed_count,
                "gap": g.gap,
                "status": g.status,
                "blocks": g.blocks,
                "per_year": per_year,
                "years": max((b["year"] for b in build), default=0),
                "build_list": build,
                "seconds": round(seconds, 3),
            }
            if fmt == "json":
                typer.echo(json.dumps(out, ensure_ascii=False))
            else:
                for key, value in out.items():
                    typer.echo(f"{key}: {json.dumps(value, ensure_ascii=False)}")
