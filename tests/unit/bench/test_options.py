"""Run options: validation at the boundary and a JSON round trip."""

from __future__ import annotations

import json

import pytest

from assay.bench.options import BenchOptions, Isolation
from assay.errors import InputError
from assay.measure.timer import TimerSettings


def test_trials_one_is_refused_with_the_reason() -> None:
    with pytest.raises(
        InputError, match=r"trials=1 \(--trials\) must be at least 2; a verdict needs a spread"
    ):
        BenchOptions(trials=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("inf")}, "timeout"),
        ({"budget": -5}, "budget"),
        ({"memory_limit": 100, "isolation": "in-process"}, "memory_limit needs trials"),
        ({"isolation": "thread"}, r"isolation='thread' \(--isolation\) is unknown"),
        ({"gpu_cache": "hot"}, "gpu_cache"),
        ({"confidence": 1.0}, "confidence"),
        ({"time_margin": 0.0}, "time_margin"),
        ({"max_trials": 3, "trials": 5}, "max_trials"),
    ],
)
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        BenchOptions(**kwargs)  # type: ignore[arg-type]


def test_isolation_accepts_strings() -> None:
    assert BenchOptions(isolation="spawn").isolation is Isolation.SPAWN  # type: ignore[arg-type]


def test_resolved_fixes_a_plan_seed_once() -> None:
    options = BenchOptions().resolved()
    assert options.plan_seed is not None
    assert options.resolved() is options
    assert BenchOptions(plan_seed=5).resolved().plan_seed == 5


def test_json_round_trip() -> None:
    options = BenchOptions(
        trials=4,
        timeout=2.5,
        memory_limit=10**9,
        isolation=Isolation.SPAWN,
        plan_seed=9,
        timer=TimerSettings(trial_time=0.2),
        primary=("time", "accuracy"),
        time_margin=None,
    )
    data = json.loads(json.dumps(options.to_dict()))
    assert BenchOptions.from_dict(data) == options


def test_unknown_stored_options() -> None:
    with pytest.raises(InputError, match="unknown benchmark options: colour"):
        BenchOptions.from_dict({"colour": "red"})


def test_more_trials_than_the_default_cap_raise_the_cap() -> None:
    options = BenchOptions(trials=500)
    assert options.trials == 500 and options.max_trials == 500
    assert BenchOptions(trials=20).max_trials == 200
    with pytest.raises(InputError, match="max_trials"):
        BenchOptions(trials=50, max_trials=40)


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"threads": 0}, "--threads"),
        ({"trials": 1}, "--trials"),
        ({"precision": 2.0}, "--precision"),
        ({"budget": 0.0}, "--budget"),
        ({"timeout": -1.0}, "--timeout"),
    ],
)
def test_option_errors_name_the_command_line_flag(kwargs: dict[str, object], flag: str) -> None:
    with pytest.raises(InputError, match=flag):
        BenchOptions(**kwargs)  # type: ignore[arg-type]
