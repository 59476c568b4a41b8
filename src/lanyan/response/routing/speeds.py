"""Fire-vehicle speeds by road class (消防车行驶速度), read from an editable YAML table."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry.choices import RoadClass

MAX_SPEED_KMH = 130.0
_MPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$", re.IGNORECASE)


def default_speeds_path() -> Path:
    """The table shipped with Lanyan (``lanyan/response/data/speeds.yaml``)."""
    return Path(str(resources.files("lanyan.response") / "data" / "speeds.yaml"))


def parse_maxspeed(value: Any) -> float | None:
    """A speed limit in km/h from an OSM-style ``maxspeed`` ("50", "30 mph", 40.0), else None.

    Symbolic limits ("none", "signals", "FI:urban") carry no number and give None: the road class
    speed then applies on its own.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) and number > 0 else None
    match = _NUMBER.match(str(value).split(";")[0])
    if not match:
        return None
    number = float(match.group(1))
    if match.group(2) and match.group(2).lower() == "mph":
        number *= _MPH
    return number if number > 0 else None


@dataclass(frozen=True)
class SpeedTable:
    """Speed per Lanyan road class (km/h) and the OSM ``highway`` tag to class map."""

    class_kmh: dict[str, float]
    highway_class: dict[str, str]
    default_class: str

    @classmethod
    def load(cls, path: Path | None = None) -> SpeedTable:
        """Read and check a speeds YAML file (the shipped one when ``path`` is None)."""
        source = path or default_speeds_path()
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValidationFailed(
                f"cannot read speed table {source}",
                [FieldProblem("speeds", f"file must be readable: {exc.strerror}")],
            ) from None
        except yaml.YAMLError as exc:
            raise ValidationFailed(
                f"speed table {source} is not valid YAML",
                [FieldProblem("speeds", f"must be YAML: {exc}")],
            ) from None
        return cls.from_mapping(data, str(source))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "speeds") -> SpeedTable:
        """Build from the parsed YAML mapping, naming every broken rule."""
        problems: list[FieldProblem] = []
        valid = {c.value for c in RoadClass}
        if not isinstance(data, dict):
            raise ValidationFailed(
                f"speed table {source} is not a mapping",
                [FieldProblem("speeds", "must be a mapping with classes, highway, default_class")],
            )
        classes = data.get("classes") or {}
        highway = data.get("highway") or {}
        default = data.get("default_class", "local")
        class_kmh: dict[str, float] = {}
        if not isinstance(classes, dict):
            problems.append(FieldProblem("classes", "must map road class to km/h"))
            classes = {}
        for name, kmh in classes.items():
            if name not in valid:
                problems.append(
                    FieldProblem(f"classes.{name}", f"must be one of {', '.join(sorted(valid))}")
                )
            elif (
                isinstance(kmh, bool)
                or not isinstance(kmh, int | float)
                or not 0 < kmh <= MAX_SPEED_KMH
            ):
                problems.append(
                    FieldProblem(
                        f"classes.{name}", f"must be a speed in km/h, 0 < v <= {MAX_SPEED_KMH:g}"
                    )
                )
            else:
                class_kmh[name] = float(kmh)
        for name in sorted(valid - set(classes)):
            problems.append(FieldProblem(f"classes.{name}", "must be given (km/h)"))
        if not isinstance(highway, dict):
            problems.append(FieldProblem("highway", "must map OSM highway tag to road class"))
            highway = {}
        for tag, name in highway.items():
            if name not in valid:
                problems.append(
                    FieldProblem(f"highway.{tag}", f"must be one of {', '.join(sorted(valid))}")
                )
        if default not in valid:
            problems.append(
                FieldProblem("default_class", f"must be one of {', '.join(sorted(valid))}")
            )
        if problems:
            raise ValidationFailed(f"speed table {source} is invalid", problems)
        return cls(class_kmh, {str(k): str(v) for k, v in highway.items()}, str(default))

    def fingerprint(self) -> str:
        """A stable hash of the table: compiled graphs are cached per table."""
        text = json.dumps([self.class_kmh, self.highway_class, self.default_class], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def class_for_highway(self, tag: str) -> str | None:
        """The Lanyan road class of an OSM ``highway`` tag, None when fire engines don't drive it."""
        return self.highway_class.get(tag)

    def speed_kmh(self, road_class: str, cap_kmh: float | None = None) -> float:
        """Planned fire-vehicle speed: the class speed, capped by the road's own limit."""
        speed = self.class_kmh[road_class]
        return min(speed, cap_kmh) if cap_kmh is not None else speed
