"""The error a diff shows is the one its tolerance check used (issue 10, problem 9).

A user saw "Max rel err 6e-06" beside "260/512" elements outside the tolerance: with
the default ``rtol`` of 1.3e-6 a relative error of 6e-6 is 4.6 times too large, and
elements where the reference is zero have no relative error at all. Each layer now
carries its worst element as the check saw it (``|c - r|`` against
``atol + rtol * |r|``), and a layer has elements outside the tolerance exactly when
that worst error exceeds its allowance.
"""

from __future__ import annotations

import numpy as np
import pytest

from assay.repro import DEFAULT_ATOL, DEFAULT_RTOL, compare_layers

# The user's layer: 512 activations of magnitude 1 to 8, each off by at most 6e-6 of itself.
REF = np.linspace(1.0, 8.0, 512) * np.where(np.arange(512) % 2, 1.0, -1.0)
CAND = REF * (1 + 6e-6 * np.linspace(0.2, 1.0, 512))


def test_a_small_relative_error_does_not_hide_elements_outside_the_tolerance() -> None:
    report = compare_layers([("ln2", REF)], [("ln2", CAND)])
    (layer,) = report.layers
    assert layer.max_rel_error is not None
    assert layer.max_rel_error == pytest.approx(6e-6)  # what the table used to show
    assert 200 < layer.mismatched < 512
    assert layer.worst_error is not None
    assert layer.worst_allowed is not None
    # the worst element breaks its allowance, by the factor the check saw
    worst = np.argmax(np.abs(CAND - REF) / (DEFAULT_ATOL + DEFAULT_RTOL * np.abs(REF)))
    assert layer.worst_error == pytest.approx(abs(CAND[worst] - REF[worst]))
    assert layer.worst_allowed == pytest.approx(DEFAULT_ATOL + DEFAULT_RTOL * abs(REF[worst]))
    assert layer.worst_ratio == pytest.approx(layer.worst_error / layer.worst_allowed)
    assert layer.worst_ratio is not None
    assert layer.worst_ratio > 2
    summary = report.summary()
    assert f"{layer.mismatched} of 512 elements outside" in summary
    assert f"({layer.worst_ratio:.3g}x the tolerance)" in summary
    data = report.to_dict()["layers"][0]
    assert data["worst_error"] == layer.worst_error
    assert data["worst_allowed"] == layer.worst_allowed


def test_an_error_where_the_reference_is_zero_is_the_worst_element() -> None:
    ref = np.array([0.0, 1.0, 2.0])
    cand = np.array([1e-3, 1.0, 2.0])
    (layer,) = compare_layers([("x", ref)], [("x", cand)]).layers
    assert layer.max_rel_error == 0.0  # the zero has no relative error: it hid the break
    assert layer.mismatched == 1
    assert (layer.worst_error, layer.worst_allowed) == pytest.approx((1e-3, DEFAULT_ATOL))


def test_no_tolerance_and_nan_rank_worst() -> None:
    (exact,) = compare_layers([("x", [1.0, 2.0])], [("x", [1.0, 2.5])], atol=0, rtol=0).layers
    assert exact.worst_ratio == float("inf")
    assert exact.mismatched == 1
    (nan,) = compare_layers([("x", [1.0, 2.0])], [("x", [1.0, float("nan")])]).layers
    assert nan.mismatched == 1
    assert nan.worst_error is not None
    assert np.isnan(nan.worst_error)
    (inf,) = compare_layers([("x", [np.inf, 2.0])], [("x", [1.0, 2.0])]).layers
    assert inf.mismatched == 1  # an infinity on one side only is outside any tolerance
    assert inf.worst_ratio == float("inf")
    (same,) = compare_layers([("x", [1.0, 2.0])], [("x", [1.0, 2.0])]).layers
    assert (same.mismatched, same.worst_error, same.worst_ratio) == (0, 0.0, 0.0)


@pytest.mark.parametrize("seed", range(40))
def test_outside_and_the_worst_element_always_agree(seed: int) -> None:
    """Property: some element is outside exactly when the worst error exceeds its
    allowance, and no element's error is a larger multiple of its allowance."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(1, 300))
    ref = rng.normal(scale=10 ** rng.uniform(-6, 3), size=size)
    ref[rng.random(size) < 0.1] = 0.0
    noise = rng.normal(scale=10 ** rng.uniform(-9, -2), size=size)
    cand = ref + noise * np.where(rng.random(size) < 0.5, np.abs(ref), 1.0)
    atol, rtol = 10 ** rng.uniform(-8, -3), 10 ** rng.uniform(-8, -3)
    (layer,) = compare_layers([("x", ref)], [("x", cand)], atol=atol, rtol=rtol).layers
    assert layer.worst_error is not None
    assert layer.worst_allowed is not None
    assert (layer.mismatched > 0) == (layer.worst_error > layer.worst_allowed)
    allowed = atol + rtol * np.abs(ref)
    assert layer.mismatched == int(np.count_nonzero(np.abs(cand - ref) > allowed))
    ratios = np.abs(cand - ref) / allowed
    assert layer.worst_ratio == pytest.approx(float(ratios.max()))
