"""Timing a shell command as a process, with the cost of spawning subtracted.

A command method is timed end to end: spawn, run, exit, reap. Part of that is
the operating system's cost of starting any process, which says nothing about
the command; :class:`ProcessTimer` measures it with the same mechanism on
``true`` and subtracts its median from every sample.

Processes start with :func:`os.posix_spawnp` (no shell: the argument list is
passed as is) and are reaped with :func:`os.wait4`, whose resource usage gives
the command's own peak RSS. Standard input, when the workload provides bytes or
text, comes from a temporary file; standard output goes to ``/dev/null`` while
timing and to a file for the one run whose output quality metrics read.
A non-zero exit raises :class:`subprocess.CalledProcessError`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assay.measure.clock import Clock, default_clock
from assay.measure.environment import describe_executable
from assay.measure.timer import TimerSettings, Timing

__all__ = ["ProcessRun", "ProcessTimer", "spawn"]

_NS = 1_000_000_000


@dataclass(frozen=True)
class ProcessRun:
    """One run of a command: wall time, exit status, peak RSS, captured output."""

    wall_ns: int
    returncode: int
    max_rss: int
    stdout: bytes | None


def spawn(
    argv: Sequence[str],
    *,
    stdin_path: str | None = None,
    capture: bool = False,
    clock: Clock = default_clock,
) -> ProcessRun:
    """Run ``argv`` once, timed from spawn to reap; stdout captured when asked."""
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(tempfile.TemporaryFile()) if capture else None
        actions: list[tuple[int, ...] | tuple[int, int, str, int, int]] = [
            (os.POSIX_SPAWN_OPEN, 0, stdin_path or os.devnull, os.O_RDONLY, 0)
        ]
        if out is not None:
            actions.append((os.POSIX_SPAWN_DUP2, out.fileno(), 1))
        else:
            actions.append((os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0))
        t0 = clock()
        pid = os.posix_spawnp(argv[0], list(argv), dict(os.environ), file_actions=actions)
        _, status, usage = os.wait4(pid, 0)
        t1 = clock()
        stdout = None
        if out is not None:
            out.seek(0)
            stdout = out.read()
    code = os.waitstatus_to_exitcode(status)
    return ProcessRun(t1 - t0, code, int(usage.ru_maxrss) * 1024, stdout)


class ProcessTimer:
    """Times a command over repeated runs; see the module docstring."""

    def __init__(self, settings: TimerSettings | None = None, *, clock: Clock = default_clock):
        self.settings = settings or TimerSettings()
        self.clock = clock

    def spawn_overhead_ns(self, repeats: int = 7) -> float:
        """Median nanoseconds to spawn and reap ``true``, the cost of any process."""
        true = shutil.which("true") or "/bin/true"
        walls = sorted(spawn([true], clock=self.clock).wall_ns for _ in range(repeats))
        return float(walls[len(walls) // 2])

    def _checked(self, argv: Sequence[str], stdin_path: str | None, capture: bool) -> ProcessRun:
        run = spawn(argv, stdin_path=stdin_path, capture=capture, clock=self.clock)
        if run.returncode != 0:
            raise subprocess.CalledProcessError(run.returncode, list(argv), run.stdout)
        return run

    def first_output(self, argv: Sequence[str], stdin_path: str | None = None) -> bytes:
        """Run once capturing standard output (also the warmup run)."""
        return self._checked(argv, stdin_path, True).stdout or b""

    def time(self, argv: Sequence[str], stdin_path: str | None = None) -> Timing:
        """Sample the command's wall time per run, spawn overhead subtracted."""
        settings, clock = self.settings, self.clock
        overhead = self.spawn_overhead_ns()
        walls: list[int] = []
        peak_rss = 0
        deadline = clock() + settings.trial_time * _NS
        while len(walls) < settings.max_samples:
            run = self._checked(argv, stdin_path, False)
            walls.append(run.wall_ns)
            peak_rss = max(peak_rss, run.max_rss)
            if len(walls) >= settings.min_samples and clock() >= deadline:
                break
        per_call = np.maximum((np.asarray(walls, dtype=np.float64) - overhead) / _NS, 0.0)
        warnings = []
        wrapper = describe_executable(argv[0]).warning()
        if wrapper:
            warnings.append(wrapper)
        if float(np.median(walls)) < 2 * overhead:
            warnings.append(
                "the command takes less than the cost of starting a process; "
                "its time is mostly spawn overhead and the subtraction dominates"
            )
        return Timing(
            per_call,
            1,
            1,
            overhead,
            0.0,
            label="process",
            warnings=tuple(warnings),
            extra={"spawn_overhead_ns": overhead, "command_peak_rss": peak_rss},
        )


def write_stdin(data: bytes | str) -> str:
    """Write ``data`` to a temporary file for use as standard input; returns its path."""
    with tempfile.NamedTemporaryFile(prefix="assay-stdin-", delete=False) as handle:
        handle.write(data.encode() if isinstance(data, str) else data)
        return handle.name
