"""The A/B orchestration on generated data with known effects: effects recovered, INVALID
on a 49/51 split, CUPED's reduction, ratio metrics, guardrails with BH, aggregates, mSPRT."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from assay.errors import InputError
from assay.stats.ab import mean_effect, one_sided_p, proportion_effect, ratio_metric_effect
from assay.stats.ab_analysis import ABTable, analyse_table, mean_effect_from_moments
from assay.stats.ab_options import ABOptions, needed_columns, options_from_text


def _table(
    arms: np.ndarray, values: Mapping[str, np.ndarray], names: tuple[str, ...] = ("control", "B")
) -> ABTable:
    return ABTable(
        source="ab.csv",
        sha256="0" * 64,
        columns=("arm", *values),
        arm_names=names,
        arms=arms.astype(np.int64),
        values={k: np.asarray(v, dtype=np.float64) for k, v in values.items()},
    )


def _experiment(n: int = 200_000, seed: int = 7, latency_lift: float = 0.0) -> ABTable:
    """A 50/50 test: conversion 10% -> 10.5% (+5%), revenue with a pre-period covariate
    (rho about 0.7) and +2%, latency flat unless told, sessions for a ratio metric."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, n)
    conversion = (rng.random(n) < np.where(arm == 1, 0.105, 0.10)).astype(float)
    pre = rng.normal(100, 20, n)
    revenue = 0.7 * (pre - 100) + rng.normal(0, 20 * math.sqrt(1 - 0.49), n) + 100
    revenue *= np.where(arm == 1, 1.02, 1.0)
    latency = rng.gamma(20, 10, n) * np.where(arm == 1, 1 + latency_lift, 1.0)
    sessions = rng.integers(1, 8, n).astype(float)
    return _table(
        arm,
        {"conversion": conversion, "revenue": revenue, "revenue_pre": pre, "latency": latency,
         "sessions": sessions},
    )  # fmt: skip


def _split(table: ABTable, column: str) -> tuple[np.ndarray, np.ndarray]:
    values = table.values[column]
    return values[table.arms == 0], values[table.arms == 1]


def test_known_effects_are_recovered_with_the_same_numbers_as_the_statistics() -> None:
    table = _experiment()
    options = ABOptions(arm="arm", metrics=("conversion", "revenue", "latency"))
    analysis = analyse_table(table, options)
    assert analysis.valid and analysis.control == "control" and analysis.treatment == "B"
    conversion = analysis.metric("conversion")
    assert conversion.kind == "proportion"
    a, b = _split(table, "conversion")
    expected = proportion_effect(int(a.sum()), a.size, int(b.sum()), b.size)
    assert conversion.effect == expected
    low, high = expected.relative_ci
    assert low < 0.05 < high and conversion.result.verdict.value == "better"
    revenue = analysis.metric("revenue")
    assert revenue.kind == "mean" and revenue.effect == mean_effect(*_split(table, "revenue"))
    assert revenue.effect is not None and revenue.effect.relative == pytest.approx(0.02, abs=0.005)
    assert analysis.metric("latency").result.verdict.value in ("inconclusive", "equivalent")
    document = analysis.to_dict()
    assert document["arms"]["units"] == [int((table.arms == 0).sum()), int((table.arms == 1).sum())]
    assert [m["metric"] for m in document["metrics"]] == ["conversion", "revenue", "latency"]


def test_a_49_51_split_at_a_million_units_is_invalid_with_no_effect() -> None:
    n_a, n_b = 490_000, 510_000
    arms = np.repeat([0, 1], [n_a, n_b])
    values = np.tile([0.0, 1.0], (n_a + n_b) // 2)
    table = _table(arms, {"conversion": values, "latency": np.arange(n_a + n_b, dtype=float)})
    options = ABOptions(arm="arm", metrics=("conversion",), guardrails={"latency": 0.05})
    analysis = analyse_table(table, options)
    assert not analysis.valid and analysis.srm.statistic == pytest.approx(400.0)
    assert all(m.result.verdict.value == "invalid" and m.effect is None for m in analysis.metrics)
    assert analysis.guardrails is not None and not analysis.guardrails.all_hold
    assert analysis.to_dict()["valid"] is False
    fair = analyse_table(table, ABOptions(arm="arm", metrics=("conversion",),
                                          expected_split=(49, 51)))  # fmt: skip
    assert fair.valid  # the same split is fine when it was the plan


def test_cuped_reports_the_variance_reduction_it_achieved() -> None:
    table = _experiment()
    options = ABOptions(arm="arm", metrics=("revenue",), covariates={"revenue": "revenue_pre"})
    found = analyse_table(table, options).metric("revenue")
    assert found.covariate == "revenue_pre" and found.effect is not None
    assert found.effect.variance_reduction == pytest.approx(0.49, abs=0.03)  # rho^2
    raw = mean_effect(*_split(table, "revenue"))
    width = found.effect.difference_ci[1] - found.effect.difference_ci[0]
    assert width < 0.8 * (raw.difference_ci[1] - raw.difference_ci[0])
    assert found.to_dict()["effect"]["variance_reduction"] == found.effect.variance_reduction


def test_a_ratio_metric_is_the_delta_method_on_two_columns() -> None:
    table = _experiment()
    options = ABOptions(arm="arm", ratios={"rps": ("revenue", "sessions")})
    found = analyse_table(table, options).metric("rps")
    num_a, num_b = _split(table, "revenue")
    den_a, den_b = _split(table, "sessions")
    assert found.kind == "ratio" and found.columns == ("revenue", "sessions")
    assert found.effect == ratio_metric_effect(num_a, den_a, num_b, den_b)


@pytest.mark.parametrize(("lift", "holds"), [(0.0, True), (0.08, False)])
def test_guardrails_hold_within_their_margin_with_bh_adjusted_p_values(
    lift: float, holds: bool
) -> None:
    table = _experiment(latency_lift=lift)
    options = ABOptions(
        arm="arm",
        metrics=("conversion",),
        guardrails={"latency": 0.05, "revenue": 0.01},
        lower_is_better=frozenset({"latency"}),
    )
    analysis = analyse_table(table, options)
    report = analysis.guardrails
    assert report is not None and report.all_hold is holds
    latency = analysis.metric("latency")
    assert latency.result.non_inferior is holds and latency.result.margin == 0.05
    assert latency.effect is not None
    expected = [
        one_sided_p(latency.effect, 0.05, above=False),
        one_sided_p(analysis.metric("revenue").effect, -0.01, above=True),  # type: ignore[arg-type]
    ]
    adjusted = multipletests(expected, method="fdr_bh")[1]
    assert [g.adjusted_p_value for g in report.guardrails] == pytest.approx(list(adjusted))


def test_aggregates_give_the_per_unit_answer() -> None:
    table = _experiment(n=20_000)
    a, b = _split(table, "conversion")
    r_a, r_b = _split(table, "revenue")
    aggregates = _table(
        np.array([0, 1]),
        {"units": [a.size, b.size], "conversion": [a.sum(), b.sum()],
         "revenue_mean": [r_a.mean(), r_b.mean()],
         "revenue_sd": [r_a.std(ddof=1), r_b.std(ddof=1)]},
        names=("A", "B"),
    )  # fmt: skip
    aggregates = ABTable(**{**aggregates.__dict__, "aggregate": True})
    options = ABOptions(arm="arm", metrics=("conversion", "revenue"))
    assert needed_columns(
        ("arm", "units", "conversion", "revenue_mean", "revenue_sd"), options
    ) == (
        True,
        ("units", "conversion", "revenue_mean", "revenue_sd"),
    )
    analysis = analyse_table(aggregates, options)
    assert analysis.shape == "aggregates" and analysis.srm.counts == (a.size, b.size)
    assert analysis.metric("conversion").effect == proportion_effect(
        int(a.sum()), a.size, int(b.sum()), b.size
    )
    per_unit = mean_effect(r_a, r_b)
    found = analysis.metric("revenue").effect
    assert found is not None
    assert found.difference_ci == pytest.approx(per_unit.difference_ci, rel=1e-9)
    assert found.relative_ci == pytest.approx(per_unit.relative_ci, rel=1e-9)
    assert found.p_value == pytest.approx(per_unit.p_value, rel=1e-6)


def test_moments_equal_mean_effect_and_check_their_input() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 2, 500), rng.normal(10.3, 3, 700)
    found = mean_effect_from_moments(a.mean(), a.std(ddof=1), a.size, b.mean(), b.std(ddof=1),
                                     b.size)  # fmt: skip
    expected = mean_effect(a, b)
    assert found.difference_ci == pytest.approx(expected.difference_ci, rel=1e-9)
    assert found.p_value == pytest.approx(expected.p_value, rel=1e-9)
    with pytest.raises(InputError, match="sd_a"):
        mean_effect_from_moments(1.0, -1.0, 10, 1.0, 1.0, 10)


def test_sequential_reads_the_always_valid_interval() -> None:
    table = _experiment()
    options = ABOptions(arm="arm", metrics=("conversion",), sequential=True, mde=0.05)
    found = analyse_table(table, options).metric("conversion")
    assert found.sequential is not None and found.effect is not None
    low, high = found.sequential.ci
    fixed_low, fixed_high = found.effect.difference_ci
    assert low < fixed_low and high > fixed_high  # wider: valid under peeking
    rel = found.relative_ci()
    assert rel is not None and rel[0] == pytest.approx(low / found.effect.baseline)
    assert found.to_dict()["sequential"]["method"].startswith("mSPRT")
    with pytest.raises(InputError, match="ratio metric"):
        analyse_table(table, ABOptions(arm="arm", ratios={"rps": ("revenue", "sessions")},
                                       sequential=True))  # fmt: skip


def test_arms_must_be_two_with_a_known_control_and_two_units_each() -> None:
    values = {"x": np.array([1.0, 2.0, 3.0, 4.0, 5.0])}
    three = _table(np.array([0, 1, 2, 0, 1]), values, names=("A", "B", "C"))
    with pytest.raises(InputError, match="holds 3 arm"):
        analyse_table(three, ABOptions(arm="arm", metrics=("x",)))
    two = _table(np.array([0, 1, 1, 0, 1]), values, names=("old", "new"))
    with pytest.raises(InputError, match="say which arm is the control"):
        analyse_table(two, ABOptions(arm="arm", metrics=("x",)))
    with pytest.raises(InputError, match="no arm 'ctl'"):
        analyse_table(two, ABOptions(arm="arm", metrics=("x",), control="ctl"))
    swapped = analyse_table(two, ABOptions(arm="arm", metrics=("x",), control="new"))
    assert (swapped.control, swapped.treatment) == ("new", "old")
    lonely = _table(np.array([0, 1, 1, 1, 1]), values)
    with pytest.raises(InputError, match="arm 'control' has 1 row"):
        analyse_table(lonely, ABOptions(arm="arm", metrics=("x",)))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"metrics": ()}, "at least one metric"),
        ({"alpha": 0.7}, "--alpha"),
        ({"covariates": ["revenue"]}, "METRIC=COLUMN"),
        ({"covariates": ["other=pre"]}, "not analysed"),
        ({"ratios": ["rps=revenue"]}, "NAME=NUMERATOR/DENOMINATOR"),
        ({"guardrails": ["latency"]}, "METRIC:MARGIN"),
        ({"guardrails": ["latency:150%"]}, "relative size"),
        ({"expected_split": "50-50"}, "--expected-split"),
        ({"expected_split": "1/1e-320"}, "--expected-split"),
        ({"lower_is_better": ["nope"]}, "--lower-is-better names nope"),
        ({"margin": "x"}, "--margin"),
    ],
)
def test_bad_options_say_what_is_expected(changes: dict[str, object], message: str) -> None:
    given: dict[str, object] = {"arm": "arm", "metrics": ["conversion"], **changes}
    with pytest.raises(InputError, match=message):
        options_from_text(**given)  # type: ignore[arg-type]


def test_options_from_text() -> None:
    options = options_from_text(
        arm="arm",
        metrics=["conversion", "revenue"],
        covariates=["revenue=pre"],
        ratios=["rps=revenue/sessions"],
        guardrails=["latency:5%"],
        lower_is_better=["latency"],
        expected_split="90/10",
        margin="1%",
    )
    assert options.all_metrics() == ("conversion", "revenue", "rps", "latency")
    assert options.guardrails == {"latency": 0.05} and options.margin == 0.01
    assert options.ratios == {"rps": ("revenue", "sessions")}
    assert options.expected_split == pytest.approx((100.0, 100 / 9))
    assert options_from_text(
        arm="a", metrics=["x"], expected_split="1e308/1e308"
    ).expected_split == (
        100.0,
        100.0,
    )
    with pytest.raises(InputError, match="per-unit rows"):
        needed_columns(("arm", "units", "conversion"), options)


def test_moments_agree_with_scipy_ttest_ind_from_stats() -> None:
    from scipy import stats as sps

    found = mean_effect_from_moments(212.4, 40.1, 50_123, 210.9, 39.8, 49_877)
    reference = sps.ttest_ind_from_stats(210.9, 39.8, 49_877, 212.4, 40.1, 50_123, equal_var=False)
    assert found.p_value == pytest.approx(reference.pvalue, rel=1e-9)
    assert found.difference == pytest.approx(210.9 - 212.4)


def test_looks_are_replayed_day_by_day_and_the_interval_only_shrinks() -> None:
    rng = np.random.default_rng(21)
    n = 60_000
    arms = rng.integers(0, 2, n)
    day = np.sort(rng.integers(1, 31, n)).astype(float)
    values = rng.normal(10, 2, n) + 0.3 * arms  # a 3% lift
    table = _table(arms, {"x": values, "day": day})
    options = options_from_text(arm="arm", metrics=["x"], sequential=True, look="day", mde="3%")
    assert needed_columns(("arm", "x", "day"), options) == (False, ("x", "day"))
    found = analyse_table(table, options).metric("x")
    assert len(found.looks) == 30 and found.sequential is found.looks[-1]
    bounded = [look.ci for look in found.looks if math.isfinite(look.ci[0])]
    for before, after in itertools.pairwise(bounded):
        assert before[0] <= after[0] and after[1] <= before[1]
    assert found.sequential is not None and found.sequential.verdict.value == "better"
    assert len(found.to_dict()["looks"]) == 30
    with pytest.raises(InputError, match="add --sequential"):
        options_from_text(arm="arm", metrics=["x"], look="day")
