"""Measurement primitives: timers, memory probes, process timing, environment.

Nothing here knows about benchmark files or runs; :mod:`assay.bench` builds trials
out of these parts.

- :mod:`~assay.measure.clock`: the clock protocol and :class:`FakeClock` for tests.
- :mod:`~assay.measure.timer`: :class:`Timer`, the CPU timer with warmup, an
  auto-calibrated inner loop and overhead subtraction; :class:`Timing` results.
- :mod:`~assay.measure.gpu`: :class:`CudaTimer`, CUDA-event timing with sync in
  warm and cold-L2 modes, optionally as CUDA-graph replays (needs torch).
- :mod:`~assay.measure.memory`: peak RSS, tracemalloc heap and CUDA peaks of one
  call, each in its own pass; :func:`parse_size`.
- :mod:`~assay.measure.process`: shell commands timed as processes, spawn
  overhead subtracted.
- :mod:`~assay.measure.environment`: what the machine and interpreter were.
"""

from __future__ import annotations

from assay.measure.clock import Clock, FakeClock, default_clock
from assay.measure.memory import MemoryPeaks, format_size, measure_peaks, parse_size
from assay.measure.timer import Timer, TimerSettings, Timing

__all__ = [
    "Clock",
    "FakeClock",
    "MemoryPeaks",
    "Timer",
    "TimerSettings",
    "Timing",
    "default_clock",
    "format_size",
    "measure_peaks",
    "parse_size",
]
