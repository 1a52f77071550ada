"""The CPU timer's calibration, warmup and overhead subtraction, on a fake clock."""

from __future__ import annotations

import numpy as np
import pytest

from assay.errors import InputError
from assay.measure.clock import FakeClock, read_overhead_ns
from assay.measure.timer import Timer, TimerSettings


def work(clock: FakeClock, ns: int):
    def fn(arg: object) -> None:
        clock.advance(ns)

    return fn


def test_calibration_reaches_the_sample_time_and_times_exactly() -> None:
    clock = FakeClock()
    timer = Timer(TimerSettings(sample_time=0.001, warmup_time=0.005, trial_time=0.02), clock=clock)
    timing = timer.time(work(clock, 1000), None)
    # 1 call (1 µs), then 100 (×100 cap), then ceil(1e6/1000*1.1) = 1100 calls >= 1 ms.
    assert timing.loops == 1100
    assert np.all(timing.per_call == pytest.approx(1e-6))
    assert timing.read_overhead_ns == 0
    assert timing.loop_overhead_ns == 0


def test_clock_read_cost_is_subtracted() -> None:
    clock = FakeClock(tick=70)
    timer = Timer(TimerSettings(sample_time=0.001, warmup_time=0.0, trial_time=0.0), clock=clock)
    timing = timer.time(work(clock, 2500), None)
    assert timing.read_overhead_ns == 70
    assert np.allclose(timing.per_call, 2.5e-6)


def test_slow_function_runs_once_per_sample_and_min_samples_hold() -> None:
    clock = FakeClock()
    settings = TimerSettings(sample_time=0.001, warmup_time=0.0, trial_time=0.0, min_samples=7)
    timing = Timer(settings, clock=clock).time(work(clock, 5_000_000), None)
    assert timing.loops == 1
    assert len(timing.per_call) == 7
    assert timing.warmup_samples == 1
    assert timing.median == pytest.approx(0.005)


def test_samples_run_until_the_trial_time() -> None:
    clock = FakeClock()
    settings = TimerSettings(sample_time=0.001, warmup_time=0.0, trial_time=0.01, min_samples=1)
    timing = Timer(settings, clock=clock).time(work(clock, 1_000_000), None)
    # each sample takes exactly 1 ms; collection stops once 10 ms have passed
    assert len(timing.per_call) == 10


def test_warmup_runs_until_the_warmup_time() -> None:
    clock = FakeClock()
    settings = TimerSettings(sample_time=0.001, warmup_time=0.004, trial_time=0.0, min_samples=1)
    timing = Timer(settings, clock=clock).time(work(clock, 1_000_000), None)
    assert timing.warmup_samples == 4


def test_max_samples_caps_collection() -> None:
    clock = FakeClock()
    settings = TimerSettings(
        sample_time=0.0, warmup_time=0.0, trial_time=10.0, min_samples=1, max_samples=3
    )
    assert len(Timer(settings, clock=clock).time(work(clock, 10), None).per_call) == 3


def test_too_fast_callables_are_clipped_at_zero_with_a_warning() -> None:
    clock = FakeClock(tick=100)
    settings = TimerSettings(sample_time=0.0, warmup_time=0.0, trial_time=0.0, max_loops=1)
    timer = Timer(settings, clock=clock)
    timer.loop_overhead_ns = lambda loops, repeats=5: 500.0  # type: ignore[method-assign]
    timing = timer.time(work(clock, 0), None)
    assert np.all(timing.per_call == 0)
    assert any("too fast" in w for w in timing.warnings)


def test_read_overhead_is_the_median_gap() -> None:
    assert read_overhead_ns(FakeClock(tick=42)) == 42


def test_real_clock_gives_positive_times() -> None:
    settings = TimerSettings(sample_time=0.0005, warmup_time=0.001, trial_time=0.005)
    timing = Timer(settings).time(lambda data: sum(data), list(range(100)))
    assert timing.loops >= 1
    assert np.all(timing.per_call >= 0)
    assert timing.median > 0
    assert timing.details()["label"] == "wall"


def test_disable_gc_restores_the_collector() -> None:
    import gc

    settings = TimerSettings(sample_time=0.0, warmup_time=0.0, trial_time=0.0, disable_gc=True)
    Timer(settings).time(lambda x: None, None)
    assert gc.isenabled()


@pytest.mark.parametrize(
    ("field", "value"),
    [("warmup_time", -1.0), ("sample_time", float("nan")), ("min_samples", 0), ("max_loops", 0)],
)
def test_settings_are_validated(field: str, value: float) -> None:
    with pytest.raises(InputError, match=field):
        TimerSettings(**{field: value})


def test_max_samples_below_min_samples_is_refused() -> None:
    with pytest.raises(InputError, match="max_samples"):
        TimerSettings(min_samples=5, max_samples=2)


def test_interrupted_samples_are_left_out_of_the_median() -> None:
    clock = FakeClock()
    calls = {"n": 0}

    def fn(arg: object) -> None:
        calls["n"] += 1
        clock.advance(1000)

    settings = TimerSettings(sample_time=0.0, warmup_time=0.0, trial_time=0.0, min_samples=10)
    counter = iter([0, 0] * 4 + [0, 1] * 6)  # 4 clean samples, then 6 interrupted ones

    timer = Timer(settings, clock=clock, switches=lambda: next(counter))
    timing = timer.time(fn, None)
    assert timing.interrupted is not None
    assert timing.interrupted.tolist() == [False] * 4 + [True] * 6
    assert timing.clean.size == 4
    assert timing.details()["interrupted_samples"] == 6
    assert timing.warnings == ()


def test_a_mostly_interrupted_trial_keeps_every_sample_and_warns() -> None:
    clock = FakeClock()
    settings = TimerSettings(sample_time=0.0, warmup_time=0.0, trial_time=0.0, min_samples=10)
    counter = iter([0, 0] * 1 + [0, 1] * 9)
    timer = Timer(settings, clock=clock, switches=lambda: next(counter))
    timing = timer.time(work(clock, 1000), None)
    assert timing.clean.size == 10
    assert any("90% of the samples were interrupted" in w for w in timing.warnings)


def test_dropping_interruptions_can_be_turned_off() -> None:
    clock = FakeClock()
    settings = TimerSettings(
        sample_time=0.0, warmup_time=0.0, trial_time=0.0, min_samples=4, drop_interrupted=False
    )
    timing = Timer(settings, clock=clock, switches=iter(range(100)).__next__).time(
        work(clock, 1000), None
    )
    assert timing.interrupted is None
    assert timing.clean is timing.per_call


def test_interleaved_jobs_take_turns_and_time_exactly() -> None:
    clock = FakeClock()
    order: list[str] = []

    def job(name: str, ns: int):
        def fn(arg: object) -> None:
            order.append(name)
            clock.advance(ns)

        return fn

    settings = TimerSettings(sample_time=0.0, warmup_time=0.0, trial_time=0.0, min_samples=4)
    fast, slow = Timer(settings, clock=clock).time_interleaved(
        [(job("a", 1000), None), (job("b", 3000), None)]
    )
    assert len(fast.per_call) == len(slow.per_call) == 4
    assert fast.median == pytest.approx(1e-6)
    assert slow.median == pytest.approx(3e-6)
    sampled = order[-8:]  # after calibration: turns alternate, the order rotating
    assert sampled == ["a", "b", "b", "a", "a", "b", "b", "a"]


def test_a_busy_machine_stretches_the_trial_for_clean_samples() -> None:
    clock = FakeClock()
    switches = iter([0, 1] * 6 + [0, 0] * 100)  # the first 6 samples are interrupted
    settings = TimerSettings(sample_time=0.001, warmup_time=0.0, trial_time=0.004, min_samples=4)
    timing = Timer(settings, clock=clock, switches=lambda: next(switches)).time(
        work(clock, 1_000_000), None
    )
    # 4 ms would have given 4 samples, all interrupted; it samples on to 4 clean ones
    assert len(timing.per_call) == 10
    assert timing.clean.size == 4
    assert timing.warnings == ()


def test_stretching_stops_at_ten_times_the_trial_time() -> None:
    clock = FakeClock()
    settings = TimerSettings(sample_time=0.001, warmup_time=0.0, trial_time=0.002, min_samples=2)
    timing = Timer(settings, clock=clock, switches=iter(range(10**6)).__next__).time(
        work(clock, 1_000_000), None
    )
    assert len(timing.per_call) == 20
    assert any("interrupted" in w for w in timing.warnings)
