"""The trial server: imports assay and the benchmark once, forks a process per trial.

Started by :class:`assay.bench.executor.ForkServerExecutor` as
``python -m assay.bench.server fork KIND REF`` in a fresh interpreter (never
forked from the runner, which may hold threads, a database connection or a
CUDA context). Protocol on its original stdin/stdout, framed by
:mod:`assay.bench.channel`:

- server → runner: ``{"kind": "ready"}`` once the benchmark is loaded, or
  ``{"kind": "error", "message": ...}`` (an import failure, a benchmark that
  initialised CUDA at import) and exit.
- runner → server: ``{"kind": "trial", "request", "timeout", "memory_limit"}``
  (``request`` is a list for a block whose samples are interleaved);
  server → runner: ``{"kind": "result", "outcome": {...}}``. ``{"kind": "quit"}``
  or end of file stops the server.

Each trial runs in a child forked from the server (about a millisecond here,
against about a second for a fresh interpreter importing NumPy and SciPy). The
child starts its own process group, sends its output to a temporary file (its
tail explains crashes), enables :mod:`faulthandler`, runs
:func:`assay.bench.worker.run_trial` and writes the pickled outcome to a pipe;
the server watches it with the timeout and memory limit
(:func:`assay.bench.channel.watch`). The server itself never calls into CUDA: a
benchmark module that initialises CUDA at import is refused with advice to use
``isolation="spawn"``.

``python -m assay.bench.server once KIND REF`` is the spawn mode: it reads one
trial request, runs it in its own fresh process, writes the pickled outcome to
stdout and exits; the runner does the watching.
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import os
import pickle
import sys
import tempfile
import warnings
from typing import Any, BinaryIO

from assay.bench.channel import classify, recv, send, watch
from assay.bench.spec import BenchmarkSpec, SpecSource, load_source
from assay.bench.worker import TrialRequest, failure_text, prewarm, run_block, run_trial
from assay.errors import InputError
from assay.measure.memory import cuda_in_use

__all__ = ["main", "run_forked", "serve_trial"]

_OUTPUT_TAIL = 4000


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def serve_trial(
    spec: BenchmarkSpec, request: TrialRequest | list[TrialRequest], out_fd: int
) -> None:
    """Run one trial (or a block: a list) here, write the pickled outcome to ``out_fd``, exit.

    A block's outcome is ``{"block": [outcome, ...]}`` (see
    :func:`assay.bench.worker.run_block`).
    """
    faulthandler.enable(file=sys.stderr)
    code = 0
    try:
        if isinstance(request, list):
            outcome: dict[str, Any] = {"block": run_block(spec, request)}
        else:
            outcome = run_trial(spec, request)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        outcome = {}
    except BaseException as exc:
        outcome = {"status": "error", "reason": f"trial raised {failure_text(exc)}"}
    try:
        if code == 0:
            _write_all(out_fd, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code if code else 0)


def _tail(log: BinaryIO) -> str:
    log.seek(0, os.SEEK_END)
    size = log.tell()
    log.seek(max(0, size - _OUTPUT_TAIL))
    return log.read().decode(errors="replace")


def _fork() -> int:
    # Python 3.12+ warns when forking a process with threads (BLAS pools start at
    # import). The server forks on purpose; the libraries' atfork handlers reset
    # their pools in the child.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def run_forked(
    spec: BenchmarkSpec,
    request: TrialRequest | list[TrialRequest],
    *,
    timeout: float | None,
    memory_limit: int | None,
    close_fds: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Fork a child for one trial (or a block), watch it, and return its outcome."""
    read_fd, write_fd = os.pipe()
    with tempfile.TemporaryFile(prefix="assay-trial-") as log:
        pid = _fork()
        if pid == 0:  # the child
            try:
                os.setpgid(0, 0)
                os.close(read_fd)
                for fd in close_fds:
                    os.close(fd)
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                serve_trial(spec, request, write_fd)
            finally:
                os._exit(70)
        with contextlib.suppress(OSError):  # the child already did, or already exited
            os.setpgid(pid, pid)
        os.close(write_fd)
        try:
            watched = watch(pid, read_fd, timeout=timeout, memory_limit=memory_limit)
        finally:
            os.close(read_fd)
        _, status = os.waitpid(pid, 0)
        output = _tail(log)
    return classify(
        watched,
        os.waitstatus_to_exitcode(status),
        output,
        timeout=timeout,
        memory_limit=memory_limit,
    )


def _serve(spec: BenchmarkSpec, proto_in: int, proto_out: int) -> int:
    # Move everything imported so far out of the collector's reach, so that a
    # child's garbage collections do not write to (and so copy) every page of
    # the server's objects.
    prewarm()
    gc.collect()
    gc.freeze()
    send(proto_out, {"kind": "ready", "pid": os.getpid()})
    while True:
        message = recv(proto_in)
        if message is None or message.get("kind") == "quit":
            return 0
        outcome = run_forked(
            spec,
            message["request"],
            timeout=message.get("timeout"),
            memory_limit=message.get("memory_limit"),
            close_fds=(proto_in, proto_out),
        )
        try:
            send(proto_out, {"kind": "result", "outcome": outcome})
        except BrokenPipeError:  # the runner is gone (killed); nothing left to do
            return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point: ``python -m assay.bench.server (fork|once) KIND REF``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3 or args[0] not in ("fork", "once"):
        sys.stderr.write("usage: python -m assay.bench.server (fork|once) KIND REF\n")
        return 2
    mode, kind, ref = args
    proto_in, proto_out = os.dup(0), os.dup(1)
    os.dup2(2, 1)  # the benchmark's prints must not reach the protocol pipe
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    try:
        spec = load_source(SpecSource(kind, ref))
    except InputError as exc:
        error = {"kind": "error", "message": str(exc)}
        if mode == "once":
            _write_all(proto_out, pickle.dumps(error))
        else:
            send(proto_out, error)
        return 2
    if mode == "once":
        message = recv(proto_in)
        if message is None:
            return 2
        serve_trial(spec, message["request"], proto_out)
    if cuda_in_use():
        send(
            proto_out,
            {
                "kind": "error",
                "message": f"{spec.name} initialised CUDA while being imported, and a CUDA "
                "context does not survive fork(); move the CUDA work into the workload or "
                "the methods, or run with isolation='spawn' (--isolation spawn)",
            },
        )
        return 2
    return _serve(spec, proto_in, proto_out)


if __name__ == "__main__":
    sys.exit(main())
