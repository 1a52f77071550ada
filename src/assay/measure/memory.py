"""Peak memory of one call, measured in passes of its own.

Timing and memory are measured apart because each disturbs the other: tracing
allocations slows Python code several times over, and the timing loop's caches
hide allocations. :func:`measure_peaks` runs the callable once per probe:

- **peak RSS** (``peak_rss``): the process's resident set high-water mark during
  the call, in bytes. On Linux the mark is reset first by writing ``5`` to
  ``/proc/self/clear_refs``; where that is not allowed, the lifetime peak
  (``ru_maxrss``) is reported and the source says so. This counts the whole
  process (interpreter, libraries, the input), so compare it between methods
  rather than reading it as the method's own footprint.
- **peak heap** (``peak_heap``): the highest amount of memory traced by
  :mod:`tracemalloc` above what was traced when the call began: Python objects
  and NumPy buffers (NumPy reports its allocations to tracemalloc). This is the
  method's own transient footprint, unaffected by the allocator keeping freed
  memory.
- **peak CUDA** (``peak_cuda``): ``torch.cuda.max_memory_allocated`` after a
  reset, when the process has initialised CUDA.

Sizes typed by users (``--memory-limit 4GiB``) are read by :func:`parse_size`.
"""

from __future__ import annotations

import os
import re
import resource
import sys
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assay.errors import InputError

__all__ = [
    "MOST_BYTES",
    "MemoryPeaks",
    "cuda_in_use",
    "format_size",
    "measure_peaks",
    "parse_size",
    "read_rss",
    "reset_peak_rss",
]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
MOST_BYTES = 2**60
"""The largest size a command takes (1 EiB): beyond any machine's memory, within a
64-bit integer."""
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str, *, field: str = "size") -> int:
    """Bytes in a size such as ``512MiB``, ``4GiB``, ``1.5GB`` or ``1000`` (bytes)."""
    match = _SIZE.match(text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise InputError(
            f"{field} {text!r} is not a size; expected a number with a unit "
            "(B, KB, MB, GB, KiB, MiB, GiB), for example 4GiB"
        )
    number = match.group(1)
    # whole numbers exactly (a float would round 2**60 + 1 down to 2**60); 400 digits
    # with a fraction overflow a float to inf, which the bound refuses as well
    scaled = int(number) * _UNITS[unit] if number.isdigit() else float(number) * _UNITS[unit]
    if not scaled <= MOST_BYTES:
        raise InputError(
            f"{field} {_shortened(text)!r} is too large; expected at most 1048576TiB (2**60 bytes)"
        )
    value = int(scaled)
    if value <= 0:
        raise InputError(f"{field} {text!r} must be more than zero bytes")
    return value


def _shortened(text: str) -> str:
    return text if len(text) <= 40 else text[:20] + "…" + text[-10:]


def format_size(nbytes: float) -> str:
    """``nbytes`` in binary units, three significant digits: ``1.50 GiB``."""
    value = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024:
            return f"{value:.3g} {unit}"
        value /= 1024
    return f"{value:.3g} TiB"


def _status_field(pid: int | str, name: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def read_rss(pid: int | str = "self") -> int | None:
    """The resident set size of process ``pid`` in bytes, or None where unreadable."""
    return _status_field(pid, "VmRSS")


def reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark; False where the kernel refuses."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _lifetime_peak_rss() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) * (1 if sys.platform == "darwin" else 1024)


def cuda_in_use() -> bool:
    """True when torch is imported and this process has initialised CUDA."""
    torch = sys.modules.get("torch")
    if torch is None:
        return False
    try:
        return bool(torch.cuda.is_initialized())
    except AttributeError:
        return False


@dataclass(frozen=True)
class MemoryPeaks:
    """Peak memory of one call, in bytes (see the module docstring)."""

    peak_rss: int | None
    peak_heap: int
    peak_cuda: int | None
    rss_source: str

    def values(self) -> dict[str, float]:
        """The peaks as metric values, leaving out those not measured."""
        out = {"peak_heap": float(self.peak_heap)}
        if self.peak_rss is not None:
            out["peak_rss"] = float(self.peak_rss)
        if self.peak_cuda is not None:
            out["peak_cuda"] = float(self.peak_cuda)
        return out


def _rss_pass(fn: Callable[[Any], object], arg: Any) -> tuple[int | None, str]:
    if reset_peak_rss():
        fn(arg)
        return _status_field("self", "VmHWM"), "VmHWM after clear_refs"
    fn(arg)
    return _lifetime_peak_rss(), "ru_maxrss (lifetime peak; the kernel refused a reset)"


def _heap_pass(fn: Callable[[Any], object], arg: Any) -> int:
    already = tracemalloc.is_tracing()
    if not already:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        fn(arg)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        if not already:
            tracemalloc.stop()
    return max(0, peak - before)


def _cuda_pass(fn: Callable[[Any], object], arg: Any) -> int:
    import torch

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    fn(arg)
    torch.cuda.synchronize()
    return int(torch.cuda.max_memory_allocated())


def measure_peaks(fn: Callable[[Any], object], arg: Any) -> MemoryPeaks:
    """Run ``fn(arg)`` once per probe and return its peaks (module docstring)."""
    peak_rss, source = _rss_pass(fn, arg) if os.name == "posix" else (None, "unavailable")
    peak_heap = _heap_pass(fn, arg)
    peak_cuda = _cuda_pass(fn, arg) if cuda_in_use() else None
    return MemoryPeaks(peak_rss, peak_heap, peak_cuda, source)
