"""The intervals of assay.stats.intervals against SciPy and statsmodels, edges and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint

from assay.errors import InputError
from assay.stats import Interval, mean_interval, t_interval, wilson_interval

VALUES = st.lists(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    min_size=2,
    max_size=40,
)


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("n", [2, 3, 7, 30])
def test_mean_interval_is_scipys_t_interval(n: int, confidence: float) -> None:
    values = np.random.default_rng(n).normal(10.0, 2.0, n)
    mean, low, high = mean_interval(values, confidence)
    expected = sps.t.interval(confidence, n - 1, loc=np.mean(values), scale=sps.sem(values))
    assert mean == pytest.approx(np.mean(values))
    assert (low, high) == pytest.approx(expected, rel=1e-12)


def test_one_value_has_no_spread_so_no_bounds() -> None:
    assert mean_interval([3.5]) == Interval(3.5, -math.inf, math.inf)


def test_equal_values_give_the_mean_itself() -> None:
    assert mean_interval([2.0, 2.0, 2.0], 0.99) == Interval(2.0, 2.0, 2.0)


@pytest.mark.parametrize(
    ("values", "confidence", "message"),
    [
        ([], 0.95, "at least 1"),
        ([1.0, math.nan], 0.95, "finite"),
        ([1.0, 2.0], 95, "write 0.95"),
        ([1.0], 1.5, "between 0 and 1"),
    ],
)
def test_bad_input_is_one_clear_error(values: list[float], confidence: float, message: str) -> None:
    with pytest.raises(InputError, match=message):
        mean_interval(values, confidence)


def test_t_interval_takes_fractional_df_and_degenerate_spreads() -> None:
    low, high = sps.t.interval(0.95, 7.3, loc=1.0, scale=0.2)
    assert t_interval(1.0, 0.2, 7.3) == pytest.approx(Interval(1.0, low, high))
    assert t_interval(1.0, 0.0, 5.0) == Interval(1.0, 1.0, 1.0)
    assert t_interval(1.0, 0.2, 0.0) == Interval(1.0, -math.inf, math.inf)
    assert t_interval(1.0, 0.0, 0.0) == Interval(1.0, -math.inf, math.inf)  # no df: no spread known
    assert t_interval(1.0, math.inf, 3.0) == Interval(1.0, -math.inf, math.inf)


@pytest.mark.parametrize("confidence", [0.8, 0.95, 0.99])
@pytest.mark.parametrize(
    ("successes", "n"), [(0, 1), (1, 1), (0, 20), (20, 20), (3, 20), (47, 120)]
)
def test_wilson_interval_is_statsmodels_wilson(successes: int, n: int, confidence: float) -> None:
    share, low, high = wilson_interval(successes, n, confidence)
    expected = proportion_confint(successes, n, alpha=1 - confidence, method="wilson")
    assert share == successes / n
    assert (low, high) == pytest.approx(expected, abs=1e-12)
    assert 0.0 <= low <= share <= high <= 1.0


def test_wilson_is_not_empty_at_the_edges() -> None:
    assert wilson_interval(0, 10).low == 0.0 < wilson_interval(0, 10).high
    assert wilson_interval(10, 10).low < wilson_interval(10, 10).high == 1.0


@pytest.mark.parametrize(
    ("successes", "n", "message"),
    [(1, 0, "at least 1"), (5, 4, "from 0 to n=4"), (-1, 4, "from 0 to n=4"), (1.5, 4, "whole")],
)
def test_wilson_refuses_impossible_counts(successes: float, n: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        wilson_interval(successes, n)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(values=VALUES, confidence=st.floats(min_value=0.5, max_value=0.999))
def test_the_interval_contains_the_mean(values: list[float], confidence: float) -> None:
    mean, low, high = mean_interval(values, confidence)
    assert low <= mean <= high


@settings(max_examples=80, deadline=None)
@given(values=VALUES, shift=st.floats(min_value=-1e3, max_value=1e3))
def test_shifting_the_values_shifts_the_interval(values: list[float], shift: float) -> None:
    mean, low, high = mean_interval(values)
    moved = mean_interval([v + shift for v in values])
    scale = max(1.0, max(abs(v) for v in values), abs(shift))
    tolerance = 1e-9 * scale * (1 + (high - low) / scale)
    assert moved.estimate == pytest.approx(mean + shift, abs=tolerance)
    assert moved.low == pytest.approx(low + shift, abs=tolerance)
    assert moved.high == pytest.approx(high + shift, abs=tolerance)


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 500), data=st.data())
def test_wilson_contains_the_share_and_mirrors(n: int, data: st.DataObject) -> None:
    successes = data.draw(st.integers(0, n))
    share, low, high = wilson_interval(successes, n)
    assert low <= share <= high
    mirror = wilson_interval(n - successes, n)
    assert mirror.low == pytest.approx(1 - high, abs=1e-12)
    assert mirror.high == pytest.approx(1 - low, abs=1e-12)
