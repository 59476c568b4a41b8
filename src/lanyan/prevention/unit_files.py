"""The unit's file (单位户籍化档案) and its monthly fire check (每月防火检查): pure rules.

No database and no HTTP here: the service (``unit_file_service``) loads and stores, these
functions decide.

* **Filing fields** of the 户籍化 system: the 消防安全责任人 and 消防安全管理人 (name, mobile or
  fixed phone, ID or certificate number), the 重点部位 (key parts), the 消防设施 systems present
  (:class:`FireSystem`) and the 微型消防站 (members and equipment). :func:`check_filing` names
  every broken rule by field; an import names the row too.
* **Monthly check** (公安部令第61号 第二十六条): one per unit and month, recorded with a result for
  every item of the checklist (``data/monthly_check.yaml``); a failed item needs a note and
  becomes a hazard of the unit's own (自查自改). It stays *pending* (待签字) until the unit's
  消防安全责任人 signs it off, a separate step recorded with the signer and the time.
* **Days due** for a month's daily patrols: only days that have passed count, so the rate of the
  running month is not dragged down by days still to come (:func:`days_due`).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml

from lanyan.core.errors import Conflict, FieldProblem, ValidationFailed
from lanyan.registry.choices import Choice


class FireSystem(Choice):
    """消防设施: the systems a unit may have (GB 25201 的系统划分, the platform's short list)."""

    FIRE_ALARM = ("fire_alarm", "火灾自动报警系统", "Automatic fire alarm system")
    HYDRANT = ("hydrant", "消火栓系统", "Fire hydrant system")
    SPRINKLER = ("sprinkler", "自动喷水灭火系统", "Automatic sprinkler system")
    SMOKE = ("smoke", "防烟排烟系统", "Smoke control system")
    GAS = ("gas", "气体灭火系统", "Gas extinguishing system")
    FOAM = ("foam", "泡沫灭火系统", "Foam system")
    LIGHTING = ("lighting", "应急照明和疏散指示系统", "Emergency lighting and exit signs")
    BROADCAST = ("broadcast", "消防应急广播系统", "Emergency broadcast")
    DOORS = ("doors", "防火门及防火卷帘", "Fire doors and shutters")
    ELEVATOR = ("elevator", "消防电梯", "Firefighter lift")
    EXTINGUISHER = ("extinguisher", "灭火器", "Fire extinguishers")
    WATER_SUPPLY = ("water_supply", "消防供水设施", "Fire water supply")


class CheckState(Choice):
    PENDING = ("pending", "待签字", "Awaiting sign-off", "#d97706")
    SIGNED = ("signed", "已签字", "Signed off", "#15803d")


# Mainland mobile (1[3-9]x, 11 digits) or a fixed line with its area code (0xx-xxxxxxx).
PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# 居民身份证 (18 characters, last may be X) or a certificate number (letters, digits, dashes).
ID_OR_CERT = re.compile(r"^([0-9]{17}[0-9Xx]|[A-Za-z0-9\-]{6,32})$")
NAME_MAX, ITEM_MAX, LIST_MAX = 40, 60, 50

# The filing fields in the order of the form, the export and the import (column names).
PERSON_FIELDS = (
    "responsible_name",
    "responsible_phone",
    "responsible_id",
    "manager_name",
    "manager_phone",
    "manager_id",
)
LIST_FIELDS = ("key_parts", "systems", "station_members", "station_equipment")
FIELDS = PERSON_FIELDS + LIST_FIELDS
REQUIRED = frozenset({"responsible_name", "responsible_phone"})


@dataclass(frozen=True)
class Filing:
    """The filing fields of one unit (户籍化 备案信息)."""

    responsible_name: str = ""
    responsible_phone: str = ""
    responsible_id: str = ""
    manager_name: str = ""
    manager_phone: str = ""
    manager_id: str = ""
    key_parts: tuple[str, ...] = ()
    systems: tuple[str, ...] = ()
    station_members: tuple[str, ...] = ()
    station_equipment: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {f: (list(v) if isinstance(v := getattr(self, f), tuple) else v) for f in FIELDS}


def split_list(text: str) -> tuple[str, ...]:
    """A list typed in one box or one cell: lines, 、, commas or semicolons separate items."""
    parts = re.split(r"[\n\r;；,，、]+", text or "")
    out: list[str] = []
    for p in parts:
        item = p.strip()
        if item and item not in out:
            out.append(item)
    return tuple(out)


def system_codes(items: tuple[str, ...]) -> tuple[tuple[str, ...], list[str]]:
    """Systems given by code or by name (中文 or English) → their codes, and what is unknown."""
    by_name = {m.value: m.value for m in FireSystem}
    by_name |= {m.zh: m.value for m in FireSystem} | {m.en.lower(): m.value for m in FireSystem}
    codes: list[str] = []
    unknown: list[str] = []
    for item in items:
        code = by_name.get(item) or by_name.get(item.lower())
        if code is None:
            unknown.append(item)
        elif code not in codes:
            codes.append(code)
    return tuple(codes), unknown


def check_filing(
    values: dict[str, Any], row: int | None = None
) -> tuple[Filing, list[FieldProblem]]:
    """The filing from raw values (strings, or lists for the list fields), and every broken rule
    naming its field (and ``row``, for an import)."""
    problems: list[FieldProblem] = []

    def text(name: str) -> str:
        v = values.get(name)
        return "" if v is None else str(v).strip()

    people: dict[str, str] = {}
    for name in PERSON_FIELDS:
        v = text(name)
        if name.endswith("_id"):
            v = v.upper()
        people[name] = v
        if not v:
            if name in REQUIRED:
                problems.append(FieldProblem(name, "is required", row))
            continue
        if name.endswith("_name") and len(v) > NAME_MAX:
            problems.append(FieldProblem(name, f"must be at most {NAME_MAX} characters", row))
        if name.endswith("_phone") and not PHONE.match(v):
            problems.append(
                FieldProblem(name, "must be a mobile (11 digits) or 0xx-xxxxxxxx number", row)
            )
        if name.endswith("_id") and not ID_OR_CERT.match(v):
            problems.append(
                FieldProblem(name, "must be an 18-character ID or a certificate number", row)
            )
    if people["manager_phone"] and not people["manager_name"]:
        problems.append(FieldProblem("manager_name", "is required with manager_phone", row))
    lists: dict[str, tuple[str, ...]] = {}
    for name in LIST_FIELDS:
        raw = values.get(name)
        items = (
            tuple(str(x).strip() for x in raw if str(x).strip())
            if isinstance(raw, list | tuple)
            else split_list("" if raw is None else str(raw))
        )
        if len(items) > LIST_MAX:
            problems.append(FieldProblem(name, f"must list at most {LIST_MAX} items", row))
        if any(len(i) > ITEM_MAX for i in items):
            problems.append(
                FieldProblem(name, f"each item must be at most {ITEM_MAX} characters", row)
            )
        lists[name] = items
    codes, unknown = system_codes(lists["systems"])
    if unknown:
        problems.append(FieldProblem("systems", f"unknown fire system: {'、'.join(unknown)}", row))
    filing = Filing(
        **people,
        key_parts=lists["key_parts"],
        systems=codes,
        station_members=lists["station_members"],
        station_equipment=lists["station_equipment"],
    )
    return filing, problems


def require_filing(values: dict[str, Any]) -> Filing:
    filing, problems = check_filing(values)
    if problems:
        raise ValidationFailed("the filing fields are not valid", problems)
    return filing


# --- the monthly check ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckItem:
    code: str
    zh: str
    en: str
    clause: str


@dataclass(frozen=True)
class MonthlyChecklist:
    title_zh: str
    title_en: str
    basis: str
    items: tuple[CheckItem, ...]


@cache
def checklist() -> MonthlyChecklist:
    """The shipped monthly checklist (公安部令第61号 第二十六条), read once."""
    text = (
        resources.files("lanyan.prevention.data")
        .joinpath("monthly_check.yaml")
        .read_text(encoding="utf-8")
    )
    raw = yaml.safe_load(text)
    return MonthlyChecklist(
        raw["title_zh"],
        raw["title_en"],
        raw["basis"],
        tuple(CheckItem(i["code"], i["zh"], i["en"], i["clause"]) for i in raw["items"]),
    )


@dataclass(frozen=True)
class ItemResult:
    code: str
    ok: bool
    note: str = ""


@dataclass(frozen=True)
class CheckEvent:
    action: str  # "record" | "sign"
    at: datetime
    by: str
    note: str = ""


@dataclass(frozen=True)
class MonthlyCheck:
    """One unit's check of one month: its results and whether the 责任人 has signed it."""

    year: int
    month: int
    checked_on: date
    checker: str
    results: tuple[ItemResult, ...]
    state: CheckState = CheckState.PENDING
    signed_by_name: str = ""
    signed_by: str = ""
    signed_at: datetime | None = None
    events: tuple[CheckEvent, ...] = field(default=())

    @property
    def findings(self) -> tuple[ItemResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def record(
    checked_on: date,
    checker: str,
    results: dict[str, tuple[bool, str]],
    at: datetime,
    today: date,
    items: tuple[CheckItem, ...] | None = None,
) -> MonthlyCheck:
    """A new check: every item answered, a failed item described, not in the future."""
    items = items if items is not None else checklist().items
    problems: list[FieldProblem] = []
    if checked_on > today:
        problems.append(FieldProblem("checked_on", "must not be in the future"))
    codes = {i.code for i in items}
    problems += [
        FieldProblem(f"item_{c}", "is not an item of the monthly checklist")
        for c in results
        if c not in codes
    ]
    out: list[ItemResult] = []
    for item in items:
        if item.code not in results:
            problems.append(FieldProblem(f"item_{item.code}", "must be answered (合格/不合格)"))
            continue
        ok, note = results[item.code]
        note = (note or "").strip()
        if not ok and not note:
            problems.append(FieldProblem(f"note_{item.code}", "describe what is wrong"))
        out.append(ItemResult(item.code, ok, note[:255]))
    if problems:
        raise ValidationFailed("the monthly check is not complete", problems)
    return MonthlyCheck(
        checked_on.year,
        checked_on.month,
        checked_on,
        checker,
        tuple(out),
        events=(CheckEvent("record", at, checker),),
    )


def sign(
    check: MonthlyCheck, responsible_name: str, signer_name: str, by: str, at: datetime
) -> MonthlyCheck:
    """The 消防安全责任人 signs the check off: once, by the name on the unit's file."""
    if check.state is CheckState.SIGNED:
        raise Conflict(
            "this monthly check is already signed",
            [FieldProblem("state", f"signed by {check.signed_by_name}")],
        )
    if not responsible_name:
        raise ValidationFailed(
            "the unit's file names no 消防安全责任人",
            [FieldProblem("responsible_name", "fill in the unit's filing fields first")],
        )
    if signer_name.strip() != responsible_name:
        raise ValidationFailed(
            "only the unit's 消防安全责任人 signs the monthly check",
            [FieldProblem("signer_name", "must be the 消防安全责任人 on the unit's file")],
        )
    return replace(
        check,
        state=CheckState.SIGNED,
        signed_by_name=responsible_name,
        signed_by=by,
        signed_at=at,
        events=(*check.events, CheckEvent("sign", at, by, responsible_name)),
    )


def compliance_state(signed: bool | None) -> str:
    """A unit's month: ``signed``, ``pending`` (checked, not signed) or ``missing``."""
    if signed is None:
        return "missing"
    return CheckState.SIGNED.value if signed else CheckState.PENDING.value


def days_due(year: int, month: int, today: date, patrolled_today: bool = False) -> int:
    """The days of a month a daily patrol is owed for as of ``today``: the days that have ended,
    and today only once it has its patrol (today is not missed before it is over)."""
    length = calendar.monthrange(year, month)[1]
    first, last = date(year, month, 1), date(year, month, length)
    if today < first:
        return 0
    if today > last:
        return length
    return today.day - 1 + (1 if patrolled_today else 0)
