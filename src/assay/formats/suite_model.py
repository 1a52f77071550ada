"""The suite model that every suite reader returns (:mod:`assay.formats.suites` reads
files into it; ``assay compare BASE HEAD`` and ``assay bench import`` consume it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Suite", "SuiteBenchmark"]


@dataclass(frozen=True)
class SuiteBenchmark:
    """One named benchmark of a suite.

    ``groups`` are the values per independent repetition (a pyperf worker process,
    a Google Benchmark repetition, a hyperfine run...), each value one call's
    measurement in ``unit`` (``"second"`` for time, ``"byte"`` for memory); tools that
    give one group give one. ``meta`` keeps what the tool said about it.
    """

    name: str
    unit: str
    groups: tuple[tuple[float, ...], ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def values(self) -> tuple[float, ...]:
        """Every value, group after group."""
        return tuple(v for group in self.groups for v in group)


@dataclass(frozen=True)
class Suite:
    """A suite file read: its benchmarks in file order, and the tool that wrote it."""

    source: str
    tool: str  # pyperf, pytest-benchmark, asv, google-benchmark, hyperfine, assay
    benchmarks: tuple[SuiteBenchmark, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    def by_name(self) -> dict[str, SuiteBenchmark]:
        """The benchmarks by name."""
        return {b.name: b for b in self.benchmarks}
