"""Shared pieces for the benchmark engine's integration tests (real processes)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench.options import BenchOptions
from assay.measure.timer import TimerSettings

FAST_TIMER = TimerSettings(warmup_time=0.0, sample_time=0.0005, trial_time=0.002, min_samples=3)


def fast_options(**kwargs: object) -> BenchOptions:
    """Options with very short trials, so tests spend their time on processes."""
    values: dict[str, object] = {"trials": 2, "plan_seed": 1234, "timer": FAST_TIMER}
    values.update(kwargs)
    return BenchOptions(**values)  # type: ignore[arg-type]


@pytest.fixture
def write_bench(tmp_path: Path) -> Callable[..., Path]:
    """Write a benchmark file (dedented) under ``tmp_path`` and return its path."""

    def write(source: str, name: str = "bench_it.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return path

    return write
