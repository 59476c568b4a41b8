"""Maintenance (维保, GB 25201) as plain Python: the monthly checklist, what makes a contract, a
monthly record and an annual test report valid, and a contract's state on a day.

No database or HTTP import: ``maintenance_service`` loads what a rule needs (the unit's systems,
its other contracts), calls one function here, and stores the result. Every refusal names the
field it is about (``FieldProblem``), so the API answers 422 and the page shows it beside the
field.

The checklist is data (``monitoring/data/gb25201.yaml``): the platform's rendering of the
standard's maintenance tables, one line per item, grouped by system. A unit *has* a system when
one of its buildings lists one of the system's registry fire systems (``Building.fire_systems``,
filed with the unit in the registry) or the system is ``always`` there (灭火器). That is the
platform's choice: the registry's filing of the unit's buildings is what the fire officers
already keep, and a contract only says what a company maintains, not what the unit has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from lanyan.core.errors import FieldProblem, ValidationFailed
from lanyan.monitoring.choices import ContractState, ItemResult, ReportConclusion

NOTE_MAX = 200  # characters of an item's note
NUMBER_MAX = 64  # characters of a contract's number
CONTRACT_YEARS_MAX = 5  # a contract longer than this is a typing error (the platform's choice)
REMIND_DAYS = 30  # default reminder window (``Settings.maintenance_remind_days``)


@dataclass(frozen=True)
class Item:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class System:
    """One system of the checklist and the registry fire systems that mean a unit has it."""

    code: str
    zh: str
    en: str
    fire_systems: frozenset[str]
    always: bool
    items: tuple[Item, ...]

    def item(self, code: str) -> Item | None:
        return next((i for i in self.items if i.code == code), None)


def parse_checklist(data: Mapping[str, Any]) -> tuple[System, ...]:
    """The checklist from its YAML mapping; refuses a system or item without a code or a name,
    or a code used twice."""
    out: list[System] = []
    for raw in data.get("systems") or []:
        items = tuple(Item(str(i["code"]), str(i["zh"]), str(i["en"])) for i in raw["items"])
        if not items or len({i.code for i in items}) != len(items):
            raise ValueError(f"system {raw.get('code')}: items missing or codes repeated")
        out.append(
            System(
                code=str(raw["code"]),
                zh=str(raw["zh"]),
                en=str(raw["en"]),
                fire_systems=frozenset(raw.get("fire_systems") or ()),
                always=bool(raw.get("always", False)),
                items=items,
            )
        )
    if not out or len({s.code for s in out}) != len(out):
        raise ValueError("the checklist has no systems or repeats a system code")
    return tuple(out)


@lru_cache(maxsize=1)
def checklist() -> tuple[System, ...]:
    """The shipped checklist (``monitoring/data/gb25201.yaml``)."""
    text = resources.files("lanyan.monitoring").joinpath("data/gb25201.yaml").read_text("utf-8")
    return parse_checklist(yaml.safe_load(text))


def system(code: str, systems: Iterable[System] | None = None) -> System | None:
    return next((s for s in (systems or checklist()) if s.code == code), None)


def unit_systems(
    fire_systems: Iterable[str], systems: Iterable[System] | None = None
) -> list[System]:
    """The checklist systems a unit has, from its buildings' registry fire systems."""
    have = set(fire_systems)
    return [s for s in (systems or checklist()) if s.always or s.fire_systems & have]


# ---- contracts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Another contract of the same unit: its id, period and systems (for the overlap rule)."""

    id: int
    start_on: date
    end_on: date
    systems: frozenset[str]


@dataclass(frozen=True)
class ContractTerms:
    number: str
    start_on: date
    end_on: date
    systems: tuple[str, ...]


def check_contract(
    number: str,
    start_on: date,
    end_on: date,
    systems: Iterable[str],
    others: Iterable[Period],
    known: Iterable[System] | None = None,
) -> ContractTerms:
    """A 维保合同's terms, or refused naming the field: a number (≤ 64 characters), an end not
    before its start and at most ``CONTRACT_YEARS_MAX`` years later, at least one system of the
    checklist, and no system already covered by another contract of the unit on an
    overlapping period (two companies cannot both hold one system at once)."""
    problems: list[FieldProblem] = []
    number = number.strip()
    if not number or len(number) > NUMBER_MAX:
        problems.append(FieldProblem("number", f"must be 1 to {NUMBER_MAX} characters"))
    if end_on < start_on:
        problems.append(FieldProblem("end_on", "must not be before start_on"))
    elif end_on > start_on.replace(year=start_on.year + CONTRACT_YEARS_MAX) - timedelta(days=1):
        problems.append(FieldProblem("end_on", f"at most {CONTRACT_YEARS_MAX} years after start"))
    chosen = list(dict.fromkeys(systems))
    codes = {s.code for s in (known or checklist())}
    if not chosen:
        problems.append(FieldProblem("systems", "must name at least one system"))
    unknown = [c for c in chosen if c not in codes]
    if unknown:
        problems.append(FieldProblem("systems", f"unknown system(s): {', '.join(unknown)}"))
    if not problems:
        for other in others:
            shared = other.systems & set(chosen)
            if shared and other.start_on <= end_on and start_on <= other.end_on:
                problems.append(
                    FieldProblem(
                        "systems",
                        f"{', '.join(sorted(shared))} already covered by contract {other.id} "
                        f"({other.start_on.isoformat()} to {other.end_on.isoformat()})",
                    )
                )
                break
    if problems:
        raise ValidationFailed("the contract is refused", problems)
    return ContractTerms(number, start_on, end_on, tuple(chosen))


def contract_state(
    start_on: date, end_on: date, today: date, remind_days: int = REMIND_DAYS
) -> ContractState:
    """未生效 before its start; 已过期 after its end; 即将到期 when it ends within
    ``remind_days`` (today counted); otherwise 有效."""
    if today < start_on:
        return ContractState.NOT_STARTED
    if today > end_on:
        return ContractState.EXPIRED
    if (end_on - today).days < remind_days:
        return ContractState.EXPIRING
    return ContractState.ACTIVE


def days_left(end_on: date, today: date) -> int:
    return (end_on - today).days


# ---- monthly records ------------------------------------------------------------------------


def check_month(month: str, today: date) -> date:
    """``YYYY-MM`` → the month's first day; refuses another form or a month after this one."""
    try:
        year, mon = (int(p) for p in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise ValidationFailed(
            "the month is not YYYY-MM", [FieldProblem("month", "must be YYYY-MM")]
        ) from None
    if len(month) != 7 or first > today.replace(day=1):
        raise ValidationFailed(
            "the month is in the future or malformed",
            [FieldProblem("month", "must be YYYY-MM, not after this month")],
        )
    return first


@dataclass(frozen=True)
class Answer:
    """One item of a record as recorded."""

    item: str
    result: ItemResult
    note: str


def check_record(
    system_code: str,
    answers: Mapping[str, tuple[str, str]],
    has: Iterable[System],
    known: Iterable[System] | None = None,
) -> tuple[System, list[Answer]]:
    """A month's record of one system: the system must be one the unit has (``has``, see
    ``unit_systems``) — refused naming ``system`` otherwise; every item of the system answered
    正常/异常/不适用 (``items.<code>``), no item outside it, a note of at most ``NOTE_MAX``
    characters, and 异常 needs a note saying what is wrong (the platform's choice: a repair
    order opened from it needs that text)."""
    found = system(system_code, known)
    if found is None:
        raise ValidationFailed(
            f"unknown system {system_code!r}", [FieldProblem("system", "must be of the checklist")]
        )
    if found.code not in {s.code for s in has}:
        raise ValidationFailed(
            f"the unit has no {found.zh} ({found.code}) in its filed buildings",
            [FieldProblem("system", "must be a system the unit has")],
        )
    problems: list[FieldProblem] = []
    out: list[Answer] = []
    for extra in sorted(set(answers) - {i.code for i in found.items}):
        problems.append(FieldProblem(f"items.{extra}", f"is not an item of {found.code}"))
    for item in found.items:
        if item.code not in answers:
            problems.append(FieldProblem(f"items.{item.code}", "must be answered"))
            continue
        raw_result, raw_note = answers[item.code]
        note = raw_note.strip()
        try:
            result = ItemResult(raw_result)
        except ValueError:
            problems.append(
                FieldProblem(f"items.{item.code}", "must be normal, abnormal or not_applicable")
            )
            continue
        if len(note) > NOTE_MAX:
            problems.append(FieldProblem(f"items.{item.code}", f"note ≤ {NOTE_MAX} characters"))
        elif result is ItemResult.ABNORMAL and not note:
            problems.append(FieldProblem(f"items.{item.code}", "an abnormal item needs a note"))
        out.append(Answer(item.code, result, note))
    if problems:
        raise ValidationFailed("the maintenance record is refused", problems)
    return found, out


# ---- the annual test report -----------------------------------------------------------------


def check_report(year: int, tested_on: date, conclusion: str, today: date) -> ReportConclusion:
    """年度检测: the test date lies in the report's year and not after today; the conclusion
    is 合格 or 不合格."""
    problems: list[FieldProblem] = []
    if tested_on.year != year:
        problems.append(FieldProblem("tested_on", f"must lie in {year}"))
    if tested_on > today:
        problems.append(FieldProblem("tested_on", "must not be in the future"))
    try:
        result = ReportConclusion(conclusion)
    except ValueError:
        problems.append(FieldProblem("conclusion", "must be pass or fail"))
    if problems:
        raise ValidationFailed("the annual test report is refused", problems)
    return result
