"""Bundled targets (``python -m assay.load.targets``) as real servers on 127.0.0.1."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest


@pytest.fixture
def target() -> Iterator[Callable[..., str]]:
    """Start a bundled target in a subprocess; its base URL (stopped after the test)."""
    procs: list[subprocess.Popen[str]] = []

    def start(kind: str, *args: str) -> str:
        proc = subprocess.Popen(
            [sys.executable, "-m", "assay.load.targets", kind, "--port", "0", *args],
            stdout=subprocess.PIPE,
            text=True,
        )
        procs.append(proc)
        assert proc.stdout is not None
        line = proc.stdout.readline()  # "listening on http://127.0.0.1:PORT"
        assert line.startswith("listening on "), line
        return line.split()[-1]

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
