"""Efficiency: wall time to a ±2% interval on the effect, against pyperf's default run.

Target (issue 4): to reach a 95% interval of ±2% on the relative effect between
two microsecond-scale functions, assay needs at most one third of the wall time
of pyperf's default run of the two.

The two functions: ``sorted`` of a reversed 100-element list, and of a
120-element one. The reference, measured first in the same run, is the wall
time of ``pyperf timeit`` at its defaults (20 worker processes × 3 values,
calibration included) for each statement, summed. assay then runs the two as
baseline and candidate, forked, 50 ms of samples per trial, with
``precision=0.02``: after every block it checks whether the 95% interval of the
time ratio is within ±2%, and stops there. The headline figure (``assay``,
``ratio``, ``met``) is the run with the default options, ``interleave="auto"``,
which chooses for the workload and says what it chose (``interleave`` and
``interleave_reason``; for two short Python functions, samples). Beside it, for
comparison, the two interleavings forced: ``interleave="samples"`` (a block's
two methods in one forked process, their samples taken in turn) and
``interleave="trials"`` (each trial its own process).
Its wall time counts everything from loading the benchmark file to the
result (fork server start, environment, analysis). The budget is capped at the
pyperf time, so a run that cannot get there says so.

Run: ``python benchmarks/bench_engine_efficiency.py [--quick]``; writes
``benchmarks/results/efficiency.json``. ``--quick`` runs pyperf with
``--fast`` (half its default) and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assay.bench import BenchOptions, load_benchmark, run_benchmark
from assay.measure.environment import collect_environment

RESULTS = Path(__file__).parent / "results"
STATEMENTS = {"short": 100, "long": 120}
BENCH = """
import assay.bench as assay

@assay.workload
def data(seed):
    return list(range(100))[::-1], list(range(120))[::-1]

@assay.baseline
def short(data):
    return sorted(data[0])

@assay.candidate
def long(data):
    return sorted(data[1])
"""
TARGET = 1 / 3
PRECISION = 0.02


def pyperf_wall(fast: bool) -> tuple[float, dict[str, str]]:
    """Seconds for pyperf's run of both statements, and its summaries."""
    summaries = {}
    started = time.perf_counter()
    for name, size in STATEMENTS.items():
        command = [sys.executable, "-m", "pyperf", "timeit", "-q", "--name", name]
        command += ["--fast"] if fast else []
        command += ["-s", f"x = list(range({size}))[::-1]", "sorted(x)"]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        summaries[name] = done.stdout.strip()
    return time.perf_counter() - started, summaries


def assay_run(path: Path, budget: float, interleave: str | None) -> dict[str, Any]:
    """One run to ±2%; ``interleave=None`` leaves the default."""
    chosen = {} if interleave is None else {"interleave": interleave}
    options = BenchOptions(
        trials=3,
        precision=PRECISION,
        max_trials=10_000,
        budget=budget,
        plan_seed=7,
        **chosen,  # type: ignore[arg-type]
    )
    started = time.perf_counter()
    result = run_benchmark(load_benchmark(path), options)
    wall = time.perf_counter() - started
    row = result.comparison("long", "time")
    assert row.ci is not None
    low, high = row.ci
    return {
        "wall_s": wall,
        "stopped": result.stopped,
        "reached": result.stopped.startswith("every primary interval"),
        "trials_per_method": result.completed // 2,
        "effect": row.effect,
        "ci": [low, high],
        "ratio_interval_width": (1 + high) / (1 + low),
        "verdict": row.verdict,
        "interleave": result.header.options["interleave"],
        "interleave_reason": result.header.options["interleave_reason"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="pyperf --fast as the reference")
    args = parser.parse_args()
    env = collect_environment()
    reference, summaries = pyperf_wall(args.quick)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_sorts.py"
        path.write_text(BENCH)
        default = assay_run(path, budget=reference, interleave=None)
        samples = assay_run(path, budget=reference, interleave="samples")
        trials = assay_run(path, budget=reference, interleave="trials")
    ratio = default["wall_s"] / reference
    out = {
        "name": "efficiency",
        "quick": args.quick,
        "target": "assay wall time to a ±2% 95% interval <= 1/3 of pyperf's default run, "
        "with the default options",
        "met": bool(default["reached"] and ratio <= TARGET),
        "ratio": ratio,
        "assay": default,
        "forced": {
            name: {**run, "ratio": run["wall_s"] / reference}
            for name, run in (("samples", samples), ("trials", trials))
        },
        "reference": {
            "tool": "pyperf timeit " + ("--fast" if args.quick else "(defaults)"),
            "wall_s": reference,
            "summaries": summaries,
        },
        "environment": {
            "cpu": env["cpu"],
            "load_average": env["load_average"],
            "load_average_at_end": list(os.getloadavg()),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "efficiency.json").write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"pyperf {reference:.1f} s; assay default (interleave {default['interleave']}) "
        f"{default['wall_s']:.1f} s ({default['stopped']}); forced samples "
        f"{samples['wall_s']:.1f} s; forced trials {trials['wall_s']:.1f} s "
        f"({trials['stopped']}); ratio {ratio:.3f}; met: {out['met']}"
    )


if __name__ == "__main__":
    main()
