"""kill -9 a run midway, resume it: every planned trial once, none twice."""

from __future__ import annotations

import collections
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assay.bench import BenchOptions, JsonLinesSink, load_benchmark, run_benchmark
from assay.bench.plan import Plan

pytestmark = pytest.mark.slow

SOURCE = """
    import time

    import assay.bench as assay

    @assay.workload(params={"n": [1, 2]})
    def data(seed, n):
        return n

    @assay.baseline
    def base(n):
        time.sleep(0.002)
        return n

    @assay.candidate
    def cand(n):
        time.sleep(0.002)
        return n

    @assay.metric(higher_is_better=True)
    def value(output):
        return output
"""

RUNNER = """
import sys
from assay.bench import BenchOptions, JsonLinesSink, load_benchmark, run_benchmark
from assay.measure.timer import TimerSettings

options = BenchOptions(
    trials=12,
    plan_seed=77,
    timer=TimerSettings(warmup_time=0.0, sample_time=0.001, trial_time=0.01, min_samples=3),
)
run_benchmark(load_benchmark(sys.argv[1]), options, JsonLinesSink(sys.argv[2]))
"""


def trial_lines(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines(keepends=True)
    return [json.loads(line) for line in lines if line.endswith("\n") and '"trial"' in line]


def kill_midway(bench: Path, log: Path) -> int:
    runner = subprocess.Popen([sys.executable, "-c", RUNNER, str(bench), str(log)])
    deadline = time.monotonic() + 120
    try:
        while len(trial_lines(log)) < 10:
            assert runner.poll() is None, "the run finished before it could be killed"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.01)
    finally:
        os.kill(runner.pid, signal.SIGKILL)
        runner.wait()
    return len(trial_lines(log))


def test_resume_after_kill_9(write_bench: Callable[..., Path], tmp_path: Path) -> None:
    bench = write_bench(SOURCE)
    log = tmp_path / "run.jsonl"
    before = kill_midway(bench, log)
    planned = Plan(["base", "cand"], [(("n", 1),), (("n", 2),)], 77).size(12)
    assert 10 <= before < planned

    sink = JsonLinesSink(log)
    header = sink.header()
    assert header is not None
    options = BenchOptions.from_dict(header.options)
    result = run_benchmark(load_benchmark(bench), options, sink)

    keys = [
        (
            t["trial"]["key"]["method"],
            json.dumps(t["trial"]["key"]["params"]),
            t["trial"]["key"]["seed"],
        )
        for t in sink.entries()
        if t["kind"] == "trial"
    ]
    counts = collections.Counter(keys)
    assert max(counts.values()) == 1, "a trial was measured twice"
    assert len(keys) == planned == result.completed == result.planned
    assert result.failed == 0
    seeds = {(method, seed) for method, _, seed in keys}
    assert len(seeds) == 2 * 12  # every method meets every seed
    headers = [e for e in sink.entries() if e["kind"] == "header"]
    assert len(headers) == 1
    assert sink.entries()[-1]["kind"] == "finish"


def test_resuming_a_finished_run_runs_nothing(
    write_bench: Callable[..., Path], tmp_path: Path
) -> None:
    from .conftest import fast_options

    bench = load_benchmark(write_bench(SOURCE))
    sink = JsonLinesSink(tmp_path / "done.jsonl")
    options = fast_options(trials=2)
    first = run_benchmark(bench, options, sink)
    again = run_benchmark(bench, options, sink)
    assert again.completed == first.completed == 8
    assert len([e for e in sink.entries() if e["kind"] == "trial"]) == 8


def test_resuming_with_another_plan_is_refused(
    write_bench: Callable[..., Path], tmp_path: Path
) -> None:
    from assay.errors import InputError

    from .conftest import fast_options

    bench = load_benchmark(write_bench(SOURCE))
    from assay.bench import MemorySink

    sink = MemorySink()
    run_benchmark(bench, fast_options(trials=2, plan_seed=1), sink)
    with pytest.raises(InputError, match="not in this plan"):
        run_benchmark(bench, fast_options(trials=2, plan_seed=2), sink)
