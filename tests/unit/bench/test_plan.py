"""The run plan: interleaved randomised blocks, deterministic from the seed."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assay.bench.plan import Plan, TrialKey, format_params

POINTS = [(("n", 1),), (("n", 2),), (("n", 3),)]


def test_every_block_holds_every_method_on_one_point_and_seed() -> None:
    plan = Plan(["a", "b", "c"], POINTS, plan_seed=1)
    blocks = plan.blocks(4)
    assert len(blocks) == 12 == plan.size(4) // 3
    for block in blocks:
        assert sorted(block.order) == ["a", "b", "c"]
        assert {k.seed for k in block.trial_keys()} == {block.seed}
    for number in range(4):
        rounds = [b for b in blocks if b.round == number]
        assert sorted(b.params for b in rounds) == POINTS
        assert len({b.seed for b in rounds}) == 1
    assert [b.index for b in blocks] == list(range(12))


def test_the_plan_is_a_function_of_its_seed() -> None:
    one = Plan(["a", "b"], POINTS, plan_seed=7).blocks(5)
    two = Plan(["a", "b"], POINTS, plan_seed=7).blocks(5)
    other = Plan(["a", "b"], POINTS, plan_seed=8).blocks(5)
    assert one == two
    assert one != other


def test_orders_are_shuffled() -> None:
    blocks = Plan(["a", "b", "c", "d"], [()], plan_seed=3).blocks(30)
    assert len({b.order for b in blocks}) > 5


def test_a_longer_plan_extends_a_shorter_one() -> None:
    plan = Plan(["a", "b"], POINTS, plan_seed=11)
    assert plan.blocks(6)[:9] == plan.blocks(3)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 2**31 - 1), st.integers(1, 30))
def test_no_key_is_planned_twice(seed: int, rounds: int) -> None:
    plan = Plan(["base", "cand"], POINTS[:2], plan_seed=seed)
    keys = [k for b in plan.blocks(rounds) for k in b.trial_keys()]
    assert len(keys) == len(set(keys)) == plan.size(rounds)


def test_trial_keys_round_trip_and_print() -> None:
    key = TrialKey("tiled", (("n", 256), ("mode", "fast")), 42)
    assert TrialKey.from_dict(key.to_dict()) == key
    assert str(key) == "tiled[n=256,mode=fast] seed=42"
    assert str(TrialKey("x", (), 1)) == "x seed=1"
    assert format_params(()) == ""


def test_a_plan_needs_two_methods_and_a_point() -> None:
    import pytest

    from assay.errors import InputError

    with pytest.raises(InputError, match="two methods"):
        Plan(["a"], [()], plan_seed=0)
    with pytest.raises(InputError, match="sweep point"):
        Plan(["a", "b"], [], plan_seed=0)
