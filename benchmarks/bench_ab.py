"""How long ``assay ab analyze`` takes on a production-sized A/B file (issue 14).

Target: a 1,000,000-row CSV (one row per user: arm, a 0/1 conversion, revenue, a
latency) with 3 metrics analysed and stored as a run in at most 8 s of CPU time
(user + system of the whole command, start-up included) on a fresh SQLite workspace.
CPU time is the target because on a shared machine the wall time follows the other
work; the wall time and the load average are recorded beside it, with the peak
memory. The run is the real command line in a subprocess; the same file is also read
and analysed in this process, to say how the time splits between the reader
(:func:`assay.formats.ab_table.read_ab_table`) and the statistics
(:func:`assay.stats.ab_analysis.analyse_table`).

The reference, measured in the same run on the same file: a fresh interpreter that
reads it with ``pandas.read_csv`` and runs ``scipy.stats.ttest_ind`` (Welch) on each
metric, the least any analysis of the file must do; its CPU time is reported beside
assay's and the ratio is ``ratio_to_pandas_scipy``.

Run: ``python benchmarks/bench_ab.py [--quick]`` (``--quick``: 100,000 rows); writes
``benchmarks/results/ab.json`` and exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE / "results"
ROWS = 1_000_000
TARGET_CPU_SECONDS = 8.0
ASSAY = Path(sys.executable).with_name("assay")
METRICS = ("conversion", "revenue", "p99_latency")


def make_csv(path: Path, rows: int, seed: int = 1) -> None:
    """Per-user rows: conversion 10% -> 10.3%, revenue +1%, latency flat."""
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 2, rows)
    conversion = (rng.random(rows) < np.where(arm == 1, 0.103, 0.10)).astype(int)
    revenue = rng.gamma(2.0, 20.0, rows) * np.where(arm == 1, 1.01, 1.0)
    latency = rng.gamma(25.0, 8.0, rows)
    names = np.array(["control", "treatment"])[arm]
    with path.open("w", encoding="utf-8") as handle:
        handle.write("arm,conversion,revenue,p99_latency\n")
        for row in zip(names, conversion, revenue.round(3), latency.round(3), strict=True):
            handle.write(",".join(map(str, row)) + "\n")


def in_process(path: Path) -> dict[str, float]:
    """The reader's and the statistics' own times, in this process."""
    from assay.formats.ab_table import read_ab_table
    from assay.stats.ab_analysis import analyse_table
    from assay.stats.ab_options import ABOptions

    options = ABOptions(arm="arm", metrics=METRICS)
    start = time.perf_counter()
    table = read_ab_table(path, arm="arm", numeric=METRICS)
    read = time.perf_counter()
    analyse_table(table, options)
    done = time.perf_counter()
    return {"read_s": round(read - start, 3), "analyse_s": round(done - read, 3)}


def command(path: Path, root: Path) -> dict[str, float]:
    """``assay ab analyze`` end to end in a subprocess: wall and CPU time, peak memory."""
    env = {**os.environ, "ASSAY_USER": "bench"}
    env.pop("ASSAY_DATABASE_URL", None)
    subprocess.run([str(ASSAY), "init", str(root)], check=True, capture_output=True, env=env)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    args = [str(ASSAY), "ab", "analyze", str(path), "--arm", "arm", "--json"]
    for metric in METRICS:
        args += ["--metric", metric]
    subprocess.run(args, check=True, capture_output=True, cwd=root, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "peak_rss_mb": round(after.ru_maxrss / 1024, 1),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


REFERENCE = """
import sys
import pandas
from scipy import stats
frame = pandas.read_csv(sys.argv[1])
control, treatment = frame[frame.arm == "control"], frame[frame.arm == "treatment"]
for metric in sys.argv[2:]:
    stats.ttest_ind(treatment[metric], control[metric], equal_var=False)
"""


def reference(path: Path) -> dict[str, float]:
    """pandas.read_csv and a Welch test per metric, in a fresh interpreter: CPU time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, "-c", REFERENCE, str(path), *METRICS], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"reference_cpu_s": round(cpu, 3)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100,000 rows")
    rows = 100_000 if parser.parse_args().quick else ROWS
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ab.csv"
        make_csv(path, rows)
        size = round(path.stat().st_size / 2**20, 1)
        figures = {"rows": rows, "metrics": len(METRICS), "file_mb": size}
        figures.update(command(path, Path(folder) / "team"))
        figures.update(in_process(path))
        figures.update(reference(path))
    figures["ratio_to_pandas_scipy"] = round(figures["cpu_s"] / figures["reference_cpu_s"], 2)
    met = figures["cpu_s"] <= TARGET_CPU_SECONDS or rows != ROWS
    result = {
        "benchmark": "ab_analyze",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "target": f"{ROWS:,} rows, {len(METRICS)} metrics: at most {TARGET_CPU_SECONDS} s CPU",
        "met": met,
        **figures,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ab.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
