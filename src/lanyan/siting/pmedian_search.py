"""A good p-median incumbent and a Lagrangian lower bound that proves how good it is.

Both read a cost matrix ``c`` (demand rows x site columns, weight x seconds, ``inf`` = the site
cannot reach the demand point), a boolean ``fixed`` (sites forced open) and the number ``p`` of
open sites, fixed ones included.

* :func:`interchange` — greedy adding (Kuehn & Hamburger 1963) then vertex substitution
  (Teitz & Bart 1968) with Whitaker's (1983) fast swap evaluation: with d1_i, d2_i the nearest
  and second-nearest open costs of row i and a(i) its nearest open site, swapping closed site j
  in for open site k changes the objective by

      sum_i min(0, c_ij - d1_i)  +  sum_{i : a(i) = k} [ min(c_ij, d2_i) - d1_i - min(0, c_ij - d1_i) ],

  one matrix product for all (j, k) pairs; the best improving swap is taken until none is left.
* :func:`lagrangian_bound` — relaxing the assignment rows sum_j a_ij = 1 of the classic model
  with multipliers lambda_i (Cornuejols, Fisher & Nemhauser 1977; Beasley 1993) leaves

      L(lambda) = sum_i lambda_i + min_{|x| = p, x >= fixed} sum_j x_j rho_j,
      rho_j = sum_i min(0, c_ij - lambda_i),

  solved by opening the fixed sites and the p - |fixed| free sites of least rho. Every
  L(lambda) is a lower bound on the optimum, so (upper - L) / upper is a proven gap. The
  multipliers follow subgradient steps (Held, Wolfe & Crowder 1974). Reduced-cost tests then
  close every free site j whose opening forces L above the incumbent, and open every site whose
  closing does: no solution better than the incumbent is cut off.

>>> import numpy as np
>>> c = np.array([[0., 4., 9.], [4., 0., 5.], [9., 5., 0.], [9., 6., 1.]])
>>> open_, value = interchange(c, 2, np.zeros(3, dtype=bool))
>>> np.flatnonzero(open_).tolist(), value
([1, 2], 5.0)
>>> lagrangian_bound(c, 2, np.zeros(3, dtype=bool), value).lower
5.0
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np


def _nearest_two(c: np.ndarray, open_: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cols = np.flatnonzero(open_)
    sub = c[:, cols]
    if len(cols) == 1:
        return sub[:, 0], np.full(len(c), np.inf), np.full(len(c), cols[0])
    part = np.argpartition(sub, 1, axis=1)[:, :2]
    a, b = sub[np.arange(len(c)), part[:, 0]], sub[np.arange(len(c)), part[:, 1]]
    swap = b < a
    first = np.where(swap, part[:, 1], part[:, 0])
    return np.minimum(a, b), np.maximum(a, b), cols[first]


def _big(c: np.ndarray) -> np.ndarray:
    """``c`` with ``inf`` replaced by a cost larger than any whole solution's finite cost, so
    an unreachable assignment always loses to a reachable one and sums stay finite."""
    finite = np.where(np.isfinite(c), c, 0.0)
    big = 1.0 + 2.0 * float(finite.max(axis=1).sum()) if c.size else 1.0
    return np.where(np.isfinite(c), c, big)


def interchange(
    c: np.ndarray, p: int, fixed: np.ndarray, start: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Greedy + vertex substitution (from ``start``, a bool per column, instead of greedy when
    given): the open sites (bool per column) and their cost (``inf`` when some row is left
    unreachable)."""
    n_j = c.shape[1]
    cb = _big(c)
    open_ = (fixed | start) if start is not None else fixed.copy()
    if not open_.any() and p > 0:
        open_[int(np.argmin(cb.sum(axis=0)))] = True
    d1 = cb[:, open_].min(axis=1)
    while open_.sum() < p:
        gain = np.maximum(0.0, d1[:, None] - cb).sum(axis=0)
        gain[open_] = -1.0
        j = int(np.argmax(gain))
        open_[j] = True
        d1 = np.minimum(d1, cb[:, j])
    free_open = open_ & ~fixed
    if free_open.any() and (~open_).any():
        for _ in range(10 * n_j):
            d1, d2, near = _nearest_two(cb, open_)
            closed = np.flatnonzero(~open_)
            ks = np.flatnonzero(open_ & ~fixed)
            cc = cb[:, closed]
            add = np.minimum(0.0, cc - d1[:, None])
            lose = np.minimum(cc, d2[:, None]) - d1[:, None] - add
            onehot = (near[:, None] == ks[None, :]).astype(np.float64)
            delta = add.sum(axis=0)[:, None] + lose.T @ onehot
            j, k = map(int, np.unravel_index(int(np.argmin(delta)), delta.shape))
            if delta[j, k] >= -1e-9 * max(1.0, float(d1.sum())):
                break
            open_[closed[j]], open_[ks[k]] = True, False
    value = float(c[:, open_].min(axis=1).sum())
    return open_, value


@dataclass
class LagrangianBound:
    """``lower``: the best bound found (same unit as the costs) at ``multipliers``, where the
    relaxed problem opens ``relaxed``; ``feasible`` and ``feasible_value``: the best of the relaxed solutions met on the way, each
    a feasible choice of p sites, and its true cost; ``iterations``."""

    lower: float
    multipliers: np.ndarray
    relaxed: np.ndarray
    feasible: np.ndarray
    feasible_value: float
    iterations: int


def _relaxed(
    c: np.ndarray, lam: np.ndarray, p: int, fixed: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray]:
    """The Lagrangian subproblem at ``lam``: open sites, L(lam) and rho."""
    rho = np.minimum(0.0, c - lam[:, None]).sum(axis=0)
    free = np.flatnonzero(~fixed)
    q = p - int(fixed.sum())
    open_ = fixed.copy()
    if 0 < q < len(free):
        open_[free[np.argpartition(rho[free], q - 1)[:q]]] = True
    elif q > 0:
        open_[free] = True
    return open_, float(lam.sum() + rho[open_].sum()), rho


def lagrangian_bound(
    c: np.ndarray,
    p: int,
    fixed: np.ndarray,
    upper: float,
    target_gap: float = 0.0,
    max_iter: int = 3000,
    time_limit: float = 30.0,
) -> LagrangianBound:
    """Subgradient optimisation of the Lagrangian dual (module docstring) until the gap to
    ``upper`` is at most ``target_gap``, the step dies out, ``max_iter`` or ``time_limit`` (s).
    Every tenth relaxed solution is priced as a candidate incumbent."""
    n_j = c.shape[1]
    cb = _big(c)
    srt = np.partition(cb, 1, axis=1) if n_j > 1 else np.repeat(cb, 2, axis=1)
    # Start between the nearest and second-nearest cost so every row prices some site in.
    lam = (srt[:, 0] + srt[:, 1]) / 2.0
    best, best_lam = -np.inf, lam.copy()
    feasible, feasible_value = fixed.copy(), np.inf
    theta, stall = 2.0, 0
    deadline = time.perf_counter() + time_limit
    it = 0
    for it in range(1, max_iter + 1):
        open_, value, _ = _relaxed(c, lam, p, fixed)
        if it == 1 or value > best + 1e-12 * abs(best):
            best, best_lam, stall = value, lam.copy(), 0
        else:
            stall += 1
            if stall >= 30:
                theta, stall = theta / 2.0, 0
        if it % 10 == 1:
            cost = float(c[:, open_].min(axis=1).sum())
            if cost < feasible_value:
                feasible, feasible_value = open_.copy(), cost
                upper = min(upper, cost)
        if upper - best <= target_gap * abs(upper) or theta < 1e-5:
            break
        if time.perf_counter() > deadline:
            break
        g = 1.0 - (c[:, open_] < lam[:, None]).sum(axis=1)
        norm = float(g @ g)
        if norm == 0:  # the relaxed solution assigns every row once: it is optimal
            break
        gap_est = (upper if np.isfinite(upper) else 1.05 * abs(value) + 1.0) - value
        lam = lam + theta * max(gap_est, 1e-9 * abs(value)) / norm * g
    relaxed = _relaxed(c, best_lam, p, fixed)[0]
    return LagrangianBound(best, best_lam, relaxed, feasible, feasible_value, it)


def fix_sites(
    c: np.ndarray, p: int, fixed: np.ndarray, multipliers: np.ndarray, upper: float
) -> tuple[np.ndarray, np.ndarray]:
    """Reduced-cost tests at ``multipliers``: free sites proven closed, and proven open, in
    every solution cheaper than ``upper`` (bool per column each)."""
    n_j = c.shape[1]
    closed = np.zeros(n_j, dtype=bool)
    forced = np.zeros(n_j, dtype=bool)
    free = np.flatnonzero(~fixed)
    q = p - int(fixed.sum())
    if not np.isfinite(upper) or not 0 < q < len(free):
        return closed, forced
    _, lower, rho = _relaxed(c, multipliers, p, fixed)
    order = free[np.argsort(rho[free], kind="stable")]
    margin = upper + 1e-9 * abs(upper)
    last_in, first_out = rho[order[q - 1]], rho[order[q]]
    outside, inside = order[q:], order[:q]
    closed[outside[lower + rho[outside] - last_in > margin]] = True
    forced[inside[lower - rho[inside] + first_out > margin]] = True
    return closed, forced
