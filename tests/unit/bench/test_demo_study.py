"""The demo study's attention kernels agree with each other and the reference."""

from __future__ import annotations

import numpy as np
import pytest

from assay.bench import load_module
from assay.demo_study import MODULE, attention, demo_options


@pytest.mark.parametrize("n", [1, 100, 256, 300, 513])
def test_tiled_equals_naive_within_tolerance(n: int) -> None:
    qkv = attention.tokens(7, n)
    naive, tiled = attention.naive(qkv), attention.tiled(qkv)
    assert tiled.shape == naive.shape == (n, attention.D)
    assert attention.max_abs_error(tiled, qkv) <= attention.TOLERANCE
    assert attention.max_abs_error(naive, qkv) <= attention.TOLERANCE
    assert attention.matches_reference(tiled, qkv) == 1.0


def test_large_scores_do_not_overflow() -> None:
    q, k, v = attention.tokens(1, 300)
    qkv = (q * 40, k * 40, v)
    assert np.isfinite(attention.tiled(qkv)).all()
    assert attention.max_abs_error(attention.tiled(qkv), qkv) <= 1e-3


def test_the_demo_module_is_a_benchmark() -> None:
    spec = load_module(MODULE)
    assert spec.baseline.name == "naive"
    assert [m.name for m in spec.candidates] == ["tiled"]
    assert [m.name for m in spec.metrics] == ["max_abs_error", "matches_reference"]
    assert spec.describe()["workload"]["params"] == {"n": attention.LENGTHS}
    options = demo_options(plan_seed=3)
    assert options.threads == 1
    assert options.trials == 5
    assert attention.describe()["block"] == attention.BLOCK
