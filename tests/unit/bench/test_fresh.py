"""Per-call setup, cold trials and the first-call warning, on a fake clock."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from assay.bench.fresh import (
    FIRST_CALL_EXCESS,
    FIRST_CALL_RATIO,
    FirstCall,
    first_call_warning,
    time_fresh,
)
from assay.bench.plan import TrialKey
from assay.bench.spec import BenchmarkSpec
from assay.bench.worker import TrialRequest, run_block, run_trial
from assay.errors import InputError
from assay.measure.clock import FakeClock
from assay.measure.timer import TimerSettings, Timing

FAST = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=4)

SOURCE = """
import functools
import assay.bench as assay
from assay.measure.clock import FakeClock

CLOCK = FakeClock()
SEEN = []

@assay.workload
def data(seed):
    return (3, 1, 2)

@assay.baseline
def plain(data):
    CLOCK.advance(1_000_000)             # 1 ms of work on every call
    return len(data)

class Memo:
    # a cache with lru_cache's cache_clear(): 1 ms on a miss, 10 ns on a hit

    def __init__(self):
        self.__name__ = "cached"
        self.memo = {}

    def __call__(self, data):
        if data not in self.memo:
            CLOCK.advance(1_000_000)
            self.memo[data] = len(data)
        CLOCK.advance(10)
        return self.memo[data]

    def cache_clear(self):
        self.memo.clear()

cached = assay.candidate(Memo())

@assay.candidate
@functools.lru_cache(maxsize=None)
def lru(data):
    return len(data)

def fresh_copy(data):
    CLOCK.advance(50_000_000)            # 50 ms of setup, never timed
    return list(data)

@assay.candidate(setup=fresh_copy)
def sort_in_place(data):
    SEEN.append(list(data))
    data.sort()
    CLOCK.advance(2_000)
    return data[0]
"""


@pytest.fixture
def spec(load_bench: Callable[..., BenchmarkSpec]) -> BenchmarkSpec:
    return load_bench(SOURCE)


def module_of(spec: BenchmarkSpec) -> Any:
    return sys.modules[spec.baseline.target.__module__]  # type: ignore[union-attr]


def trial(spec: BenchmarkSpec, method: str, *, cold: bool = False) -> dict[str, Any]:
    request = TrialRequest(TrialKey(method, (), 1), timer=FAST, cold=cold)
    return run_trial(spec, request, clock=module_of(spec).CLOCK)


def test_setup_time_is_excluded_and_its_output_is_the_argument(spec: BenchmarkSpec) -> None:
    outcome = trial(spec, "sort_in_place")
    assert outcome["status"] == "ok", outcome.get("reason")
    assert outcome["values"]["time"] == pytest.approx(2e-6)  # 50 ms of setup left out
    assert outcome["details"]["timer"]["loops"] == 1
    assert "setup" in outcome["details"]["timer"]
    # every call (first, warm-up, samples, memory passes) got a fresh unsorted copy
    seen = module_of(spec).SEEN
    assert seen and all(one == [3, 1, 2] for one in seen)


def test_a_setup_returning_none_passes_the_input_and_its_errors_are_named(
    load_bench: Callable[..., BenchmarkSpec],
) -> None:
    spec = load_bench(
        """
        import assay.bench as assay
        CALLS = []

        @assay.workload
        def data(seed):
            return seed

        @assay.baseline(setup=lambda data: CALLS.append(data))
        def base(data):
            return data + 1

        def broken_setup(data):
            raise RuntimeError("setup went wrong")

        @assay.candidate(setup=broken_setup)
        def cand(data):
            return data
        """
    )
    ok = run_trial(spec, TrialRequest(TrialKey("base", (), 7), timer=FAST))
    assert ok["values"]["time"] >= 0
    calls = sys.modules[spec.baseline.target.__module__].CALLS  # type: ignore[union-attr]
    assert calls and set(calls) == {7}
    failed = run_trial(spec, TrialRequest(TrialKey("cand", (), 7), timer=FAST))
    assert failed["status"] == "error"
    assert failed["reason"].startswith("setup raised RuntimeError: setup went wrong")


def test_a_cached_method_warns_and_cold_mode_clears_its_cache(spec: BenchmarkSpec) -> None:
    warm = trial(spec, "cached")
    assert warm["values"]["time"] == pytest.approx(10e-9)  # every timed call hit the cache
    assert any(w.startswith("first call ") for w in warm["warnings"]), warm["warnings"]
    assert warm["details"]["first_call"]["seconds"] == pytest.approx(1e-3 + 10e-9)
    assert spec.method("cached").prepare() is None
    assert spec.method("lru").prepare() is None
    prepare = spec.method("lru").prepare(cold=True)
    assert prepare is not None
    module_of(spec).lru((1, 2))
    assert prepare((1,)) == (1,) and module_of(spec).lru.cache_info().currsize == 0
    cold = trial(spec, "cached", cold=True)
    assert cold["values"]["time"] == pytest.approx(1e-3 + 10e-9)  # a miss on every timed call
    assert not any(w.startswith("first call ") for w in cold["warnings"])


def test_a_steady_method_does_not_warn(spec: BenchmarkSpec) -> None:
    outcome = trial(spec, "plain")
    assert outcome["values"]["time"] == pytest.approx(1e-3)
    assert not any(w.startswith("first call ") for w in outcome["warnings"])
    cold = trial(spec, "plain", cold=True)  # cold mode times a method without a cache too
    assert cold["values"]["time"] == pytest.approx(1e-3)
    assert cold["details"]["timer"]["loops"] == 1


def test_a_block_with_a_setup_method_runs_it_trial_by_trial(spec: BenchmarkSpec) -> None:
    keys = [TrialKey(m, (), 1) for m in ("plain", "cached", "sort_in_place", "lru")]
    requests = [TrialRequest(k, timer=FAST) for k in keys]
    plain, cached, sort, _ = run_block(spec, requests, clock=module_of(spec).CLOCK)
    assert plain["details"]["interleaved_with"] == 3
    assert cached["details"]["interleaved_with"] == 3
    assert any(w.startswith("first call ") for w in cached["warnings"])
    assert "interleaved_with" not in sort["details"]
    assert sort["values"]["time"] == pytest.approx(2e-6)


def test_a_cuda_trial_does_not_warn_for_its_first_call(spec: BenchmarkSpec) -> None:
    from assay.bench import worker

    request = TrialRequest(TrialKey("plain", (), 1), timer=FAST)
    slow = FirstCall(1, 1.0, False)  # a second: what creating a CUDA context costs
    call = worker._Call(len, None, (3, 1, 2), slow)
    on_cpu = worker._finish(spec, request, call, timing(1e-6), False)
    assert any(w.startswith("first call ") for w in on_cpu["warnings"])
    on_gpu = worker._finish(spec, request, call, timing(1e-6), True)
    assert not any(w.startswith("first call ") for w in on_gpu["warnings"])


def timing(median: float) -> Timing:
    return Timing(np.full(5, median), 1, 0, 0.0, 0.0)


def test_the_first_call_warning_fires_past_both_thresholds_only() -> None:
    median = 1e-6
    slow = FirstCall(None, median * FIRST_CALL_RATIO * 2 + FIRST_CALL_EXCESS, False)
    text = first_call_warning(slow, timing(median))
    assert text is not None
    assert text.startswith(f"first call {slow.seconds / median:.0f}x slower than the median")
    assert "--cold or a setup hook" in text
    below_ratio = FirstCall(None, median * FIRST_CALL_RATIO * 0.9, False)
    assert first_call_warning(below_ratio, timing(median)) is None
    tiny = 1e-7  # a sub-µs call: a ratio past the bar, but only a few µs in all
    tiny_first = FirstCall(None, tiny * FIRST_CALL_RATIO * 2, False)
    assert first_call_warning(tiny_first, timing(tiny)) is None
    interrupted = FirstCall(None, slow.seconds, True)
    assert first_call_warning(interrupted, timing(median)) is None


def test_time_fresh_counts_calls_alone_and_warns_near_the_clock_cost() -> None:
    clock = FakeClock(tick=100)  # each read costs 100 ns
    prepared: list[int] = []

    def prepare(data: int) -> int:
        prepared.append(data)
        clock.advance(1_000_000)
        return data * 2

    def fn(arg: int) -> None:
        assert arg == 42
        clock.advance(500)

    result = time_fresh(fn, prepare, 21, FAST, clock=clock)
    assert result.loops == 1
    assert len(result.per_call) == 4
    assert result.median == pytest.approx(500e-9)  # the clock read (100 ns) subtracted
    assert len(prepared) == 1 + 4  # the warm-up call, then one per sample
    assert any("clock's own cost" in w for w in result.warnings)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("42", "setup=42 must be a function of the trial's input"),
        ("lambda: None", "must accept one argument (the trial's input)"),
    ],
)
def test_a_bad_setup_is_refused(
    load_bench: Callable[..., BenchmarkSpec], setup: str, message: str
) -> None:
    source = f"""
        import assay.bench as assay

        @assay.workload
        def data(seed):
            return seed

        @assay.baseline(setup={setup})
        def base(data):
            return data

        @assay.candidate
        def cand(data):
            return data
        """
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_bench(source)


def test_a_command_cannot_take_a_setup(load_bench: Callable[..., BenchmarkSpec]) -> None:
    source = """
        import assay.bench as assay

        @assay.workload
        def data(seed):
            return seed

        assay.baseline(assay.command("true"), name="t", setup=lambda d: d)

        @assay.candidate
        def cand(data):
            return data
        """
    with pytest.raises(InputError, match="setup= needs a Python function method"):
        load_bench(source)
