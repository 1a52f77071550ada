"""One trial in this process: values, samples and failures, on a fake clock."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from assay.bench.plan import TrialKey
from assay.bench.spec import BenchmarkSpec
from assay.bench.worker import TrialRequest, failure_text, run_trial
from assay.measure.clock import FakeClock
from assay.measure.timer import TimerSettings

SOURCE = """
import numpy as np
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()

@assay.workload(params={"n": [4, 8]}, items=len)
def data(seed, n):
    if seed == 99:
        raise ValueError("no data for seed 99")
    return list(range(n))

@assay.baseline
def base(data):
    CLOCK.advance(1000 * len(data))      # 1 µs per item
    return sum(data)

@assay.candidate
def broken(data):
    return 1 / 0

@assay.candidate
def hungry(data):
    raise MemoryError("cannot allocate")

@assay.metric(higher_is_better=True)
def total(output):
    return output

@assay.metric(higher_is_better=True)
def per_example(output, data):
    return [output] * len(data)
"""

FAST = TimerSettings(warmup_time=0.0, trial_time=0.0, min_samples=4)


@pytest.fixture
def spec(load_bench: Callable[..., BenchmarkSpec]) -> BenchmarkSpec:
    return load_bench(SOURCE)


def clock_of(spec: BenchmarkSpec) -> FakeClock:
    import sys

    module = sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]
    clock: FakeClock = module.CLOCK
    return clock


def test_a_trial_reports_its_values(spec: BenchmarkSpec) -> None:
    request = TrialRequest(TrialKey("base", (("n", 8),), 1), timer=FAST, usd_per_hour=3.6)
    outcome = run_trial(spec, request, clock=clock_of(spec))
    assert outcome["status"] == "ok"
    values = outcome["values"]
    assert values["time"] == pytest.approx(8e-6)
    assert values["throughput"] == pytest.approx(8 / 8e-6)
    assert values["cost"] == pytest.approx(3.6 / 3600 * 8e-6 * 1000 / 8)
    assert values["total"] == 28.0
    assert values["per_example"] == 28.0
    assert np.array_equal(outcome["samples"]["per_example"], [28.0] * 8)
    assert len(outcome["samples"]["time"]) == 4
    assert values["peak_heap"] >= 0
    assert outcome["details"]["timer"]["loops"] >= 1
    assert outcome["details"]["cuda"] is False


def test_an_exception_in_the_method(spec: BenchmarkSpec) -> None:
    outcome = run_trial(spec, TrialRequest(TrialKey("broken", (("n", 4),), 1), timer=FAST))
    assert outcome["status"] == "error"
    reason = outcome["reason"]
    assert reason.startswith("method raised ZeroDivisionError: division by zero")
    assert "return 1 / 0" in reason
    assert "assay/bench" not in reason


def test_an_exception_in_the_workload(spec: BenchmarkSpec) -> None:
    outcome = run_trial(spec, TrialRequest(TrialKey("base", (("n", 4),), 99), timer=FAST))
    assert outcome["status"] == "error"
    assert outcome["reason"].startswith("workload raised ValueError: no data for seed 99")


def test_memory_error_under_a_limit_is_a_memory_failure(spec: BenchmarkSpec) -> None:
    key = TrialKey("hungry", (("n", 4),), 1)
    limited = run_trial(spec, TrialRequest(key, timer=FAST, memory_limit=2**20))
    assert limited["status"] == "memory"
    assert "1 MiB limit" in limited["reason"]
    unlimited = run_trial(spec, TrialRequest(key, timer=FAST))
    assert unlimited["status"] == "error"


def test_failure_text_without_a_traceback() -> None:
    assert failure_text(KeyError("k")) == "KeyError: 'k'"


BLOCK_SOURCE = (
    SOURCE
    + """

@assay.candidate
def base_twice(data):
    CLOCK.advance(2000 * len(data))
    return sum(data)
"""
)


def test_a_block_interleaves_its_python_methods(load_bench: Callable[..., BenchmarkSpec]) -> None:
    from assay.bench.worker import run_block

    spec = load_bench(BLOCK_SOURCE)
    keys = [TrialKey(m, (("n", 4),), 1) for m in ("base", "broken", "base_twice")]
    outcomes = run_block(spec, [TrialRequest(k, timer=FAST) for k in keys], clock=clock_of(spec))
    base, broken, twice = outcomes
    assert broken["status"] == "error"
    assert base["details"]["interleaved_with"] == 2
    assert base["values"]["time"] == pytest.approx(4e-6)
    assert twice["values"]["time"] == pytest.approx(8e-6)
    assert twice["values"]["total"] == 6.0


def test_a_block_of_one_runs_as_a_trial(spec: BenchmarkSpec) -> None:
    from assay.bench.worker import run_block

    keys = [TrialKey("base", (("n", 4),), 1), TrialKey("hungry", (("n", 4),), 1)]
    base, hungry = run_block(spec, [TrialRequest(k, timer=FAST) for k in keys])
    assert base["status"] == "ok"
    assert "interleaved_with" not in base["details"]
    assert hungry["status"] == "error"
