"""A/B verdicts: INVALID on a failed split, non-inferiority, guardrails under BH."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from assay.errors import InputError
from assay.stats.ab import mean_effect, one_sided_p, proportion_effect, srm_check
from assay.stats.ab_verdict import ABVerdict, ab_verdict, guardrails, not_worse, rules_out


def test_a_clear_lift_is_better_and_a_clear_drop_is_worse() -> None:
    assert ab_verdict(proportion_effect(1000, 20000, 1200, 20000)).verdict is ABVerdict.BETTER
    assert ab_verdict(proportion_effect(1200, 20000, 1000, 20000)).verdict is ABVerdict.WORSE
    latency = ab_verdict(proportion_effect(1200, 20000, 1000, 20000), lower_is_better=True)
    assert latency.verdict is ABVerdict.BETTER
    assert latency.rules_out is None


def test_a_failed_srm_is_invalid_and_reports_no_effect() -> None:
    effect = proportion_effect(1000, 20000, 1200, 20000)
    srm = srm_check((821_588, 815_482))
    result = ab_verdict(effect, metric="conversion", srm=srm)
    assert result.verdict is ABVerdict.INVALID
    assert result.effect is None
    assert result.to_dict()["effect"] is None
    assert "sample-ratio mismatch" in str(result)
    assert not_worse(effect, 0.05, srm=srm).non_inferior is False
    healthy = ab_verdict(effect, srm=srm_check((50_100, 49_900)))
    assert healthy.verdict is ABVerdict.BETTER


def test_inconclusive_says_what_the_data_rule_out_in_points() -> None:
    effect = proportion_effect(1000, 20000, 1010, 20000)
    result = ab_verdict(effect, metric="conversion")
    assert result.verdict is ABVerdict.INCONCLUSIVE
    low, high = effect.difference_ci
    assert result.rules_out == (
        f"the data rule out a drop larger than {-low * 100:.2g} pt and a rise larger "
        f"than {high * 100:.2g} pt (95% confidence)"
    )
    assert result.rules_out is not None and result.rules_out in str(result)


def test_equivalent_with_a_margin_rules_out_in_percent() -> None:
    rng = np.random.default_rng(4)
    effect = mean_effect(rng.normal(100, 5, 20000), rng.normal(100, 5, 20000))
    result = ab_verdict(effect, margin=0.01)
    assert result.verdict is ABVerdict.EQUIVALENT
    assert result.rules_out is not None and result.rules_out.endswith("% (95% confidence)")


def test_rules_out_any_drop_when_the_interval_is_above_zero() -> None:
    effect = proportion_effect(1000, 20000, 1100, 20000)  # lift +1.2% to +20%
    assert "rule out any drop and a rise" in rules_out(effect)
    assert ab_verdict(effect, margin=0.1).verdict is ABVerdict.INCONCLUSIVE


def test_not_worse_holds_only_inside_the_margin() -> None:
    effect = proportion_effect(1000, 20000, 990, 20000)  # lift about -7.5% to +7.6%
    assert not_worse(effect, 0.10).non_inferior is True
    assert not_worse(effect, 0.05).non_inferior is False
    assert not_worse(effect, 0.10, lower_is_better=True).non_inferior is True
    assert "not worse than the margin 10%" in str(not_worse(effect, 0.10, metric="checkout"))


@pytest.mark.parametrize("margin", [0.0, -0.1, 5.0, float("nan")])
def test_margins_are_positive_fractions(margin: float) -> None:
    effect = proportion_effect(1000, 20000, 990, 20000)
    with pytest.raises(InputError):
        not_worse(effect, margin)


def _latency(shift: float, seed: int) -> object:
    rng = np.random.default_rng(seed)
    return mean_effect(rng.normal(200, 20, 5000), rng.normal(200 * (1 + shift), 20, 5000))


def test_guardrails_adjust_by_benjamini_hochberg() -> None:
    results = {
        "p99_latency": _latency(0.0, 1),
        "errors": proportion_effect(200, 20000, 205, 20000),
        "cpu": _latency(0.04, 2),
    }
    margins = {"p99_latency": 0.02, "errors": 0.5, "cpu": 0.02}
    lower = ("p99_latency", "errors", "cpu")
    report = guardrails(results, margins, 0.05, lower_is_better=lower)  # type: ignore[arg-type]
    raw = [
        one_sided_p(results[m], margins[m], above=False)  # type: ignore[arg-type]
        for m in margins
    ]
    expected = multipletests(raw, method="fdr_bh")[1]
    assert [g.adjusted_p_value for g in report.guardrails] == pytest.approx(expected)
    holds = {g.metric: g.holds for g in report.guardrails}
    assert holds == {"p99_latency": True, "errors": True, "cpu": False}
    assert not report.all_hold
    assert report.to_dict()["guardrails"][2]["holds"] is False


def test_guardrails_fail_on_an_invalid_split_and_refuse_unknown_metrics() -> None:
    results = {"p99_latency": _latency(0.0, 1)}
    good = guardrails(results, {"p99_latency": 0.05}, lower_is_better=("p99_latency",))  # type: ignore[arg-type]
    assert good.all_hold
    bad_split = srm_check((821_588, 815_482))
    invalid = guardrails(
        results,  # type: ignore[arg-type]
        {"p99_latency": 0.05},
        lower_is_better=("p99_latency",),
        srm=bad_split,
    )
    assert invalid.invalid and not invalid.all_hold
    with pytest.raises(InputError, match="no result or margin for errors"):
        guardrails(results, {"errors": 0.05})  # type: ignore[arg-type]
    with pytest.raises(InputError, match="empty"):
        guardrails(results, {})  # type: ignore[arg-type]
