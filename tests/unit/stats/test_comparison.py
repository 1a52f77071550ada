"""compare(): the verdict rules, the textbook case, warnings and rendering."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.stats as sps
from hypothesis import given, settings
from hypothesis import strategies as st

import assay
from assay.errors import InputError
from assay.stats import Comparison, Verdict, compare, trials_needed
from assay.stats.verdict import decide, percent


def _exactly(mean: float, sd: float, n: int = 5, seed: int = 0) -> np.ndarray:
    z = np.random.default_rng(seed).normal(size=n)
    return mean + sd * (z - z.mean()) / z.std(ddof=1)


def test_textbook_case_is_inconclusive_with_trials_needed() -> None:
    method_a = _exactly(85.2, 0.8)
    method_b = _exactly(85.8, 1.1, seed=1)
    result = compare(method_a, method_b, lower_is_better=False)
    assert result.verdict is Verdict.INCONCLUSIVE
    assert result.effect == pytest.approx(0.6 / 85.2, rel=0.01)
    assert result.needed_trials is not None
    # 0.6 points against a pooled sd of 0.96: about 41-42 runs per method (statsmodels: 41.3)
    pooled = math.sqrt((0.8**2 + 1.1**2) / 2)
    assert abs(result.needed_trials - trials_needed(0.6, pooled)) <= 1
    assert 40 <= result.needed_trials <= 43
    assert "INCONCLUSIVE" in str(result)
    assert "42 trials per arm" in str(result)


def test_verdict_rule() -> None:
    assert decide((0.01, 0.05), lower_is_better=False, margin=None) is Verdict.BETTER
    assert decide((0.01, 0.05), lower_is_better=True, margin=None) is Verdict.WORSE
    assert decide((-0.05, -0.01), lower_is_better=True, margin=None) is Verdict.BETTER
    assert decide((-0.01, 0.05), lower_is_better=True, margin=None) is Verdict.INCONCLUSIVE
    # beyond the margin to be better, inside it to be equivalent
    assert decide((0.01, 0.05), lower_is_better=False, margin=0.02) is Verdict.INCONCLUSIVE
    assert decide((0.03, 0.05), lower_is_better=False, margin=0.02) is Verdict.BETTER
    assert decide((-0.01, 0.015), lower_is_better=False, margin=0.02) is Verdict.EQUIVALENT
    assert decide((-0.03, 0.015), lower_is_better=False, margin=0.02) is Verdict.INCONCLUSIVE
    assert decide((-0.01, 0.015), lower_is_better=False, margin=None) is Verdict.INCONCLUSIVE
    assert [v.value for v in Verdict] == ["better", "worse", "equivalent", "inconclusive"]


def test_latency_direction_and_sign() -> None:
    rng = np.random.default_rng(0)
    base = rng.lognormal(np.log(100), 0.05, 10)
    faster = rng.lognormal(np.log(80), 0.05, 10)
    result = compare(base, faster)  # lower is better by default
    assert result.verdict is Verdict.BETTER
    assert result.effect < 0
    assert result.ci[1] < 0
    assert result.effect == pytest.approx(-0.2, abs=0.05)
    assert result.test == "welch"
    assert result.scale == "log"
    assert result.needed_trials is None
    assert compare(faster, base).verdict is Verdict.WORSE
    assert compare(base, faster, lower_is_better=False).verdict is Verdict.WORSE


def test_equivalence_within_margin() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(100, 1, 30)
    cand = rng.normal(100, 1, 30)
    result = compare(base, cand, margin=0.02)
    assert result.verdict is Verdict.EQUIVALENT
    assert "within ±2.0%" in str(result)


def test_auto_p_value_is_scipys_welch_on_logs_and_paired() -> None:
    rng = np.random.default_rng(2)
    base, cand = rng.lognormal(0, 0.3, 7), rng.lognormal(0.2, 0.3, 7)
    result = compare(base, cand)
    expected = sps.ttest_ind(np.log(cand), np.log(base), equal_var=False).pvalue
    assert result.p_value == pytest.approx(expected, abs=1e-9)
    paired = compare(base, cand, paired=True)
    assert paired.test == "paired-t"
    assert paired.p_value == pytest.approx(
        sps.ttest_rel(np.log(cand), np.log(base)).pvalue, abs=1e-9
    )


@pytest.mark.parametrize(
    ("test", "paired", "scipy_p"),
    [
        ("welch", False, lambda b, c: sps.ttest_ind(c, b, equal_var=False).pvalue),
        ("paired-t", True, lambda b, c: sps.ttest_rel(c, b).pvalue),
        ("mann-whitney", False, lambda b, c: sps.mannwhitneyu(c, b).pvalue),
        ("wilcoxon", True, lambda b, c: sps.wilcoxon(c, b).pvalue),
    ],
)
def test_named_tests_give_scipys_p_value_on_the_raw_data(test, paired, scipy_p) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    base, cand = rng.normal(10, 1, 12), rng.normal(11, 1, 12)
    result = compare(base, cand, test=test, paired=paired)
    assert result.test == test
    assert result.scale == "raw"
    assert result.p_value == pytest.approx(scipy_p(base, cand), abs=1e-9)
    assert (result.verdict is Verdict.WORSE) == (result.ci[0] > 0)


def test_permutation_is_reproducible_with_rng() -> None:
    rng = np.random.default_rng(4)
    base, cand = rng.normal(10, 1, 12), rng.normal(11, 1, 12)
    one = compare(base, cand, test="permutation", rng=5)
    two = compare(base, cand, test="permutation", rng=5)
    assert one == two
    assert one.ci[0] < one.effect < one.ci[1]


def test_metric_with_zero_and_negative_values_uses_the_raw_scale() -> None:
    base = np.array([1.0, -0.5, 2.0, 0.5, 1.5, 0.0])
    cand = base + 3.0
    result = compare(base, cand, lower_is_better=False)
    assert result.scale == "raw"
    assert result.verdict is Verdict.BETTER


def test_baseline_near_zero_decides_by_the_difference_and_warns() -> None:
    base = np.array([-1.0, 1.0, 0.5, -0.5, 0.2, -0.1])
    cand = base + 5.0
    result = compare(base, cand, lower_is_better=False)
    assert result.verdict is Verdict.BETTER
    assert math.isinf(result.ci[1])
    assert any("unbounded" in w for w in result.warnings)


def test_warnings_with_next_steps() -> None:
    rng = np.random.default_rng(5)
    few = compare([10.0, 11.0, 10.5], [10.2, 10.9, 10.4])
    assert any("only 3 trials" in w for w in few.warnings)
    tail = rng.normal(100, 1, 30)
    tail[3] = 160.0
    heavy = compare(tail, rng.normal(100, 1, 30))
    assert any("far out in the tail" in w and "mann-whitney" in w for w in heavy.warnings)
    bimodal = np.concatenate([rng.normal(100, 1, 20), rng.normal(130, 1, 20)])
    assert any("bimodal" in w for w in compare(bimodal, rng.normal(100, 1, 40)).warnings)
    noisy = compare(rng.normal(100, 10, 10), rng.normal(100, 10, 10), margin=0.02)
    assert any("more than the 2.0% margin" in w for w in noisy.warnings)
    flat = compare([5.0, 5.0, 5.0, 5.0, 5.0], [5.0, 5.0, 5.0, 5.0, 5.0])
    assert flat.p_value == 1.0
    assert any("neither arm varies" in w for w in flat.warnings)
    clean = compare(rng.lognormal(0, 0.1, 20), rng.lognormal(-0.3, 0.1, 20))
    assert clean.warnings == ()


def test_rank_test_with_too_few_trials_says_it_cannot_reject() -> None:
    result = compare([1.0, 2.0, 3.0], [7.0, 8.0, 9.0], test="mann-whitney")
    assert result.verdict is Verdict.INCONCLUSIVE
    assert any("cannot reach" in w for w in result.warnings)


def test_rendering_and_serialisation() -> None:
    rng = np.random.default_rng(6)
    result = compare(rng.lognormal(0, 0.1, 8), rng.lognormal(0.02, 0.1, 8), margin=0.01)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    assert set(data) >= {"verdict", "effect", "test", "margin", "needed_trials", "warnings"}
    assert data["effect"]["ci"] == list(result.ci)
    text = str(result)
    assert text.splitlines()[0].startswith(result.verdict.name)
    html = result._repr_html_()
    assert html.startswith("<div")
    assert result.verdict.name in html
    hostile = Comparison(**{**result.__dict__, "warnings": ("<script>x</script>",)})
    assert "<script>" not in hostile._repr_html_()


def test_top_level_exports() -> None:
    assert assay.compare is compare
    assert assay.Verdict is Verdict
    assert assay.Comparison is Comparison


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"baseline": [1.0]}, "at least 2"),
        ({"baseline": [1.0, float("inf")]}, "finite"),
        ({"baseline": [1.0, 2.0, 3.0], "paired": True}, "paired"),
        ({"test": "t-test"}, "unknown test 't-test'"),
        ({"test": "welch", "paired": True}, "paired-t"),
        ({"test": "wilcoxon"}, "paired=True"),
        ({"margin": -0.1}, "margin"),
        ({"margin": "2%"}, "margin"),
        ({"confidence": 1.5}, "confidence"),
        ({"baseline": [0.0, 0.0], "candidate": [1.0, -1.0]}, "baseline mean is 0"),
    ],
)
def test_bad_input(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"baseline": [1.0, 2.0], "candidate": [1.5, 2.5]}
    arguments.update(kwargs)
    baseline, candidate = arguments.pop("baseline"), arguments.pop("candidate")
    with pytest.raises(InputError, match=message):
        compare(baseline, candidate, **arguments)  # type: ignore[arg-type]


positive = st.lists(st.floats(1.0, 1e4), min_size=3, max_size=12)


@settings(max_examples=60, deadline=None)
@given(positive, positive, st.floats(0.01, 100.0))
def test_properties_of_the_verdict(base: list[float], cand: list[float], factor: float) -> None:
    forward = compare(base, cand)
    low, high = forward.ci
    assert low <= forward.effect <= high
    # swapping the arms swaps BETTER and WORSE
    backward = compare(cand, base)
    swapped = {Verdict.BETTER: Verdict.WORSE, Verdict.WORSE: Verdict.BETTER}
    assert backward.verdict is swapped.get(forward.verdict, forward.verdict)
    assert backward.p_value == pytest.approx(forward.p_value, abs=1e-9)
    # the unit of measurement does not matter
    scaled = compare(np.array(base) * factor, np.array(cand) * factor)
    assert scaled.verdict is forward.verdict
    assert scaled.effect == pytest.approx(forward.effect, rel=1e-6, abs=1e-9)


def test_values_near_the_float_limit_give_finite_results_without_warnings() -> None:
    import warnings

    high, low = [1.7e308, 1.6e308, 1.5e308], [1e308, 1e308, 1.5e308]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for test in ("auto", "welch", "mann-whitney", "permutation"):
            result = compare(high, low, test=test, rng=1)
            assert math.isfinite(result.effect)
            assert math.isfinite(result.p_value)
            assert "nan" not in str(result) and "inf" not in str(result)
        scaled = compare([1.7, 1.6, 1.5], [1.0, 1.0, 1.5], test="welch")
        assert compare(high, low, test="welch").effect == pytest.approx(scaled.effect)
        compare([-1e308, 1.7e308, -1.5e308], high)


def test_values_spanning_the_float_range_are_refused() -> None:
    with pytest.raises(InputError, match="orders of magnitude"):
        compare([1e-300, 2e-300, 1.5e-300], [1e300, 2e300, 1.5e300])


@pytest.mark.parametrize("margin", [1.0, 2.0, -0.05, 0.0, math.nan, math.inf])
def test_margin_must_be_between_0_and_1(margin: float) -> None:
    with pytest.raises(InputError, match="between 0 and 1"):
        compare([1.0, 1.1, 1.2], [1.0, 1.1, 1.2], margin=margin)


def test_identical_arms_text_is_one_sentence() -> None:
    result = compare([10.0, 11.0, 12.0], [10.0, 11.0, 12.0])
    assert result.effect_text().startswith("candidate is the same as the baseline (95% CI ")
    assert "than baseline" not in str(result)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.27, "+127%"),
        (0.64, "+64%"),
        (-0.034, "-3.4%"),
        (0.0056, "+0.56%"),
        (0.0, "0%"),
        (math.inf, "unbounded"),
        (math.nan, "unbounded"),
        (1e5, "+1e+07%"),
    ],
)
def test_percent_is_signed_with_sensible_precision(value: float, text: str) -> None:
    assert percent(value) == text
