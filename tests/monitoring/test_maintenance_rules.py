"""The maintenance rules (维保, GB 25201) without a database: the shipped checklist, a unit's
systems, a contract's terms and state, a monthly record and an annual test report."""

from __future__ import annotations

from datetime import date

import pytest

from lanyan.core.errors import ValidationFailed
from lanyan.monitoring import maintenance as mt
from lanyan.monitoring.choices import ContractState, ItemResult, ReportConclusion
from lanyan.registry.choices import FireSystem

D = date


def fields(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    return [p.field for p in exc.value.problems or []]


def test_the_shipped_checklist_names_the_standards_systems() -> None:
    systems = mt.checklist()
    names = {s.zh for s in systems}
    for wanted in (
        "火灾自动报警系统",
        "消防给水及消火栓系统",
        "自动喷水灭火系统",
        "防烟排烟系统",
        "应急照明和疏散指示系统",
        "防火门及防火卷帘",
        "灭火器",
    ):
        assert wanted in names
    registry = {f.value for f in FireSystem}
    for s in systems:
        assert s.items and s.en and (s.always or s.fire_systems)
        assert s.fire_systems <= registry, s.code  # every mapping names a registry system
    with pytest.raises(ValueError):
        mt.parse_checklist({"systems": [{"code": "a", "zh": "甲", "en": "A", "items": []}]})


def test_a_units_systems_come_from_its_buildings() -> None:
    has = {s.code for s in mt.unit_systems(["automatic_alarm", "indoor_hydrant"])}
    assert has == {"automatic_alarm", "water_hydrant", "extinguishers"}
    assert {s.code for s in mt.unit_systems([])} == {"extinguishers"}


def test_contract_terms_and_refusals_name_the_field() -> None:
    terms = mt.check_contract(" WB-1 ", D(2026, 1, 1), D(2026, 12, 31), ["sprinkler"] * 2, [])
    assert terms == mt.ContractTerms("WB-1", D(2026, 1, 1), D(2026, 12, 31), ("sprinkler",))
    with pytest.raises(ValidationFailed) as e:
        mt.check_contract("WB", D(2026, 2, 1), D(2026, 1, 31), ["sprinkler"], [])
    assert fields(e) == ["end_on"]
    with pytest.raises(ValidationFailed) as e:
        mt.check_contract("WB", D(2026, 1, 1), D(2031, 1, 1), ["sprinkler"], [])
    assert fields(e) == ["end_on"]
    with pytest.raises(ValidationFailed) as e:
        mt.check_contract("", D(2026, 1, 1), D(2026, 2, 1), [], [])
    assert fields(e) == ["number", "systems"]
    with pytest.raises(ValidationFailed) as e:
        mt.check_contract("WB", D(2026, 1, 1), D(2026, 2, 1), ["nope"], [])
    assert fields(e) == ["systems"]
    other = mt.Period(7, D(2025, 7, 1), D(2026, 6, 30), frozenset({"sprinkler", "fire_doors"}))
    with pytest.raises(ValidationFailed) as e:
        mt.check_contract("WB", D(2026, 6, 30), D(2027, 6, 29), ["fire_doors"], [other])
    assert fields(e) == ["systems"] and "contract 7" in (e.value.problems or [])[0].rule
    # The day after, or another system on the same days: allowed.
    mt.check_contract("WB", D(2026, 7, 1), D(2027, 6, 30), ["fire_doors"], [other])
    mt.check_contract("WB", D(2026, 1, 1), D(2026, 12, 31), ["automatic_alarm"], [other])


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (D(2025, 12, 31), ContractState.NOT_STARTED),
        (D(2026, 1, 1), ContractState.ACTIVE),
        (D(2026, 12, 1), ContractState.ACTIVE),
        (D(2026, 12, 2), ContractState.EXPIRING),
        (D(2026, 12, 31), ContractState.EXPIRING),
        (D(2027, 1, 1), ContractState.EXPIRED),
    ],
)
def test_contract_state_by_day(today: date, state: ContractState) -> None:
    assert mt.contract_state(D(2026, 1, 1), D(2026, 12, 31), today, 30) is state


def test_month_form_and_future() -> None:
    assert mt.check_month("2026-11", D(2026, 11, 30)) == D(2026, 11, 1)
    for bad in ("2026-12", "2026-1", "2026/11", "x", "2026-13"):
        with pytest.raises(ValidationFailed) as e:
            mt.check_month(bad, D(2026, 11, 30))
        assert fields(e) == ["month"]


def _all(system: str, result: str = "normal") -> dict[str, tuple[str, str]]:
    found = mt.system(system)
    assert found is not None
    return {i.code: (result, "") for i in found.items}


def test_a_record_for_a_system_the_unit_has() -> None:
    has = mt.unit_systems(["automatic_alarm"])
    answers = _all("automatic_alarm") | {"detectors": ("abnormal", "3层2只探头报故障")}
    answers["power"] = ("not_applicable", "")
    found, items = mt.check_record("automatic_alarm", answers, has)
    assert found.code == "automatic_alarm" and len(items) == len(found.items)
    by = {a.item: a for a in items}
    assert by["detectors"] == mt.Answer("detectors", ItemResult.ABNORMAL, "3层2只探头报故障")
    assert by["power"].result is ItemResult.NOT_APPLICABLE


def test_record_refusals_name_the_field() -> None:
    has = mt.unit_systems(["automatic_alarm"])
    with pytest.raises(ValidationFailed) as e:
        mt.check_record("sprinkler", _all("sprinkler"), has)  # the unit has no sprinklers
    assert fields(e) == ["system"]
    with pytest.raises(ValidationFailed) as e:
        mt.check_record("nope", {}, has)
    assert fields(e) == ["system"]
    answers = _all("automatic_alarm")
    answers.pop("power")
    answers["detectors"] = ("abnormal", " ")
    answers["controller"] = ("bad", "")
    answers["sounders"] = ("normal", "x" * 201)
    answers["extra"] = ("normal", "")
    with pytest.raises(ValidationFailed) as e:
        mt.check_record("automatic_alarm", answers, has)
    assert fields(e) == [
        "items.extra",
        "items.controller",
        "items.detectors",
        "items.sounders",
        "items.power",
    ]


def test_the_annual_report() -> None:
    assert mt.check_report(2026, D(2026, 5, 1), "pass", D(2026, 6, 1)) is ReportConclusion.PASS
    with pytest.raises(ValidationFailed) as e:
        mt.check_report(2026, D(2025, 5, 1), "maybe", D(2026, 6, 1))
    assert fields(e) == ["tested_on", "conclusion"]
    with pytest.raises(ValidationFailed) as e:
        mt.check_report(2026, D(2026, 7, 1), "fail", D(2026, 6, 1))
    assert fields(e) == ["tested_on"]
