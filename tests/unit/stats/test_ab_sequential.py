"""The mixture SPRT for A/B tests: hand-computed values, nesting, and the checks at its boundary."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from assay.errors import InputError
from assay.stats.ab_sequential import SequentialAB, msprt_interval, msprt_p_value
from assay.stats.verdict import Verdict


def test_the_p_value_of_one_look_matches_the_formula_by_hand() -> None:
    # d = 0.5, V = 0.04, tau = 0.2: Lambda = sqrt(0.04/0.08) * exp(0.04 * 0.25 / (2 * 0.04 * 0.08))
    expected = math.sqrt(2) * math.exp(-1.5625)
    assert msprt_p_value(0.5, 0.04, 0.2) == pytest.approx(expected, rel=1e-12)
    assert msprt_p_value(0.5, 0.04, 0.2) == pytest.approx(0.296435, abs=1e-6)
    assert msprt_p_value(-0.5, 0.04, 0.2) == msprt_p_value(0.5, 0.04, 0.2)  # symmetric
    assert msprt_p_value(0.0, 0.04, 0.2) == 1.0  # a mixture ratio below 1 is capped


def test_the_interval_of_one_look_matches_the_formula_by_hand() -> None:
    # radius = sqrt(V (V + tau^2) / tau^2 * (2 log 20 + log((V + tau^2) / V)))
    radius = math.sqrt(0.08 * (2 * math.log(20) + math.log(2)))
    estimate, low, high = msprt_interval(0.5, 0.04, 0.2)
    assert (estimate, low, high) == pytest.approx((0.5, 0.5 - radius, 0.5 + radius), rel=1e-12)
    assert radius == pytest.approx(0.731279, abs=1e-6)


def test_the_interval_excludes_a_value_exactly_when_its_p_value_is_below_alpha() -> None:
    for d in np.linspace(0.0, 1.5, 61):
        _, low, _ = msprt_interval(float(d), 0.04, 0.2)
        assert (low > 0) == (msprt_p_value(float(d), 0.04, 0.2) < 0.05)


def test_one_look_of_the_accumulator_matches_the_hand_computation() -> None:
    # arm A: [0, 2] (mean 1, s^2 = 2), arm B: [4, 6] (mean 5, s^2 = 2): d = 4, V = 2
    look = SequentialAB(tau=1.0, min_units=2).update([0.0, 2.0], [4.0, 6.0])
    assert look.effect == 4.0
    assert (look.n_a, look.n_b, look.look) == (2, 2, 1)
    assert look.p_value == pytest.approx(math.sqrt(1.5) * math.exp(-16 / 12), rel=1e-12)
    assert look.ci == pytest.approx(msprt_interval(4.0, 2.0, 1.0)[1:], rel=1e-12)
    assert "mSPRT" in look.method and "tau=1" in look.method


def test_batches_merge_into_the_same_moments_as_one_batch() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 1, 300), rng.normal(0.2, 1, 300)
    whole = SequentialAB(tau=0.1).update(a, b)
    split = SequentialAB(tau=0.1)
    for i in range(0, 300, 70):
        last = split.update(a[i : i + 70], b[i : i + 70])
    assert last.effect == pytest.approx(whole.effect, rel=1e-12)
    variance = float(np.var(a, ddof=1) / 300 + np.var(b, ddof=1) / 300)
    assert whole.p_value == pytest.approx(msprt_p_value(whole.effect, variance, 0.1), rel=1e-9)
    assert last.ci[0] >= whole.ci[0] - 1e-12  # the running intersection is at least as narrow


def test_the_sequence_shrinks_contains_the_truth_and_the_p_value_never_rises() -> None:
    rng = np.random.default_rng(7)
    test = SequentialAB(mde=0.1)
    looks = [test.update(rng.normal(0, 1, 200), rng.normal(0.05, 1, 200)) for _ in range(30)]
    for before, after in itertools.pairwise(looks):
        assert after.p_value <= before.p_value
        assert before.ci[0] <= after.ci[0] and after.ci[1] <= before.ci[1]
    assert all(look.ci[0] < 0.05 < look.ci[1] for look in looks)
    assert looks[-1].ci[1] - looks[-1].ci[0] < 0.5 * (looks[1].ci[1] - looks[1].ci[0])


def test_a_clear_effect_gives_better_or_worse_by_the_direction() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(10, 1, 2000), rng.normal(10.5, 1, 2000)
    assert SequentialAB(mde=0.5).update(a, b).verdict is Verdict.BETTER
    assert SequentialAB(mde=0.5, lower_is_better=True).update(a, b).verdict is Verdict.WORSE
    look = SequentialAB(mde=0.5).update(b, a)
    assert look.verdict is Verdict.WORSE and look.p_value < 0.05 and look.ci[1] < 0


def test_no_difference_with_a_margin_is_equivalent_and_says_what_it_rules_out() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(0, 1, 20000), rng.normal(0, 1, 20000)
    look = SequentialAB(mde=0.05, margin=0.1).update(a, b)
    assert look.verdict is Verdict.EQUIVALENT
    assert look.ci[0] > -0.1 and look.ci[1] < 0.1
    assert "no difference below" in look.rules_out()
    assert SequentialAB(mde=0.05).update(a, b).verdict is Verdict.INCONCLUSIVE


def test_conversion_counts_match_zero_one_values() -> None:
    a = np.r_[np.ones(120), np.zeros(880)]
    b = np.r_[np.ones(160), np.zeros(840)]
    from_values = SequentialAB(mde=0.02).update(a, b)
    from_counts = SequentialAB(mde=0.02).update_counts(120, 1000, 160, 1000)
    assert from_counts.effect == pytest.approx(0.04)
    assert from_counts.p_value == pytest.approx(from_values.p_value, rel=1e-9)
    assert from_counts.ci == pytest.approx(from_values.ci, rel=1e-9)


def test_a_look_with_no_spread_yet_is_unbounded_and_inconclusive() -> None:
    test = SequentialAB(mde=0.01)
    first = test.update_counts(0, 50, 0, 50)  # no conversions: no variance to weigh
    assert first.ci == (-math.inf, math.inf) and first.p_value == 1.0
    assert first.verdict is Verdict.INCONCLUSIVE
    assert first.rules_out() == "nothing yet: too little data"
    assert test.update([], []).look == 2  # an empty day is a look that changes nothing


def test_a_look_counts_only_once_each_arm_holds_min_units() -> None:
    test = SequentialAB(mde=1.0, min_units=100)
    a, b = np.tile([0.0, 1.0], 50)[:99], 5.0 + np.tile([0.0, 1.0], 250)
    early = test.update(a, b)
    assert early.ci == (-math.inf, math.inf) and early.p_value == 1.0  # arm A holds 99
    late = test.update([0.0], [])
    assert late.verdict is Verdict.BETTER and late.p_value < 1e-6


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: SequentialAB(), "give mde="),
        (lambda: SequentialAB(mde=0.0), "mde"),
        (lambda: SequentialAB(tau=-1.0), "tau"),
        (lambda: SequentialAB(mde=0.1, confidence=1.5), "confidence"),
        (lambda: SequentialAB(mde=0.1, margin=-0.1), "margin"),
        (lambda: SequentialAB(mde=0.1, min_units=1), "min_units"),
        (lambda: SequentialAB(mde=0.1).update([1.0, math.nan], [1.0]), "x_a"),
        (lambda: SequentialAB(mde=0.1).update([1.0], "abc"), "x_b"),
        (lambda: SequentialAB(mde=0.1).update_counts(5, 3, 1, 10), "successes_a"),
        (lambda: SequentialAB(mde=0.1).update_counts(1, 10, 1, -2), "n_b"),
        (lambda: msprt_p_value(0.1, 0.0, 0.1), "variance"),
        (lambda: msprt_interval(0.1, math.inf, 0.1), "variance"),
        (lambda: msprt_interval(0.1, 0.1, 0.0), "tau"),
    ],
)
def test_bad_input_is_one_clear_error(make: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        make()  # type: ignore[operator]


def test_the_closed_form_equals_the_mixture_integrated_numerically() -> None:
    from scipy import integrate, stats

    d, v, tau = 0.3, 0.02, 0.15
    sd = math.sqrt(v)

    def ratio(theta: float) -> float:
        null = stats.norm.pdf(d, 0.0, sd)
        return float(stats.norm.pdf(d, theta, sd) / null * stats.norm.pdf(theta, 0.0, tau))

    mixture, _ = integrate.quad(ratio, -3.0, 3.0, epsabs=1e-12)
    assert msprt_p_value(d, v, tau) == pytest.approx(1 / mixture, rel=1e-8)
