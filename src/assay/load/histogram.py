"""Latency histograms: HdrHistogram in microseconds, mergeable across processes.

Each worker process records into its own histograms and hands them back encoded
(HdrHistogram's compressed wire format); the parent adds them up. Adding histograms
is exact (counts per bucket add), so N processes' merge is the histogram one process
would have recorded from the same values: a test holds it to that.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assay.errors import MissingDependencyError

__all__ = ["HIGHEST_US", "Histogram", "require_extra"]

# 1 us .. 1 hour, 3 significant digits: 0.1 % resolution at every magnitude.
LOWEST_US = 1
HIGHEST_US = 3_600_000_000
DIGITS = 3

PERCENTILES = (50.0, 90.0, 99.0, 99.9)

# Values wait in a list and enter the histogram in bulk: recording one value into the
# pure-Python HdrHistogram costs microseconds, which under load is the client's CPU
# taken from sending; a list append costs nanoseconds.
_FLUSH_AT = 100_000
# With 3 significant digits HdrHistogram keeps 2048 sub-buckets per power of two:
# values below 4096 us are exact, and above that the low (log2(v) - 11) bits of a
# value do not change its bucket. Clearing them before counting equal values keeps
# the bulk insert to a few thousand distinct values without changing any bucket.
_EXACT_BITS = 11


def require_extra() -> None:
    """Refuse early, in one line, when the ``load`` extra is not installed."""
    try:
        import aiohttp  # noqa: F401
        import hdrh.histogram  # noqa: F401
    except ImportError as exc:
        raise MissingDependencyError(exc.name or "aiohttp", "load") from None


class Histogram:
    """A latency histogram in microseconds; values are given and read in seconds."""

    def __init__(self, encoded: bytes | None = None) -> None:
        from hdrh.histogram import HdrHistogram

        self._h: Any = (
            HdrHistogram.decode(encoded) if encoded else HdrHistogram(LOWEST_US, HIGHEST_US, DIGITS)
        )
        self._pending: list[float] = []

    def record(self, seconds: float) -> None:
        """Record one value; values beyond the range are clamped to its ends."""
        self._pending.append(seconds)
        if len(self._pending) >= _FLUSH_AT:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        micros = np.clip(
            (np.asarray(self._pending, dtype=np.float64) * 1e6).astype(np.int64),
            LOWEST_US,
            HIGHEST_US,
        )
        shift = np.maximum(np.floor(np.log2(micros)).astype(np.int64) - _EXACT_BITS, 0)
        values, counts = np.unique((micros >> shift) << shift, return_counts=True)
        for value, count in zip(values.tolist(), counts.tolist(), strict=True):
            self._h.record_value(value, count)
        self._pending.clear()

    def add(self, other: Histogram) -> None:
        """Add ``other``'s counts to this one's."""
        self._flush()
        other._flush()
        self._h.add(other._h)

    def encode(self) -> bytes:
        """The compressed form, for sending between processes (b"" when empty)."""
        return bytes(self._h.encode()) if self.count else b""

    @property
    def count(self) -> int:
        self._flush()
        return int(self._h.get_total_count())

    def percentile(self, pct: float) -> float:
        """The value at percentile ``pct`` (0-100) in seconds (0.0 when empty)."""
        if not self.count:
            return 0.0
        return float(self._h.get_value_at_percentile(pct)) / 1e6

    def count_above(self, seconds: float) -> int:
        """How many recorded values exceed ``seconds``, to HdrHistogram's resolution:
        a value counts when its bucket lies wholly above the threshold."""
        self._flush()
        threshold = int(seconds * 1e6)
        above = 0
        for item in self._h.get_recorded_iterator():
            if self._h.get_lowest_equivalent_value(item.value_iterated_to) > threshold:
                above += int(item.count_at_value_iterated_to)
        return above

    def summary(self) -> dict[str, float | int]:
        """Count, mean, P50/P90/P99/P99.9 and max, in milliseconds."""
        if not self.count:
            return {"count": 0}
        out: dict[str, float | int] = {
            "count": self.count,
            "mean_ms": float(self._h.get_mean_value()) / 1e3,
        }
        for pct in PERCENTILES:
            out[f"p{pct:g}_ms".replace(".", "_")] = self.percentile(pct) * 1e3
        out["max_ms"] = float(self._h.get_max_value()) / 1e3
        return out
