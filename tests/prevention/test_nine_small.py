"""The 九小场所 checklist as data (``prevention.nine_small``): nine kinds, the common items first,
unique codes, the source named; a finding's items are checked against its kind. No database."""

from __future__ import annotations

import pytest

from lanyan.core.errors import ValidationFailed
from lanyan.prevention import nine_small

NINE = [
    "小商店",
    "小餐饮",
    "小旅馆",
    "小歌舞娱乐",
    "小网吧",
    "小美容洗浴",
    "小生产加工",
    "小医院",
    "小学校或幼儿园",
]


def test_the_nine_kinds_with_their_items_and_source() -> None:
    lists = nine_small.checklists()
    assert [p.zh for p in lists.places] == NINE
    assert "非国家统一表式" in lists.source_zh  # the platform's rendering, said so
    for place in lists.places:
        codes = [i.code for i in place.items]
        assert codes[:5] == ["C01", "C02", "C03", "C04", "C05"] and len(codes) == len(set(codes))
        assert all(i.basis and i.zh and i.en for i in place.items)


def test_failed_items_are_checked_against_the_kind() -> None:
    assert [i.code for i in nine_small.failed_items("eatery", ["E01", "C02", "E01"])] == [
        "E01",
        "C02",
    ]
    assert nine_small.failed_items(None, []) == []
    with pytest.raises(ValidationFailed) as other:
        nine_small.failed_items("eatery", ["H01"])  # an inn's item
    assert other.value.problems[0].field == "checklist"
    with pytest.raises(ValidationFailed) as no_kind:
        nine_small.failed_items(None, ["C01"])
    assert no_kind.value.problems[0].field == "place_kind"
    with pytest.raises(ValidationFailed) as bad_kind:
        nine_small.checklists().place("casino")
    assert bad_kind.value.problems[0].field == "place_kind"
