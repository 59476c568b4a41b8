"""Ranking metrics for risk validation: ROC AUC and precision at k.

AUC is the Mann–Whitney statistic: the probability that a random positive scores above a random
negative, ties counting one half, computed from average ranks::

    AUC = (Σ ranks of positives − P(P+1)/2) / (P·N)

Precision at k is the share of positives among the k highest scores; ties at the cut are broken
by the order of the input (stable sort), so the figure is reproducible.

>>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
0.75
>>> precision_at_k([0, 1, 1, 0], [0.9, 0.8, 0.1, 0.2], 2)
0.5
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.stats import rankdata


def auc(y_true: Sequence[int], scores: Sequence[float]) -> float:
    """ROC AUC of ``scores`` for the 0/1 labels ``y_true``; needs both classes."""
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(scores, dtype=float)
    if y.shape != s.shape:
        raise ValueError(f"labels and scores differ in length: {y.shape} vs {s.shape}")
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        raise ValueError("AUC needs at least one positive and one negative label")
    ranks = rankdata(s)  # average ranks for ties
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def precision_at_k(y_true: Sequence[int], scores: Sequence[float], k: int) -> float:
    """Share of positives among the ``k`` highest ``scores``."""
    y = np.asarray(y_true, dtype=int)
    s = np.asarray(scores, dtype=float)
    if not 1 <= k <= len(y):
        raise ValueError(f"k = {k} must be between 1 and {len(y)}")
    top = np.argsort(-s, kind="stable")[:k]
    return float(y[top].mean())
