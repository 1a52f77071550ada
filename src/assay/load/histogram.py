"""Latency histograms: HdrHistogram in microseconds, mergeable across processes.

Each worker process records into its own histograms and hands them back encoded
(HdrHistogram's compressed wire format); the parent adds them up. Adding histograms
is exact (counts per bucket add), so N processes' merge is the histogram one process
would have recorded from the same values: a test holds it to that.
"""

from __future__ import annotations

from typing import Any

from assay.errors import MissingDependencyError

__all__ = ["HIGHEST_US", "Histogram", "require_extra"]

# 1 us .. 1 hour, 3 significant digits: 0.1 % resolution at every magnitude.
LOWEST_US = 1
HIGHEST_US = 3_600_000_000
DIGITS = 3

PERCENTILES = (50.0, 90.0, 99.0, 99.9)


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

    def record(self, seconds: float) -> None:
        """Record one value; values beyond the range are clamped to its ends."""
        micros = int(seconds * 1e6)
        self._h.record_value(min(max(micros, LOWEST_US), HIGHEST_US))

    def add(self, other: Histogram) -> None:
        """Add ``other``'s counts to this one's."""
        self._h.add(other._h)

    def encode(self) -> bytes:
        """The compressed form, for sending between processes (b"" when empty)."""
        return bytes(self._h.encode()) if self.count else b""

    @property
    def count(self) -> int:
        return int(self._h.get_total_count())

    def percentile(self, pct: float) -> float:
        """The value at percentile ``pct`` (0-100) in seconds (0.0 when empty)."""
        if not self.count:
            return 0.0
        return float(self._h.get_value_at_percentile(pct)) / 1e6

    def count_above(self, seconds: float) -> int:
        """How many recorded values exceed ``seconds``, to HdrHistogram's resolution:
        a value counts when its bucket lies wholly above the threshold."""
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
