"""The weak-baseline check: slower than the baseline at every point, better on nothing."""

from __future__ import annotations

import numpy as np

from assay.bench.analysis import analyse
from assay.bench.baselines import WEAK_BASELINE
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.trial import TrialResult, TrialStatus

SIZES = [256, 1024, 4096]


def header(candidates: list[str], sizes: list[int]) -> RunHeader:
    spec = {
        "name": "attention",
        "baseline": "exact",
        "candidates": candidates,
        "workload": {"name": "tokens", "params": {"n": sizes}},
        "metrics": [{"name": "err", "higher_is_better": False, "margin": None, "primary": False}],
        "variants": {},
    }
    options = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01, "max_trials": 50}
    return RunHeader(spec, options, {}, [], None)


def trials(factors: dict[str, dict[int, float]], *, err: dict[str, float]) -> list[TrialResult]:
    """Twelve paired trials per method and size; ``factors[m][n]`` scales the time."""
    rng = np.random.default_rng(5)
    out = []
    for n in next(iter(factors.values())):
        for seed in range(12):
            drift = 1 + 0.3 * rng.random()
            for position, (method, by_n) in enumerate(factors.items()):
                time = 1e-9 * n**2 * drift * by_n[n] * (1 + 0.01 * rng.standard_normal())
                values = {"time": time, "peak_heap": 1000.0, "err": err[method]}
                samples = {"time": np.full(5, time), "err": np.full(4, err[method])}
                key = TrialKey(method, (("n", n),), seed)  # type: ignore[arg-type]
                out.append(
                    TrialResult(key, TrialStatus.OK, seed, position, values=values, samples=samples)
                )
    return out


def flags(result_warnings: list[str]) -> list[str]:
    return [w for w in result_warnings if w.startswith(WEAK_BASELINE)]


def test_a_method_slower_everywhere_and_better_on_nothing_is_flagged() -> None:
    times = {
        "exact": dict.fromkeys(SIZES, 1.0),
        "naive": {256: 1.5, 1024: 2.0, 4096: 3.0},
        "lowrank": {256: 1.4, 1024: 0.8, 4096: 0.3},
    }
    err = {"exact": 1e-6, "naive": 1e-6, "lowrank": 1e-2}
    result = analyse(header(["naive", "lowrank"], SIZES), trials(times, err=err))
    (flag,) = flags(result.warnings)
    assert flag.startswith("WEAK BASELINE: naive is slower than exact at every one of its 3 points")
    assert "(1.5×–3× the time)" in flag
    assert "Compare against exact." in flag
    # the low-rank method crosses over, and is named nowhere in the flag
    assert "lowrank" not in flag
    (cross,) = result.crossovers
    assert cross.candidate == "lowrank" and cross.interval is not None


def test_a_trade_off_is_not_a_weak_baseline() -> None:
    times = {
        "exact": dict.fromkeys(SIZES, 1.0),
        "sloppy": dict.fromkeys(SIZES, 2.0),
        "lowrank": {256: 1.4, 1024: 0.8, 4096: 0.3},
    }
    # slower everywhere, but more accurate: a trade-off
    err = {"exact": 1e-3, "sloppy": 1e-6, "lowrank": 1e-2}
    result = analyse(header(["sloppy", "lowrank"], SIZES), trials(times, err=err))
    assert flags(result.warnings) == []


def test_a_lone_candidate_slower_everywhere_is_worse_not_a_weak_baseline() -> None:
    """With one candidate nothing else is measured against it: its verdicts say WORSE."""
    times = {"exact": dict.fromkeys(SIZES, 1.0), "naive": {256: 1.5, 1024: 2.0, 4096: 3.0}}
    result = analyse(header(["naive"], SIZES), trials(times, err=dict.fromkeys(times, 0.0)))
    assert all(result.comparison("naive", "time", (("n", n),)).verdict == "worse" for n in SIZES)
    assert flags(result.warnings) == []


def test_one_point_is_not_a_pattern() -> None:
    times = {"exact": {1024: 1.0}, "naive": {1024: 2.0}, "lowrank": {1024: 0.8}}
    result = analyse(
        header(["naive", "lowrank"], [1024]), trials(times, err=dict.fromkeys(times, 0.0))
    )
    assert flags(result.warnings) == []


def test_an_undecided_point_keeps_the_flag_off() -> None:
    times = {
        "exact": dict.fromkeys(SIZES, 1.0),
        "naive": {256: 1.0, 1024: 2.0, 4096: 3.0},
        "lowrank": {256: 1.4, 1024: 0.8, 4096: 0.3},
    }
    err = dict.fromkeys(times, 0.0)
    result = analyse(header(["naive", "lowrank"], SIZES), trials(times, err=err))
    assert result.comparison("naive", "time", (("n", 256),)).verdict != "worse"
    assert flags(result.warnings) == []
