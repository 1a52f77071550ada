"""Talking to trial processes: framed messages, and watching a process run.

Messages between the runner and the fork server are pickled dicts, each framed
by an 8-byte big-endian length, on raw pipe file descriptors. Only assay writes
these pipes (user output is redirected elsewhere), and they carry plain data:
numbers, strings, NumPy arrays.

:func:`watch` reads a process's result pipe until end of file while enforcing
the trial's timeout and memory limit: it kills the process group when either is
passed (polling the resident set every 10 ms only when a memory limit is set, so
an unlimited trial is not disturbed). :func:`classify` turns what happened —
payload, exit status, a kill of ours, the captured output — into an outcome.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.measure.memory import format_size, read_rss

__all__ = ["Watched", "classify", "recv", "send", "trim_output", "watch"]

_HEADER = 8
_POLL = 0.01


def send(fd: int, message: dict[str, Any]) -> None:
    """Write one framed message to ``fd``."""
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(_HEADER, "big") + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        wait = None if deadline is None else max(0.0, deadline - time.monotonic())
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return None
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv(fd: int, *, deadline: float | None = None) -> dict[str, Any] | None:
    """The next framed message, or None at end of file or past ``deadline``."""
    header = _read_exact(fd, _HEADER, deadline)
    if header is None:
        return None
    body = _read_exact(fd, int.from_bytes(header, "big"), deadline)
    if body is None:
        return None
    message = pickle.loads(body)
    return message if isinstance(message, dict) else None


@dataclass
class Watched:
    """What :func:`watch` saw: the bytes read and whether (and why) it killed."""

    data: bytes
    killed: str | None = None
    """``"timeout"`` or ``"memory"`` when the watcher killed the process."""
    peak_rss: int = 0


def _kill(pid: int) -> None:
    for target, kill in ((pid, os.killpg), (pid, os.kill)):
        try:
            kill(target, signal.SIGKILL)
            return
        except (ProcessLookupError, PermissionError):
            continue


def watch(pid: int, fd: int, *, timeout: float | None, memory_limit: int | None) -> Watched:
    """Read ``fd`` to its end while ``pid`` runs; kill it past a limit."""
    chunks: list[bytes] = []
    deadline = None if timeout is None else time.monotonic() + timeout
    peak = 0
    while True:
        waits = [] if deadline is None else [max(0.0, deadline - time.monotonic())]
        if memory_limit is not None:
            waits.append(_POLL)
        ready, _, _ = select.select([fd], [], [], min(waits) if waits else None)
        if ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return Watched(b"".join(chunks), None, peak)
            chunks.append(chunk)
        if memory_limit is not None:
            rss = read_rss(pid) or 0
            peak = max(peak, rss)
            if rss > memory_limit:
                _kill(pid)
                return Watched(b"".join(chunks), "memory", peak)
        if deadline is not None and time.monotonic() >= deadline:
            _kill(pid)
            return Watched(b"".join(chunks), "timeout", peak)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


_ASSAY_DIR = str(Path(__file__).resolve().parents[1])


def trim_output(output: str) -> str:
    """A trial's captured output without the stack frames of assay and the importer."""
    kept = [
        line
        for line in output.splitlines()
        if _ASSAY_DIR not in line and "<frozen runpy>" not in line
    ]
    return "\n".join(kept).strip()


def _with_output(reason: str, output: str) -> str:
    text = trim_output(output)
    return f"{reason}\noutput:\n{text}" if text else reason


def classify(
    watched: Watched,
    returncode: int,
    output: str,
    *,
    timeout: float | None,
    memory_limit: int | None,
) -> dict[str, Any]:
    """The trial outcome from a watched process (see the module docstring).

    ``returncode`` follows :mod:`subprocess`: negative for a signal.
    """
    if watched.killed == "timeout":
        return {"status": "timeout", "reason": f"exceeded the timeout of {timeout:g} s (killed)"}
    if watched.killed == "memory" and memory_limit is not None:
        reason = (
            f"exceeded the memory limit of {format_size(memory_limit)} "
            f"(resident set reached {format_size(watched.peak_rss)}; killed)"
        )
        return {"status": "memory", "reason": reason}
    if returncode == 0 and watched.data:
        try:
            outcome = pickle.loads(watched.data)
        except (pickle.UnpicklingError, EOFError, ValueError):
            outcome = None
        if isinstance(outcome, dict):
            if output.strip():
                outcome.setdefault("details", {})["output_tail"] = output[-2000:]
            return outcome
    if returncode < 0:
        name = _signal_name(-returncode)
        reason = f"the trial process was killed by {name} ({-returncode})"
        if -returncode == signal.SIGKILL:
            reason += ", by the out-of-memory killer or another process"
    else:
        reason = f"the trial process exited with code {returncode} before reporting a result"
    return {"status": "crash", "reason": _with_output(reason, output)}
