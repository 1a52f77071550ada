"""From trials to comparisons, summaries, failure rates, sweeps and ablations."""

from __future__ import annotations

import numpy as np
import pytest

from assay.bench.analysis import analyse, compare_arms, metric_infos, paired_arms
from assay.bench.plan import TrialKey
from assay.bench.sink import RunHeader
from assay.bench.stopping import StoppingRule
from assay.bench.sweep import crossovers, fit_exponent, scaling_fits, sweep_parameters
from assay.bench.trial import TrialResult, TrialStatus
from assay.stats import Verdict


def header(params: dict[str, list[object]] | None = None, **options: object) -> RunHeader:
    spec = {
        "name": "b",
        "baseline": "base",
        "candidates": ["cand"],
        "workload": {"name": "data", "params": params or {}},
        "metrics": [{"name": "acc", "higher_is_better": True, "margin": None, "primary": False}],
        "variants": {},
    }
    opts = {"confidence": 0.95, "time_margin": 0.02, "memory_margin": 0.01, "max_trials": 50}
    opts.update(options)
    return RunHeader(spec, opts, {}, [], None)


def trial(
    method: str,
    seed: int,
    time: float,
    *,
    params: tuple[tuple[str, object], ...] = (),
    acc: float | list[float] | None = None,
    status: TrialStatus = TrialStatus.OK,
) -> TrialResult:
    values = {"time": time, "peak_heap": 1000.0}
    samples = {"time": np.full(5, time)}
    if acc is not None:
        values["acc"] = float(np.mean(acc))
        if isinstance(acc, list):
            samples["acc"] = np.asarray(acc)
    ok = status is TrialStatus.OK
    return TrialResult(
        TrialKey(method, params, seed),  # type: ignore[arg-type]
        status,
        block=seed,
        position=0 if method == "base" else 1,
        values=values if ok else {},
        samples=samples if ok else {},
        reason=None if ok else "boom",
    )


def arms(effect: float, n: int = 12, *, noise: float = 0.01, seed: int = 0, **kw: object):
    rng = np.random.default_rng(seed)
    out = []
    for s in range(n):
        drift = 1.0 + 0.3 * rng.random()  # shared by the pair: pairing removes it
        out.append(trial("base", s, 1e-3 * drift * (1 + noise * rng.standard_normal()), **kw))
        cand = 1e-3 * drift * (1 + effect) * (1 + noise * rng.standard_normal())
        out.append(trial("cand", s, cand, **kw))
    return out


def test_a_clear_speedup_is_better_and_paired() -> None:
    result = analyse(header(), arms(-0.2))
    row = result.comparison("cand", "time")
    assert row.verdict == "better"
    assert row.paired
    assert row.effect == pytest.approx(-0.2, abs=0.02)
    assert row.ci is not None
    assert row.ci[0] < row.effect < row.ci[1]
    assert row.n_baseline == 12


def test_identical_memory_is_equivalent_without_a_test() -> None:
    row = analyse(header(), arms(-0.2)).comparison("cand", "peak_heap")
    assert row.verdict == "equivalent"
    assert row.test == "identical values"


def test_a_tiny_difference_is_equivalent_within_the_margin() -> None:
    row = analyse(header(), arms(0.0, n=30, noise=0.002)).comparison("cand", "time")
    assert row.verdict == "equivalent"


def test_failed_trials_are_left_out_and_counted() -> None:
    trials = arms(-0.2)
    trials[1] = trial("cand", 0, 0.0, status=TrialStatus.CRASH)
    result = analyse(header(), trials)
    assert result.failed == 1
    assert result.failure_rates() == {"base": 0.0, "cand": 1 / 12}
    assert result.failures()["cand"][0]["reason"] == "boom"
    assert result.comparison("cand", "time").n_baseline == 11
    assert any("cand failed 8.3%" in w for w in result.warnings)
    (summary,) = [s for s in result.summaries if s.method == "cand"]
    assert summary.failed == 1
    assert summary.failure_rate == pytest.approx(1 / 12)


def test_too_few_trials_are_not_compared() -> None:
    row = analyse(header(), arms(-0.2, n=1)).comparison("cand", "time")
    assert row.verdict is None
    assert row.verdict_label == row.to_dict()["verdict"] == "not compared"
    assert row.not_compared_reason is not None
    assert "fewer than 2" in row.not_compared_reason


def test_per_example_metrics_pair_by_example() -> None:
    trials = []
    for s in range(3):
        trials.append(trial("base", s, 1e-3, acc=[0.5, 0.6, 0.7, 0.8]))
        trials.append(trial("cand", s, 1e-3, acc=[0.6, 0.7, 0.8, 0.9]))
    grouped_base = {t.key.seed: t for t in trials if t.key.method == "base"}
    grouped_cand = {t.key.seed: t for t in trials if t.key.method == "cand"}
    b, _, paired = paired_arms(grouped_base, grouped_cand, "acc")
    assert paired
    assert len(b) == 12
    row = analyse(header(), trials).comparison("cand", "acc")
    assert row.verdict == "better"
    assert not row.lower_is_better


def test_unpaired_when_pairing_is_off() -> None:
    row = analyse(header(pairing="none"), arms(-0.2)).comparison("cand", "time")
    assert not row.paired


def test_false_discovery_control_downgrades_weak_verdicts() -> None:
    info = metric_infos(header())[0]
    rng = np.random.default_rng(1)
    base = rng.normal(1.0, 0.1, 6) + 10
    weak = compare_arms(
        base, base * 0.97, info=info, paired=True, confidence=0.95, name="c", params=()
    )
    assert weak.p_value is not None
    # many comparisons with one marginal one: Benjamini-Hochberg may lift its p-value
    trials = []
    for point in range(8):
        params = (("n", 2**point),)
        for s in range(4):
            t = 1e-3 * (1 + 0.05 * rng.standard_normal())
            trials.append(trial("base", s, t, params=params))
            trials.append(trial("cand", s, t * (1 + 0.05 * rng.standard_normal()), params=params))
    result = analyse(header({"n": [2**p for p in range(8)]}), trials)
    adjusted = [r for r in result.comparisons if r.p_adjusted is not None]
    assert adjusted
    assert all(r.p_adjusted >= r.p_value for r in adjusted)  # type: ignore[operator]
    for row in result.comparisons:
        if row.verdict in ("better", "worse"):
            assert row.p_adjusted is not None
            assert row.p_adjusted <= 0.05


def test_to_dict_has_the_cli_shape() -> None:
    data = analyse(header(), arms(-0.2)).to_dict()
    assert data["trials"] == {"planned": None, "completed": 24, "failed": 0}
    row = data["comparisons"][0]
    assert set(row) >= {"candidate", "metric", "verdict", "effect", "p_value"}
    assert set(row["effect"]) == {"relative", "ci", "ratio", "ratio_low", "ratio_high"}
    assert row["effect"]["ratio"] == pytest.approx(1 + row["effect"]["relative"])
    assert row["effect"]["ratio_low"] == pytest.approx(1 + row["effect"]["ci"][0])
    assert "environment" in data


def sweep_trials(slope_base: float, slope_cand: float, cross: float) -> list[TrialResult]:
    rng = np.random.default_rng(3)
    out = []
    for n in (256, 512, 1024, 2048, 4096, 8192):
        for s in range(6):
            noise = 1 + 0.01 * rng.standard_normal()
            base = 1e-9 * n**slope_base
            cand = base * (n / cross) ** (slope_cand - slope_base)
            out.append(trial("base", s, base * noise, params=(("n", n),)))
            out.append(
                trial("cand", s, cand * (1 + 0.01 * rng.standard_normal()), params=(("n", n),))
            )
    return out


def test_scaling_exponents_and_the_crossover() -> None:
    head = header({"n": [256, 512, 1024, 2048, 4096, 8192]})
    result = analyse(head, sweep_trials(2.0, 1.5, cross=1500))
    fits = {(f.method, f.metric): f for f in result.scaling}
    assert fits[("base", "time")].exponent == pytest.approx(2.0, abs=0.02)
    assert fits[("cand", "time")].exponent == pytest.approx(1.5, abs=0.02)
    low, high = fits[("cand", "time")].ci
    assert low < 1.5 < high
    (cross,) = result.crossovers
    assert cross.wins_above
    assert cross.at == pytest.approx(1500, rel=0.1)
    assert cross.interval is not None
    low, high = cross.interval
    assert 1024 <= low < cross.at < high <= 2048  # between the decided points around it
    assert low < 1500 < high
    assert cross.sentence == (
        f"cand is faster than base above n ≈ {cross.at:,.0f} (95% interval {low:,.0f}–{high:,.0f})"
    )


def test_no_scaling_exponent_from_two_sizes() -> None:
    def at(sizes: tuple[int, ...]) -> list[TrialResult]:
        trials = sweep_trials(2.0, 1.5, cross=1500)
        return [t for t in trials if dict(t.key.params)["n"] in sizes]

    assert analyse(header({"n": [256, 4096]}), at((256, 4096))).scaling == []
    assert analyse(header({"n": [256, 1024, 4096]}), at((256, 1024, 4096))).scaling != []


def test_no_crossover_between_undecided_points() -> None:
    head = header({"n": [256, 512, 1024]})
    rows = [
        r.__class__(**{**r.__dict__, "verdict": Verdict.INCONCLUSIVE})
        for r in analyse(head, sweep_trials(2.0, 1.5, cross=400)).comparisons
    ]
    assert crossovers(head, rows) == []


def test_sweep_parameters_and_fit() -> None:
    head = header({"n": [1, 2], "mode": ["a", "b"], "flag": [True, False], "one": [3]})
    assert sweep_parameters(head) == ["n"]
    slope, low, high = fit_exponent([1, 2, 4], [3, 12, 48], 0.95)
    assert slope == pytest.approx(2.0)
    assert low == pytest.approx(2.0)
    assert high == pytest.approx(2.0)
    assert fit_exponent([1, 2], [1, 4], 0.95)[1] == -np.inf
    assert scaling_fits(head, []) == []


def test_ablation_rows() -> None:
    head = header()
    head.spec["candidates"] = ["fast", "fast-without-tiling"]
    head.spec["variants"] = {
        "fast": {"family": "fast", "toggles": {"tiling": True}},
        "fast-without-tiling": {"family": "fast", "toggles": {"tiling": False}},
    }
    trials = []
    for s in range(8):
        trials.append(trial("base", s, 1e-3))
        trials.append(trial("fast", s, 0.5e-3 * (1 + 0.01 * (s % 3))))
        trials.append(trial("fast-without-tiling", s, 1e-3 * (1 + 0.01 * (s % 2))))
    rows = [a for a in analyse(head, trials).ablation if a.metric == "time"]
    assert {r.method for r in rows} == {
        "leave-one-out, relative change (log scale)",
        "shapley, relative change (log scale)",  # one component: also a full factorial
    }
    for row in rows:
        assert row.component == "tiling"
        assert row.verdict == "better"
        assert row.contribution == pytest.approx(-0.5, abs=0.02)


def test_stopping_rule_waits_for_every_primary_comparison() -> None:
    clear = StoppingRule(header())
    assert clear.decided(arms(-0.5, n=10))
    ((key, outcome),) = clear.outcomes().items()
    assert key == ("cand", "time", ())
    assert outcome.verdict == "better"
    assert outcome.scale == "log"
    unclear = StoppingRule(header())
    assert not unclear.decided(arms(-0.01, n=3, noise=0.05))
    assert unclear.looks == 1


def test_identical_pairs_are_equivalent_at_once() -> None:
    rule = StoppingRule(header())
    trials = [trial(m, s, 1e-3) for s in range(3) for m in ("base", "cand")]
    assert rule.decided(trials)
    assert rule.outcomes()[("cand", "time", ())].verdict == "equivalent"


def test_replay_matches_the_run() -> None:
    head = header(until_decided=True, trials=3)
    result = analyse(head, arms(-0.3, n=12))
    row = result.comparison("cand", "time")
    assert row.verdict == "better"
    assert row.p_value is None
    assert row.ci is not None
    assert row.ci[1] < 0


def test_alike_trial_warnings_are_counted_once() -> None:
    import dataclasses

    trials = arms(-0.2, n=4)
    noisy = []
    for index, t in enumerate(trials):
        if t.key.method == "cand":
            text = f"{10 * (index + 1)}% of the samples were interrupted by other processes"
            t = dataclasses.replace(t, details={"warnings": [text]})
        noisy.append(t)
    warnings = analyse(header(), noisy).warnings
    (line,) = [w for w in warnings if "interrupted" in w]
    assert line.startswith("cand: 20% of the samples were interrupted")
    assert line.endswith("(in 4 of 4 trials)")
