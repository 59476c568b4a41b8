"""Siting: HiGHS optima against brute-force enumeration (small) and an independent
formulation (medium)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from lanyan.core.errors import ValidationFailed
from lanyan.siting.siting import LSCP, MCLP, PMedian

from planning_support import seed_small_county


def _instance(seed: int, n_i: int, n_j: int, unreachable: float = 0.0):
    """Euclidean times (s) at 10 m/s on a 10 km square, some pairs made unreachable."""
    rng = np.random.default_rng(seed)
    d = rng.random((n_i, 2)) * 10_000
    c = rng.random((n_j, 2)) * 10_000
    t = np.hypot(*(d[:, None, :] - c[None, :, :]).transpose(2, 0, 1)) / 10.0
    t[rng.random(t.shape) < unreachable] = np.inf
    w = rng.integers(1, 60, n_i).astype(float)
    return t, w


def _brute_mclp(t, w, s, p, fixed=()):
    free = [j for j in range(t.shape[1]) if j not in fixed]
    return max(
        w[(t[:, list(fixed) + list(combo)] <= s).any(axis=1)].sum()
        for combo in combinations(free, p)
    )


def _brute_pmedian(t, w, p):
    best = np.inf
    for combo in combinations(range(t.shape[1]), p):
        m = t[:, list(combo)].min(axis=1)
        if np.isfinite(m).all():
            best = min(best, float((w * m).sum()))
    return best


def _brute_lscp(t, s):
    cover = t <= s
    need = cover.any(axis=1)
    for k in range(1, t.shape[1] + 1):
        for combo in combinations(range(t.shape[1]), k):
            if cover[need][:, list(combo)].any(axis=1).all():
                return k
    raise AssertionError("unreachable")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_small_instances_equal_brute_force(seed: int) -> None:
    t, w = _instance(seed, 25, 9, unreachable=0.1)
    s = 300.0
    lscp = LSCP(t, s).solve()
    assert lscp.objective == _brute_lscp(t, s) and lscp.gap <= 1e-6
    assert (t[:, lscp.chosen] <= s).any(axis=1)[(t <= s).any(axis=1)].all()
    for p in (1, 2, 3):
        m = MCLP(t, w, s, p).solve()
        assert m.objective == pytest.approx(_brute_mclp(t, w, s, p))
        assert len(m.chosen) == p
    m = MCLP(t, w, s, 2, fixed=[0]).solve()
    assert 0 in m.chosen and len(m.new) == 2
    assert m.objective == pytest.approx(_brute_mclp(t, w, s, 2, fixed=(0,)))
    t2, w2 = _instance(seed, 25, 9, unreachable=0.0)
    for p in (1, 2, 3):
        for form in ("assignment", "radius"):
            pm = PMedian(t2, w2, p, formulation=form).solve()
            assert pm.objective == pytest.approx(_brute_pmedian(t2, w2, p), rel=1e-9)


def test_pmedian_with_unreachable_pairs_equals_brute_force() -> None:
    t, w = _instance(7, 20, 8, unreachable=0.3)
    for form in ("assignment", "radius"):
        pm = PMedian(t, w, 3, formulation=form).solve()
        assert pm.objective == pytest.approx(_brute_pmedian(t, w, 3), rel=1e-9)
    assert np.isfinite(t[:, pm.chosen].min(axis=1)).all()


def _mclp_dense(t, w, s, p):
    """MCLP written independently: one dense constraint row per demand point over all
    (x, y) variables, y binary, and no dropping of rows."""
    from scipy.optimize import Bounds, LinearConstraint, milp

    cover = (t <= s).astype(float)
    n_i, n_j = cover.shape
    a = np.hstack([-cover, np.eye(n_i)])
    count = np.concatenate([np.ones(n_j), np.zeros(n_i)])[None, :]
    res = milp(
        np.concatenate([np.zeros(n_j), -w]),
        integrality=np.ones(n_j + n_i),
        bounds=Bounds(0, 1),
        constraints=[LinearConstraint(a, -np.inf, 0), LinearConstraint(count, p, p)],
    )
    return -res.fun


@pytest.mark.parametrize("seed", [11, 12])
def test_medium_instances_equal_an_independent_formulation(seed: int) -> None:
    t, w = _instance(seed, 300, 40)
    m = MCLP(t, w, 900.0, 5).solve()
    assert m.objective == pytest.approx(_mclp_dense(t, w, 900.0, 5))
    pm = PMedian(t, w, 5).solve()
    ref = PMedian(t, w, 5, formulation="radius", presolve=False).solve()
    assert pm.gap <= 1e-6 and ref.gap <= 1e-6 and ref.proof == "highs"
    assert pm.objective == pytest.approx(ref.objective, rel=1e-7)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_pmedian_within_one_percent_is_proven_against_the_exact_optimum(seed: int) -> None:
    """The fast path (interchange incumbent + Lagrangian bound) must return a solution whose
    proven gap is at most 1 %, and the bound must lie below the true optimum (found by the
    MIP alone, no presolve)."""
    t, w = _instance(seed, 400, 50, unreachable=0.05)
    exact = PMedian(t, w, 6, presolve=False).solve()
    fast = PMedian(t, w, 6).solve(mip_rel_gap=0.01)
    assert fast.gap <= 0.01
    assert fast.lower_bound <= exact.objective * (1 + 1e-9)
    assert exact.objective <= fast.objective <= exact.objective * 1.01
    assert fast.objective == pytest.approx(float((w * t[:, fast.chosen].min(axis=1)).sum()))


def test_pmedian_keeps_fixed_sites_and_bound_is_valid_on_small_instances() -> None:
    from lanyan.siting.pmedian_search import fix_sites, interchange, lagrangian_bound

    for seed in (31, 32, 33):
        t, w = _instance(seed, 30, 9, unreachable=0.1)
        c = w[:, None] * t
        none = np.zeros(9, dtype=bool)
        best = _brute_pmedian(t, w, 3)
        open_, value = interchange(c, 3, none)
        assert open_.sum() == 3 and value >= best - 1e-6
        bound = lagrangian_bound(c, 3, none, value)
        assert bound.lower <= best + 1e-6
        closed, forced = fix_sites(c, 3, none, bound.multipliers, value)
        # No site the tests close may be in an optimal solution that beats the incumbent.
        for combo in combinations(range(9), 3):
            cost = float((w * t[:, list(combo)].min(axis=1)).sum())
            if cost < value - 1e-6:
                assert not closed[list(combo)].any() and forced[list(combo)].sum() == forced.sum()
        best_fixed = min(
            float((w * t[:, [2, *combo]].min(axis=1)).sum())
            for combo in combinations([0, 1, 3, 4, 5, 6, 7, 8], 2)
        )
        for presolve in (True, False):  # the MIP alone drops pairs beyond the fixed site
            pm = PMedian(t, w, 3, fixed=[2], presolve=presolve).solve()
            assert 2 in pm.chosen and len(pm.chosen) == 3
            if np.isfinite(best_fixed):
                assert pm.objective == pytest.approx(best_fixed, rel=1e-9)
    with pytest.raises(ValidationFailed) as exc:
        PMedian(t, w, 1, fixed=[0, 1])
    assert exc.value.problems[0].field == "p"


def test_bad_p_names_the_field() -> None:
    t, w = _instance(1, 5, 3)
    with pytest.raises(ValidationFailed) as exc:
        MCLP(t, w, 100.0, 4)
    assert exc.value.problems[0].field == "p"
    with pytest.raises(ValidationFailed):
        PMedian(t, w, 0)


@pytest.mark.parametrize("model", ["lscp", "mclp", "pmedian"])
def test_cli_site_prints_sites_objective_and_gap(model, uow, db_url, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from lanyan.cli.main import app

    seed_small_county(uow)
    monkeypatch.setenv("LANYAN_DATABASE_URL", db_url)
    monkeypatch.setenv("LANYAN_DATA_DIR", str(tmp_path))
    args = ["site", model, "--minutes", "3", "--cell", "400", "--spacing", "500"]
    res = CliRunner().invoke(app, [*args, "--p", "1"] if model != "lscp" else args)
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["status"] == "optimal" and out["gap"] <= 1e-4
    assert out["existing"] == ["FS-1"]
    assert out["excluded"]["hazardous_300m"] >= 1  # the chemical works blocks its corner
    if model != "lscp":
        assert len(out["new_sites"]) == 1
    bad = CliRunner().invoke(app, ["site", "nope"])
    assert bad.exit_code == 1 and "model" in bad.output
