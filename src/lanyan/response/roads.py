"""The routing graph of the registry's ``roads`` table (the database side of routing)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lanyan.registry.models import Road
from lanyan.response.routing.graph import RoadGraph
from lanyan.response.routing.networks import GraphCache, rows_graph
from lanyan.response.routing.readers import RoadRow
from lanyan.response.routing.speeds import SpeedTable


def road_rows(session: Session) -> list[RoadRow]:
    """Every road segment of the registry as plain values, ordered by code."""
    result = session.execute(
        select(Road.code, Road.road_class, Road.speed_kmh, Road.oneway, Road.geometry).order_by(
            Road.code
        )
    )
    return [
        RoadRow(code, cls, float(kmh), bool(oneway), geom)
        for code, cls, kmh, oneway, geom in result
    ]


def registry_graph(
    session: Session, speeds: SpeedTable, cache: GraphCache | None = None
) -> RoadGraph:
    """The compiled graph of the ``roads`` table, from the cache while the rows are unchanged."""
    return rows_graph(road_rows(session), speeds, cache, region="registry")
