"""Run options: validation at the boundary and a JSON round trip."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from assay.bench.options import BenchOptions, Isolation, choose_interleave
from assay.bench.spec import BenchmarkSpec
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
        ({"memory_limit": 2**61}, r"memory_limit=.* must be at most 1152921504606846976"),
        ({"memory_limit": 100, "isolation": "in-process"}, "memory_limit needs trials"),
        ({"isolation": "thread"}, r"isolation='thread' \(--isolation\) is unknown"),
        ({"gpu_cache": "hot"}, "gpu_cache"),
        ({"gpu_graph": "yes"}, r"gpu_graph='yes' \(--gpu-graph\) must be True or False"),
        ({"confidence": 1.0}, "confidence"),
        ({"time_margin": 0.0}, "time_margin"),
        ({"max_trials": 3, "trials": 5}, "max_trials"),
        ({"interleave": "blocks"}, r"interleave='blocks' \(--interleave\) must be 'auto'"),
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
        interleave="samples",
        interleave_reason="asked for with --interleave samples",
        cold=True,
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


PYTHON_BENCH = """
import assay.bench as assay

@assay.workload
def data(seed):
    return seed

@assay.baseline
def base(data):
    return data

@assay.candidate
def cand(data):
    return data
"""


@pytest.mark.parametrize(
    ("source", "options", "chosen", "reason"),
    [
        (PYTHON_BENCH, {}, "samples", "Python methods: their samples taken in turn"),
        (PYTHON_BENCH, {"isolation": "spawn"}, "trials", "spawn isolation starts a fresh"),
        (PYTHON_BENCH, {"cold": True}, "trials", "--cold times one call per sample"),
        (PYTHON_BENCH, {"gpu_cache": "cold"}, "trials", "--gpu-cache cold"),
        (PYTHON_BENCH, {"memory_limit": 10**9}, "trials", "a memory limit holds for one"),
        (PYTHON_BENCH, {"interleave": "trials"}, "trials", "asked for with --interleave trials"),
        (
            PYTHON_BENCH.replace("def base(data)", "def base(data, _=None)").replace(
                "@assay.baseline", "@assay.baseline(setup=lambda data: data)"
            ),
            {},
            "trials",
            "a setup hook times one call per sample",
        ),
        (
            "import types\ncupy = types.ModuleType('cupy')\n" + PYTHON_BENCH,
            {},
            "trials",
            "the benchmark imports cupy: GPU state is kept apart",
        ),
        (
            PYTHON_BENCH + "\nassay.candidate(assay.command('true'), name='shell')\n",
            {},
            "trials",
            "shell is a command, timed in processes of its own",
        ),
    ],
)
def test_auto_interleaving_says_what_it_chose_and_why(
    load_bench: Callable[..., BenchmarkSpec],
    source: str,
    options: dict[str, object],
    chosen: str,
    reason: str,
) -> None:
    spec = load_bench(source)
    resolved = choose_interleave(BenchOptions(**options), spec)  # type: ignore[arg-type]
    assert resolved.interleave == chosen
    assert resolved.interleave_reason is not None
    assert resolved.interleave_reason.startswith(reason)
    assert choose_interleave(resolved, spec) is resolved  # a resumed run keeps its choice
    assert BenchOptions().interleave == "auto"


def test_trials_default_to_ten_fixed_and_five_before_the_first_look() -> None:
    # issue 10: the first look comes early, so a large effect decides at 5 trials per arm
    assert BenchOptions().trials == 10
    assert BenchOptions(until_decided=True).trials == 5
    assert BenchOptions(until_decided=True, trials=8).trials == 8
    assert BenchOptions(precision=0.02).trials == 10
    with pytest.raises(InputError, match="must be at least 2"):
        BenchOptions(until_decided=True, trials=0)
