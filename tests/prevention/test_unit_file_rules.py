"""The unit file's pure rules without a database: the filing fields, the monthly check (every
move: record, refuse, sign, refuse a second signature or a wrong signer) and the patrol days due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lanyan.core.errors import Conflict, ValidationFailed
from lanyan.prevention import unit_files
from lanyan.prevention.unit_files import CheckState

AT = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
GOOD = {
    "responsible_name": "张三",
    "responsible_phone": "13800000000",
    "responsible_id": "32098119800101001x",
    "manager_name": "李四",
    "manager_phone": "0515-83000000",
    "manager_id": "ZC-2024-0001",
    "key_parts": "消防控制室、配电房\n厨房",
    "systems": "火灾自动报警系统，灭火器、sprinkler",
    "station_members": ["王五", "赵六"],
    "station_equipment": "灭火器 10具",
}


def test_a_good_filing_is_normalised() -> None:
    filing, problems = unit_files.check_filing(GOOD)
    assert problems == []
    assert filing.responsible_id == "32098119800101001X"
    assert filing.key_parts == ("消防控制室", "配电房", "厨房")
    assert filing.systems == ("fire_alarm", "extinguisher", "sprinkler")
    assert filing.station_members == ("王五", "赵六")
    assert unit_files.require_filing(GOOD).as_dict()["systems"] == list(filing.systems)


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"responsible_name": " "}, "responsible_name", "is required"),
        ({"responsible_phone": ""}, "responsible_phone", "is required"),
        ({"responsible_phone": "12345"}, "responsible_phone", "must be a mobile"),
        ({"manager_phone": "1380000000x"}, "manager_phone", "must be a mobile"),
        ({"responsible_id": "12#"}, "responsible_id", "must be an 18-character"),
        ({"manager_name": "", "manager_phone": "13900000000"}, "manager_name", "is required"),
        ({"systems": "火灾自动报警系统、水炮"}, "systems", "unknown fire system: 水炮"),
        ({"key_parts": "x" * 61}, "key_parts", "each item"),
        ({"key_parts": [str(i) for i in range(51)]}, "key_parts", "must list at most"),
    ],
)
def test_each_broken_rule_names_its_field_and_row(change: dict, field: str, rule: str) -> None:
    _, problems = unit_files.check_filing(GOOD | change, row=7)
    assert [(p.field, p.row) for p in problems] == [(field, 7)]
    assert problems[0].rule.startswith(rule)
    with pytest.raises(ValidationFailed):
        unit_files.require_filing(GOOD | change)


def test_the_checklist_is_article_26_of_order_61() -> None:
    c = unit_files.checklist()
    assert "公安部令第61号" in c.basis and "第二十六条" in c.basis
    assert len(c.items) == 12 and c.items[0].clause == "第二十六条（一）"
    assert c.items[-1].clause == "第二十六条（十二）"
    assert len({i.code for i in c.items}) == 12


def _answers(fail: str | None = None, note: str = "灭火器压力不足") -> dict[str, tuple[bool, str]]:
    return {
        i.code: (i.code != fail, note if i.code == fail else "")
        for i in unit_files.checklist().items
    }


def test_record_then_sign() -> None:
    today = date(2026, 12, 7)
    check = unit_files.record(today, "manager", _answers("m04"), AT, today)
    assert check.state is CheckState.PENDING and (check.year, check.month) == (2026, 12)
    assert [f.code for f in check.findings] == ["m04"]
    assert unit_files.compliance_state(False) == "pending"
    signed = unit_files.sign(check, "张三", " 张三 ", "manager", AT)
    assert signed.state is CheckState.SIGNED and signed.signed_at == AT
    assert (signed.signed_by_name, signed.signed_by) == ("张三", "manager")
    assert [e.action for e in signed.events] == ["record", "sign"]
    assert unit_files.compliance_state(True) == "signed"
    assert unit_files.compliance_state(None) == "missing"
    with pytest.raises(Conflict):
        unit_files.sign(signed, "张三", "张三", "manager", AT)


def test_sign_needs_the_responsible_person_on_file() -> None:
    today = date(2026, 12, 7)
    check = unit_files.record(today, "manager", _answers(), AT, today)
    with pytest.raises(ValidationFailed) as no_file:
        unit_files.sign(check, "", "张三", "manager", AT)
    assert no_file.value.problems[0].field == "responsible_name"
    with pytest.raises(ValidationFailed) as wrong:
        unit_files.sign(check, "张三", "李四", "manager", AT)
    assert wrong.value.problems[0].field == "signer_name"


def test_record_refuses_an_incomplete_or_future_check() -> None:
    today = date(2026, 12, 7)
    answers = _answers("m02", note=" ")
    del answers["m05"]
    answers["zz"] = (True, "")
    with pytest.raises(ValidationFailed) as refused:
        unit_files.record(date(2026, 12, 8), "manager", answers, AT, today)
    fields = {p.field for p in refused.value.problems}
    assert fields == {"checked_on", "item_zz", "item_m05", "note_m02"}


@pytest.mark.parametrize(
    ("today", "patrolled", "due"),
    [
        (date(2026, 11, 30), False, 0),  # the month has not begun
        (date(2026, 12, 1), False, 0),  # the first day is not over
        (date(2026, 12, 1), True, 1),  # ... unless it has its patrol
        (date(2026, 12, 7), False, 6),  # future days are not missed
        (date(2026, 12, 7), True, 7),
        (date(2026, 12, 31), False, 30),
        (date(2027, 1, 1), False, 31),  # a past month: all its days
        (date(2027, 3, 1), True, 31),
    ],
)
def test_days_due_counts_only_days_that_have_passed(today: date, patrolled: bool, due: int) -> None:
    assert unit_files.days_due(2026, 12, today, patrolled) == due


def test_february_of_a_leap_year() -> None:
    assert unit_files.days_due(2028, 2, date(2028, 3, 5)) == 29
