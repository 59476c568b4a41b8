"""The seed plans shipped with Lanyan: ``load_plan(id)`` and ``list_plans()``.

Plan files are YAML in ``lanyan/plans/data``, read through importlib.resources so they work from a
wheel as well as a checkout. A malformed file fails with ``ValidationFailed`` whose problems name
the file, the indicator (or project) by its id, and the field.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import yaml
from pydantic import ValidationError

from lanyan.core.errors import FieldProblem, NotFound, ValidationFailed
from lanyan.plans.schema import Plan

_DATA = "lanyan.plans.data"


def _data_dir() -> Traversable:
    return resources.files(_DATA)


def plan_ids() -> list[str]:
    """Ids of the packaged plans (file stems), sorted."""
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in _data_dir().iterdir()
        if entry.is_file() and entry.name.endswith(".yaml")
    )


def _where(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Turn a Pydantic location such as ('indicators', 3, 'unit') into 'indicators[deaths].unit',
    naming list items by their ``id`` so the reader can find them in the file."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            item_id = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{item_id}]" if item_id else f"[{step}]"
        else:
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(str(step))
    return ".".join(parts) if parts else "(file)"


def parse_plan(text: str, file_name: str) -> Plan:
    """Validate one plan file's YAML text; ``file_name`` appears in every error."""
    try:
        # The C loader when libyaml is present: it parses the five plans about 25 times faster.
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        raise ValidationFailed(
            f"{file_name}: not valid YAML", [FieldProblem(file_name, str(exc), row)]
        ) from None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            f"{file_name}: a plan file must be a mapping",
            [FieldProblem(file_name, "top level must be a mapping of plan fields")],
        )
    try:
        return Plan.model_validate(raw)
    except ValidationError as exc:
        problems = [
            FieldProblem(f"{file_name}: {_where(raw, tuple(err['loc']))}", err["msg"])
            for err in exc.errors()
        ]
        summary = "; ".join(f"{p.field}: {p.rule}" for p in problems[:3])
        raise ValidationFailed(f"{file_name} is not a valid plan: {summary}", problems) from None


def load_plan(plan_id: str) -> Plan:
    """The packaged plan ``plan_id`` (e.g. ``"tongzhou"``), validated."""
    if plan_id not in plan_ids():
        raise NotFound(f"no plan '{plan_id}'; known plans: {', '.join(plan_ids())}")
    file_name = f"{plan_id}.yaml"
    plan = parse_plan(_data_dir().joinpath(file_name).read_text(encoding="utf-8"), file_name)
    if plan.id != plan_id:
        raise ValidationFailed(
            f"{file_name}: id '{plan.id}' does not match the file name",
            [FieldProblem(f"{file_name}: id", f"must be '{plan_id}'")],
        )
    return plan


def list_plans() -> list[Plan]:
    """Every packaged plan, in id order."""
    return [load_plan(plan_id) for plan_id in plan_ids()]


def plan_text_lines(plan: Plan) -> list[str]:
    """The plan's Chinese reference text (``data/text``), one string per 1-based line (index 0 is
    line 1), for showing an indicator's source in context."""
    text = _data_dir().joinpath("text", plan.source_file).read_text(encoding="utf-8")
    return text.split("\n")
