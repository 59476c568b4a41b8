"""Road segments as parsed from a source, before they are compiled into a graph."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# oneway codes: traffic runs along the digitised direction only, against it only, or both ways.
FORWARD, BOTH, BACKWARD = 1, 0, -1


@dataclass(frozen=True)
class RoadSegments:
    """Polylines in WGS84 with their planned speed and direction, one entry per source line.

    ``coords`` holds every vertex (lon, lat in degrees) of every line back to back; line ``i``
    is ``coords[offsets[i]:offsets[i + 1]]``. ``speed_kmh`` is the fire-vehicle speed already
    resolved from the speed table and the road's own limit. ``oneway`` is FORWARD, BOTH or
    BACKWARD. ``labels`` name each line for messages (a road code, an OSM way id, a feature).
    """

    coords: np.ndarray
    offsets: np.ndarray
    road_class: np.ndarray
    speed_kmh: np.ndarray
    oneway: np.ndarray
    labels: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @classmethod
    def from_lines(
        cls,
        lines: Sequence[np.ndarray],
        road_class: Sequence[str],
        speed_kmh: Sequence[float],
        oneway: Sequence[int],
        labels: Sequence[str],
    ) -> RoadSegments:
        """Assemble from one (n, 2) coordinate array per line."""
        sizes = np.array([len(line) for line in lines], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        coords = (
            np.concatenate([np.asarray(line, dtype=np.float64) for line in lines])
            if lines
            else np.empty((0, 2), dtype=np.float64)
        )
        return cls(
            coords=coords.reshape(-1, 2),
            offsets=offsets,
            road_class=np.asarray(road_class, dtype=str),
            speed_kmh=np.asarray(speed_kmh, dtype=np.float64),
            oneway=np.asarray(oneway, dtype=np.int8),
            labels=tuple(labels),
        )
