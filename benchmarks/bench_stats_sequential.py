"""Sequential testing against a fixed-size t-test design, looking after every trial.

Target (issue 3): the sequential design's false-verdict rate is at most 5% and
its power at least 80% (within simulation error), like a fixed-size paired
t-test sized for the same effect, while it uses on average at least 40% fewer
trials when the true effect is twice the design effect, at least 15% fewer at
the design effect itself, and never more than 1.06x the fixed size.

Target (issue 10): with trial times that vary 10% (coefficient of variation)
in each arm and the default 5% margin as the design effect, a 2x, a 20x and a
200x speed-up each decide BETTER within 10 trials per arm (in at least 99.9% of
runs: a 2x change at 10 pairs misses a boundary of about 8 only when the
sample spread comes out twice the true one, about 2 runs in 10,000), while A/A runs give
at most 5% false BETTER/WORSE verdicts; no analysis is planned past
``max_trials`` (200).

Setting (as in the field notes): paired differences with standard deviation 1,
design effect 0.5 (half a standard deviation), two-sided 5%, power 80%; the
fixed design needs 34 pairs. Each simulated run feeds
``SequentialDesign.look()`` one pair at a time, as a runner would, and stops
when it says so. The fixed design is measured on the same runs (a paired
t-test on the first 34 pairs), so every ratio compares the two in one run.
"Within simulation error" means within two binomial standard errors.

The A/A rate is measured twice: designs sized with the true spread, and through
the runner's stopping rule (:meth:`assay.bench.stopping.StoppingRule.replay`),
whose designs are sized from a pilot of 10 pairs.

Run: ``python benchmarks/bench_stats_sequential.py [--quick]`` (20,000 runs per
scenario, 5,000 per large effect, 300 through the stopping rule; 1,500, 500
and 40 with ``--quick``); writes ``benchmarks/results/sequential.json``.
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

from assay.bench.header import RunHeader
from assay.bench.plan import TrialKey
from assay.bench.stopping import StoppingRule
from assay.bench.trial import TrialResult, TrialStatus
from assay.stats import SequentialDesign, Verdict

RESULTS = Path(__file__).parent / "results"
EFFECT, SPREAD = 0.5, 1.0
ARM_CV, MARGIN, MAX_TRIALS = 0.10, 0.05, 200
SIGMA = math.sqrt(math.log1p(ARM_CV**2))  # log-scale sd of one arm's trials
PAIR_CV = math.sqrt(math.expm1(2 * SIGMA**2))  # spread of the per-pair ratio


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


def _timing_design() -> SequentialDesign:
    return SequentialDesign(MARGIN, PAIR_CV, paired=True, scale="log", limit=MAX_TRIALS)


def timing(speedup: float, runs: int, seed: int) -> dict[str, Any]:
    """Trial times with a 10% spread per arm, the candidate ``speedup`` times faster;
    a fresh design per run fed one pair at a time."""
    rng = np.random.default_rng(seed)
    design = _timing_design()
    verdicts, sizes = [], []
    for _ in range(runs):
        base = rng.lognormal(math.log(0.2), SIGMA, design.max_trials)
        cand = rng.lognormal(math.log(0.2 / speedup), SIGMA, design.max_trials)
        runner = _timing_design()
        for n in range(2, base.size + 1):
            decision = runner.look(base[:n], cand[:n])
            if decision.stop:
                break
        verdicts.append(decision.verdict)
        sizes.append(n)
    better = np.array([v is Verdict.BETTER for v in verdicts])
    false = np.array([v in (Verdict.BETTER, Verdict.WORSE) for v in verdicts])
    within = better & (np.array(sizes) <= 10)
    return {
        "speedup": speedup,
        "runs": runs,
        "better_rate": float(better.mean()),
        "better_within_10_rate": float(within.mean()),
        "verdict_rate": float(false.mean()),
        "mean_trials": float(np.mean(sizes)),
        "max_trials_used": int(np.max(sizes)),
    }


def _pairs(base: np.ndarray, cand: np.ndarray) -> list[TrialResult]:
    out = []
    for seed, pair in enumerate(zip(base, cand, strict=True)):
        for position, (method, t) in enumerate(zip(("base", "cand"), pair, strict=True)):
            key = TrialKey(method, (), seed)
            values = {"time": float(t)}
            out.append(
                TrialResult(key, TrialStatus.OK, seed, position, values=values, wall_time=1.0)
            )
    return out


def through_the_rule(runs: int, seed: int, pilot: int = 10) -> dict[str, Any]:
    """A/A runs through the runner's stopping rule: each comparison's design sized from
    a pilot of ``pilot`` pairs, looks after every round, max_trials 200."""
    header = RunHeader(
        spec={"name": "aa", "baseline": "base", "candidates": ["cand"], "metrics": []},
        options={"until_decided": True, "trials": pilot, "max_trials": MAX_TRIALS},
        environment={},
    )
    rng = np.random.default_rng(seed)
    verdicts, sizes = [], []
    for _ in range(runs):
        base = rng.lognormal(math.log(0.2), SIGMA, MAX_TRIALS)
        cand = rng.lognormal(math.log(0.2), SIGMA, MAX_TRIALS)
        (outcome,) = StoppingRule.replay(header, _pairs(base, cand)).values()
        verdicts.append(outcome.verdict)
        sizes.append(outcome.pairs)
    false = np.array([v in (Verdict.BETTER, Verdict.WORSE) for v in verdicts])
    return {
        "runs": runs,
        "pilot": pilot,
        "verdict_rate": float(false.mean()),
        "simulation_standard_error": _se(0.05, runs),
        "mean_trials": float(np.mean(sizes)),
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
    large_runs = 500 if args.quick else 5_000
    large = {f"{x}x": timing(x, large_runs, seed=10 + x) for x in (2, 20, 200)}
    aa = timing(1.0, runs, seed=4)
    aa_rule = through_the_rule(40 if args.quick else 300, seed=5)  # about 2 s a run
    timing_design = _timing_design()
    wide = SequentialDesign(MARGIN, 0.5, paired=True, scale="log", limit=MAX_TRIALS)
    checks = {
        "false_verdicts_at_most_5pct": alpha <= 0.05 + 2 * _se(0.05, runs),
        "power_at_least_80pct": power >= 0.80 - 2 * _se(0.80, runs),
        "at_least_15pct_fewer_at_design_effect": at_design["mean_trials_ratio"] <= 0.85,
        "at_least_40pct_fewer_at_twice_the_effect": at_double["mean_trials_ratio"] <= 0.60,
        "never_more_than_1_06x": design.max_trials <= 1.06 * design.fixed_trials,
        "2x_20x_200x_better_within_10_trials": all(
            r["better_within_10_rate"] >= 0.999 for r in large.values()
        ),
        "a_a_false_verdicts_at_most_5pct_at_10pct_spread": aa["verdict_rate"]
        <= 0.05 + 2 * _se(0.05, runs),
        "no_analysis_past_max_trials": max(wide.planned) <= MAX_TRIALS,
        "a_a_through_the_stopping_rule_at_most_5pct": aa_rule["verdict_rate"]
        <= 0.05 + 2 * aa_rule["simulation_standard_error"],
    }
    report = {
        "benchmark": "sequential",
        "target": (
            "false verdicts <= 5% and power >= 80% (within 2 standard errors), on average "
            ">= 40% fewer trials than the fixed t-test design at twice the design effect, "
            ">= 15% fewer at the design effect, never more than 1.06x the fixed size; "
            "with a 10% spread per arm and a 5% design effect, 2x/20x/200x speed-ups decide "
            "BETTER within 10 trials per arm in >= 99.9% of runs and A/A false verdicts <= 5%; "
            "no analysis past max_trials"
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
        "timing_design": {
            "arm_cv": ARM_CV,
            "pair_cv": PAIR_CV,
            "effect": MARGIN,
            "planned_analyses": list(timing_design.planned),
            "fixed_trials": timing_design.fixed_trials,
            "max_trials": timing_design.max_trials,
            "early_spending_share": timing_design.early,
        },
        "large_effects": large,
        "a_a_at_10pct_spread": aa,
        "a_a_through_the_stopping_rule": aa_rule,
        "limited_design": {
            "spread": 0.5,
            "limit": MAX_TRIALS,
            "full_trials": wide.full_trials,
            "planned_analyses": list(wide.planned),
        },
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
        f"{design.max_trials}/{design.fixed_trials}; 2x/20x/200x BETTER within 10: "
        + ", ".join(f"{k} {v['better_within_10_rate']:.2%}" for k, v in large.items())
        + f"; A/A at 10% spread {aa['verdict_rate']:.4f}, through the stopping rule "
        + f"{aa_rule['verdict_rate']:.4f}; met: {report['met']}"
    )


if __name__ == "__main__":
    main()
