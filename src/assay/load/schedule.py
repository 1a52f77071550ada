"""Arrival schedules: when each request is *meant* to be sent.

A schedule is a sorted array of offsets in seconds from the start of the run. It is
built once, from a seed, before anything is sent, so the same seed always gives the
same schedule; worker processes share it by taking every N-th arrival
(:func:`share`), which keeps the merged traffic exactly the schedule asked for
whatever N is. Open-loop means the schedule never waits for a reply: a slow server
makes requests overlap instead of making the client send fewer of them.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt

from assay.errors import InputError

__all__ = ["ARRIVALS", "MAX_ARRIVALS", "build", "constant", "poisson", "share", "trace"]

ARRIVALS = ("poisson", "constant", "trace")

# A run larger than this is almost surely a typo (rate 1e6 for an hour); refuse it
# before allocating the schedule rather than run out of memory.
MAX_ARRIVALS = 50_000_000
MAX_TRACE_BYTES = 1024 * 2**20  # 50 million offsets fit well within it

Offsets = npt.NDArray[np.float64]


def check_rate(rate: float, *, field: str = "--rate") -> float:
    """``rate`` as requests per second, refused unless finite and above zero."""
    if not math.isfinite(rate) or rate <= 0:
        raise InputError(f"{field}: expected requests per second above 0, got {rate:g}")
    return float(rate)


def check_duration(duration: float, *, field: str = "--duration") -> float:
    """``duration`` in seconds, refused unless finite and above zero."""
    if not math.isfinite(duration) or duration <= 0:
        raise InputError(f"{field}: expected seconds above 0, got {duration:g}")
    return float(duration)


def _check_size(rate: float, duration: float) -> None:
    if rate * duration > MAX_ARRIVALS:
        raise InputError(
            f"--rate x --duration: {rate:g}/s for {duration:g} s is {rate * duration:,.0f} "
            f"requests; at most {MAX_ARRIVALS:,} per run"
        )


def poisson(rate: float, duration: float, seed: int) -> Offsets:
    """Poisson arrivals at ``rate`` per second over ``duration`` seconds: exponential
    gaps drawn from ``numpy.random.default_rng(seed)``, so a seed fixes the schedule."""
    rate, duration = check_rate(rate), check_duration(duration)
    _check_size(rate, duration)
    rng = np.random.default_rng(seed)
    # Draw a little more than the expected count, then top up in the rare short case.
    expected = rate * duration
    chunks: list[Offsets] = []
    last = 0.0
    size = int(expected + 6 * math.sqrt(expected) + 16)
    while last < duration:
        gaps = rng.exponential(1.0 / rate, size)
        times = last + np.cumsum(gaps)
        chunks.append(times)
        last = float(times[-1])
        size = max(16, size // 4)
    offsets = np.concatenate(chunks)
    return offsets[offsets < duration]


def constant(rate: float, duration: float) -> Offsets:
    """Evenly spaced arrivals: ``k / rate`` for every ``k`` with ``k / rate < duration``."""
    rate, duration = check_rate(rate), check_duration(duration)
    _check_size(rate, duration)
    count = math.ceil(duration * rate - 1e-9)
    return np.arange(count, dtype=np.float64) / rate


def trace(path: Path) -> Offsets:
    """Arrivals replayed from a CSV file: one offset in seconds per row, in the first
    column (a header row whose first cell is not a number is skipped). Offsets must be
    finite, at least 0 and non-decreasing; the message names the line that is not."""
    try:
        if path.exists() and not path.is_file():
            raise InputError(f"{path}: not a regular file (a trace is a CSV file)")
        if path.exists() and path.stat().st_size > MAX_TRACE_BYTES:
            raise InputError(f"{path}: larger than {MAX_TRACE_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such trace file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the trace file ({exc})") from None
    values: list[float] = []
    previous = 0.0
    for line_no, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or not row[0].strip():
            continue
        cell = row[0].strip()
        try:
            value = float(cell)
        except ValueError:
            if line_no == 1 and not values:
                continue  # a header
            raise InputError(
                f"{path}:{line_no}: expected an offset in seconds in the first column, got {cell!r}"
            ) from None
        if not math.isfinite(value) or value < 0:
            raise InputError(f"{path}:{line_no}: expected an offset >= 0 seconds, got {cell}")
        if value < previous:
            raise InputError(
                f"{path}:{line_no}: offsets must not decrease ({cell} after {previous:g})"
            )
        previous = value
        values.append(value)
        if len(values) > MAX_ARRIVALS:
            raise InputError(f"{path}: more than {MAX_ARRIVALS:,} arrivals")
    if not values:
        raise InputError(f"{path}: the trace has no arrivals (one offset in seconds per row)")
    return np.asarray(values, dtype=np.float64)


def build(
    arrivals: str, *, rate: float, duration: float, seed: int, trace_file: Path | None = None
) -> Offsets:
    """The schedule named by ``arrivals`` (one of :data:`ARRIVALS`)."""
    if arrivals == "poisson":
        return poisson(rate, duration, seed)
    if arrivals == "constant":
        return constant(rate, duration)
    if arrivals == "trace":
        if trace_file is None:
            raise InputError("--arrivals trace: expected a file of offsets (--trace FILE)")
        return trace(trace_file)
    raise InputError(f"--arrivals: expected one of {', '.join(ARRIVALS)}, got {arrivals!r}")


def share(offsets: Offsets, processes: int, index: int) -> Offsets:
    """Process ``index``'s part of ``offsets`` when ``processes`` share it: every
    ``processes``-th arrival starting at ``index``. The parts interleave in time, so
    each process sees the whole run's pattern at 1/N of its rate."""
    if processes < 1:
        raise InputError(f"--processes: expected at least 1, got {processes}")
    if not 0 <= index < processes:
        raise InputError(f"process index {index} is outside 0..{processes - 1}")
    return offsets[index::processes]
