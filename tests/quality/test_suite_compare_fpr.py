"""compare_suites holds the suite's family-wise error rate and covers each benchmark's
true change.

Each simulated suite has 20 benchmarks measured in 5 repetitions (processes) of 3
values; a repetition shares a process effect (sd 5% in log) larger than the noise
between its values (sd 2%), as real benchmark processes do. HEAD is drawn from the
same distributions as BASE, except two benchmarks that are truly 25% slower (or,
with a 10% margin, exactly 10% slower: the boundary, where a false claim is likeliest).
Fixed seeds; the bounds are the target plus three binomial standard errors. The harness
checks at the end run the same simulation on methods known to be wrong (no
adjustment across the suite; values of one process taken as independent trials) and
show that it catches them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from assay.stats.suite_compare import compare_suites
from assay.stats.verdict import Verdict

SUITES = 500
BENCHMARKS = 20
SLOWER = {0: 1.25, 1: 1.25}  # benchmark index -> true HEAD / BASE
ALPHA = 0.05
CLAIMS = (Verdict.BETTER, Verdict.WORSE, Verdict.EQUIVALENT)


@dataclass(frozen=True)
class Bench:
    name: str
    unit: str
    groups: tuple[tuple[float, ...], ...]


def _slack(rate: float, runs: int) -> float:
    return 3.0 * math.sqrt(rate * (1 - rate) / runs)


def _suite(
    rng: np.random.Generator, factors: dict[int, float], pooled: bool = False
) -> list[Bench]:
    out = []
    for i in range(BENCHMARKS):
        process = rng.normal(0.0, 0.05, (5, 1))
        values = factors.get(i, 1.0) * 1e-3 * np.exp(process + rng.normal(0.0, 0.02, (5, 3)))
        groups = tuple(tuple(float(v) for v in row) for row in values)
        if pooled:  # each value as if it were its own process: the wrong method
            groups = tuple((v,) for row in groups for v in row)
        out.append(Bench(f"bench_{i}", "second", groups))
    return out


def _false_with_margin(row_index: int, verdict: Verdict) -> bool:
    """With a 10% margin and benchmarks 0 and 1 exactly 10% slower (the boundary, where a
    false claim is likeliest): any claim on those, or BETTER/WORSE on the others."""
    if row_index in SLOWER:
        return verdict in CLAIMS
    return verdict in (Verdict.BETTER, Verdict.WORSE)


def _false(row_index: int, verdict: Verdict) -> bool:
    """A false claim: any claim on an unchanged benchmark, or not WORSE on a slower one."""
    if verdict not in CLAIMS:
        return False
    return row_index not in SLOWER or verdict is not Verdict.WORSE


def _simulate(seed: int, runs: int, pooled: bool = False) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    any_false = any_false_alone = covered = intervals = found = 0
    for _ in range(runs):
        result = compare_suites(_suite(rng, {}, pooled), _suite(rng, SLOWER, pooled))
        rows = list(enumerate(result.benchmarks))
        any_false += any(_false(i, r.verdict) for i, r in rows)
        any_false_alone += any(_false(i, r.verdict_alone) for i, r in rows)
        found += sum(r.verdict is Verdict.WORSE for i, r in rows if i in SLOWER)
        for i, row in rows:
            assert row.ci is not None
            truth = SLOWER.get(i, 1.0) - 1.0
            covered += row.ci[0] <= truth <= row.ci[1]
            intervals += 1
    return {
        "fwer": any_false / runs,
        "fwer_alone": any_false_alone / runs,
        "coverage": covered / intervals,
        "power": found / (runs * len(SLOWER)),
    }


def test_family_wise_error_and_coverage_hold() -> None:
    rates = _simulate(13, SUITES)
    print(f"suite compare, {SUITES} suites of {BENCHMARKS}: {rates}")
    assert rates["fwer"] <= ALPHA + _slack(ALPHA, SUITES)
    # 10,000 intervals, each from its own benchmark: within three standard errors of 95%
    assert rates["coverage"] >= 0.95 - _slack(0.95, SUITES * BENCHMARKS)
    assert rates["power"] >= 0.5  # the two real 25% slow-downs are usually found


def test_family_wise_error_holds_with_a_margin_at_its_boundary() -> None:
    rng = np.random.default_rng(16)
    boundary = dict.fromkeys(SLOWER, 1.10)
    runs, any_false, equivalent = 200, 0, 0
    for _ in range(runs):
        result = compare_suites(_suite(rng, {}), _suite(rng, boundary), margin=0.10)
        rows = list(enumerate(result.benchmarks))
        any_false += any(_false_with_margin(i, r.verdict) for i, r in rows)
        equivalent += sum(r.verdict is Verdict.EQUIVALENT for i, r in rows if i not in SLOWER)
    rate = any_false / runs
    print(f"margin 10%: {rate:.3f} suites with a false claim, {equivalent} equivalences found")
    assert rate <= ALPHA + _slack(ALPHA, runs)
    assert equivalent > 0  # the unchanged benchmarks can be shown equivalent


def test_harness_catches_no_adjustment_and_pooled_values() -> None:
    """The same simulation, read without Holm, and with one process's values as trials."""
    rates = _simulate(14, 150)
    print(f"without adjustment: {rates['fwer_alone']:.3f} suites with a false claim")
    assert rates["fwer_alone"] > 0.3  # about 1 - 0.95**18
    pooled = _simulate(15, 150, pooled=True)
    print(f"values as trials: {pooled}")
    assert pooled["fwer"] > ALPHA + _slack(ALPHA, 150)
    assert pooled["coverage"] < 0.9
