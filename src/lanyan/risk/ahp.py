"""The analytic hierarchy process (AHP, 层次分析法) as plain NumPy: weights from a pairwise
comparison matrix and Saaty's consistency ratio.

A pairwise matrix ``A`` holds ``a_ij`` = how much more criterion *i* matters than *j* on Saaty's
1–9 scale, with ``a_ji = 1 / a_ij`` and ``a_ii = 1``. The weights are the principal right
eigenvector of ``A`` normalised to sum 1; with ``λmax`` its eigenvalue and ``n`` the size,

    CI = (λmax − n) / (n − 1),   CR = CI / RI(n)

where ``RI`` is Saaty's random index (Saaty, *The Analytic Hierarchy Process*, 1980, table 1.7).
A matrix with ``CR ≥ 0.1`` is too inconsistent to use (Saaty's rule).

>>> w, cr = weights([[1, 3], [1 / 3, 1]])
>>> [round(x, 3) for x in w], cr
([0.75, 0.25], 0.0)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# Saaty's random consistency index RI(n), n = 1..10.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
CR_LIMIT = 0.1
RECIPROCAL_TOLERANCE = 0.02  # relative; "1/3" written as 0.33 is accepted


class MatrixProblem(ValueError):
    """A pairwise matrix that is not square, positive and reciprocal (message names the cell)."""


def check_matrix(matrix: Sequence[Sequence[float]]) -> np.ndarray:
    """The matrix as an array, or :class:`MatrixProblem` naming the first bad cell."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0] if a.ndim == 2 else 0
    if a.ndim != 2 or a.shape != (n, n) or n == 0:
        raise MatrixProblem(f"must be a square matrix, got shape {a.shape}")
    if n > len(RANDOM_INDEX):
        raise MatrixProblem(f"at most {len(RANDOM_INDEX)} criteria per matrix, got {n}")
    for i in range(n):
        for j in range(n):
            if not np.isfinite(a[i, j]) or a[i, j] <= 0:
                raise MatrixProblem(f"cell [{i}][{j}] = {a[i, j]} must be a positive number")
            if i == j and a[i, j] != 1:
                raise MatrixProblem(f"diagonal cell [{i}][{i}] must be 1")
            if abs(a[i, j] * a[j, i] - 1) > RECIPROCAL_TOLERANCE:
                raise MatrixProblem(
                    f"cells [{i}][{j}] = {a[i, j]:g} and [{j}][{i}] = {a[j, i]:g} "
                    "are not reciprocal (a_ji must be 1/a_ij)"
                )
    return a


def weights(matrix: Sequence[Sequence[float]]) -> tuple[list[float], float]:
    """The priority weights (summing to 1) and the consistency ratio of a pairwise matrix."""
    a = check_matrix(matrix)
    n = a.shape[0]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    vector = np.abs(vectors[:, k].real)
    w = vector / vector.sum()
    if n <= 2:
        return [float(x) for x in w], 0.0
    lambda_max = float(values[k].real)
    ci = (lambda_max - n) / (n - 1)
    cr = max(0.0, ci / RANDOM_INDEX[n - 1])
    return [float(x) for x in w], round(cr, 6)
