"""The CPU timer: warmup, an auto-calibrated inner loop, overhead subtracted.

How one trial of a Python callable is timed (see :meth:`Timer.time`):

1. **Calibration and warmup.** The callable runs in an inner loop of ``loops``
   calls per sample. Starting from one call, the loop count grows (by the
   measured cost per call, at least doubling, at most ×100 per step) until one
   sample lasts at least ``sample_time``, so that a microsecond function is
   timed over enough calls for the clock's resolution and read cost not to
   matter. Samples keep running at the final count until ``warmup_time`` has
   passed since the start; none of these are kept.
2. **Overheads.** The cost of one clock read (two back-to-back reads) and of one
   empty inner-loop iteration are measured with the same clock.
3. **Samples.** Samples run until ``trial_time`` has passed and at least
   ``min_samples`` were taken. Each sample becomes a per-call time:
   ``(raw - read_overhead - loops * loop_overhead) / loops``.
4. **Interruptions.** Around every sample the thread's count of involuntary
   context switches is read (``getrusage``, outside the timed interval). A
   sample during which the operating system gave the CPU to another process is
   marked *interrupted*: its time includes someone else's work. On a busy
   machine that is most of the noise (a trial whose samples were half
   preempted reads twice as slow). :attr:`Timing.median`, the trial's value,
   is the median of the uninterrupted samples when there are at least 3;
   otherwise of all, with a warning. On a busy machine a trial keeps sampling
   past ``trial_time`` until it has ``min_samples`` uninterrupted samples, for
   at most ten times ``trial_time``. The raw
   samples, interrupted ones included, stay in ``per_call`` for percentiles.

With ``loops > 1`` a sample is the mean of ``loops`` calls, so its upper
percentiles describe batches, not single calls (``Timing.loops`` says how
many). The clock is injectable (:class:`assay.measure.clock.FakeClock`), which
is how the calibration is unit-tested.
"""

from __future__ import annotations

import dataclasses
import gc
import itertools
import math
import resource
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from assay.errors import InputError
from assay.measure.clock import Clock, default_clock, read_overhead_ns

__all__ = ["Timer", "TimerSettings", "Timing", "involuntary_switches"]

_NS = 1_000_000_000
_PATIENCE = 10
"""How many times ``trial_time`` a busy machine may stretch a trial to find clean samples."""


@dataclass(frozen=True)
class TimerSettings:
    """How long to warm up and sample; all times in seconds."""

    warmup_time: float = 0.01
    sample_time: float = 0.001
    trial_time: float = 0.05
    min_samples: int = 5
    max_samples: int = 100_000
    max_loops: int = 1 << 30
    disable_gc: bool = False
    drop_interrupted: bool = True

    def __post_init__(self) -> None:
        for name in ("warmup_time", "sample_time", "trial_time"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InputError(f"{name}={value!r} must be a finite number of seconds >= 0")
        if self.min_samples < 1:
            raise InputError(f"min_samples={self.min_samples} must be at least 1")
        if self.max_samples < self.min_samples:
            raise InputError(
                f"max_samples={self.max_samples} must be at least min_samples={self.min_samples}"
            )
        if self.max_loops < 1:
            raise InputError(f"max_loops={self.max_loops} must be at least 1")


@dataclass(frozen=True)
class Timing:
    """The samples of one trial, in seconds per call, with how they were taken.

    ``label`` names the time reported: ``"wall"`` (CPU wall clock around the
    calls), ``"device"`` (CUDA events around the kernels), ``"launch-inclusive"``
    or ``"process"`` (a spawned command, spawn overhead subtracted).
    """

    per_call: npt.NDArray[np.float64]
    loops: int
    warmup_samples: int
    read_overhead_ns: float
    loop_overhead_ns: float
    clock: str = "perf_counter"
    label: str = "wall"
    warnings: tuple[str, ...] = field(default=())
    extra: dict[str, Any] = field(default_factory=dict)
    interrupted: npt.NDArray[np.bool_] | None = None

    @property
    def clean(self) -> npt.NDArray[np.float64]:
        """The samples the median is taken over (see the module docstring)."""
        if self.interrupted is None:
            return self.per_call
        kept = self.per_call[~self.interrupted]
        if kept.size >= 3:
            return kept
        return self.per_call

    @property
    def median(self) -> float:
        """The trial's per-call time: the median of :attr:`clean`, in seconds."""
        return float(np.median(self.clean))

    def details(self) -> dict[str, Any]:
        """A JSON-able account of how the samples were taken."""
        return {
            "loops": self.loops,
            "samples": len(self.per_call),
            "warmup_samples": self.warmup_samples,
            "read_overhead_ns": self.read_overhead_ns,
            "loop_overhead_ns": self.loop_overhead_ns,
            "clock": self.clock,
            "label": self.label,
            "interrupted_samples": int(np.sum(self.interrupted))
            if self.interrupted is not None
            else None,
            **self.extra,
        }


def involuntary_switches() -> int:
    """How many times the OS has taken the CPU from this thread (Linux), else 0."""
    who = getattr(resource, "RUSAGE_THREAD", resource.RUSAGE_SELF)
    return int(resource.getrusage(who).ru_nivcsw)


class Timer:
    """Times a callable applied to one argument; see the module docstring.

    ``clock`` and ``switches`` (the involuntary context-switch counter) are
    injectable for tests.
    """

    def __init__(
        self,
        settings: TimerSettings | None = None,
        *,
        clock: Clock = default_clock,
        switches: Callable[[], int] = involuntary_switches,
    ):
        self.settings = settings or TimerSettings()
        self.clock = clock
        self.switches = switches

    def sample(self, fn: Callable[[Any], object], arg: Any, loops: int) -> int:
        """One raw sample: nanoseconds for ``loops`` calls of ``fn(arg)``."""
        clock = self.clock
        it = itertools.repeat(None, loops)
        t0 = clock()
        for _ in it:
            fn(arg)
        t1 = clock()
        return t1 - t0

    def calibrate(self, fn: Callable[[Any], object], arg: Any) -> tuple[int, int]:
        """Warm up and choose the inner loop count; returns ``(loops, samples run)``."""
        settings, clock = self.settings, self.clock
        target = settings.sample_time * _NS
        start = clock()
        loops, runs = 1, 0
        while True:
            raw = self.sample(fn, arg, loops)
            runs += 1
            if raw >= target or loops >= settings.max_loops:
                break
            per_call = max(raw, 1) / loops
            wanted = math.ceil(target / per_call * 1.1)
            loops = min(max(wanted, loops * 2), loops * 100, settings.max_loops)
        while clock() - start < settings.warmup_time * _NS:
            self.sample(fn, arg, loops)
            runs += 1
        return loops, runs

    def loop_overhead_ns(self, loops: int, *, repeats: int = 5) -> float:
        """Nanoseconds one empty iteration of the inner loop costs (median of repeats)."""
        clock = self.clock
        n = max(1, min(loops, 10_000))
        read = read_overhead_ns(clock)
        costs = []
        for _ in range(repeats):
            it = itertools.repeat(None, n)
            t0 = clock()
            for _ in it:
                pass
            t1 = clock()
            costs.append(max(0.0, (t1 - t0 - read) / n))
        costs.sort()
        return costs[len(costs) // 2]

    def time(self, fn: Callable[[Any], object], arg: Any) -> Timing:
        """Warm up, calibrate, then sample ``fn(arg)``; see the module docstring."""
        return self.time_interleaved([(fn, arg)])[0]

    def time_interleaved(self, jobs: Sequence[tuple[Callable[[Any], object], Any]]) -> list[Timing]:
        """Time several callables with their samples taken in turn.

        Each job is calibrated and warmed up on its own; then samples are taken
        round-robin, one of each job per turn (the order rotating), until
        ``trial_time`` per job has passed and every job has ``min_samples``.
        A machine whose speed drifts over tens of milliseconds then slows every
        job alike, so ratios between them are far steadier than between
        trials taken one after another. A turn in which any job's sample was
        interrupted counts as interrupted for all of them. With one job this
        is :meth:`time`.
        """
        calibrated = [self.calibrate(fn, arg) for fn, arg in jobs]
        read = read_overhead_ns(self.clock)
        costs = [self.loop_overhead_ns(loops) for loops, _ in calibrated]
        loops = [loops for loops, _ in calibrated]
        raws, flags = self._collect(jobs, loops)
        # A turn in which any job was interrupted is left out for every job, so
        # that all medians come from the same stretches of time.
        turns = np.logical_or.reduce(flags)
        flags = [turns for _ in flags]
        return [
            self._timing(raw, interrupted, n, warmup, read, cost)
            for raw, interrupted, n, (_, warmup), cost in zip(
                raws, flags, loops, calibrated, costs, strict=True
            )
        ]

    def _timing(
        self,
        raw: npt.NDArray[np.float64],
        interrupted: npt.NDArray[np.bool_],
        loops: int,
        warmup: int,
        read: float,
        loop_cost: float,
    ) -> Timing:
        per_call = (raw - read - loop_cost * loops) / loops / _NS
        warnings = []
        if np.any(per_call <= 0):
            warnings.append(
                "some samples were no longer than the timer's own overhead; "
                "the callable is too fast to time alone, so time a batch of work per call"
            )
            per_call = np.maximum(per_call, 0.0)
        timing = Timing(
            per_call,
            loops,
            warmup,
            read,
            loop_cost,
            warnings=tuple(warnings),
            interrupted=interrupted if self.settings.drop_interrupted else None,
        )
        dropped = timing.interrupted is not None and timing.clean is not timing.per_call
        if timing.interrupted is not None and not dropped and interrupted.any():
            share = float(np.mean(interrupted))
            timing = dataclasses.replace(
                timing,
                warnings=(
                    *timing.warnings,
                    f"{share:.0%} of the samples were interrupted by other processes: "
                    "the machine is busy and this trial's time includes their work",
                ),
            )
        return timing

    def _collect(
        self, jobs: Sequence[tuple[Callable[[Any], object], Any]], loops: list[int]
    ) -> tuple[list[npt.NDArray[np.float64]], list[npt.NDArray[np.bool_]]]:
        settings, clock, switches = self.settings, self.clock, self.switches
        count = len(jobs)
        samples: list[list[int]] = [[] for _ in jobs]
        interrupted: list[list[bool]] = [[] for _ in jobs]
        was_enabled = gc.isenabled()
        if settings.disable_gc:
            gc.disable()
        try:
            start = clock()
            deadline = start + settings.trial_time * count * _NS
            give_up = start + settings.trial_time * count * _NS * _PATIENCE
            turn = clean = 0
            while len(samples[0]) < settings.max_samples:
                hit = False
                for k in range(count):
                    j = (turn + k) % count
                    fn, arg = jobs[j]
                    before = switches()
                    samples[j].append(self.sample(fn, arg, loops[j]))
                    interrupted[j].append(switches() != before)
                    hit = hit or interrupted[j][-1]
                turn += 1
                clean += 0 if (hit and settings.drop_interrupted) else 1
                now = clock()
                enough = clean >= settings.min_samples or now >= give_up
                if turn >= settings.min_samples and now >= deadline and enough:
                    break
        finally:
            if was_enabled:
                gc.enable()
        return (
            [np.asarray(s, dtype=np.float64) for s in samples],
            [np.asarray(f, dtype=bool) for f in interrupted],
        )
