"""Ablation contributions: leave-one-out and Shapley values with intervals."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assay.errors import InputError
from assay.stats import ablation


def _factorial(means: dict[frozenset[str], float], n: int = 12, seed: int = 0) -> dict:  # type: ignore[type-arg]
    rng = np.random.default_rng(seed)
    return {tuple(sorted(c)): rng.normal(m, 0.1, n) for c, m in means.items()}


def test_additive_effects_are_recovered() -> None:
    means = {
        frozenset(s): 1.0 + 2.0 * ("a" in s) + 0.5 * ("b" in s)
        for r in range(3)
        for s in itertools.combinations("ab", r)
    }
    result = ablation(_factorial(means))
    assert result.design == "factorial"
    shapley = {c.component: c for c in result.shapley}
    assert shapley["a"].low < 2.0 < shapley["a"].high
    assert shapley["b"].low < 0.5 < shapley["b"].high
    loo = {c.component: c for c in result.leave_one_out}
    assert loo["a"].estimate == pytest.approx(shapley["a"].estimate, abs=0.15)


def test_interaction_is_shared_equally() -> None:
    # Only both together help: each gets half of the joint gain.
    data = {(): [0.0, 0.0], ("a",): [0.0, 0.0], ("b",): [0.0, 0.0], ("a", "b"): [1.0, 1.0]}
    result = ablation(data)
    assert [c.estimate for c in result.shapley] == pytest.approx([0.5, 0.5])
    # Leave-one-out credits each with the full gain: it double counts.
    assert [c.estimate for c in result.leave_one_out] == pytest.approx([1.0, 1.0])


def test_shapley_formula_by_hand_for_three_components() -> None:
    values = {
        (): 0.0, ("a",): 1.0, ("b",): 2.0, ("c",): 0.0,
        ("a", "b"): 4.0, ("a", "c"): 1.0, ("b", "c"): 2.0, ("a", "b", "c"): 6.0,
    }  # fmt: skip
    result = ablation({k: [v, v] for k, v in values.items()})
    orders = list(itertools.permutations("abc"))

    def marginal(component: str) -> float:
        total = 0.0
        for order in orders:
            before = tuple(sorted(order[: order.index(component)]))
            after = tuple(sorted((*before, component)))
            total += values[after] - values[before]
        return total / len(orders)

    assert [c.estimate for c in result.shapley] == pytest.approx([marginal(x) for x in "abc"])


def test_paired_by_seed_is_tighter() -> None:
    rng = np.random.default_rng(1)
    seed_effect = rng.normal(0, 1.0, 10)
    data = {
        (): seed_effect + rng.normal(0, 0.05, 10),
        ("a",): seed_effect + 0.3 + rng.normal(0, 0.05, 10),
    }
    unpaired = ablation(data).leave_one_out[0]
    paired = ablation(data, paired=True).leave_one_out[0]
    assert paired.high - paired.low < (unpaired.high - unpaired.low) / 5
    assert paired.low > 0
    assert paired.p_value < 0.001


def test_leave_one_out_design() -> None:
    rng = np.random.default_rng(2)
    data = {
        ("a", "b", "c"): rng.normal(10, 1, 8),
        ("b", "c"): rng.normal(8, 1, 8),
        ("a", "c"): rng.normal(10, 1, 8),
        ("a", "b"): rng.normal(9, 1, 8),
    }
    result = ablation(data)
    assert result.design == "leave-one-out"
    assert result.shapley == ()
    assert result.total is None
    assert result.to_dict()["leave_one_out"][0]["component"] == "a"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=8, max_size=8))
def test_shapley_values_add_up_to_full_minus_none(values: list[float]) -> None:
    configs = [tuple(s) for r in range(4) for s in itertools.combinations("abc", r)]
    rng = np.random.default_rng(0)
    data = {c: v + rng.normal(0, 1, 4) for c, v in zip(configs, values, strict=True)}
    result = ablation(data)
    assert result.total is not None
    assert sum(c.estimate for c in result.shapley) == pytest.approx(result.total.estimate)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        ({("a", "b"): [1.0, 2.0], ("a",): [1.0, 2.0]}, {}, "missing"),
        ({("a",): [1.0, 2.0]}, {}, "at least two"),
        ({(): [1.0, 2.0], ("a",): [1.0, 2.0, 3.0]}, {"paired": True}, "same number"),
        ({(): [1.0, 2.0], ("z",): [1.0, 2.0]}, {"components": ["a"]}, "not in components"),
    ],
)
def test_bad_input(data: dict, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InputError, match=message):
        ablation(data, **kwargs)
