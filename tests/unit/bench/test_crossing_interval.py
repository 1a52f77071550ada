"""The crossover's interval: where the interpolated confidence band holds zero."""

from __future__ import annotations

import math

import pytest

from assay.bench.sweep import crossing_interval


def test_the_interval_runs_from_the_upper_bound_to_the_lower_bound_crossing() -> None:
    # log-ratio band: at x=100 entirely below zero (faster), at x=10,000 above (slower)
    band = [(100.0, -0.6, -0.2), (10_000.0, 0.2, 0.6)]
    low, high = crossing_interval(band) or (0.0, 0.0)
    # the upper bound -0.2 → 0.6 crosses a quarter of the way in log x: 10^2.5;
    # the lower bound -0.6 → 0.2 three quarters of the way: 10^3.5
    assert low == pytest.approx(10**2.5)
    assert high == pytest.approx(10**3.5)


def test_an_inconclusive_point_between_widens_the_interval_to_its_neighbours() -> None:
    band = [(256.0, -0.5, -0.1), (1024.0, -0.2, 0.2), (4096.0, 0.1, 0.5)]
    low, high = crossing_interval(band) or (0.0, 0.0)
    assert 256 < low < 1024 < high < 4096


def test_a_wider_band_gives_a_wider_interval() -> None:
    narrow = crossing_interval([(100.0, -0.3, -0.2), (10_000.0, 0.2, 0.3)])
    wide = crossing_interval([(100.0, -0.5, -0.05), (10_000.0, 0.05, 0.5)])
    assert narrow is not None and wide is not None
    assert wide[0] < narrow[0] and narrow[1] < wide[1]


@pytest.mark.parametrize(
    "band",
    [
        [],
        [(100.0, -0.5, -0.1)],
        [(100.0, -0.5, -0.1), (200.0, -0.4, -0.1)],  # never holds zero
        [(100.0, -math.inf, -0.1), (200.0, 0.1, 0.5)],  # an unbounded end
    ],
)
def test_no_interval_where_the_band_gives_none(band: list[tuple[float, float, float]]) -> None:
    assert crossing_interval(band) is None


def test_a_bound_exactly_at_zero_on_a_point_counts_there() -> None:
    assert crossing_interval([(100.0, -0.4, 0.0), (400.0, 0.0, 0.4)]) == (100.0, 400.0)
