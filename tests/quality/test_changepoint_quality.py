"""Change points: few false alarms on stationary noise, and steps of 5% found where they are.

Seeded series of 100 points at 1% noise (coefficient of variation), checked by
:func:`assay.stats.change_points` at its defaults (``max_pvalue=0.001``,
``window=30``). The figures these tests pin (printed in docs/statistics.md,
"Change points"): a false alarm in about 5% of Gaussian series and 18% of
heavy-tailed (Student t, 3 degrees of freedom) ones (2,000 series each; Otava
0.8.0 itself: 7.7% and 21%); a 5% step found within two points in every series,
at its exact index in 99.5%.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assay.stats import change_points

N = 100
Noise = Callable[[np.random.Generator], np.ndarray]


def _gaussian(rng: np.random.Generator) -> np.ndarray:
    return 100.0 * (1.0 + 0.01 * rng.standard_normal(N))


def _heavy_tailed(rng: np.random.Generator) -> np.ndarray:
    return 100.0 * (1.0 + 0.01 * rng.standard_t(3, N))


def _alarm_rate(noise: Noise, series: int, seed: int, max_pvalue: float = 0.001) -> float:
    """The share of stationary series in which at least one change point is reported."""
    rng = np.random.default_rng(seed)
    return (
        sum(bool(change_points(noise(rng), max_pvalue=max_pvalue)) for _ in range(series)) / series
    )


def _step_found(step: float, series: int, seed: int) -> tuple[float, float, float]:
    """Share found within 2 points, share at the exact index, mean relative change there."""
    rng = np.random.default_rng(seed)
    near = exact = 0
    changes: list[float] = []
    for _ in range(series):
        x = _gaussian(rng)
        x[N // 2 :] *= 1.0 + step
        hits = [c for c in change_points(x) if abs(c.index - N // 2) <= 2]
        near += bool(hits)
        exact += any(c.index == N // 2 for c in hits)
        changes.extend(c.relative_change for c in hits[:1])
    return near / series, exact / series, float(np.mean(changes))


def test_few_false_alarms_on_gaussian_noise() -> None:
    assert _alarm_rate(_gaussian, 400, seed=31) <= 0.09  # 0.0675 here; 0.049 on 2,000 series


def test_heavy_tailed_noise_raises_more_false_alarms_but_a_minority() -> None:
    # The t-test assumes normal pieces: an outlier can look like a shift. Otava's method,
    # kept as it is (see docs/statistics.md).
    assert _alarm_rate(_heavy_tailed, 400, seed=32) <= 0.25  # 0.1675 here; 0.18 on 2,000


def test_the_significance_step_is_what_keeps_false_alarms_down() -> None:
    # Without the t-test's threshold every split is kept: the bound above would fail.
    assert _alarm_rate(_gaussian, 10, seed=33, max_pvalue=1.0) == 1.0
    assert len(change_points(_gaussian(np.random.default_rng(34)), max_pvalue=1.0)) > 10


def test_a_five_percent_step_at_one_percent_noise_is_found_where_it_is() -> None:
    near, exact, change = _step_found(0.05, 200, seed=35)
    assert near == 1.0
    assert exact >= 0.95  # measured 0.995
    assert abs(change - 0.05) <= 0.005


def test_a_ten_percent_step_is_found_at_its_index() -> None:
    near, exact, change = _step_found(0.10, 200, seed=36)
    assert near == 1.0
    assert exact >= 0.98
    assert abs(change - 0.10) <= 0.005
