"""``lanyan recommend``: the dispatch recommendation for a point, printed as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from lanyan.cli.common import friendly_errors, load_settings, sessions
from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.core.geo import check_lon_lat
from lanyan.registry.models import Building, Jurisdiction
from lanyan.response.choices import BuildingClass, IncidentType
from lanyan.response.recommend_service import NetworkProvider, recommendation
from lanyan.response.routing.networks import GraphCache
from lanyan.response.routing.speeds import SpeedTable
from lanyan.response.runcards import RunCards


def _choice(enum: type, text: str, option: str) -> object:
    for member in enum:  # type: ignore[attr-defined]
        if text in (member.value, member.zh, member.en):
            return member
    allowed = ", ".join(f"{m.zh} ({m.value})" for m in enum)  # type: ignore[attr-defined]
    raise ValidationFailed(
        f"{option} {text!r} is unknown", [FieldProblem(option, f"must be one of {allowed}")]
    )


def register(app: typer.Typer) -> None:
    """Add the ``recommend`` command to ``app``."""

    @app.command("recommend")
    def recommend_(
        lon: Annotated[float, typer.Option(help="incident longitude (WGS84 degrees)")],
        lat: Annotated[float, typer.Option(help="incident latitude (WGS84 degrees)")],
        type_: Annotated[
            str, typer.Option("--type", help="incident type: 火灾, 抢险救援, … or fire, rescue, …")
        ],
        building_class: Annotated[
            str | None,
            typer.Option(help="高层建筑/high_rise, 地下建筑, 大型综合体, 厂房仓库, 住宅, 其他"),
        ] = None,
        level: Annotated[int, typer.Option(help="alarm level 1–5")] = 1,
        building: Annotated[
            str | None, typer.Option(help="building code, for its facts and height")
        ] = None,
        jurisdiction: Annotated[
            str | None,
            typer.Option(help="jurisdiction code; default: the county holding the point"),
        ] = None,
        runcards: Annotated[
            Path | None, typer.Option(help="run-card YAML; default: shipped one")
        ] = None,
        speeds: Annotated[
            Path | None, typer.Option(help="speed table YAML; default: shipped one")
        ] = None,
    ) -> None:
        """Vehicles to send by road ETA, nearest water sources and building facts, as JSON."""
        settings = load_settings()
        with friendly_errors():
            try:
                check_lon_lat(lon, lat)
            except ValueError as exc:
                raise ValidationFailed(
                    "bad point", [FieldProblem("--lon/--lat", str(exc))]
                ) from None
            kind = _choice(IncidentType, type_, "--type")
            bclass = (
                _choice(BuildingClass, building_class, "--building-class")
                if building_class
                else None
            )
            cards = RunCards.load(runcards)
            provider = NetworkProvider(
                SpeedTable.load(speeds), GraphCache(settings.data_dir / "networks")
            )
            try:
                with sessions(settings)() as session:
                    b = _by_code(session, Building, building, "--building") if building else None
                    j = (
                        _by_code(session, Jurisdiction, jurisdiction, "--jurisdiction")
                        if jurisdiction
                        else None
                    )
                    out = recommendation(
                        session,
                        provider,
                        cards,
                        lon,
                        lat,
                        kind,  # type: ignore[arg-type]
                        bclass,  # type: ignore[arg-type]
                        level,
                        jurisdiction_id=j.id if j else (b.jurisdiction_id if b else None),
                        building=b,
                    )
            except SQLAlchemyError as exc:
                raise LanyanError(
                    f"cannot read the registry ({exc.__class__.__name__}): run `lanyan init` first",
                    [FieldProblem("database", "must be initialised")],
                ) from None
            typer.echo(json.dumps(out, ensure_ascii=False))


def _by_code(session: object, model: type, code: str, option: str) -> object:
    row = session.execute(select(model).where(model.code == code)).scalar_one_or_none()  # type: ignore[attr-defined]
    if row is None:
        raise ValidationFailed(
            f"{option} {code} does not exist", [FieldProblem(option, "must name an existing row")]
        )
    return row
