"""Shell commands timed as processes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from assay.measure.process import ProcessTimer, spawn, write_stdin
from assay.measure.timer import TimerSettings

FAST = TimerSettings(warmup_time=0.0, trial_time=0.0, min_samples=3)


def test_spawn_captures_output_and_status() -> None:
    run = spawn(["echo", "hello"], capture=True)
    assert run.returncode == 0
    assert run.stdout == b"hello\n"
    assert run.wall_ns > 0
    assert run.max_rss > 0


def test_spawn_reports_the_exit_code() -> None:
    assert spawn(["false"]).returncode == 1


def test_stdin_comes_from_a_file() -> None:
    path = write_stdin("abc")
    try:
        assert spawn(["cat"], stdin_path=path, capture=True).stdout == b"abc"
    finally:
        import os

        os.unlink(path)


def test_process_timer_subtracts_spawn_overhead() -> None:
    timer = ProcessTimer(FAST)
    timing = timer.time([sys.executable, "-S", "-c", "pass"])
    assert timing.label == "process"
    assert len(timing.per_call) == 3
    assert np.all(timing.per_call >= 0)
    assert timing.extra["spawn_overhead_ns"] > 0
    assert timing.extra["command_peak_rss"] > 0


def test_a_failing_command_raises() -> None:
    with pytest.raises(subprocess.CalledProcessError):
        ProcessTimer(FAST).time(["false"])


def test_first_output() -> None:
    assert ProcessTimer(FAST).first_output(["printf", "x y"]) == b"x y"
