"""The 九小场所 patrol checklist grid workers (网格员) fill in: five items every small place is
checked for and a few per kind of place, shipped as editable YAML
(``prevention/data/nine_small_places.yaml``; its ``source_zh`` says it is the platform's
rendering, not a national form). Plain Python: no database or HTTP import."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from lanyan.core.errors import FieldProblem, ValidationFailed


@dataclass(frozen=True)
class Item:
    code: str
    zh: str
    en: str
    basis: str


@dataclass(frozen=True)
class Place:
    """One kind of small place and its checklist (the common items first)."""

    code: str
    zh: str
    en: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Checklists:
    source_zh: str
    source_en: str
    places: tuple[Place, ...]

    def place(self, code: str) -> Place:
        for p in self.places:
            if p.code == code:
                return p
        raise ValidationFailed(
            f"{code!r} is not a kind of 九小场所",
            [
                FieldProblem(
                    "place_kind", "must be one of " + ", ".join(x.code for x in self.places)
                )
            ],
        )


def _items(rows: list[dict[str, str]]) -> tuple[Item, ...]:
    return tuple(Item(r["code"], r["zh"], r["en"], r["basis"]) for r in rows)


@cache
def checklists() -> Checklists:
    text = (
        resources.files("lanyan.prevention.data")
        .joinpath("nine_small_places.yaml")
        .read_text(encoding="utf-8")
    )
    doc = yaml.safe_load(text)
    common = _items(doc["common"])
    places = tuple(
        Place(p["code"], p["zh"], p["en"], common + _items(p["items"])) for p in doc["places"]
    )
    codes = [i.code for i in common] + [i.code for p in doc["places"] for i in _items(p["items"])]
    if len(codes) != len(set(codes)):
        raise ValueError("nine_small_places.yaml: item codes must be unique")
    return Checklists(doc["source_zh"], doc["source_en"], places)


def failed_items(place_kind: str | None, failed: list[str]) -> list[Item]:
    """The checklist items a finding marks failed, checked against its kind of place; refused
    naming the field when an item is not on that kind's list (or no kind is given)."""
    if not failed:
        return []
    if not place_kind:
        raise ValidationFailed(
            "checklist items need the kind of place",
            [FieldProblem("place_kind", "is required with checklist items")],
        )
    place = checklists().place(place_kind)
    by_code = {i.code: i for i in place.items}
    unknown = [c for c in failed if c not in by_code]
    if unknown:
        raise ValidationFailed(
            f"{', '.join(unknown)} not on the {place.code} checklist",
            [FieldProblem("checklist", f"items must be on the {place.code} checklist")],
        )
    return [by_code[c] for c in dict.fromkeys(failed)]
