"""How long ``bench import`` of a benchmark suite takes, and how it grows (issue 13).

Target: importing a Google Benchmark file (``--benchmark_repetitions=10``, four
aggregate rows per benchmark, as the tool writes them) costs at most 5 ms of CPU time
per imported run (repetition) here, and grows linearly: the CPU cost of each further
run from 300 to 1,000 benchmarks at most 2x that from 100 to 300. CPU time, not wall
time, because this machine is shared (the load average is recorded beside it). The
reference, measured in the same run, is reading the file alone
(:func:`assay.formats.suites.read_suite`), so the figures say what storing the runs
adds. Each import goes into a fresh SQLite workspace, in this process, through
``Workspace.runs.import_all`` (the command's library call).

Run: ``python benchmarks/bench_suites.py [--quick]``; writes
``benchmarks/results/suites.json`` and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RESULTS = HERE / "results"
SIZES = (100, 300, 1_000)
REPETITIONS = 10
TARGET_MS_PER_RUN = 5.0
TARGET_GROWTH = 2.0


def make_gbench(benchmarks: int, seed: int = 1) -> dict[str, Any]:
    """A Google Benchmark JSON document: each benchmark's repetitions, then its mean,
    median, stddev and cv rows, as ``--benchmark_repetitions`` writes them."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for b in range(benchmarks):
        name = f"BM_Sort<int>/{8 << (b % 12)}/{b}"
        base = 50.0 + b % 200
        common = {"run_name": name, "repetitions": REPETITIONS, "threads": 1, "time_unit": "ns"}
        for r in range(REPETITIONS):
            real = rng.gauss(base, base * 0.02)
            rows.append(
                {
                    "name": name,
                    **common,
                    "run_type": "iteration",
                    "repetition_index": r,
                    "iterations": 100_000,
                    "real_time": real,
                    "cpu_time": real * 0.99,
                }
            )
        for aggregate in ("mean", "median", "stddev", "cv"):
            rows.append(
                {
                    "name": f"{name}_{aggregate}",
                    **common,
                    "run_type": "aggregate",
                    "aggregate_name": aggregate,
                    "real_time": base,
                    "cpu_time": base,
                }
            )
    return {"context": {"date": "2026-12-06T12:00:00+00:00", "num_cpus": 2}, "benchmarks": rows}


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def time_read(path: Path, repeats: int) -> float:
    """The median CPU seconds of reading the file into a suite."""
    from assay.formats.suites import read_suite

    cpus = []
    for _ in range(repeats):
        start = time.process_time()
        read_suite(path)
        cpus.append(time.process_time() - start)
    return _median(cpus)


def time_import(path: Path) -> tuple[float, float, int]:
    """One import into a fresh workspace: CPU and wall seconds, runs stored."""
    from assay import Workspace

    work = Path(tempfile.mkdtemp(prefix="assay-bench-suites-"))
    try:
        Workspace.init(work, user="bench").close()
        with Workspace.open(work, user="bench") as ws:
            ws.runs.list()  # the service and the store loaded before the clock starts
            cpu, wall = time.process_time(), time.perf_counter()
            (info,) = ws.runs.import_all(path)
            return time.process_time() - cpu, time.perf_counter() - wall, info.completed
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the two smaller sizes only")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"gbench-{n}.json"
            path.write_text(json.dumps(make_gbench(n)), encoding="utf-8")
            read_cpu = time_read(path, repeats=3)
            cpu, wall, runs = time_import(path)
            assert runs == n * REPETITIONS, runs
            rows.append(
                {
                    "benchmarks": n,
                    "runs": runs,
                    "read_cpu_s": round(read_cpu, 4),
                    "import_cpu_s": round(cpu, 3),
                    "import_wall_s": round(wall, 3),
                    "ms_per_run": round(1000 * cpu / runs, 3),
                    "load_average": os.getloadavg()[0],
                }
            )
            print(
                f"{n:>6} benchmarks, {runs:>6} runs: read {read_cpu:.3f} s CPU, import "
                f"{cpu:.2f} s CPU ({wall:.2f} s wall), {1000 * cpu / runs:.2f} ms/run"
            )
    per_run = max(r["ms_per_run"] for r in rows)
    growth = None
    if len(rows) == 3:
        (a, b, c) = rows
        early = (b["import_cpu_s"] - a["import_cpu_s"]) / (b["runs"] - a["runs"])
        late = (c["import_cpu_s"] - b["import_cpu_s"]) / (c["runs"] - b["runs"])
        growth = round(late / early, 3) if early > 0 else None
    met = per_run <= TARGET_MS_PER_RUN and (growth is None or growth <= TARGET_GROWTH)
    result = {
        "benchmark": "suites",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "targets": {"ms_per_run": TARGET_MS_PER_RUN, "growth": TARGET_GROWTH},
        "sizes": rows,
        "worst_ms_per_run": per_run,
        "growth": growth,
        "met": met,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "suites.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"worst {per_run:.2f} ms/run (target {TARGET_MS_PER_RUN}), growth {growth} "
        f"(target {TARGET_GROWTH}): {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
