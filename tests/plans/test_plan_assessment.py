"""规划实施考核: the platform's default scoring rule on hand-computed examples (plans/assessment.py)."""

from __future__ import annotations

import pytest

from lanyan.core.errors import ValidationFailed
from lanyan.plans.assessment import Weights, rank, score
from lanyan.plans.engine import Status
from lanyan.plans.tracker import ProjectState

S, P = Status, ProjectState


def test_hand_computed_score_with_default_weights() -> None:
    a = score(
        "320904",
        2023,
        [("a", S.MET), ("b", S.AT_RISK), ("c", S.NOT_MET), ("d", S.NO_DATA)],
        [("x", P.DONE), ("y", P.LATE), ("z", P.NOT_STARTED), ("w", P.ON_TRACK)],
    )
    # Indicators: 1 + 0.5 + 0 + 0 = 1.5 of 4 → 37.5; projects: 1 + 0.5 + 0 + 1 = 2.5 of 4 → 62.5.
    assert a.indicator_score == 37.5 and a.project_score == 62.5
    # (70 × 37.5 + 30 × 62.5) ÷ 100 = 26.25 + 18.75 = 45.
    assert a.total == pytest.approx(45.0)
    assert a.missing == ("d",)
    assert [x.points for x in a.indicators] == [1.0, 0.5, 0.0, 0.0]


def test_weights_change_the_total_and_an_empty_part_drops_out() -> None:
    a = score("1", 2023, [("a", S.MET), ("b", S.NOT_MET)], [("x", P.LATE)], Weights(50, 50))
    assert a.total == pytest.approx(50 * 50 / 100 + 50 * 50 / 100)  # 50 and 50 → 50
    b = score("1", 2023, [("a", S.MET), ("b", S.AT_RISK)], [], Weights(70, 30))
    assert b.project_score is None and b.total == pytest.approx(75.0)
    c = score("1", 2023, [("a", S.MET)], [("x", P.NOT_STARTED)], Weights(0, 100))
    assert c.total == 0.0


def test_bad_weights_name_the_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        Weights(-1, 30)
    assert [p.field for p in err.value.problems] == ["indicators_weight"]
    with pytest.raises(ValidationFailed) as err:
        Weights(0, 0)
    assert [p.field for p in err.value.problems] == ["indicators_weight"]


def test_rank_best_first_ties_share_a_rank() -> None:
    met, miss = [("a", S.MET)], [("a", S.NOT_MET)]
    ranked = rank(
        [
            score("320903", 2023, miss, []),
            score("320904", 2023, met, []),
            score("320902", 2023, met, []),
            score("320901", 2023, [("a", S.AT_RISK)], []),
        ]
    )
    assert [(n, a.jurisdiction) for n, a in ranked] == [
        (1, "320902"),
        (1, "320904"),
        (3, "320901"),
        (4, "320903"),
    ]
