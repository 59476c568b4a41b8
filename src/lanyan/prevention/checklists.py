"""Inspection checklists (消防监督检查表) by unit category, shipped as editable YAML.

The shipped files live in ``prevention/data/checklists/``; a deployment may put files of the same
name under ``$LANYAN_DATA_DIR/checklists/`` to replace them. A checklist may include others by
code; item codes must be unique across what a checklist includes.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.prevention.choices import MajorIndicator


class ChecklistItem(BaseModel):
    """One line of a checklist, as in the YAML file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=40)
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    basis: str = Field(min_length=1, description="legal basis (法律依据)")
    hazard: bool = Field(description="failing it is a fire hazard (火灾隐患)")
    major: MajorIndicator = MajorIndicator.NONE


class ChecklistFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str
    title_zh: str
    title_en: str
    include: list[str] = Field(default_factory=list)
    items: list[ChecklistItem]


@dataclass(frozen=True)
class Checklist:
    """A checklist with its included items resolved, in order (included lists first)."""

    code: str
    title_zh: str
    title_en: str
    items: tuple[ChecklistItem, ...]

    def item(self, code: str) -> ChecklistItem | None:
        return next((i for i in self.items if i.code == code), None)


def _read(path_text: str, name: str) -> ChecklistFile:
    try:
        return ChecklistFile.model_validate(yaml.safe_load(path_text))
    except (PydanticValidationError, yaml.YAMLError) as exc:
        raise ValidationFailed(
            f"checklist file {name} is not valid: {exc}",
            [FieldProblem("checklist", f"{name} must follow the checklist format")],
        ) from None


def load_files(override_dir: Path | None = None) -> dict[str, ChecklistFile]:
    """Every checklist file by code: the shipped ones, replaced by any in ``override_dir``."""
    files: dict[str, ChecklistFile] = {}
    shipped = resources.files("lanyan.prevention.data").joinpath("checklists")
    for entry in sorted(shipped.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            f = _read(entry.read_text(encoding="utf-8"), entry.name)
            files[f.code] = f
    if override_dir is not None and override_dir.is_dir():
        for path in sorted(override_dir.glob("*.yaml")):
            f = _read(path.read_text(encoding="utf-8"), path.name)
            files[f.code] = f
    return files


def resolve(files: dict[str, ChecklistFile], code: str) -> Checklist:
    """The checklist ``code`` with its includes expanded; refuses cycles and duplicate items."""

    def items_of(c: str, trail: tuple[str, ...]) -> list[ChecklistItem]:
        if c in trail:
            raise ValidationFailed(
                f"checklist {code} includes itself through {' → '.join((*trail, c))}",
                [FieldProblem("include", "must not form a cycle")],
            )
        if c not in files:
            raise ValidationFailed(
                f"checklist {c} does not exist", [FieldProblem("checklist", f"no checklist {c}")]
            )
        out: list[ChecklistItem] = []
        for inc in files[c].include:
            out.extend(items_of(inc, (*trail, c)))
        return out + list(files[c].items)

    items = items_of(code, ())
    seen: set[str] = set()
    for item in items:
        if item.code in seen:
            raise ValidationFailed(
                f"checklist {code} has item {item.code} twice",
                [FieldProblem("items", f"item code {item.code} must be unique")],
            )
        seen.add(item.code)
    f = files[code]
    return Checklist(f.code, f.title_zh, f.title_en, tuple(items))


def for_category(category: str, override_dir: Path | None = None) -> Checklist:
    """The checklist of a unit category; a category without its own file uses ``general``."""
    files = load_files(override_dir)
    return resolve(files, category if category in files else "general")


def all_checklists(override_dir: Path | None = None) -> list[Checklist]:
    files = load_files(override_dir)
    return [resolve(files, code) for code in sorted(files)]


def describe(checklist: Checklist) -> dict[str, Any]:
    return {
        "code": checklist.code,
        "title_zh": checklist.title_zh,
        "title_en": checklist.title_en,
        "items": [i.model_dump(mode="json") for i in checklist.items],
    }
