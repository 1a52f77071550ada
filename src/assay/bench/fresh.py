"""State that must not leak between timed calls: per-call setup, and the first-call check.

Two things keep a cache or a JIT from making a method look faster than it is:

- :func:`time_fresh` times a method **one call per sample**, with its
  preparation (the method's ``setup``, and in a ``--cold`` run its
  ``cache_clear``; see :meth:`assay.bench.registry.Method.prepare`) run before
  every call, outside the timed interval. Each sample is
  ``t1 - t0 - read_overhead`` around one call, its output released after the
  second clock read (a cached method keeps its output, an uncached one would
  otherwise pay for freeing it inside the interval); samples interrupted by the
  operating system are marked as :class:`~assay.measure.timer.Timer` marks them.
- :func:`first_call` times the untimed first call that every trial makes (its
  output feeds the quality metrics), and :func:`first_call_warning` compares it
  with the median of the timed calls. A first call at least
  :data:`FIRST_CALL_RATIO` times slower (and :data:`FIRST_CALL_EXCESS` slower
  in seconds) says that something warmed up during it
  (a cache filled, a JIT compiled, a lazy import ran) and that every timed call
  then profited: the warning names the figures and what to do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from assay.measure.clock import Clock, read_overhead_ns
from assay.measure.timer import TimerSettings, Timing, involuntary_switches

__all__ = [
    "FIRST_CALL_EXCESS",
    "FIRST_CALL_RATIO",
    "FirstCall",
    "first_call",
    "first_call_warning",
    "time_fresh",
]

_NS = 1_000_000_000
_PATIENCE = 10

FIRST_CALL_RATIO = 120.0
"""A first call this many times slower than the median of the timed calls warns
(when it is also :data:`FIRST_CALL_EXCESS` seconds slower).

Chosen from measurements (``benchmarks/bench_first_call.py``, figures in
``benchmarks/results/first_call.json``): in forked trial processes on a busy
two-core machine, steady functions from 100 ns to 10 ms had first calls up to
about 100x the median of the rest (``np.sum`` of 1,000 floats: 150-350 µs
against 3 µs; the first call in a fresh process pays copy-on-write page faults
and cold CPU caches), while an ``lru_cache``'d tokenizer's first call was
150-3,900x (the low end when the machine was so busy that the cached calls
slowed too) and a lookup table built on first use 200-370x. 120 sits between;
a cache that saves less goes unnoticed: declare a ``setup`` or run ``--cold``.
"""

FIRST_CALL_EXCESS = 50e-6
"""Seconds a first call must exceed the median by to warn: a sub-microsecond
function's first call in a fresh process costs up to about 40 µs more than the
rest (cold caches), which is a ratio above 100 but no sign of a cache."""


@dataclass(frozen=True)
class FirstCall:
    """The untimed first call of a trial: its output, seconds, and whether the OS interrupted it."""

    output: Any
    seconds: float
    interrupted: bool


def first_call(
    fn: Callable[[Any], Any],
    arg: Any,
    clock: Clock,
    switches: Callable[[], int] = involuntary_switches,
) -> FirstCall:
    """Call ``fn(arg)`` once, timing it (an exception propagates)."""
    before = switches()
    t0 = clock()
    output = fn(arg)
    t1 = clock()
    return FirstCall(output, (t1 - t0) / _NS, switches() != before)


def first_call_warning(first: FirstCall, timing: Timing) -> str | None:
    """The warning for a first call much slower than the timed ones, or None.

    A first call that the operating system interrupted says nothing about the
    method, so it never warns.
    """
    median = timing.median
    if first.interrupted or median <= 0 or first.seconds < FIRST_CALL_RATIO * median:
        return None
    if first.seconds - median < FIRST_CALL_EXCESS:
        return None
    # Only the ratio: alike warnings of a method's trials then read alike and are
    # counted once; the seconds are in the trial's details["first_call"].
    return (
        f"first call {first.seconds / median:.0f}x slower than the median of the rest; "
        "a cache or a JIT warms up, so the timed calls may measure only the warm path: "
        "consider --cold or a setup hook"
    )


def _warm_up(
    fn: Callable[[Any], Any], prepare: Callable[[Any], Any], data: Any, seconds: float, clock: Clock
) -> int:
    start = clock()
    runs = 0
    while runs == 0 or clock() - start < seconds * _NS:
        fn(prepare(data))
        runs += 1
    return runs


def time_fresh(
    fn: Callable[[Any], Any],
    prepare: Callable[[Any], Any],
    data: Any,
    settings: TimerSettings,
    *,
    clock: Clock,
    switches: Callable[[], int] = involuntary_switches,
) -> Timing:
    """Time ``fn(prepare(data))`` one call per sample, ``prepare`` untimed (module docstring).

    Warm-up runs for ``warmup_time`` (at least one call), then samples until
    ``trial_time`` has passed and ``min_samples`` uninterrupted ones were taken
    (for at most ten times ``trial_time`` on a busy machine).
    """
    warmup = _warm_up(fn, prepare, data, settings.warmup_time, clock)
    read = read_overhead_ns(clock)
    raws: list[int] = []
    flags: list[bool] = []
    start = clock()
    deadline = start + settings.trial_time * _NS
    give_up = start + settings.trial_time * _NS * _PATIENCE
    clean = 0
    while len(raws) < settings.max_samples:
        arg = prepare(data)
        before = switches()
        t0 = clock()
        result = fn(arg)
        t1 = clock()
        del result  # freeing the output is not the call: a cache would keep it
        hit = switches() != before
        raws.append(t1 - t0)
        flags.append(hit)
        clean += 0 if (hit and settings.drop_interrupted) else 1
        now = clock()
        enough = clean >= settings.min_samples or now >= give_up
        if len(raws) >= settings.min_samples and now >= deadline and enough:
            break
    per_call = np.maximum(np.asarray(raws, dtype=np.float64) - read, 0.0) / _NS
    interrupted = np.asarray(flags, dtype=bool)
    timing = Timing(
        per_call,
        1,
        warmup,
        read,
        0.0,
        interrupted=interrupted if settings.drop_interrupted else None,
        extra={"setup": "before every timed call, untimed (one call per sample)"},
    )
    if timing.median < 20 * read / _NS:
        note = (
            f"each call is timed alone after its setup, and at {timing.median * 1e9:.0f} ns a "
            f"call is within 20x of the clock's own cost ({read:.0f} ns): give the method "
            "more work per call"
        )
        timing = dataclasses.replace(timing, warnings=(*timing.warnings, note))
    return timing
