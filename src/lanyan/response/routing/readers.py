"""Network sources: registry road rows, GeoJSON line files and OpenStreetMap PBF extracts.

Each reader returns :class:`RoadSegments` in WGS84 with fire-vehicle speeds resolved from a
:class:`SpeedTable`; compiling them into a graph is the same for every source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs, to_wgs84
from lanyan.response.routing.segments import BACKWARD, BOTH, FORWARD, RoadSegments
from lanyan.response.routing.speeds import SpeedTable, parse_maxspeed

_YES = {"yes", "true", "1"}
_NO = {"no", "false", "0", ""}
_REVERSE = {"-1", "reverse"}


def parse_oneway(value: Any, highway: str | None = None, junction: str | None = None) -> int:
    """OSM-style one-way flag to FORWARD, BOTH or BACKWARD.

    Motorways and roundabouts are one-way by OSM convention unless tagged otherwise.
    Unknown values ("alternating", "reversible") are treated as two-way: such a road is
    passable in both directions at some time, and a fire engine may use either.
    """
    if isinstance(value, bool):
        return FORWARD if value else BOTH
    text = "" if value is None or value != value else str(value).strip().lower()
    if text in _YES:
        return FORWARD
    if text in _REVERSE:
        return BACKWARD
    if text == "" and (highway in ("motorway", "motorway_link") or junction == "roundabout"):
        return FORWARD
    return BOTH


def _line_parts(geometry: Any) -> list[np.ndarray]:
    """The coordinate arrays of a LineString or MultiLineString mapping."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "LineString":
        parts = [geometry.get("coordinates")]
    elif kind == "MultiLineString":
        parts = list(geometry.get("coordinates") or [])
    else:
        raise ValueError("must be a LineString or MultiLineString")
    out = []
    for part in parts:
        try:
            arr = np.asarray(part, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError("coordinates must be [lon, lat] number pairs") from None
        if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
            raise ValueError("each line needs at least two [lon, lat] positions")
        arr = arr[:, :2]
        if not np.isfinite(arr).all():
            raise ValueError("coordinates must be finite numbers")
        out.append(arr)
    return out


def _declared_crs(data: dict[str, Any]) -> Crs | None:
    member = data.get("crs")
    if member is None:
        return None
    name = member.get("properties", {}).get("name") if isinstance(member, dict) else member
    return Crs.parse(str(name))


def read_geojson(
    source: Path | dict[str, Any], speeds: SpeedTable, crs: Crs | None = None
) -> RoadSegments:
    """Lines of a GeoJSON FeatureCollection, converted to WGS84.

    The coordinate system is the file's ``crs`` member (a name such as "GCJ-02", or the
    ``{"type": "name", "properties": {"name": ...}}`` form) or ``crs``; WGS84 when neither is
    given, and an error when both are given and differ. Properties read per feature:
    ``road_class`` (a Lanyan class) or ``highway`` (an OSM tag, mapped by the speed table;
    lines with an undriven tag such as footway are left out), ``maxspeed`` or ``speed_kmh``
    (km/h, caps the class speed), ``oneway``.
    """
    label = str(source) if isinstance(source, Path) else "GeoJSON"
    if isinstance(source, Path):
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValidationFailed(
                f"cannot read {label}",
                [FieldProblem("network", f"file must be readable: {exc.strerror}")],
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValidationFailed(
                f"{label} is not valid GeoJSON", [FieldProblem("network", f"must be JSON: {exc}")]
            ) from None
    else:
        data = source
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed(
            f"{label} is not a GeoJSON FeatureCollection",
            [FieldProblem("type", "must be FeatureCollection")],
        )
    try:
        declared = _declared_crs(data)
    except ValueError as exc:
        raise ValidationFailed(
            f"{label}: unknown coordinate system", [FieldProblem("crs", str(exc))]
        ) from None
    if declared is not None and crs is not None and declared is not crs:
        raise ValidationFailed(
            f"{label} declares {declared.value} but {crs.value} was given",
            [FieldProblem("crs", "the file's crs member and the --crs option must agree")],
        )
    system = declared or crs or Crs.WGS84
    valid_classes = set(speeds.class_kmh)

    lines: list[np.ndarray] = []
    classes: list[str] = []
    kmh: list[float] = []
    oneway: list[int] = []
    labels: list[str] = []
    problems: list[FieldProblem] = []
    for i, feature in enumerate(data.get("features") or []):
        where = f"features[{i}]"
        props = (feature or {}).get("properties") or {}
        highway = props.get("highway")
        road_class = props.get("road_class")
        if road_class is not None:
            if road_class not in valid_classes:
                problems.append(
                    FieldProblem(
                        f"{where}.road_class", f"must be one of {', '.join(sorted(valid_classes))}"
                    )
                )
                continue
        elif highway is not None:
            road_class = speeds.class_for_highway(str(highway))
            if road_class is None:
                continue  # footway, cycleway, steps...: not a road for fire engines
        else:
            road_class = speeds.default_class
        try:
            parts = _line_parts((feature or {}).get("geometry"))
        except ValueError as exc:
            problems.append(FieldProblem(f"{where}.geometry", str(exc)))
            continue
        if system not in (Crs.WGS84, Crs.CGCS2000):
            parts = [np.array([to_wgs84(x, y, system) for x, y in part]) for part in parts]
        if (np.abs(np.concatenate(parts)) > [180.0, 90.0]).any():
            problems.append(FieldProblem(f"{where}.geometry", "lon must be within ±180, lat ±90"))
            continue
        caps = [
            c
            for c in (parse_maxspeed(props.get("maxspeed")), parse_maxspeed(props.get("speed_kmh")))
            if c is not None
        ]
        speed = speeds.speed_kmh(road_class, min(caps) if caps else None)
        direction = parse_oneway(props.get("oneway"), highway, props.get("junction"))
        name = str(props.get("code") or props.get("id") or feature.get("id") or where)
        for part in parts:
            lines.append(part)
            classes.append(road_class)
            kmh.append(speed)
            oneway.append(direction)
            labels.append(name)
    if problems:
        raise ValidationFailed(f"{label} has {len(problems)} invalid road feature(s)", problems)
    if not lines:
        raise ValidationFailed(
            f"{label} has no drivable road lines",
            [FieldProblem("features", "must contain LineString or MultiLineString roads")],
        )
    return RoadSegments.from_lines(lines, classes, kmh, oneway, labels)


def read_osm_pbf(path: Path, speeds: SpeedTable) -> RoadSegments:
    """The drivable ways of an OpenStreetMap ``.osm.pbf`` extract (parsed with pyrosm, offline)."""
    import pyrosm  # heavy (pandas, geopandas): loaded only when a PBF is read

    if not path.is_file():
        raise ValidationFailed(
            f"cannot read {path}", [FieldProblem("network", "file must exist and be readable")]
        )
    try:
        _, edges = pyrosm.OSM(str(path)).get_network(
            network_type="driving", nodes=True, extra_attributes=["junction"]
        )
    except Exception as exc:  # pyrosm raises assorted errors on a damaged file
        raise ValidationFailed(
            f"{path} is not a readable OpenStreetMap PBF extract",
            [FieldProblem("network", f"must be an .osm.pbf file: {exc}")],
        ) from None
    if edges is None or len(edges) == 0:
        raise ValidationFailed(
            f"{path} has no drivable roads", [FieldProblem("network", "must contain highway ways")]
        )
    highway = edges["highway"].to_numpy(dtype=object)
    maxspeed = edges["maxspeed"].to_numpy(dtype=object) if "maxspeed" in edges else None
    oneway_tag = edges["oneway"].to_numpy(dtype=object) if "oneway" in edges else None
    junction = edges["junction"].to_numpy(dtype=object) if "junction" in edges else None
    way_ids = edges["id"].to_numpy()

    classes: list[str] = []
    kmh: list[float] = []
    oneway: list[int] = []
    labels: list[str] = []
    for i, tag in enumerate(highway):
        road_class = speeds.class_for_highway(str(tag))
        if road_class is None:
            road_class = speeds.default_class  # pyrosm's driving filter already judged it drivable
        cap = parse_maxspeed(maxspeed[i]) if maxspeed is not None else None
        classes.append(road_class)
        kmh.append(speeds.speed_kmh(road_class, cap))
        oneway.append(
            parse_oneway(
                oneway_tag[i] if oneway_tag is not None else None,
                str(tag),
                junction[i] if junction is not None and isinstance(junction[i], str) else None,
            )
        )
        labels.append(f"way/{way_ids[i]}")
    geoms = edges.geometry.to_numpy()
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    counts = np.bincount(index, minlength=len(geoms))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return RoadSegments(
        coords=coords.astype(np.float64),
        offsets=offsets,
        road_class=np.asarray(classes, dtype=str),
        speed_kmh=np.asarray(kmh, dtype=np.float64),
        oneway=np.asarray(oneway, dtype=np.int8),
        labels=tuple(labels),
    )


@dataclass(frozen=True)
class RoadRow:
    """One row of the registry's ``roads`` table, as plain values (no ORM in the core)."""

    code: str
    road_class: str
    speed_kmh: float
    oneway: bool
    geometry: str  # GeoJSON LineString, WGS84


def read_road_rows(rows: Iterable[RoadRow], speeds: SpeedTable) -> RoadSegments:
    """Registry road rows: the class speed from the table, capped by the row's ``speed_kmh``."""
    lines: list[np.ndarray] = []
    classes: list[str] = []
    kmh: list[float] = []
    oneway: list[int] = []
    labels: list[str] = []
    problems: list[FieldProblem] = []
    for row in rows:
        try:
            parts = _line_parts(json.loads(row.geometry))
        except (ValueError, TypeError) as exc:
            problems.append(FieldProblem(f"roads.{row.code}.geometry", str(exc)))
            continue
        speed = speeds.speed_kmh(row.road_class, row.speed_kmh)
        for part in parts:
            lines.append(part)
            classes.append(row.road_class)
            kmh.append(speed)
            oneway.append(FORWARD if row.oneway else BOTH)
            labels.append(row.code)
    if problems:
        raise ValidationFailed("the roads table has unreadable geometries", problems)
    if not lines:
        raise ValidationFailed(
            "the roads table is empty",
            [FieldProblem("roads", "must hold road segments to route on")],
        )
    return RoadSegments.from_lines(lines, classes, kmh, oneway, labels)


__all__ = [
    "BACKWARD",
    "BOTH",
    "FORWARD",
    "RoadRow",
    "parse_oneway",
    "read_geojson",
    "read_osm_pbf",
    "read_road_rows",
]
