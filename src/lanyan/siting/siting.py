"""Optimal station siting on road travel times (消防站优化选址), solved by HiGHS.

All three models read a travel-time matrix ``times`` (demand points x candidate sites, seconds,
``inf`` = not reachable) and solve a mixed-integer program with ``scipy.optimize.milp`` (HiGHS
branch and cut). ``gap`` is HiGHS's proven relative MIP gap (|primal - dual bound| / |primal|):
0 means the optimum is proven. Candidates in ``fixed`` (existing stations) are forced open.
N_i = { j : t_ij <= S } is the set of sites covering demand i within the standard S.

* :class:`LSCP` — location set covering (Toregas, Swain, ReVelle & Bergman 1971):
  min sum_j x_j  s.t.  sum_{j in N_i} x_j >= 1 for every coverable i;  x binary.
  Demand no candidate can cover is reported in ``uncoverable`` and left out.
* :class:`MCLP` — maximal covering (Church & ReVelle 1974): with p new sites,
  max sum_i w_i y_i  s.t.  y_i <= sum_{j in N_i} x_j,  sum_{j not fixed} x_j = p,  0 <= y_i <= 1,
  x binary (y is integral at an optimum once x is). Demand already covered by a fixed site is
  a constant and is dropped before solving.
* :class:`PMedian` — p-median (Hakimi 1964; ReVelle & Swain 1970). Default: the classic
  assignment model, min sum_ij w_i t_ij a_ij s.t. sum_j a_ij = 1, a_ij <= x_j, sum_j x_j = p
  (one a_ij per finite t_ij; its LP relaxation is usually near-integral). Alternative: the
  radius formulation of Elloumi (2010, "A tighter formulation of the p-median problem", J. Comb. Optim. 19): for
  demand i let D_i^1 < ... < D_i^K be its distinct finite times to the sites; then
  min sum_i w_i [ D_i^1 + sum_{k>=2} (D_i^k - D_i^{k-1}) z_ik ],  sum_j x_j = p,  x binary,
  with z_ik meaning "no open site is nearer than D_i^k". Elloumi writes
  z_ik + sum_{j : t_ij < D_i^k} x_j >= 1; we use the chained form (z_i1 = 1)
  z_ik - z_i,k-1 + sum_{j : t_ij = D_i^(k-1)} x_j >= 0,  z_ik >= 0,
  which sums up to Elloumi's rows (so its LP bound is at least as tight), is exact for binary
  x, and needs O(sites) non-zeros per demand point instead of O(sites²). If some site cannot
  reach i, a row sum_{j : t_ij < inf} x_j >= 1 keeps i served. Both give the same optimum;
  the tests solve each instance in both as independent encodings.
  Before either, :mod:`lanyan.siting.pmedian_search` finds an incumbent (greedy + vertex
  substitution) and a Lagrangian lower bound; if they are within the requested gap no MIP is
  solved (``proof == "lagrangian"``), else the bound's reduced-cost tests shrink the MIP.

Example (four demand points on a line, three candidate sites; covering standard 100 s):

>>> import numpy as np
>>> t = np.array([[10., 120., 300.], [90., 60., 200.], [200., 40., 90.], [300., 150., 20.]])
>>> w = np.array([5., 1., 1., 4.])
>>> LSCP(t, standard_s=100).solve().chosen.tolist()
[0, 2]
>>> m = MCLP(t, w, standard_s=100, p=1).solve()
>>> m.chosen.tolist(), m.objective, m.gap
([0], 6.0, 0.0)
>>> pm = PMedian(t, w, p=2).solve()
>>> pm.chosen.tolist(), pm.objective
([0, 2], 310.0)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix

from lanyan.core.errors import FieldProblem, LanyanError, ValidationFailed
from lanyan.siting.pmedian_search import fix_sites, interchange, lagrangian_bound


class SolveFailed(LanyanError):
    """HiGHS ended without a feasible solution (infeasible model or time limit)."""


def _check(times: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 2 or t.shape[1] == 0:
        raise ValidationFailed(
            "the travel-time matrix needs at least one candidate site",
            [FieldProblem("candidates", "at least one candidate site is needed")],
        )
    w = np.ones(t.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (t.shape[0],) or (w < 0).any():
        raise ValueError("weights need one non-negative value per demand point")
    return t, w


def _p(p: int, free: int) -> int:
    if not 1 <= p <= free:
        raise ValidationFailed(
            f"p = {p} is not a number of new sites",
            [FieldProblem("p", f"must be between 1 and the {free} free candidate sites")],
        )
    return p


class _Model:
    times: np.ndarray
    fixed: np.ndarray

    def _run(
        self,
        c: np.ndarray,
        integrality: np.ndarray,
        bounds: Bounds,
        constraints: list[LinearConstraint],
        time_limit: float,
        mip_rel_gap: float,
    ) -> Any:
        res = milp(
            c,
            integrality=integrality,
            bounds=bounds,
            constraints=constraints,
            options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
        )
        if res.x is None:
            raise SolveFailed(
                f"HiGHS found no solution: {res.message}",
                [FieldProblem("model", "must be feasible within the time limit")],
            )
        self.status = "optimal" if res.status == 0 else "time_limit"
        self.gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
        self.dual_bound = float(getattr(res, "mip_dual_bound", np.nan))
        return res

    def _fixed_array(self, fixed: Sequence[int] | np.ndarray | None) -> np.ndarray:
        n = self.times.shape[1]
        f = np.zeros(n, dtype=bool)
        if fixed is not None and len(fixed):
            idx = np.asarray(fixed, dtype=np.int64)
            if (idx < 0).any() or (idx >= n).any():
                raise ValueError("fixed sites must be candidate column indices")
            f[idx] = True
        return f


class LSCP(_Model):
    """Location set covering: the fewest sites so every coverable demand point is within
    ``standard_s`` seconds. Results: ``chosen`` (site columns), ``objective`` (number of
    sites, fixed ones included), ``gap``, ``status``, ``uncoverable`` (demand rows)."""

    def __init__(
        self, times: np.ndarray, standard_s: float, fixed: Sequence[int] | np.ndarray | None = None
    ) -> None:
        self.times, _ = _check(times, None)
        self.standard_s = standard_s
        self.fixed = self._fixed_array(fixed)

    def solve(self, time_limit: float = 60.0, mip_rel_gap: float = 1e-6) -> LSCP:
        cover = self.times <= self.standard_s
        n = cover.shape[1]
        self.uncoverable = np.flatnonzero(~cover.any(axis=1))
        rows = cover[cover.any(axis=1) & ~cover[:, self.fixed].any(axis=1)]
        lb = self.fixed.astype(float)
        cons = [LinearConstraint(csr_matrix(rows.astype(float)), 1, np.inf)] if len(rows) else []
        res = self._run(np.ones(n), np.ones(n), Bounds(lb, 1), cons, time_limit, mip_rel_gap)
        self.chosen = np.flatnonzero(res.x > 0.5)
        self.objective = float(len(self.chosen))
        return self


class MCLP(_Model):
    """Maximal covering with ``p`` new sites besides ``fixed`` ones. Results: ``chosen``,
    ``objective`` (covered weight, fixed sites' share included), ``covered`` (bool per
    demand point), ``gap``, ``status``."""

    def __init__(
        self,
        times: np.ndarray,
        weights: np.ndarray,
        standard_s: float,
        p: int,
        fixed: Sequence[int] | np.ndarray | None = None,
    ) -> None:
        self.times, self.weights = _check(times, weights)
        self.standard_s = standard_s
        self.fixed = self._fixed_array(fixed)
        self.p = _p(p, int((~self.fixed).sum()))

    def solve(self, time_limit: float = 60.0, mip_rel_gap: float = 1e-6) -> MCLP:
        cover = self.times <= self.standard_s
        base = cover[:, self.fixed].any(axis=1)
        free = np.flatnonzero(~self.fixed)
        rows = np.flatnonzero(~base & cover[:, free].any(axis=1) & (self.weights > 0))
        sub = cover[np.ix_(rows, free)]
        nx_, ny = len(free), len(rows)
        # Variables: x (free sites) then y (open demand rows). Maximise -> minimise -w.
        c = np.concatenate([np.zeros(nx_), -self.weights[rows]])
        r, col = np.nonzero(sub)
        link = coo_matrix(
            (
                np.concatenate([-np.ones(len(r)), np.ones(ny)]),
                (np.concatenate([r, np.arange(ny)]), np.concatenate([col, nx_ + np.arange(ny)])),
            ),
            shape=(ny, nx_ + ny),
        ).tocsr()
        count = csr_matrix(np.concatenate([np.ones(nx_), np.zeros(ny)])[None, :])
        cons = [LinearConstraint(count, self.p, self.p)]
        if ny:
            cons.append(LinearConstraint(link, -np.inf, 0))
        integrality = np.concatenate([np.ones(nx_), np.zeros(ny)])
        res = self._run(c, integrality, Bounds(0, 1), cons, time_limit, mip_rel_gap)
        open_ = self.fixed.copy()
        open_[free[res.x[:nx_] > 0.5]] = True
        self.chosen = np.flatnonzero(open_)
        self.new = np.flatnonzero(open_ & ~self.fixed)
        self.covered = cover[:, open_].any(axis=1)
        self.objective = float(self.weights[self.covered].sum())
        return self


class PMedian(_Model):
    """p-median: ``p`` sites (fixed ones included) minimising total weighted travel time to
    the nearest open site. Demand points no candidate reaches are reported in ``unreachable``
    and left out. Results: ``chosen``, ``objective`` (weight x seconds), ``assignment``
    (nearest chosen column per demand point), ``gap``, ``status``, ``lower_bound`` and
    ``proof`` (what proved the gap: ``"lagrangian"`` or ``"highs"``).

    With ``presolve`` (the default), :func:`~lanyan.siting.pmedian_search.interchange` finds
    an incumbent and :func:`~lanyan.siting.pmedian_search.lagrangian_bound` a lower bound;
    when they are within ``mip_rel_gap`` the incumbent is returned with that proven gap.
    Otherwise the sites the bound proves closed are dropped, those it proves open are fixed,
    and HiGHS solves the rest in the chosen ``formulation`` (module docstring); the better
    of its answer and the incumbent is kept. ``presolve=False`` runs the MIP alone."""

    def __init__(
        self,
        times: np.ndarray,
        weights: np.ndarray,
        p: int,
        fixed: Sequence[int] | np.ndarray | None = None,
        formulation: str = "assignment",
        presolve: bool = True,
    ) -> None:
        self.times, self.weights = _check(times, weights)
        self.fixed = self._fixed_array(fixed)
        self.p = _p(p, self.times.shape[1])
        if self.p < int(self.fixed.sum()):
            raise ValidationFailed(
                f"p = {p} is fewer than the {int(self.fixed.sum())} sites kept open",
                [FieldProblem("p", "must be at least the number of fixed (existing) sites")],
            )
        if formulation not in ("assignment", "radius"):
            raise ValueError("formulation must be 'assignment' or 'radius'")
        self.formulation = formulation
        self.presolve = presolve

    def solve(self, time_limit: float = 60.0, mip_rel_gap: float = 1e-6) -> PMedian:
        t, w = self.times, self.weights
        reach = np.isfinite(t).any(axis=1)
        self.unreachable = np.flatnonzero(~reach)
        rows = np.flatnonzero(reach & (w > 0))
        started = time.perf_counter()
        upper, incumbent = np.inf, None
        allowed, fixed = np.ones(t.shape[1], dtype=bool), self.fixed
        self.lower_bound, self.proof = -np.inf, "highs"
        if self.presolve and len(rows):
            c = w[rows, None] * t[rows]
            incumbent, upper = interchange(c, self.p, self.fixed)
            bound = lagrangian_bound(
                c, self.p, self.fixed, upper, mip_rel_gap / 10, time_limit=time_limit / 3
            )
            # Relaxed solutions near the dual optimum, polished by interchange, are usually
            # better starts than greedy (a Lagrangian heuristic).
            for start in (bound.feasible, bound.relaxed):
                other, value = interchange(c, self.p, self.fixed, start=start)
                if value < upper:
                    incumbent, upper = other, value
            self.lower_bound = bound.lower
            closed, forced = fix_sites(c, self.p, self.fixed, bound.multipliers, upper)
            allowed, fixed = ~closed, self.fixed | forced
        if np.isfinite(upper) and upper - self.lower_bound <= mip_rel_gap * abs(upper):
            assert incumbent is not None
            self.chosen = np.flatnonzero(incumbent)
            self.status, self.proof = "optimal", "lagrangian"
            self.dual_bound = self.lower_bound
        else:
            budget = max(1.0, time_limit - (time.perf_counter() - started))
            cols = np.flatnonzero(allowed)
            sub = PMedian(
                t[:, cols], w, self.p, np.flatnonzero(fixed[cols]), self.formulation, False
            )
            try:
                getattr(sub, f"_solve_{self.formulation}")(rows, budget, mip_rel_gap)
            except SolveFailed:
                if incumbent is None or not np.isfinite(upper):
                    raise
                # HiGHS found nothing in time: the incumbent stands, with the Lagrangian gap.
                sub.chosen, sub.status, sub.dual_bound = (
                    np.zeros(0, np.int64),
                    "time_limit",
                    -np.inf,
                )
            self.status = sub.status
            if len(sub.chosen):
                chosen = cols[sub.chosen]
            else:  # HiGHS found nothing in time (the incumbent stands), or p = 0
                chosen = np.flatnonzero(incumbent) if incumbent is not None else sub.chosen
            value = float((w[rows] * t[rows][:, chosen].min(axis=1)).sum()) if len(rows) else 0.0
            if incumbent is not None and upper < value:
                chosen = np.flatnonzero(incumbent)
            self.chosen = chosen
            # Sites left out were proven worse than the incumbent, so HiGHS's bound on the
            # rest is a bound on the whole; the Lagrangian one holds everywhere.
            self.dual_bound = max(self.lower_bound, sub.dual_bound)
            self.lower_bound = self.dual_bound
        sub_t = t[:, self.chosen]
        self.assignment = np.where(reach, self.chosen[np.argmin(sub_t, axis=1)], -1)
        # Recomputed from the chosen sites: exact, and the model's value at its optimum.
        self.objective = float((w[rows] * sub_t[rows].min(axis=1)).sum())
        if self.objective > 0 and np.isfinite(self.dual_bound):
            self.gap = max(0.0, (self.objective - self.dual_bound) / self.objective)
        else:
            self.gap = 0.0 if self.status == "optimal" else float("nan")
        return self

    def _solve_assignment(self, rows: np.ndarray, time_limit: float, mip_rel_gap: float) -> None:
        t, w = self.times, self.weights
        n_j = t.shape[1]
        usable = np.isfinite(t[rows])
        if self.fixed.any():
            # A site farther than an always-open one is never the nearest open site: its
            # assignment variable can go (exact).
            usable &= t[rows] <= t[rows][:, self.fixed].min(axis=1, keepdims=True)
        ii, jj = np.nonzero(usable)
        ii = rows[ii]
        na = len(ii)
        row_of = np.full(t.shape[0], -1)
        row_of[rows] = np.arange(len(rows))
        var = n_j + np.arange(na)
        assign = coo_matrix((np.ones(na), (row_of[ii], var)), shape=(len(rows), n_j + na))
        link = coo_matrix(
            (np.concatenate([np.ones(na), -np.ones(na)]),
             (np.concatenate([np.arange(na)] * 2), np.concatenate([var, jj]))),
            shape=(na, n_j + na),
        )  # fmt: skip
        count = csr_matrix(np.concatenate([np.ones(n_j), np.zeros(na)])[None, :])
        res = self._run(
            np.concatenate([np.zeros(n_j), w[ii] * t[ii, jj]]),
            np.concatenate([np.ones(n_j), np.zeros(na)]),
            Bounds(np.concatenate([self.fixed.astype(float), np.zeros(na)]), 1),
            [
                LinearConstraint(assign.tocsr(), 1, 1),
                LinearConstraint(link.tocsr(), -np.inf, 0),
                LinearConstraint(count, self.p, self.p),
            ],
            time_limit,
            mip_rel_gap,
        )
        self.chosen = np.flatnonzero(res.x[:n_j] > 0.5)

    def _solve_radius(self, rows: np.ndarray, time_limit: float, mip_rel_gap: float) -> None:
        t, w = self.times, self.weights
        n_j = t.shape[1]
        z_cost: list[np.ndarray] = []
        r_idx: list[np.ndarray] = []
        c_idx: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        lower: list[float] = []
        const = 0.0  # sum_i w_i D_i^1, left out of the MILP's objective
        n_con = nz = 0
        for i in rows:
            fin = np.flatnonzero(np.isfinite(t[i]))
            d, level = np.unique(t[i, fin], return_inverse=True)
            const += w[i] * d[0]
            k = len(d) - 1  # z variables of this point: levels 2..K
            z = n_j + nz + np.arange(k)
            for lv in range(k):
                # Level 2: z + x(at D1) >= 1;  level k > 2: z_k - z_{k-1} + x(at D_{k-1}) >= 0.
                at = fin[level == lv]
                cols = [at, z[lv : lv + 1]] + ([z[lv - 1 : lv]] if lv else [])
                coef: list[ArrayLike] = [np.ones(len(at)), [1.0]]
                if lv:
                    coef.append([-1.0])
                r_idx.append(np.full(sum(len(x) for x in cols), n_con + lv))
                c_idx.append(np.concatenate(cols))
                vals.append(np.concatenate(coef))
            lower += [1.0] + [0.0] * (k - 1)
            n_con += k
            z_cost.append(w[i] * np.diff(d))
            nz += k
            if len(fin) < n_j:  # some sites cannot reach i: one that can must be open
                r_idx.append(np.full(len(fin), n_con))
                c_idx.append(fin)
                vals.append(np.ones(len(fin)))
                lower.append(1.0)
                n_con += 1
        c = np.concatenate([np.zeros(n_j), *z_cost])
        count = csr_matrix(np.concatenate([np.ones(n_j), np.zeros(nz)])[None, :])
        cons = [LinearConstraint(count, self.p, self.p)]
        if n_con:
            a = coo_matrix(
                (np.concatenate(vals), (np.concatenate(r_idx), np.concatenate(c_idx))),
                shape=(n_con, n_j + nz),
            ).tocsr()
            cons.append(LinearConstraint(a, np.array(lower), np.inf))
        integrality = np.concatenate([np.ones(n_j), np.zeros(nz)])
        lb = np.concatenate([self.fixed.astype(float), np.zeros(nz)])
        res = self._run(c, integrality, Bounds(lb, 1), cons, time_limit, mip_rel_gap)
        self.chosen = np.flatnonzero(res.x[:n_j] > 0.5)
        # HiGHS's gap is relative to the objective without the constant; restate it for the
        # whole objective.
        self.dual_bound += const
        value = float(res.fun) + const
        if value > 0 and np.isfinite(self.dual_bound):
            self.gap = max(0.0, (value - self.dual_bound) / value)
