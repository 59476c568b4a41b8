"""The risk index without a database: AHP weights and consistency, the YAML checks, scoring
and its explanation, and the validation metrics against hand-computed figures and sklearn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from lanyan.core.errors import ValidationFailed
from lanyan.risk import ahp, config, index, metrics, simulate
from lanyan.risk.choices import RiskGrade
from lanyan.risk.learned import LearnedRisk

SHIPPED = config.DEFAULT_PATH.read_text(encoding="utf-8")


def test_ahp_weights_of_a_consistent_matrix_are_exact() -> None:
    # a_ij = w_i / w_j for w = (4, 2, 1)/7: perfectly consistent, CR = 0.
    w, cr = ahp.weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    assert w == pytest.approx([4 / 7, 2 / 7, 1 / 7])
    assert cr == pytest.approx(0.0, abs=1e-9)


def test_ahp_consistency_ratio_by_hand() -> None:
    # λmax of this matrix, computed by power iteration by hand: CI = (λ-3)/2, CR = CI/0.58.
    a = np.array([[1, 3, 1 / 5], [1 / 3, 1, 1 / 7], [5, 7, 1]])
    lam = max(np.linalg.eigvals(a).real)
    _, cr = ahp.weights(a.tolist())
    assert cr == pytest.approx((lam - 3) / 2 / 0.58, abs=1e-5)
    assert 0 < cr < 0.1


def test_ahp_refuses_non_reciprocal_matrix() -> None:
    with pytest.raises(ahp.MatrixProblem, match=r"\[0\]\[1\].*reciprocal"):
        ahp.weights([[1, 3], [3, 1]])


def test_shipped_weights_are_consistent_and_sum_to_one() -> None:
    model = config.load()
    assert model.consistency_ratio < 0.1
    assert all(c.consistency_ratio < 0.1 for c in model.criteria.values())
    assert sum(f.weight for f in model.factors.values()) == pytest.approx(1.0)
    # The hazard criterion outweighs inherent risk, as the shipped matrix says (2 : 1).
    assert model.criteria["hazards"].weight > model.criteria["inherent"].weight


def test_inconsistent_matrix_is_refused_naming_the_matrix() -> None:
    # A > B (9), B > C (9) but C > A (9): as inconsistent as a 3×3 can be.
    text = SHIPPED.replace(
        """      - [1, 1/2, 1/3]
      - [2, 1,   1/2]
      - [3, 2,   1]""",
        """      - [1, 9, 1/9]
      - [1/9, 1, 9]
      - [9, 1/9, 1]""",
    )
    assert text != SHIPPED
    with pytest.raises(ValidationFailed) as err:
        config.parse(text)
    problem = err.value.problems[0]
    assert problem.field == "groups.hazards.matrix"
    assert "consistency ratio" in problem.rule and "0.1" in problem.rule


def test_yaml_problems_name_the_field() -> None:
    with pytest.raises(ValidationFailed) as err:
        config.parse(SHIPPED.replace("  I: 40", "  I: 15"))
    assert err.value.problems[0].field == "grades"
    with pytest.raises(ValidationFailed) as err:
        config.parse(SHIPPED.replace("scale: [[0, 0], [1, 1.0]]", "scale: [[0, 0], [1, 2.0]]"))
    assert err.value.problems[0].field == "factors.major_hazards.scale"
    with pytest.raises(ValidationFailed) as err:
        config.parse(SHIPPED.replace("- [1,   1/2, 2,   2,   2,   3]", "- [1, x, 2, 2, 2, 3]"))
    assert err.value.problems[0].field.startswith("criteria.matrix[0][1]")


def test_score_is_the_sum_of_explained_contributions() -> None:
    model = config.load()
    raw = {
        "category": "high_risk",
        "height_m": 60.0,
        "occupants": 500,
        "use": "warehouse",
        "open_hazards": 2,
        "overdue_hazards": 1,
        "major_hazards": 1,
        "days_since_inspection": 400,
        "hazards_found_365d": 3,
        "devices_offline_share": 0.5,
        "fault_alarms_90d": 4,
        "fire_alarms_365d": 1,
        "fires_5y": 1,
        "credit_score": None,
        "blacklisted": None,
    }
    result = index.score(raw, model)
    assert result.score == pytest.approx(sum(c.points for c in result.contributions), abs=0.01)
    by_name = {c.factor: c for c in result.contributions}
    assert by_name["major_hazards"].value == 1.0
    assert by_name["height_m"].value == pytest.approx(0.7 + 0.3 * 10 / 50)
    assert by_name["credit_score"].missing and by_name["credit_score"].value == 0.2
    assert result.grade is RiskGrade.I
    explained = result.explanation()
    assert explained[0]["points"] >= explained[-1]["points"]
    calm = index.score({"category": "general", "days_since_inspection": 10}, model)
    assert calm.grade is RiskGrade.IV and calm.score < result.score


def test_auc_and_precision_by_hand() -> None:
    y = [0, 0, 1, 1, 0, 1]
    s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.9]
    # Pairs (pos, neg): 0.35 beats 0.1 only (1 of 3); 0.8 and 0.9 beat all three: 7/9.
    assert metrics.auc(y, s) == pytest.approx(7 / 9)
    # Ties count one half: one positive and one negative with the same score.
    assert metrics.auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.precision_at_k(y, s, 2) == 1.0
    assert metrics.precision_at_k(y, s, 4) == pytest.approx(2 / 4)
    with pytest.raises(ValueError, match="at least one positive"):
        metrics.auc([1, 1], [0.2, 0.3])
    with pytest.raises(ValueError, match="k = 7"):
        metrics.precision_at_k(y, s, 7)


def test_auc_agrees_with_sklearn_on_random_data() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    s = np.round(rng.random(400) + 0.3 * y, 2)  # rounding makes ties
    assert metrics.auc(y, s) == pytest.approx(roc_auc_score(y, s))


def test_simulator_is_deterministic_and_the_index_ranks_better_than_chance() -> None:
    a = simulate.simulate(600, 4, seed=11)
    b = simulate.simulate(600, 4, seed=11)
    assert [r.fire for r in a.rows] == [r.fire for r in b.rows]
    model = config.load()
    train = [r for r in a.rows if r.year < a.years[-1]]
    test = [r for r in a.rows if r.year == a.years[-1]]
    y = [r.fire for r in test]
    ahp_auc = metrics.auc(y, [index.score(r.raw, model).score for r in test])
    learned = LearnedRisk(model).fit([r.raw for r in train], [r.fire for r in train])
    lr_auc = metrics.auc(y, learned.predict([r.raw for r in test]))
    assert ahp_auc > 0.6 and lr_auc > 0.6
    assert set(learned.coefficients()) == set(model.factors)
