"""Templates of enforcement documents (``data/documents.yaml``): fixed wording, fields, the
articles each kind may cite, the check of a draft against them, the wording filled in, and the
document number (文号) made from the deployment's pattern. Pure: no database, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import yaml

from lanyan.core.errors import FieldProblem
from lanyan.prevention.choices import DocumentKind, EnforcementKind
from lanyan.prevention.enforcement import legal_bases

# The fields a template may ask for (beyond ``facts`` and ``bases``, always asked).
KNOWN_FIELDS = frozenset(
    {"facts", "demands", "deadline", "amount_yuan", "seal_place", "starts_on", "ends_on"}
)
# What the issued decision puts in force (临时查封 or 罚款), for the enforcement register.
ACTION_OF = {
    DocumentKind.SEAL_UP_DECISION: EnforcementKind.SEAL_UP,
    DocumentKind.PENALTY_DECISION: EnforcementKind.FINE,
}


@dataclass(frozen=True)
class Citation:
    key: str
    zh: str
    en: str


@dataclass(frozen=True)
class Template:
    kind: DocumentKind
    short: str
    fields: tuple[str, ...]
    bases: tuple[str, ...]
    addressee: str
    body: tuple[str, ...]
    receipt: str
    credit_points: int = 0  # 失信记录 points an issued document costs the unit


@dataclass(frozen=True)
class Catalogue:
    disclaimer: str
    authority: str
    review_body: str
    citations: dict[str, Citation]
    templates: dict[DocumentKind, Template]


@cache
def catalogue() -> Catalogue:
    """The shipped templates, checked: every field known, every cited key in ``citations``."""
    text = resources.files("lanyan.prevention.data").joinpath("documents.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    citations = {k: Citation(k, v["zh"], v["en"]) for k, v in raw["citations"].items()}
    templates = {}
    for key, v in raw["kinds"].items():
        kind = DocumentKind(key)
        unknown = set(v["fields"]) - KNOWN_FIELDS
        missing = set(v["bases"]) - set(citations)
        if unknown or missing:
            raise ValueError(f"template {key}: unknown fields {unknown} or citations {missing}")
        templates[kind] = Template(
            kind,
            v["short"],
            tuple(v["fields"]),
            tuple(v["bases"]),
            v["addressee"],
            tuple(v["body"]),
            v["receipt"],
            int(v.get("credit_points", 0)),
        )
    return Catalogue(raw["disclaimer"], raw["authority"], raw["review_body"], citations, templates)


def template(kind: DocumentKind) -> Template:
    return catalogue().templates[kind]


def check_fields(kind: DocumentKind, values: dict[str, Any]) -> list[FieldProblem]:
    """Every rule a draft of ``kind`` breaks: the fields its template needs, the articles it may
    cite, the fine's range under the cited article, the dates (pure)."""
    tpl = template(kind)
    problems: list[FieldProblem] = []
    bases: list[str] = list(values.get("bases") or [])
    if not bases:
        problems.append(FieldProblem("bases", "must cite at least one article"))
    for key in bases:
        if key not in tpl.bases:
            problems.append(
                FieldProblem(
                    "bases", f"{key} is not in the list for {kind.zh}: {', '.join(tpl.bases)}"
                )
            )
    if len(set(bases)) != len(bases):
        problems.append(FieldProblem("bases", "cites an article twice"))
    if not str(values.get("facts") or "").strip():
        problems.append(FieldProblem("facts", "must not be empty"))
    for name in tpl.fields:
        value = values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            problems.append(FieldProblem(name, f"is required for {kind.zh}"))
    for name in KNOWN_FIELDS - set(tpl.fields) - {"facts", "demands"}:
        if values.get(name) not in (None, ""):
            problems.append(FieldProblem(name, f"is not a field of {kind.zh}"))
    amount: Decimal | None = values.get("amount_yuan")
    if kind is DocumentKind.PENALTY_DECISION and amount is not None:
        problems += _check_amount(amount, bases)
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if starts is not None and ends is not None and ends < starts:
        problems.append(FieldProblem("ends_on", f"must not be before starts_on ({starts})"))
    return problems


def _check_amount(amount: Decimal, bases: list[str]) -> list[FieldProblem]:
    if amount <= 0:
        return [FieldProblem("amount_yuan", "must be more than 0")]
    ranges = [
        legal_bases()[k]
        for k in bases
        if k in legal_bases() and EnforcementKind.FINE in legal_bases()[k].kinds
    ]
    for basis in ranges:
        assert basis.fine_min is not None and basis.fine_max is not None
        if not basis.fine_min <= amount <= basis.fine_max:
            return [
                FieldProblem(
                    "amount_yuan",
                    f"must be between {basis.fine_min} and {basis.fine_max} yuan under {basis.key}",
                )
            ]
    return []


def fine_basis(bases: list[str]) -> str | None:
    """The first cited article that allows a fine (the enforcement register's basis)."""
    for key in bases:
        basis = legal_bases().get(key)
        if basis is not None and EnforcementKind.FINE in basis.kinds:
            return key
    return None


def cited(bases: list[str]) -> str:
    """The cited articles as one phrase (、 between them)."""
    known = catalogue().citations
    return "、".join(known[k].zh if k in known else k for k in bases)


def fill(kind: DocumentKind, facts: dict[str, Any]) -> tuple[str, list[str]]:
    """The addressee line and the body paragraphs of a ``kind`` document, filled in."""
    tpl = template(kind)
    values = {k: ("" if v is None else v) for k, v in facts.items()}
    return tpl.addressee.format_map(values), [p.format_map(values) for p in tpl.body]


def number(pattern: str, org: str, kind: DocumentKind, year: int, seq: int) -> str:
    return pattern.format(org=org, kind=template(kind).short, year=year, seq=seq)


def chinese_date(day: date | None) -> str:
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"
