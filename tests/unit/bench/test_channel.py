"""Framing, and classifying how a trial process ended."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time

import numpy as np

from assay.bench.channel import Watched, classify, recv, send, trim_output, watch


def test_frames_round_trip_and_end_of_file() -> None:
    read_fd, write_fd = os.pipe()
    try:
        send(write_fd, {"kind": "result", "array": np.arange(3)})
        send(write_fd, {"kind": "quit"})
        os.close(write_fd)
        first = recv(read_fd)
        assert first is not None
        assert np.array_equal(first["array"], [0, 1, 2])
        assert recv(read_fd) == {"kind": "quit"}
        assert recv(read_fd) is None
    finally:
        os.close(read_fd)


def test_recv_gives_up_at_the_deadline() -> None:
    read_fd, write_fd = os.pipe()
    try:
        assert recv(read_fd, deadline=time.monotonic() + 0.05) is None
    finally:
        os.close(read_fd)
        os.close(write_fd)


def classify_(watched: Watched, code: int, output: str = "") -> dict[str, object]:
    return classify(watched, code, output, timeout=2.0, memory_limit=2**30)


def test_a_clean_outcome_passes_through_with_output() -> None:
    payload = pickle.dumps({"status": "ok", "values": {"time": 1.0}})
    outcome = classify_(Watched(payload), 0, "hello from the method\n")
    assert outcome["status"] == "ok"
    assert outcome["details"] == {"output_tail": "hello from the method\n"}


def test_timeout_and_memory_kills() -> None:
    assert classify_(Watched(b"", "timeout"), -9) == {
        "status": "timeout",
        "reason": "exceeded the timeout of 2 s (killed)",
    }
    outcome = classify_(Watched(b"", "memory", peak_rss=3 * 2**30), -9)
    assert outcome["status"] == "memory"
    assert outcome["reason"] == (
        "exceeded the memory limit of 1 GiB (resident set reached 3 GiB; killed)"
    )


def test_signals_and_exit_codes_are_crashes() -> None:
    outcome = classify_(Watched(b""), -signal.SIGABRT, "Fatal Python error: Aborted\n")
    assert outcome["status"] == "crash"
    assert str(outcome["reason"]).startswith("the trial process was killed by SIGABRT (6)")
    assert "Fatal Python error" in str(outcome["reason"])
    assert "out-of-memory killer" in str(classify_(Watched(b""), -signal.SIGKILL)["reason"])
    exited = classify_(Watched(b""), 3)
    assert exited["reason"] == "the trial process exited with code 3 before reporting a result"


def test_a_truncated_payload_is_a_crash() -> None:
    payload = pickle.dumps({"status": "ok"})[:-3]
    assert classify_(Watched(payload), 0)["status"] == "crash"


def test_trim_output_drops_assay_frames() -> None:
    import assay.bench.channel as channel

    own = os.path.dirname(os.path.dirname(channel.__file__))
    text = f'  File "/home/u/bench.py", line 3 in f\n  File "{own}/bench/worker.py", line 9\n'
    assert trim_output(text) == 'File "/home/u/bench.py", line 3 in f'


def _child(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, start_new_session=True
    )


def test_watch_reads_a_child_to_its_end() -> None:
    child = _child("import sys; sys.stdout.buffer.write(b'payload')")
    assert child.stdout is not None
    watched = watch(child.pid, child.stdout.fileno(), timeout=30.0, memory_limit=None)
    assert child.wait() == 0
    child.stdout.close()
    assert watched.data == b"payload"
    assert watched.killed is None


def test_watch_kills_past_the_timeout() -> None:
    child = _child("import time; time.sleep(30)")
    assert child.stdout is not None
    watched = watch(child.pid, child.stdout.fileno(), timeout=0.3, memory_limit=10**12)
    assert child.wait() == -signal.SIGKILL
    child.stdout.close()
    assert watched.killed == "timeout"
    assert watched.peak_rss > 0


def test_watch_kills_past_the_memory_limit() -> None:
    child = _child("import time; b = bytearray(300 * 2**20); time.sleep(30)")
    assert child.stdout is not None
    watched = watch(child.pid, child.stdout.fileno(), timeout=30.0, memory_limit=100 * 2**20)
    assert child.wait() == -signal.SIGKILL
    child.stdout.close()
    assert watched.killed == "memory"
    assert watched.peak_rss > 100 * 2**20
