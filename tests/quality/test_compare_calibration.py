"""compare() holds its level, covers the true effect and finds clear effects.

Each cell simulates many comparisons with a fixed seed and checks a rate
against its target plus simulation error (three binomial standard errors).
The last tests run the same harness on methods known to be wrong, to show it
would catch them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from assay.stats import Verdict, compare

RUNS = 2000
SIZES = (5, 10, 30)
DECIDED = (Verdict.BETTER, Verdict.WORSE)


def _slack(rate: float, runs: int) -> float:
    return 3.0 * math.sqrt(rate * (1 - rate) / runs)


def _draw(
    shape: str, rng: np.random.Generator, size: tuple[int, int], factor: float = 1.0
) -> np.ndarray:
    """Positive samples whose every location measure scales by ``factor``."""
    if shape == "normal":
        return factor * rng.normal(100.0, 10.0, size)
    return factor * rng.lognormal(np.log(100.0), 0.5, size)


def _paired(rng: np.random.Generator, n: int, factor: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Pairs sharing a seed effect (correlation about 0.8), as quality metrics over seeds do."""
    seed_effect = rng.normal(0.0, 0.2, (RUNS, n))
    base = 100.0 * np.exp(seed_effect + rng.normal(0.0, 0.1, (RUNS, n)))
    cand = factor * 100.0 * np.exp(seed_effect + rng.normal(0.0, 0.1, (RUNS, n)))
    return base, cand


def _false_rate(base: np.ndarray, cand: np.ndarray, **kwargs: object) -> float:
    verdicts = [compare(b, c, **kwargs).verdict for b, c in zip(base, cand, strict=True)]  # type: ignore[arg-type]
    return sum(v in DECIDED for v in verdicts) / len(verdicts)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("shape", ["normal", "lognormal"])
def test_identical_arms_rarely_get_a_verdict(shape: str, n: int) -> None:
    rng = np.random.default_rng(1000 + n)
    base, cand = _draw(shape, rng, (RUNS, n)), _draw(shape, rng, (RUNS, n))
    rate = _false_rate(base, cand)
    print(f"A/A {shape} n={n}: {rate:.4f} BETTER/WORSE")
    assert rate <= 0.05 + _slack(0.05, RUNS)


@pytest.mark.parametrize("n", SIZES)
def test_identical_paired_arms_rarely_get_a_verdict(n: int) -> None:
    base, cand = _paired(np.random.default_rng(2000 + n), n)
    rate = _false_rate(base, cand, paired=True)
    print(f"A/A paired n={n}: {rate:.4f}")
    assert rate <= 0.05 + _slack(0.05, RUNS)


@pytest.mark.parametrize(
    ("test", "paired"),
    [("welch", False), ("mann-whitney", False), ("paired-t", True), ("wilcoxon", True)],
)
def test_named_tests_hold_their_level(test: str, paired: bool) -> None:
    # SciPy's rank tests cost milliseconds a call: fewer runs, wider slack.
    runs = RUNS // 2
    rng = np.random.default_rng(3000)
    if paired:
        base, cand = (arm[:runs] for arm in _paired(rng, 10))
    else:
        base, cand = _draw("lognormal", rng, (runs, 10)), _draw("lognormal", rng, (runs, 10))
    rate = _false_rate(base, cand, paired=paired, test=test)
    print(f"A/A {test} n=10: {rate:.4f}")
    assert rate <= 0.05 + _slack(0.05, runs)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("shape", ["normal", "lognormal"])
def test_interval_covers_the_true_relative_effect(shape: str, n: int) -> None:
    rng = np.random.default_rng(4000 + n)
    true_effect = 0.10
    base = _draw(shape, rng, (RUNS, n))
    cand = _draw(shape, rng, (RUNS, n), factor=1.0 + true_effect)
    results = [compare(b, c) for b, c in zip(base, cand, strict=True)]
    coverage = sum(r.ci[0] <= true_effect <= r.ci[1] for r in results) / RUNS
    print(f"coverage {shape} n={n}: {coverage:.4f}")
    assert 0.93 <= coverage <= 0.97


@pytest.mark.parametrize("n", SIZES)
def test_paired_interval_covers_the_true_relative_effect(n: int) -> None:
    base, cand = _paired(np.random.default_rng(5000 + n), n, factor=1.05)
    results = [compare(b, c, paired=True) for b, c in zip(base, cand, strict=True)]
    coverage = sum(r.ci[0] <= 0.05 <= r.ci[1] for r in results) / RUNS
    print(f"coverage paired n={n}: {coverage:.4f}")
    assert 0.93 <= coverage <= 0.97


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("shape", ["normal", "lognormal"])
def test_clear_effects_get_the_right_verdict(shape: str, n: int) -> None:
    # "Clear": five standard errors of the difference of mean logs.
    sd_log = 0.1 if shape == "normal" else 0.5
    factor = math.exp(-5.0 * sd_log * math.sqrt(2.0 / n))
    rng = np.random.default_rng(6000 + n)
    base = _draw(shape, rng, (RUNS, n))
    faster = _draw(shape, rng, (RUNS, n), factor=factor)
    latency = [compare(b, c).verdict for b, c in zip(base, faster, strict=True)]
    accuracy = [  # the same data with higher-is-better: every BETTER becomes WORSE
        compare(b, c, lower_is_better=False).verdict
        for b, c in zip(base[:300], faster[:300], strict=True)
    ]
    right = sum(v is Verdict.BETTER for v in latency) / RUNS
    print(f"power {shape} n={n} (effect {factor - 1:+.1%}): {right:.4f}")
    assert right >= 0.95
    assert Verdict.WORSE not in latency
    assert sum(v is Verdict.WORSE for v in accuracy) == sum(
        v is Verdict.BETTER for v in latency[:300]
    )


def _percentile_bootstrap_rate(n: int, runs: int, resamples: int, seed: int) -> float:
    """A/A false-verdict rate of a percentile bootstrap interval on the mean difference."""
    rng = np.random.default_rng(seed)
    base, cand = rng.normal(0, 1, (runs, n)), rng.normal(0, 1, (runs, n))
    picks_b = rng.integers(0, n, (runs, resamples, n))
    picks_c = rng.integers(0, n, (runs, resamples, n))
    rows = np.arange(runs)[:, None, None]
    draws = cand[rows, picks_c].mean(axis=2) - base[rows, picks_b].mean(axis=2)
    low, high = np.quantile(draws, [0.025, 0.975], axis=1)
    return float(np.mean((low > 0) | (high < 0)))


def test_harness_catches_a_percentile_bootstrap_with_five_trials() -> None:
    # The mistake compare() avoids: with 5 trials per arm this interval is too narrow.
    rate = _percentile_bootstrap_rate(5, 2000, 1000, seed=7000)
    print(f"percentile bootstrap A/A n=5: {rate:.4f}")
    assert rate > 0.05 + _slack(0.05, 2000)


def test_harness_catches_an_iid_test_over_correlated_inner_samples() -> None:
    # pyperf's mistake: the same code, 200 inner samples per process that share the
    # process's offset, compared as if the 1,000 samples were independent trials.
    rng = np.random.default_rng(7001)
    offsets = rng.normal(0, 1.0, (500, 2, 5, 1))
    inner = offsets + rng.normal(0, 1.0, (500, 2, 5, 200))
    flat = inner.reshape(500, 2, 1000)
    rate = _false_rate(flat[:, 0] + 100, flat[:, 1] + 100)
    per_process = inner.mean(axis=3) + 100
    honest = _false_rate(per_process[:, 0], per_process[:, 1])
    print(f"inner samples as trials: {rate:.3f}; one value per process: {honest:.3f}")
    assert rate > 0.3
    assert honest <= 0.05 + _slack(0.05, 500)
