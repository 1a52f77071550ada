"""Overhead of one trial: a no-op method, end to end, forked and in-process.

Target (issue 4): a trial of a no-op method in a fresh subprocess costs under
150 ms end to end; in-process, under 1 ms.

What is measured: ``TrialResult.wall_time``, the runner's own clock around one
trial (fork or call, workload, first call, one timing sample, the memory passes,
the metrics, the result coming back), with the timer set to its minimum
(no warmup, one sample) so that only the engine's overhead remains. The
reference measured in the same run is what a fresh interpreter costs when it
imports NumPy and SciPy (what a trial would pay without the fork server), and a
bare ``fork()`` + exit + wait from a warm process. A trial at the default timer
settings (about 60 ms of deliberate sampling) is reported beside it.

Run: ``python benchmarks/bench_engine_overhead.py [--quick]``; writes
``benchmarks/results/overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assay.bench import BenchOptions, load_benchmark, run_benchmark
from assay.measure.environment import collect_environment
from assay.measure.timer import TimerSettings

RESULTS = Path(__file__).parent / "results"
BENCH = """
import assay.bench as assay

@assay.workload
def data(seed):
    return None

@assay.baseline
def noop(data):
    return None

@assay.candidate
def noop_too(data):
    return None
"""
MINIMAL = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=1)
TARGET_FORK = 0.150
TARGET_IN_PROCESS = 0.001


def trial_walls(path: Path, trials: int, **options: object) -> tuple[list[float], float]:
    """Per-trial wall times of a run, and the run's whole wall time."""
    started = time.perf_counter()
    result = run_benchmark(load_benchmark(path), BenchOptions(trials=trials, **options))  # type: ignore[arg-type]
    total = time.perf_counter() - started
    assert result.failed == 0, result.failures()
    return [t.wall_time for t in result.trials], total


def fresh_interpreter(repeats: int) -> float:
    """Median seconds for a fresh ``python -c 'import numpy, scipy.stats'``."""
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, scipy.stats"], check=True)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def bare_fork(repeats: int) -> float:
    """Median seconds for fork + _exit + waitpid from this (warm) process."""
    walls = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer trials")
    args = parser.parse_args()
    trials = 10 if args.quick else 40
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_noop.py"
        path.write_text(BENCH)
        fork, fork_total = trial_walls(path, trials, timer=MINIMAL, plan_seed=1)
        inproc, _ = trial_walls(path, trials, timer=MINIMAL, plan_seed=1, isolation="in-process")
        spawn, _ = trial_walls(path, 2 if args.quick else 4, timer=MINIMAL, isolation="spawn")
        default, _ = trial_walls(path, 3, plan_seed=1)
    reference = fresh_interpreter(3 if args.quick else 5)
    fork_median = statistics.median(fork)
    inproc_median = statistics.median(inproc)
    out = {
        "name": "overhead",
        "quick": args.quick,
        "target": {"fork_trial_s": TARGET_FORK, "in_process_trial_s": TARGET_IN_PROCESS},
        "met": fork_median < TARGET_FORK and inproc_median < TARGET_IN_PROCESS,
        "fork_trial_s": {"median": fork_median, "max": max(fork), "n": len(fork)},
        "in_process_trial_s": {"median": inproc_median, "max": max(inproc), "n": len(inproc)},
        "spawn_trial_s": {"median": statistics.median(spawn), "n": len(spawn)},
        "fork_run_s_per_trial_incl_server_start": fork_total / len(fork),
        "default_settings_fork_trial_s": statistics.median(default),
        "reference": {
            "fresh_interpreter_import_numpy_scipy_s": reference,
            "bare_fork_exit_wait_s": bare_fork(20),
        },
        "ratio": {
            "fork_trial_over_fresh_interpreter": fork_median / reference,
            "fork_trial_over_target": fork_median / TARGET_FORK,
            "in_process_trial_over_target": inproc_median / TARGET_IN_PROCESS,
        },
        "environment": _environment(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "overhead.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: out[k] for k in ("met", "fork_trial_s", "in_process_trial_s", "ratio")}))


def _environment() -> dict[str, object]:
    env = collect_environment()
    return {
        "cpu": env["cpu"],
        "load_average": env["load_average"],
        "python": env["python"]["version"],
        "collected_at": env["collected_at"],
    }


if __name__ == "__main__":
    main()
