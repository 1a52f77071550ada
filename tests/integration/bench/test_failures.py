"""A run survives candidates that raise, abort, segfault, exit, hang or eat memory."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench import load_benchmark, run_benchmark
from assay.bench.executor import ForkServerExecutor, SpawnExecutor
from assay.bench.plan import TrialKey
from assay.bench.sink import MemorySink
from assay.bench.trial import TrialStatus
from assay.bench.worker import TrialRequest
from assay.measure.memory import parse_size

from .conftest import FAST_TIMER, fast_options

pytestmark = pytest.mark.slow

SOURCE = """
    import ctypes
    import os
    import sys
    import time

    import assay.bench as assay

    @assay.workload
    def data(seed):
        return seed

    @assay.baseline
    def fine(seed):
        print("chatter on stdout must not disturb the runner")
        return seed * 2

    @assay.candidate
    def raises(seed):
        raise ValueError(f"bad seed {seed}")

    @assay.candidate
    def aborts_on_odd_seeds(seed):
        if seed % 2:
            os.abort()
        return seed

    @assay.candidate
    def segfaults(seed):
        ctypes.string_at(0)

    @assay.candidate
    def exits(seed):
        sys.exit(3)

    @assay.candidate
    def hangs(seed):
        while True:
            time.sleep(0.01)

    @assay.candidate
    def hungry(seed):
        hoard = []
        while True:
            hoard.append(bytearray(16 * 2**20))
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("failures") / "bench_failures.py"
    import textwrap

    path.write_text(textwrap.dedent(SOURCE))
    spec = load_benchmark(path)
    sink = MemorySink()
    options = fast_options(trials=4, timeout=1.5, memory_limit=parse_size("300MiB"))
    result = run_benchmark(spec, options, sink)
    return result, sink


def failures_of(result, method: str) -> list:
    return [t for t in result.trials if t.key.method == method and not t.ok]


def test_the_run_completes_every_planned_trial(outcome) -> None:
    result, sink = outcome
    assert result.completed == result.planned == 7 * 4
    assert len(sink.trials) == 28
    assert all(t.ok for t in result.trials if t.key.method == "fine")
    assert sink.result is result


def test_an_exception_is_recorded_with_its_traceback(outcome) -> None:
    result, _ = outcome
    (first, *_) = failures_of(result, "raises")
    assert first.status is TrialStatus.ERROR
    assert first.reason.startswith("method raised ValueError: bad seed")
    assert 'raise ValueError(f"bad seed {seed}")' in first.reason


def test_abort_on_some_seeds(outcome) -> None:
    result, _ = outcome
    trials = [t for t in result.trials if t.key.method == "aborts_on_odd_seeds"]
    for trial in trials:
        if trial.key.seed % 2:
            assert trial.status is TrialStatus.CRASH
            assert "killed by SIGABRT (6)" in trial.reason
            assert "in aborts_on_odd_seeds" in trial.reason  # faulthandler's stack
        else:
            assert trial.ok
    rate = result.failure_rates()["aborts_on_odd_seeds"]
    assert rate == sum(t.key.seed % 2 for t in trials) / 4


def test_segfault(outcome) -> None:
    result, _ = outcome
    for trial in failures_of(result, "segfaults"):
        assert trial.status is TrialStatus.CRASH
        assert "SIGSEGV (11)" in trial.reason


def test_sys_exit(outcome) -> None:
    result, _ = outcome
    for trial in failures_of(result, "exits"):
        assert trial.reason == "the trial process exited with code 3 before reporting a result"


def test_infinite_loop_hits_the_timeout(outcome) -> None:
    result, _ = outcome
    trials = failures_of(result, "hangs")
    assert len(trials) == 4
    for trial in trials:
        assert trial.status is TrialStatus.TIMEOUT
        assert trial.reason == "exceeded the timeout of 1.5 s (killed)"


def test_memory_hog_hits_the_limit(outcome) -> None:
    result, _ = outcome
    trials = failures_of(result, "hungry")
    assert len(trials) == 4
    for trial in trials:
        assert trial.status is TrialStatus.MEMORY
        assert "memory limit of 300 MiB" in trial.reason


def test_failure_rates_are_reported(outcome) -> None:
    result, _ = outcome
    rates = result.failure_rates()
    assert rates["fine"] == 0.0
    assert rates["raises"] == rates["hangs"] == rates["hungry"] == 1.0
    data = result.to_dict()
    assert data["trials"]["failed"] == result.failed
    assert data["failures"]["hangs"][0]["status"] == "timeout"


def test_output_goes_to_the_trial_details(outcome) -> None:
    result, _ = outcome
    fine = next(t for t in result.trials if t.key.method == "fine")
    assert "chatter on stdout" in fine.details["output_tail"]


def test_spawn_isolation_runs_a_fresh_interpreter(write_bench: Callable[..., Path]) -> None:
    spec = load_benchmark(write_bench(SOURCE))
    executor = SpawnExecutor(spec)
    request = TrialRequest(TrialKey("aborts_on_odd_seeds", (), 3), timer=FAST_TIMER)
    crashed = executor.run(request, timeout=60, memory_limit=None)
    assert crashed["status"] == "crash"
    assert "SIGABRT" in crashed["reason"]
    fine = executor.run(
        TrialRequest(TrialKey("fine", (), 2), timer=FAST_TIMER), timeout=60, memory_limit=None
    )
    assert fine["status"] == "ok"
    assert fine["values"]["time"] > 0


def test_a_dead_server_is_restarted(write_bench: Callable[..., Path]) -> None:
    spec = load_benchmark(write_bench(SOURCE))
    executor = ForkServerExecutor(spec)
    executor.start()
    assert executor.process is not None
    executor.process.kill()
    executor.process.wait()
    request = TrialRequest(TrialKey("fine", (), 2), timer=FAST_TIMER)
    lost = executor.run(request, timeout=10, memory_limit=None)
    assert lost["status"] == "crash"
    assert "stopped answering" in lost["reason"]
    assert executor.run(request, timeout=10, memory_limit=None)["status"] == "ok"
    executor.close()
    executor.close()


def test_in_process_timeout(write_bench: Callable[..., Path]) -> None:
    spec = load_benchmark(write_bench(SOURCE))
    options = fast_options(isolation="in-process", timeout=0.5)
    from assay.bench.executor import InProcessExecutor

    request = TrialRequest(TrialKey("hangs", (), 1), timer=FAST_TIMER)
    outcome = InProcessExecutor(spec).run(request, timeout=options.timeout, memory_limit=None)
    assert outcome == {"status": "timeout", "reason": "exceeded the timeout of 0.5 s"}


def test_a_crashing_block_is_rerun_trial_by_trial(write_bench: Callable[..., Path]) -> None:
    source = SOURCE.split("@assay.candidate\n    def raises")[0] + (
        "@assay.candidate\n    def aborts_on_odd_seeds(seed):\n"
        "        if seed % 2:\n            os.abort()\n        return seed\n"
    )
    spec = load_benchmark(write_bench(source))
    result = run_benchmark(spec, fast_options(trials=4, interleave="samples", timeout=30))
    assert result.completed == 8
    for trial in result.trials:
        crashed = trial.key.method == "aborts_on_odd_seeds" and trial.key.seed % 2 == 1
        assert trial.ok is not crashed
        if crashed:
            assert "SIGABRT" in (trial.reason or "")
    interleaved = [t for t in result.trials if t.details.get("interleaved_with") == 2]
    assert interleaved  # the even-seed blocks ran together
