"""A/A honesty: the same function as baseline and candidate, compared 40 times.

Target (issue 4): on this 2-core machine, at most 2 of 40 (5%) short
comparisons of a function with itself end BETTER or WORSE. pyperf's comparison
runs on the same pairs in the same script and its rate is reported beside.

Each repetition is one short run of a benchmark file whose baseline and
candidate are both ``sorted(data)`` on the same 100-element input: 10 trials per
method in forked processes, interleaved in randomised blocks (a new plan seed
per repetition), 20 ms of samples per trial, default margin (2%). The same
trials are re-analysed without a margin to show what the margin contributes.
pyperf: ``pyperf timeit`` twice on the same statement (10 processes × 3 values,
1 warmup, 10 ms minimum per value: a short run of about the same length), then
``pyperf compare_to -v``, counting "Significant" answers.

Run: ``python benchmarks/bench_engine_aa.py [--quick]`` (10 repetitions);
writes ``benchmarks/results/aa.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from assay.bench import BenchOptions, analyse, load_benchmark, run_benchmark
from assay.measure.environment import collect_environment
from assay.measure.timer import TimerSettings

RESULTS = Path(__file__).parent / "results"
SETUP = "x = list(range(100))[::-1]"
STATEMENT = "sorted(x)"
BENCH = f"""
import assay.bench as assay

@assay.workload
def data(seed):
    {SETUP}
    return x

@assay.baseline
def sort_a(x):
    return sorted(x)

@assay.candidate
def sort_b(x):
    return sorted(x)
"""
PYPERF = ["-p", "10", "-n", "3", "-w", "1", "--min-time", "0.01"]


def assay_once(path: Path, seed: int) -> dict[str, Any]:
    options = BenchOptions(trials=10, plan_seed=seed, timer=TimerSettings(trial_time=0.02))
    started = time.perf_counter()
    result = run_benchmark(load_benchmark(path), options)
    wall = time.perf_counter() - started
    row = result.comparison("sort_b", "time")
    header = dataclasses.replace(
        result.header, options={**result.header.options, "time_margin": None}
    )
    bare = analyse(header, result.trials).comparison("sort_b", "time")
    return {
        "verdict": row.verdict,
        "effect": row.effect,
        "ci": row.ci,
        "verdict_without_margin": bare.verdict,
        "wall_s": wall,
    }


def pyperf_once(workdir: Path, index: int) -> dict[str, Any]:
    files = []
    started = time.perf_counter()
    for arm in ("a", "b"):
        out = workdir / f"{arm}{index}.json"
        command = [sys.executable, "-m", "pyperf", "timeit", "-q", *PYPERF, "--name", "sort"]
        command += ["-s", SETUP, STATEMENT, "-o", str(out)]
        subprocess.run(command, check=True, capture_output=True)
        files.append(str(out))
    compare = [sys.executable, "-m", "pyperf", "compare_to", "-v", *files]
    text = subprocess.run(compare, check=True, capture_output=True, text=True).stdout
    significant = "Not significant" not in text and "Significant" in text
    return {
        "significant": significant,
        "summary": text.strip().splitlines()[0],
        "wall_s": time.perf_counter() - started,
    }


def summarise(rows: list[dict[str, Any]], repetitions: int, quick: bool) -> dict[str, Any]:
    """The JSON figures from every repetition's outcome."""
    false_assay = sum(r["assay"]["verdict"] in ("better", "worse") for r in rows)
    false_bare = sum(r["assay"]["verdict_without_margin"] in ("better", "worse") for r in rows)
    false_pyperf = sum(r["pyperf"]["significant"] for r in rows)
    allowed = round(0.05 * repetitions)
    out = {
        "name": "aa",
        "quick": quick,
        "repetitions": repetitions,
        "target": f"at most {allowed} BETTER/WORSE verdicts in {repetitions} A/A comparisons (5%)",
        "met": false_assay <= allowed,
        "assay_false_verdicts": false_assay,
        "assay_false_rate": false_assay / repetitions,
        "assay_false_rate_without_margin": false_bare / repetitions,
        "pyperf_significant": false_pyperf,
        "pyperf_false_rate": false_pyperf / repetitions,
        "ratio": {
            "assay_rate_over_pyperf_rate": (false_assay / false_pyperf) if false_pyperf else None
        },
        "verdicts": {
            v: sum(r["assay"]["verdict"] == v for r in rows)
            for v in ("better", "worse", "equivalent", "inconclusive")
        },
        "wall_s": {
            "assay_per_comparison": sum(r["assay"]["wall_s"] for r in rows) / repetitions,
            "pyperf_per_comparison": sum(r["pyperf"]["wall_s"] for r in rows) / repetitions,
        },
        "settings": {
            "assay": "10 trials per method, fork isolation, trial_time 20 ms, time_margin 2%",
            "pyperf": " ".join(PYPERF),
        },
        "runs": rows,
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 repetitions instead of 40")
    args = parser.parse_args()
    repetitions = 10 if args.quick else 40
    env = collect_environment()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_aa.py"
        path.write_text(BENCH)
        for index in range(repetitions):
            ours = assay_once(path, 1000 + index)
            theirs = pyperf_once(Path(tmp), index)
            rows.append({"assay": ours, "pyperf": theirs})
            print(
                f"{index + 1:>2}/{repetitions}  assay {ours['verdict']:<12} "
                f"pyperf {'significant' if theirs['significant'] else 'not significant'}"
            )
    out = summarise(rows, repetitions, args.quick)
    out["environment"] = {"cpu": env["cpu"], "load_average": env["load_average"]}
    out["environment"]["load_average_at_end"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "aa.json").write_text(json.dumps(out, indent=2) + "\n")
    print(
        f"assay {out['assay_false_verdicts']}/{repetitions} false verdicts; "
        f"pyperf {out['pyperf_significant']}/{repetitions} significant; met: {out['met']}"
    )


if __name__ == "__main__":
    main()
