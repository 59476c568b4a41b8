"""Honest validation of the unit risk index on a simulated county with a time split.

A simulator (``lanyan.risk.simulate``) makes units with a hidden true risk and their yearly
records and fires. Models are fitted on the earlier years only and judged on the later years:

* AHP index — the shipped weights (``risk/data/weights.yaml``), not fitted at all;
* learned — logistic regression on the same factor values, fitted on the training years;
* category only — each category's fire rate in the training years (the usual rule of thumb);
* random — a seeded random score (AUC ≈ 0.5, precision ≈ the base rate);
* oracle — the simulator's hidden probability, the ceiling no model can pass.

Prints AUC and precision at k for each on the test years, all from the same run.

    python bench/risk_eval.py [--units 5000] [--years 8] [--test-years 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

import numpy as np

from lanyan.risk import config, index, metrics, simulate
from lanyan.risk.learned import LearnedRisk


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=5000)
    ap.add_argument("--years", type=int, default=8)
    ap.add_argument("--test-years", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    started = time.perf_counter()
    world = simulate.simulate(args.units, args.years, seed=args.seed)
    cut = world.years[-args.test_years]
    train = [r for r in world.rows if r.year < cut]
    test = [r for r in world.rows if r.year >= cut]
    y_train = [r.fire for r in train]
    y_test = np.array([r.fire for r in test])
    model = config.load()

    scores: dict[str, np.ndarray] = {}
    scores["AHP index (shipped weights)"] = np.array(
        [index.score(r.raw, model).score for r in test]
    )
    learned = LearnedRisk(model).fit([r.raw for r in train], y_train)
    scores["learned (logistic regression)"] = learned.predict([r.raw for r in test])
    by_cat: dict[str, list[int]] = defaultdict(list)
    for r in train:
        by_cat[r.raw["category"]].append(r.fire)
    rate = {c: float(np.mean(v)) for c, v in by_cat.items()}
    scores["category only (training fire rate)"] = np.array(
        [rate.get(r.raw["category"], 0.0) for r in test]
    )
    scores["random"] = np.random.default_rng(args.seed + 1).random(len(test))
    scores["oracle (hidden true probability)"] = np.array([r.true_p for r in test])

    ks = [100, 500, 1000]
    print(
        f"simulated county: {args.units} units × {args.years} years (seed {args.seed}); "
        f"train {world.years[0]}–{cut - 1} ({len(train)} unit-years, {sum(y_train)} fires), "
        f"test {cut}–{world.years[-1]} ({len(test)} unit-years, {int(y_test.sum())} fires, "
        f"base rate {y_test.mean():.4f})"
    )
    header = f"{'model':38s} {'AUC':>6s} " + " ".join(f"{'P@' + str(k):>7s}" for k in ks)
    print(header)
    print("-" * len(header))
    results = {}
    for name, s in scores.items():
        a = metrics.auc(y_test, s)
        p = [metrics.precision_at_k(y_test, s, k) for k in ks]
        results[name] = (a, p)
        print(f"{name:38s} {a:6.3f} " + " ".join(f"{x:7.3f}" for x in p))
    ahp = results["AHP index (shipped weights)"][0]
    cat = results["category only (training fire rate)"][0]
    lr = results["learned (logistic regression)"][0]
    print(
        f"AUC ratios: AHP/category-only {ahp / cat:.3f}, learned/AHP {lr / ahp:.3f}, "
        f"AHP/random {ahp / results['random'][0]:.3f}"
    )
    top = sorted(learned.coefficients().items(), key=lambda kv: -abs(kv[1]))[:5]
    print("largest learned coefficients: " + ", ".join(f"{k} {v:+.2f}" for k, v in top))
    print(f"wall time {time.perf_counter() - started:.1f} s (shared, loaded machine)")


if __name__ == "__main__":
    main()
