"""trials_needed matches statsmodels' noncentral-t power and Cohen's tables."""

from __future__ import annotations

import math

import pytest
from statsmodels.stats.power import TTestIndPower, TTestPower

from assay.errors import InputError
from assay.stats import achieved_power, trials_needed


def test_cohen_tables() -> None:
    assert trials_needed(0.5, 1.0) == 64
    assert trials_needed(1.0, 1.0) == 17
    assert trials_needed(2.0, 1.0) == 6
    assert trials_needed(0.5, 1.0, paired=True) == 34
    assert trials_needed(1.0, 1.0, paired=True) == 10
    assert trials_needed(2.0, 1.0, paired=True) == 5


def test_units_only_matter_through_their_ratio() -> None:
    # a 5% effect with a 10% coefficient of variation is half a standard deviation
    assert trials_needed(0.05, 0.10) == trials_needed(0.5, 1.0) == 64
    assert trials_needed(-0.05, 0.10) == 64


@pytest.mark.parametrize("d", [0.2, 0.35, 0.5, 0.8, 1.3, 2.5])
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
@pytest.mark.parametrize("power", [0.8, 0.9])
def test_matches_statsmodels(d: float, confidence: float, power: float) -> None:
    alpha = 1 - confidence
    unpaired = TTestIndPower().solve_power(d, power=power, alpha=alpha)
    paired = TTestPower().solve_power(d, power=power, alpha=alpha)
    assert trials_needed(d, 1.0, confidence=confidence, power=power) == max(2, math.ceil(unpaired))
    assert trials_needed(d, 1.0, paired=True, confidence=confidence, power=power) == max(
        2, math.ceil(paired)
    )


@pytest.mark.parametrize("n", [5, 20, 64])
def test_achieved_power_matches_statsmodels(n: int) -> None:
    ours = achieved_power(n, 0.5, 1.0)
    theirs = TTestIndPower().power(0.5, nobs1=n, alpha=0.05)
    assert ours == pytest.approx(theirs, abs=1e-9)
    assert achieved_power(n, 0.5, 1.0, paired=True) == pytest.approx(
        TTestPower().power(0.5, nobs=n, alpha=0.05), abs=1e-9
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"effect": 0.0, "spread": 1.0}, "non-zero"),
        ({"effect": 1.0, "spread": 0.0}, "spread"),
        ({"effect": 1.0, "spread": 1.0, "power": 1.5}, "power"),
        ({"effect": 1.0, "spread": 1.0, "confidence": 95}, "0.95"),
        ({"effect": 1e-9, "spread": 1.0}, "more than"),
        ({"effect": float("nan"), "spread": 1.0}, "non-zero"),
    ],
)
def test_bad_arguments(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        trials_needed(**kwargs)  # type: ignore[arg-type]
