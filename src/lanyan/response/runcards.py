"""Run cards (调派标准): the shipped, editable table of what to send to an incident.

:func:`RunCards.load` reads ``data/runcards.yaml`` (or another file), checks every entry and
names each broken one (``cards[3] (火灾/高层建筑/2级).send.aerial``); :meth:`RunCards.card_for`
picks the card for an incident type, building class and alarm level.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.registry.choices import VehicleType
from lanyan.response.choices import BuildingClass, IncidentType

MAX_LEVEL = 5


def default_runcards_path() -> Path:
    """The table shipped with Lanyan (``lanyan/response/data/runcards.yaml``)."""
    return Path(str(resources.files("lanyan.response") / "data" / "runcards.yaml"))


@dataclass(frozen=True)
class Capability:
    """What a requirement asks for and the vehicle types that provide it."""

    name: str
    zh: str
    en: str
    vehicle_types: frozenset[str]
    height: bool = False


@dataclass(frozen=True)
class Requirement:
    """``count`` vehicles of ``capability``; ``min_height_m`` for aerial apparatus."""

    capability: Capability
    count: int
    min_height_m: float | None = None


@dataclass(frozen=True)
class RunCard:
    incident_type: IncidentType
    building_class: BuildingClass
    level: int
    requirements: tuple[Requirement, ...]

    def label(self) -> str:
        return f"{self.incident_type.zh}/{self.building_class.zh}/{self.level}级"


@dataclass(frozen=True)
class RunCards:
    capabilities: dict[str, Capability]
    cards: dict[tuple[IncidentType, BuildingClass, int], RunCard]
    source: str

    @classmethod
    def load(cls, path: Path | None = None) -> RunCards:
        """Read and check a run-card YAML file (the shipped one when ``path`` is None)."""
        source = path or default_runcards_path()
        try:
            data = yaml.safe_load(source.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ValidationFailed(
                f"cannot read run cards {source}",
                [FieldProblem("runcards", f"file must be readable: {exc.strerror}")],
            ) from None
        except yaml.YAMLError as exc:
            raise ValidationFailed(
                f"run cards {source} are not valid YAML",
                [FieldProblem("runcards", f"must be YAML: {exc}")],
            ) from None
        return cls.from_mapping(data, str(source))

    @classmethod
    def from_mapping(cls, data: Any, source: str = "runcards") -> RunCards:
        """Build from the parsed YAML, collecting every problem before raising."""
        if not isinstance(data, dict):
            raise ValidationFailed(
                f"run cards {source} are not a mapping",
                [FieldProblem("runcards", "must be a mapping with capabilities and cards")],
            )
        problems: list[FieldProblem] = []
        capabilities = _capabilities(data.get("capabilities"), problems)
        cards = _cards(data.get("cards"), capabilities, problems)
        for t in IncidentType:
            if (t, BuildingClass.OTHER, 1) not in cards:
                problems.append(
                    FieldProblem(
                        "cards",
                        f"must have a card for type {t.value} ({t.zh}), building_class other, "
                        "level 1 (the fallback)",
                    )
                )
        if problems:
            raise ValidationFailed(f"run cards {source} are invalid", problems)
        return cls(capabilities, cards, source)

    def card_for(
        self, incident_type: IncidentType, building_class: BuildingClass, level: int
    ) -> RunCard:
        """The card for this incident: the exact one, else the highest level below it, else
        building class 其他 the same way."""
        if not 1 <= level <= MAX_LEVEL:
            raise ValidationFailed(
                "alarm level out of range",
                [FieldProblem("alarm_level", f"must be 1 to {MAX_LEVEL}")],
            )
        for cls_ in (building_class, BuildingClass.OTHER):
            for lv in range(level, 0, -1):
                card = self.cards.get((incident_type, cls_, lv))
                if card is not None:
                    return card
        raise AssertionError("the load check guarantees an 'other' level-1 card per type")


def _capabilities(raw: Any, problems: list[FieldProblem]) -> dict[str, Capability]:
    if not isinstance(raw, dict) or not raw:
        problems.append(FieldProblem("capabilities", "must map capability names to definitions"))
        return {}
    valid = {v.value for v in VehicleType}
    out = {}
    for name, spec in raw.items():
        where = f"capabilities.{name}"
        if not isinstance(spec, dict):
            problems.append(FieldProblem(where, "must be a mapping with zh, en, vehicle_types"))
            continue
        types = spec.get("vehicle_types")
        if not isinstance(types, list) or not types:
            problems.append(FieldProblem(f"{where}.vehicle_types", "must be a non-empty list"))
            continue
        bad = [t for t in types if t not in valid]
        if bad:
            problems.append(
                FieldProblem(
                    f"{where}.vehicle_types", f"{', '.join(map(str, bad))} must be vehicle types"
                )
            )
            continue
        if not isinstance(spec.get("height", False), bool):
            problems.append(FieldProblem(f"{where}.height", "must be true or false"))
            continue
        out[str(name)] = Capability(
            str(name),
            str(spec.get("zh", name)),
            str(spec.get("en", name)),
            frozenset(types),
            bool(spec.get("height", False)),
        )
    return out


def _choice(enum: Any, value: Any, where: str, problems: list[FieldProblem]) -> Any:
    try:
        return enum(value)
    except ValueError:
        problems.append(FieldProblem(where, f"must be one of {', '.join(m.value for m in enum)}"))
        return None


def _cards(
    raw: Any, capabilities: dict[str, Capability], problems: list[FieldProblem]
) -> dict[tuple[IncidentType, BuildingClass, int], RunCard]:
    if not isinstance(raw, list) or not raw:
        problems.append(FieldProblem("cards", "must be a non-empty list"))
        return {}
    out: dict[tuple[IncidentType, BuildingClass, int], RunCard] = {}
    for i, entry in enumerate(raw):
        where = f"cards[{i}]"
        if not isinstance(entry, dict):
            problems.append(FieldProblem(where, "must be a mapping with type, building_class, ..."))
            continue
        t = _choice(IncidentType, entry.get("type"), f"{where}.type", problems)
        b = _choice(BuildingClass, entry.get("building_class"), f"{where}.building_class", problems)
        level = entry.get("level")
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= MAX_LEVEL:
            problems.append(FieldProblem(f"{where}.level", f"must be an integer 1 to {MAX_LEVEL}"))
            level = None
        if t is not None and b is not None and level is not None:
            where = f"{where} ({t.zh}/{b.zh}/{level}级)"
        send = entry.get("send")
        if not isinstance(send, dict) or not send:
            problems.append(FieldProblem(f"{where}.send", "must map capabilities to counts"))
            continue
        reqs = []
        for cap_name, spec in send.items():
            req = _requirement(capabilities, cap_name, spec, f"{where}.send.{cap_name}", problems)
            if req is not None:
                reqs.append(req)
        if t is None or b is None or level is None or len(reqs) != len(send):
            continue
        if (t, b, level) in out:
            problems.append(FieldProblem(where, "repeats an earlier card for the same key"))
            continue
        out[(t, b, level)] = RunCard(t, b, level, tuple(reqs))
    return out


def _requirement(
    capabilities: dict[str, Capability],
    name: Any,
    spec: Any,
    where: str,
    problems: list[FieldProblem],
) -> Requirement | None:
    cap = capabilities.get(str(name))
    if cap is None:
        problems.append(
            FieldProblem(where, f"must be a capability: {', '.join(sorted(capabilities))}")
        )
        return None
    count, height = (
        (spec, None)
        if not isinstance(spec, dict)
        else (
            spec.get("count"),
            spec.get("min_height_m"),
        )
    )
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        problems.append(FieldProblem(where, "count must be a positive integer"))
        return None
    if height is not None:
        if not cap.height:
            problems.append(FieldProblem(where, "min_height_m applies only to height capabilities"))
            return None
        if isinstance(height, bool) or not isinstance(height, int | float) or height <= 0:
            problems.append(FieldProblem(where, "min_height_m must be a positive number of metres"))
            return None
    return Requirement(cap, count, None if height is None else float(height))
