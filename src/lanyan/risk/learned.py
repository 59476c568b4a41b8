"""A learned model beside the AHP index: logistic regression on the same factor values.

It sees exactly the inputs of the index (``index.vector``: each factor's value in [0, 1]), so a
comparison of the two measures the weighting, not access to more data. scikit-learn's
``LogisticRegression`` (L2, lbfgs) with class weights balanced, since fires are rare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from lanyan.risk import index
from lanyan.risk.config import RiskModel


class LearnedRisk:
    """Fit on raw factor dicts and 0/1 outcomes; ``predict`` gives fire probabilities."""

    def __init__(self, model: RiskModel, c: float = 1.0) -> None:
        self.model = model
        self.estimator = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)

    def _x(self, raws: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return np.array([index.vector(r, self.model) for r in raws], dtype=float)

    def fit(self, raws: Sequence[Mapping[str, Any]], outcomes: Sequence[int]) -> LearnedRisk:
        self.estimator.fit(self._x(raws), np.asarray(outcomes, dtype=int))
        return self

    def predict(self, raws: Sequence[Mapping[str, Any]]) -> np.ndarray:
        return self.estimator.predict_proba(self._x(raws))[:, 1]

    def coefficients(self) -> dict[str, float]:
        """The fitted coefficient of each factor (log-odds per unit of factor value)."""
        return {
            name: float(c)
            for name, c in zip(self.model.factors, self.estimator.coef_[0], strict=True)
        }
