"""Helpers for benchmark-engine tests: write a benchmark file and load it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench.spec import BenchmarkSpec, load_benchmark


@pytest.fixture
def write_bench(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``source`` (dedented) to ``tmp_path/name`` and return the path."""

    def write(source: str, name: str = "bench_file.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(source))
        return path

    return write


@pytest.fixture
def load_bench(write_bench: Callable[[str, str], Path]) -> Callable[..., BenchmarkSpec]:
    """Write a benchmark file and load it."""

    def load(source: str, name: str = "bench_file.py") -> BenchmarkSpec:
        return load_benchmark(write_bench(source, name))

    return load
