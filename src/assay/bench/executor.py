"""Executors: where a trial runs (see :class:`assay.bench.options.Isolation`).

Every executor has the same three methods — ``start()``, ``run(request, *,
timeout, memory_limit) -> outcome`` and ``close()`` — and returns the outcome
dicts of :func:`assay.bench.worker.run_trial`, with failures of the process
itself (crash, timeout, memory) classified by :func:`assay.bench.channel.classify`.

- :class:`ForkServerExecutor` (default): one long-lived server process per run
  (:mod:`assay.bench.server`) forks a fresh child per trial. If the server dies
  or stops answering, the trial in flight is recorded as a crash and the next
  trial starts a new server.
- :class:`SpawnExecutor`: a fresh interpreter per trial; the runner watches it.
- :class:`InProcessExecutor`: the runner's own process; timeouts use
  ``SIGALRM`` (main thread only) and interrupt Python code, not a C call.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, Protocol

from assay.bench.channel import classify, recv, send, watch
from assay.bench.options import BenchOptions, Isolation
from assay.bench.spec import BenchmarkSpec
from assay.bench.worker import TrialRequest, run_block, run_trial
from assay.errors import InputError
from assay.measure.clock import Clock, default_clock

__all__ = [
    "Executor",
    "ForkServerExecutor",
    "InProcessExecutor",
    "SpawnExecutor",
    "make_executor",
]

_STARTUP_TIMEOUT = 300.0
_GRACE = 60.0


class Executor(Protocol):
    """Runs trials somewhere; see the module docstring."""

    def start(self) -> None:
        """Get ready (start a server); may raise :class:`InputError` for a bad benchmark."""

    def run(
        self, request: TrialRequest, *, timeout: float | None, memory_limit: int | None
    ) -> dict[str, Any]:
        """Run one trial and return its outcome; never raises for a trial's failure."""

    def run_block(
        self, requests: list[TrialRequest], *, timeout: float | None, memory_limit: int | None
    ) -> list[dict[str, Any]]:
        """Run a block's trials with interleaved samples; one outcome per request."""

    def close(self) -> None:
        """Release processes; safe to call twice."""


def _server_command(spec: BenchmarkSpec, python: str | None, mode: str) -> list[str]:
    if spec.source.kind not in ("file", "module"):
        raise InputError(
            f"{spec.name} was built in memory, so its trials cannot run in a separate "
            "process; load it from a file (assay.bench.load_benchmark) or run in-process"
        )
    exe = python or sys.executable
    return [exe, "-m", "assay.bench.server", mode, spec.source.kind, spec.source.ref]


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


def _child_env(threads: int | None, first: tuple[str, ...] = ()) -> dict[str, str]:
    env = dict(os.environ)
    if threads is not None:
        env.update(dict.fromkeys(THREAD_VARIABLES, str(threads)))
    paths = [*first, *(p for p in sys.path if p and os.path.isdir(p))]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


class ForkServerExecutor:
    """Trials in processes forked from one warm server; see the module docstring."""

    def __init__(
        self,
        spec: BenchmarkSpec,
        *,
        python: str | None = None,
        threads: int | None = None,
        cwd: str | None = None,
        path: tuple[str, ...] = (),
    ) -> None:
        """``cwd`` is the server's working directory and ``path`` directories put first
        on its ``PYTHONPATH`` (``assay ci`` runs each commit's code from its worktree)."""
        self.spec = spec
        self.command = _server_command(spec, python, "fork")
        self.env = _child_env(threads, path)
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it has imported the benchmark."""
        if self.process is not None:
            return
        process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        assert process.stdout is not None
        reply = recv(process.stdout.fileno(), deadline=time.monotonic() + _STARTUP_TIMEOUT)
        if reply is None or reply.get("kind") != "ready":
            _stop(process)
            if reply is not None and reply.get("kind") == "error":
                raise InputError(str(reply.get("message")))
            raise RuntimeError(
                f"the trial server did not start (exit code {process.returncode}); "
                f"command: {' '.join(self.command)}"
            )
        self.process = process

    def run(
        self,
        request: TrialRequest | list[TrialRequest],
        *,
        timeout: float | None,
        memory_limit: int | None,
    ) -> dict[str, Any]:
        """Send one trial (or a block, as a list) to the server and wait for its outcome."""
        self.start()
        process = self.process
        assert process is not None
        assert process.stdin is not None
        assert process.stdout is not None
        message = {
            "kind": "trial",
            "request": request,
            "timeout": timeout,
            "memory_limit": memory_limit,
        }
        deadline = None if timeout is None else time.monotonic() + timeout + _GRACE
        try:
            send(process.stdin.fileno(), message)
            reply = recv(process.stdout.fileno(), deadline=deadline)
        except (BrokenPipeError, OSError):
            reply = None
        if reply is None or reply.get("kind") != "result":
            code = _stop(process)
            self.process = None
            return {
                "status": "crash",
                "reason": f"the trial server stopped answering (exit code {code}); "
                "it was restarted for the next trial",
            }
        outcome: dict[str, Any] = reply["outcome"]
        return outcome

    def run_block(
        self, requests: list[TrialRequest], *, timeout: float | None, memory_limit: int | None
    ) -> list[dict[str, Any]]:
        """One forked process for the block; a block that crashes runs trial by trial."""
        return _block_or_each(self, requests, timeout=timeout, memory_limit=memory_limit)

    def close(self) -> None:
        """Ask the server to quit, then make sure it has."""
        process, self.process = self.process, None
        if process is None:
            return
        try:
            assert process.stdin is not None
            send(process.stdin.fileno(), {"kind": "quit"})
        except (BrokenPipeError, OSError):
            pass
        _stop(process, wait=5.0)


def _stop(process: subprocess.Popen[bytes], wait: float = 0.0) -> int | None:
    try:
        process.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for stream in (process.stdin, process.stdout):
        if stream is not None:
            stream.close()
    return process.returncode


class SpawnExecutor:
    """A fresh interpreter per trial (slow, CUDA-safe); see the module docstring."""

    def __init__(
        self, spec: BenchmarkSpec, *, python: str | None = None, threads: int | None = None
    ) -> None:
        self.spec = spec
        self.command = _server_command(spec, python, "once")
        self.env = _child_env(threads)

    def start(self) -> None:
        """Nothing to start: each trial starts its own interpreter."""

    def close(self) -> None:
        """Nothing to release: each trial's interpreter has exited."""

    def run_block(
        self, requests: list[TrialRequest], *, timeout: float | None, memory_limit: int | None
    ) -> list[dict[str, Any]]:
        """Trial by trial: a fresh interpreter each (no interleaving in spawn mode)."""
        return [self.run(r, timeout=timeout, memory_limit=memory_limit) for r in requests]

    def run(
        self, request: TrialRequest, *, timeout: float | None, memory_limit: int | None
    ) -> dict[str, Any]:
        """Start an interpreter for one trial, watch it, classify what happened."""
        with tempfile.TemporaryFile(prefix="assay-trial-") as log:
            process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=self.env,
                start_new_session=True,
            )
            assert process.stdin is not None
            assert process.stdout is not None
            try:
                send(process.stdin.fileno(), {"request": request})
                process.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            watched = watch(
                process.pid, process.stdout.fileno(), timeout=timeout, memory_limit=memory_limit
            )
            code = _stop(process, wait=30.0)
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4000))
            output = log.read().decode(errors="replace")
        _raise_load_error(watched.data)
        return classify(watched, code or 0, output, timeout=timeout, memory_limit=memory_limit)


def _raise_load_error(data: bytes) -> None:
    try:
        message = pickle.loads(data) if data else None
    except (pickle.UnpicklingError, EOFError, ValueError):
        return
    if isinstance(message, dict) and message.get("kind") == "error":
        raise InputError(str(message.get("message")))


class _TrialTimeout(BaseException):
    """Raised by SIGALRM inside an in-process trial; not an Exception, so user code
    catching ``Exception`` does not swallow it."""


class InProcessExecutor:
    """Trials in the runner's own process; see the module docstring."""

    def __init__(self, spec: BenchmarkSpec, *, clock: Clock = default_clock) -> None:
        self.spec = spec
        self.clock = clock

    def start(self) -> None:
        """Nothing to start."""

    def close(self) -> None:
        """Nothing to release."""

    def run_block(
        self, requests: list[TrialRequest], *, timeout: float | None, memory_limit: int | None
    ) -> list[dict[str, Any]]:
        """The block here, samples interleaved; past ``timeout`` per trial, trial by trial."""
        limit = None if timeout is None else timeout * len(requests)
        outcome = self._guarded(
            lambda: {"block": run_block(self.spec, requests, clock=self.clock)}, limit
        )
        if "block" in outcome:
            blocks: list[dict[str, Any]] = outcome["block"]
            return blocks
        return [self.run(r, timeout=timeout, memory_limit=memory_limit) for r in requests]

    def run(
        self, request: TrialRequest, *, timeout: float | None, memory_limit: int | None
    ) -> dict[str, Any]:
        """Run the trial here, interrupting it with SIGALRM past ``timeout``."""
        if memory_limit is not None:
            raise InputError("a memory limit needs trials in their own processes")
        return self._guarded(lambda: run_trial(self.spec, request, clock=self.clock), timeout)

    def _guarded(self, work: Callable[[], dict[str, Any]], timeout: float | None) -> dict[str, Any]:
        alarm = threading.current_thread() is threading.main_thread()
        seconds = timeout if (timeout is not None and alarm) else None
        previous: Any = None
        if seconds is not None:

            def on_alarm(signum: int, frame: FrameType | None) -> None:
                raise _TrialTimeout

            previous = signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return work()
        except _TrialTimeout:
            return {"status": "timeout", "reason": f"exceeded the timeout of {timeout:g} s"}
        except SystemExit as exc:
            return {"status": "crash", "reason": f"the trial called sys.exit({exc.code!r})"}
        finally:
            if seconds is not None:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)


def _block_or_each(
    executor: ForkServerExecutor,
    requests: list[TrialRequest],
    *,
    timeout: float | None,
    memory_limit: int | None,
) -> list[dict[str, Any]]:
    """Run a block in one process; if that process fails, run its trials one by one.

    A crash, timeout or memory kill of the block's process cannot be pinned on
    one method, so every trial of the block runs again alone, where it can.
    """
    if len(requests) > 1:
        limit = None if timeout is None else timeout * len(requests)
        outcome = executor.run(requests, timeout=limit, memory_limit=memory_limit)
        if "block" in outcome:
            tail = outcome.get("details", {}).get("output_tail")
            results: list[dict[str, Any]] = outcome["block"]
            if tail:
                for result in results:
                    result.setdefault("details", {})["output_tail"] = tail
            return results
    return [executor.run(r, timeout=timeout, memory_limit=memory_limit) for r in requests]


def make_executor(spec: BenchmarkSpec, options: BenchOptions) -> Executor:
    """The executor ``options.isolation`` asks for."""
    if options.isolation is Isolation.IN_PROCESS:
        return InProcessExecutor(spec)
    if options.isolation is Isolation.SPAWN:
        return SpawnExecutor(spec, python=options.python, threads=options.threads)
    return ForkServerExecutor(spec, python=options.python, threads=options.threads)
