"""The binomial decision on the tail, held to SciPy's exact interval."""

from __future__ import annotations

import pytest
from scipy.stats import binomtest

from assay.errors import InputError
from assay.load.tail import TailVerdict, clopper_pearson, decide


@pytest.mark.parametrize(
    ("k", "n"), [(0, 1), (0, 299), (0, 300), (3, 1000), (10, 1000), (25, 1000), (50, 5000), (7, 7)]
)
@pytest.mark.parametrize("alpha", [0.05, 0.01])
def test_bounds_equal_scipys_exact_interval(k: int, n: int, alpha: float) -> None:
    # SciPy's two-sided exact interval at level 1 - 2 alpha has our one-sided bounds as ends.
    ci = binomtest(k, n).proportion_ci(confidence_level=1 - 2 * alpha, method="exact")
    lower, upper = clopper_pearson(k, n, alpha)
    assert lower == pytest.approx(ci.low, abs=1e-12)
    assert upper == pytest.approx(ci.high, abs=1e-12)


def test_no_slow_request_passes_from_299_requests() -> None:
    # With k = 0 the upper bound is 1 - alpha**(1/n): below 1 % from n = 299 at 5 %.
    assert decide(0, 298).verdict is TailVerdict.UNDECIDED
    assert decide(0, 299).verdict is TailVerdict.PASS


@pytest.mark.parametrize(
    ("above", "total", "verdict"),
    [
        (5, 10_000, TailVerdict.PASS),  # 0.05 %: clearly within 1 %
        (100, 10_000, TailVerdict.UNDECIDED),  # exactly 1 %: cannot tell either way
        (150, 10_000, TailVerdict.FAIL),  # 1.5 % of 10,000: clearly above
        (3, 100, TailVerdict.UNDECIDED),  # 3 % of only 100: lower bound 0.8 %
        (6, 100, TailVerdict.FAIL),
        (0, 0, TailVerdict.UNDECIDED),
    ],
)
def test_three_valued_decision(above: int, total: int, verdict: TailVerdict) -> None:
    decision = decide(above, total)
    assert decision.verdict is verdict
    if total:  # pass and fail exactly as the bounds say
        assert (decision.upper < 0.01) == (verdict is TailVerdict.PASS)
        assert (decision.lower > 0.01) == (verdict is TailVerdict.FAIL)


def test_the_decision_holds_its_level_when_the_tail_is_exactly_one_percent() -> None:
    # A server whose P99 is exactly at the SLO: a pass is a false pass. Over all k its
    # probability must stay at or below alpha (exact interval: conservative).
    from scipy.stats import binom

    n, alpha = 2000, 0.05
    passing = [k for k in range(n + 1) if decide(k, n, alpha=alpha).verdict is TailVerdict.PASS]
    assert passing and max(passing) < 20
    assert binom.cdf(max(passing), n, 0.01) <= alpha


@pytest.mark.parametrize(("k", "n", "alpha"), [(-1, 10, 0.05), (11, 10, 0.05), (1, 10, 1.0)])
def test_impossible_counts_are_refused(k: int, n: int, alpha: float) -> None:
    with pytest.raises(InputError):
        clopper_pearson(k, n, alpha)
