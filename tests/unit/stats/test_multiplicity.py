"""Holm and Benjamini-Hochberg, against the 1995 worked example and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from assay.errors import InputError
from assay.stats import adjust_pvalues

# Benjamini & Hochberg (1995), section 4: fifteen p-values from a clinical trial.
BH_1995 = [
    0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344,
    0.0459, 0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.0000,
]  # fmt: skip


def test_benjamini_hochberg_1995_example() -> None:
    adjusted = adjust_pvalues(BH_1995, method="bh")
    # The paper: the step-up procedure rejects the four smallest at q = 0.05 ...
    assert list(adjusted <= 0.05) == [True] * 4 + [False] * 11
    # ... while the Bonferroni-type (Holm) procedure rejects only three.
    assert list(adjust_pvalues(BH_1995, method="holm") <= 0.05) == [True] * 3 + [False] * 12


def test_holm_and_bonferroni_are_not_confused() -> None:
    p = [0.01, 0.02, 0.03, 0.04]
    assert adjust_pvalues(p, method="holm") == pytest.approx([0.04, 0.06, 0.06, 0.06])
    assert adjust_pvalues(p, method="bonferroni") == pytest.approx([0.04, 0.08, 0.12, 0.16])


def test_order_is_kept() -> None:
    adjusted = adjust_pvalues([0.04, 0.01, 0.03, 0.02], method="holm")
    assert adjusted == pytest.approx([0.06, 0.04, 0.06, 0.06])


def _cases() -> list[list[float]]:
    """Seeded p-value lists of 1-30 values: uniform ones, ties, exact 0 and 1, and
    clusters of small values (where the step-up and step-down procedures differ)."""
    rng = np.random.default_rng(1995)
    cases = [[0.0], [1.0], [0.5, 0.5, 0.5], [0.0, 1.0, 0.0, 1.0], [0.01] * 30]
    for size in range(1, 31):
        values = rng.uniform(size=size)
        if size % 3 == 0:
            values[: size // 2] *= 1e-3  # many small ones
        if size % 4 == 0:
            values[-2:] = values[0]  # ties
        cases.append(values.round(6).tolist())
    return cases


# statsmodels' multipletests calls gc.collect() on every call (statsmodels/stats/
# multitest.py): up to 1.3 s a call late in the full suite, whose heap is large. It is
# housekeeping, not arithmetic, so the test turns it off around the reference's calls.
@pytest.mark.parametrize("pvalues", _cases(), ids=lambda v: f"{len(v)}")
def test_agrees_with_statsmodels(pvalues: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    monkeypatch.setattr(gc, "collect", lambda generation=2: 0)
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh"), ("bonferroni", "bonferroni")):
        expected = multipletests(pvalues, method=theirs)[1]
        assert adjust_pvalues(pvalues, method=ours) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=30))
def test_adjusted_are_never_smaller(pvalues: list[float]) -> None:
    p = np.array(pvalues)
    for method in ("holm", "bh"):
        adjusted = adjust_pvalues(p, method=method)
        assert np.all(adjusted >= p - 1e-15)
        assert np.all(adjusted <= 1.0)


@pytest.mark.parametrize(
    ("pvalues", "method", "message"),
    [
        ([0.1, 1.2], "holm", "between 0 and 1"),
        ([0.1, float("nan")], "holm", "between 0 and 1"),
        ([], "holm", "non-empty"),
        ([0.1], "hochberg", "unknown adjustment method"),
    ],
)
def test_bad_input(pvalues: list[float], method: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        adjust_pvalues(pvalues, method=method)
