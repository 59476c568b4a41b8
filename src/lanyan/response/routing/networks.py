"""Compiled graphs cached on disk per region, rebuilt when their source changes.

A cache entry is ``<region>-<key>.npz`` in the cache folder; the key hashes the source (the
file's bytes or the road rows), the speed table, the declared coordinate system and the graph
format version, so editing any of them compiles afresh. Older entries of the same region are
removed when a new one is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.core.geo import Crs
from lanyan.response.routing.graph import FORMAT_VERSION, RoadGraph
from lanyan.response.routing.readers import RoadRow, read_geojson, read_osm_pbf, read_road_rows
from lanyan.response.routing.speeds import SpeedTable


class GraphCache:
    """Compiled graphs in one folder (normally ``<data_dir>/networks``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path_for(self, region: str, key: str) -> Path:
        return self.directory / f"{_slug(region)}-{key}.npz"

    def get_or_build(self, region: str, key: str, build: Callable[[], RoadGraph]) -> RoadGraph:
        """The cached graph for ``(region, key)``, or ``build()`` it and store it."""
        path = self.path_for(region, key)
        if path.is_file():
            try:
                return RoadGraph.load(path)
            except (OSError, ValueError, KeyError):
                path.unlink(missing_ok=True)  # a damaged or outdated entry is rebuilt, not trusted
        graph = build()
        for old in self.directory.glob(f"{_slug(region)}-*.npz"):
            old.unlink(missing_ok=True)
        graph.save(path)
        return graph


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_") or "network"


def _key(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in (str(FORMAT_VERSION), *parts):
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()[:20]


def is_pbf(path: Path) -> bool:
    return path.name.lower().endswith(".pbf")


def file_graph(
    path: Path, speeds: SpeedTable, cache: GraphCache | None = None, crs: Crs | None = None
) -> RoadGraph:
    """The graph of a GeoJSON (``.geojson``/``.json``) or OpenStreetMap ``.osm.pbf`` file."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(
            f"cannot read {path}",
            [FieldProblem("network", f"file must be readable: {exc.strerror}")],
        ) from None

    def build() -> RoadGraph:
        segments = read_osm_pbf(path, speeds) if is_pbf(path) else read_geojson(path, speeds, crs)
        return RoadGraph.compile(segments)

    if cache is None:
        return build()
    key = _key(content, speeds.fingerprint(), crs.value if crs else "")
    return cache.get_or_build(path.stem, key, build)


def rows_graph(
    rows: Iterable[RoadRow],
    speeds: SpeedTable,
    cache: GraphCache | None = None,
    region: str = "registry",
) -> RoadGraph:
    """The graph of registry road rows (ordered by code, so the key is stable)."""
    ordered = sorted(rows, key=lambda r: r.code)
    if cache is None:
        return RoadGraph.compile(read_road_rows(ordered, speeds))
    key = _key(
        speeds.fingerprint(),
        *(f"{r.code}|{r.road_class}|{r.speed_kmh!r}|{r.oneway}|{r.geometry}" for r in ordered),
    )
    return cache.get_or_build(
        region, key, lambda: RoadGraph.compile(read_road_rows(ordered, speeds))
    )
