"""Sequential testing against a fixed-size t-test design, looking after every trial.

Target (issue 3): the sequential design's false-verdict rate is at most 5% and
its power at least 80% (within simulation error), like a fixed-size paired
t-test sized for the same effect, while it uses on average at least 40% fewer
trials when the true effect is twice the design effect, at least 15% fewer at
the design effect itself, and never more than 1.25x the fixed size.

Setting (as in the field notes): paired differences with standard deviation 1,
design effect 0.5 (half a standard deviation), two-sided 5%, power 80%; the
fixed design needs 34 pairs. Each simulated run feeds
``SequentialDesign.look()`` one pair at a time, as a runner would, and stops
when it says so. The fixed design is measured on the same runs (a paired
t-test on the first 34 pairs), so every ratio compares the two in one run.
"Within simulation error" means within two binomial standard errors.

Run: ``python benchmarks/bench_stats_sequential.py [--quick]`` (20,000 runs per
scenario; 1,500 with ``--quick``); writes ``benchmarks/results/sequential.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import special

from assay.stats import SequentialDesign, Verdict

RESULTS = Path(__file__).parent / "results"
EFFECT, SPREAD = 0.5, 1.0


def _design() -> SequentialDesign:
    return SequentialDesign(EFFECT, SPREAD, paired=True, lower_is_better=False)


def _fixed_rejects(differences: np.ndarray, n: int) -> np.ndarray:
    """Two-sided paired t-test at 5% on the first ``n`` pairs of every run."""
    first = differences[:, :n]
    t = first.mean(axis=1) / (first.std(axis=1, ddof=1) / math.sqrt(n))
    p = 2 * special.stdtr(n - 1, -np.abs(t))
    return np.asarray(p < 0.05) & (t > 0)


def scenario(true_effect: float, runs: int, seed: int) -> dict[str, Any]:
    design = _design()
    rng = np.random.default_rng(seed)
    base = rng.normal(100.0, 3.0, (runs, design.max_trials))
    cand = base + rng.normal(true_effect, SPREAD, base.shape)
    verdicts, sizes = [], []
    for b, c in zip(base, cand, strict=True):
        runner = _design()
        for n in range(1, b.size + 1):
            decision = runner.look(b[:n], c[:n])
            if decision.stop:
                break
        verdicts.append(decision.verdict)
        sizes.append(decision.n_baseline)
    decided = np.array([v in (Verdict.BETTER, Verdict.WORSE) for v in verdicts])
    right = np.array([v is Verdict.BETTER for v in verdicts])
    fixed = design.fixed_trials
    fixed_right = _fixed_rejects(cand - base, fixed)
    fixed_any = _fixed_rejects(cand - base, fixed) | _fixed_rejects(base - cand, fixed)
    return {
        "true_effect": true_effect,
        "runs": runs,
        "sequential": {
            "verdict_rate": float(decided.mean()),
            "right_verdict_rate": float(right.mean()),
            "mean_trials": float(np.mean(sizes)),
            "max_trials_used": int(np.max(sizes)),
        },
        "fixed": {
            "trials": fixed,
            "verdict_rate": float(fixed_any.mean()),
            "right_verdict_rate": float(fixed_right.mean()),
        },
        "mean_trials_ratio": float(np.mean(sizes)) / fixed,
    }


def _se(rate: float, runs: int) -> float:
    return math.sqrt(rate * (1 - rate) / runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,500 runs per scenario")
    args = parser.parse_args()
    runs = 1_500 if args.quick else 20_000
    start = time.perf_counter()
    design = _design()
    null = scenario(0.0, runs, seed=1)
    at_design = scenario(EFFECT, runs, seed=2)
    at_double = scenario(2 * EFFECT, runs, seed=3)
    alpha = null["sequential"]["verdict_rate"]
    power = at_design["sequential"]["right_verdict_rate"]
    checks = {
        "false_verdicts_at_most_5pct": alpha <= 0.05 + 2 * _se(0.05, runs),
        "power_at_least_80pct": power >= 0.80 - 2 * _se(0.80, runs),
        "at_least_15pct_fewer_at_design_effect": at_design["mean_trials_ratio"] <= 0.85,
        "at_least_40pct_fewer_at_twice_the_effect": at_double["mean_trials_ratio"] <= 0.60,
        "never_more_than_1_25x": design.max_trials <= 1.25 * design.fixed_trials,
    }
    report = {
        "benchmark": "sequential",
        "target": (
            "false verdicts <= 5% and power >= 80% (within 2 standard errors), on average "
            ">= 40% fewer trials than the fixed t-test design at twice the design effect, "
            ">= 15% fewer at the design effect, never more than 1.25x the fixed size"
        ),
        "design": {
            "effect": EFFECT,
            "spread": SPREAD,
            "paired": True,
            "looks": design.looks,
            "spending": design.spending,
            "planned_analyses": list(design.planned),
            "fixed_trials": design.fixed_trials,
            "max_trials": design.max_trials,
            "max_ratio": design.max_trials / design.fixed_trials,
            "checked": "look() after every pair",
        },
        "false_verdict_rate": alpha,
        "power": power,
        "mean_trials_ratio_at_design_effect": at_design["mean_trials_ratio"],
        "mean_trials_ratio_at_twice_the_effect": at_double["mean_trials_ratio"],
        "checks": checks,
        "met": all(checks.values()),
        "scenarios": {"null": null, "design_effect": at_design, "twice_the_effect": at_double},
        "simulation_standard_error_at_5pct": _se(0.05, runs),
        "quick": args.quick,
        "seconds": time.perf_counter() - start,
        "environment": {"python": platform.python_version(), "machine": platform.machine()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sequential.json").write_text(json.dumps(report, indent=2) + "\n")
    print(
        f"false verdicts {alpha:.4f} (fixed {null['fixed']['verdict_rate']:.4f}); power "
        f"{power:.3f} (fixed {at_design['fixed']['right_verdict_rate']:.3f}); mean trials "
        f"{at_design['mean_trials_ratio']:.2f}x fixed at the design effect, "
        f"{at_double['mean_trials_ratio']:.2f}x at twice it; max "
        f"{design.max_trials}/{design.fixed_trials}; met: {report['met']}"
    )


if __name__ == "__main__":
    main()
