"""Clocks: where a timer reads the time, and a fake one for tests.

A clock is any zero-argument callable returning an integer number of nanoseconds
that never goes backwards. The real one is :func:`time.perf_counter_ns`; tests
inject a :class:`FakeClock` so that calibration and overhead subtraction can be
checked exactly, with no dependence on the machine's speed.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Clock", "FakeClock", "default_clock", "read_overhead_ns"]

Clock = Callable[[], int]
"""A monotonic clock in nanoseconds."""

default_clock: Clock = time.perf_counter_ns


class FakeClock:
    """A clock that only moves when told to.

    ``tick`` nanoseconds pass on every read (the timer's own cost, which a timer
    must subtract); :meth:`advance` moves time forward (the work being timed).
    """

    def __init__(self, start: int = 0, *, tick: int = 0) -> None:
        self.now = start
        self.tick = tick
        self.reads = 0

    def __call__(self) -> int:
        value = self.now
        self.now += self.tick
        self.reads += 1
        return value

    def advance(self, nanoseconds: int) -> None:
        """Let ``nanoseconds`` pass, as if some work ran."""
        self.now += nanoseconds


def read_overhead_ns(clock: Clock, *, repeats: int = 64) -> float:
    """The cost of one clock read, as a timed interval sees it.

    A sample ``t1 - t0`` includes the part of one read between the two values;
    two back-to-back reads measure exactly that. The median of ``repeats`` pairs
    is robust to an interrupt landing in one of them.
    """
    gaps = []
    for _ in range(repeats):
        t0 = clock()
        t1 = clock()
        gaps.append(t1 - t0)
    gaps.sort()
    return float(gaps[len(gaps) // 2])
