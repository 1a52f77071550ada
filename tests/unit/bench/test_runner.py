"""The runner's loop, stopping rules and progress, in-process on a fake clock."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest

from assay.bench import BenchOptions, MemorySink, Progress, Runner
from assay.bench.executor import InProcessExecutor
from assay.bench.spec import BenchmarkSpec
from assay.measure.clock import FakeClock
from assay.measure.timer import TimerSettings

SOURCE = """
import random
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()
SLOWDOWN = {"value": 1.5}

@assay.workload
def data(seed):
    rng = random.Random(seed)
    return rng.uniform(0.9, 1.1), rng.uniform(0.995, 1.005)   # drift shared by a block; jitter

@assay.baseline
def base(data):
    CLOCK.advance(int(100_000 * data[0]))

@assay.candidate
def cand(data):
    CLOCK.advance(int(100_000 * data[0] * data[1] * SLOWDOWN["value"]))
"""

TIMER = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=3)
ENV = {"cpu": {"usable": 2}, "load_average": [0.0, 0.0, 0.0]}


@pytest.fixture
def spec(load_bench: Callable[..., BenchmarkSpec]) -> BenchmarkSpec:
    return load_bench(SOURCE)


def runner(spec: BenchmarkSpec, sink: MemorySink | None = None, **options: object) -> Runner:
    module = sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]
    clock: FakeClock = module.CLOCK
    values: dict[str, object] = {
        "plan_seed": 5,
        "timer": TIMER,
        "isolation": "in-process",
        "trials": 3,
    }
    values.update(options)
    return Runner(
        spec,
        BenchOptions(**values),  # type: ignore[arg-type]
        sink,
        executor=InProcessExecutor(spec, clock=clock),
        environment=ENV,
    )


def slowdown(spec: BenchmarkSpec, value: float) -> None:
    module = sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]
    module.SLOWDOWN["value"] = value


def test_a_fixed_run_reports_progress(spec: BenchmarkSpec) -> None:
    seen: list[Progress] = []
    run = runner(spec, trials=4)
    run.progress = seen.append
    result = run.run()
    assert result.completed == result.planned == 8
    assert [p.done for p in seen] == list(range(1, 9))
    assert seen[-1].eta == 0
    assert seen[-1].planned == 8
    assert result.stopped == "ran the 4 planned trials per method"
    row = result.comparison("cand", "time")
    assert row.verdict == "worse"
    assert row.effect == pytest.approx(0.5, abs=0.02)


def test_until_decided_stops_once_decided(spec: BenchmarkSpec) -> None:
    result = runner(spec, until_decided=True, trials=3, max_trials=40).run()
    assert result.stopped == (
        "every primary comparison reached its sequential verdict; 1 WORSE (after 3 trials per arm)"
    )
    assert result.planned is None
    assert result.completed == 2 * 3


def test_an_adaptive_run_gives_up_at_max_trials(spec: BenchmarkSpec) -> None:
    out = runner(spec, precision=1e-6, trials=2, max_trials=4).run()
    assert out.stopped.startswith("reached max_trials=4")
    assert out.completed == 8


def test_until_decided_reports_the_sequential_verdict(spec: BenchmarkSpec) -> None:
    result = runner(spec, until_decided=True, trials=3, max_trials=40).run()
    row = result.comparison("cand", "time")
    assert row.verdict == "worse"
    assert row.test is not None
    assert row.test.startswith("group-sequential")
    assert row.p_value is None
    assert any(w.startswith("sequential design:") for w in row.warnings)
    memory = result.comparison("cand", "peak_heap")
    assert memory.test != row.test  # not primary: a fixed-sample comparison


def test_precision_stops_when_the_interval_is_narrow(spec: BenchmarkSpec) -> None:
    result = runner(spec, precision=0.02, trials=2, max_trials=50).run()
    assert result.stopped == "every primary interval is within ±2.0%"
    row = result.comparison("cand", "time")
    assert row.ci is not None
    assert (1 + row.ci[1]) / (1 + row.ci[0]) <= 1.02 / 0.98


def test_budget_stops_an_adaptive_run(spec: BenchmarkSpec) -> None:
    slowdown(spec, 1.0)
    try:
        out = runner(
            spec, until_decided=True, budget=1e-9, max_trials=50, time_margin=None, trials=2
        ).run()
    finally:
        slowdown(spec, 1.5)
    assert out.stopped == (
        "spent the budget of 1e-09 s; no primary comparison had pairs to analyse"
    )


def test_resume_runs_only_what_is_missing(spec: BenchmarkSpec) -> None:
    sink = MemorySink()
    first = runner(spec, sink, trials=3).run()
    kept = sink.trials[:4]
    resumed_sink = MemorySink(kept)
    progress: list[Progress] = []
    run = runner(spec, resumed_sink, trials=3)
    run.progress = progress.append
    second = run.run()
    assert second.completed == first.completed == 6
    assert len(resumed_sink.trials) == 6
    assert resumed_sink.trials[:4] == kept
    assert progress[0].resumed == 4
    assert [t.key for t in second.trials] == [t.key for t in first.trials]


def test_the_header_holds_what_resuming_needs(spec: BenchmarkSpec) -> None:
    sink = MemorySink()
    runner(spec, sink, trials=2).run()
    assert sink.header is not None
    options = BenchOptions.from_dict(sink.header.options)
    assert options.plan_seed == 5
    assert sink.header.spec["baseline"] == "base"
    assert sink.header.environment == ENV
    assert sink.header.planned == 4


def test_interleaved_samples_give_the_same_answer(spec: BenchmarkSpec) -> None:
    result = runner(spec, trials=4, interleave="samples").run()
    assert result.completed == 8
    row = result.comparison("cand", "time")
    assert row.verdict == "worse"
    assert row.effect == pytest.approx(0.5, abs=0.02)
    assert all(t.details.get("interleaved_with") == 2 for t in result.trials)
