"""First call against the rest: the figures behind the first-call warning's threshold.

Every trial calls its method once before timing (the output feeds the quality
metrics). The worker times that call and warns when it is at least
``assay.bench.fresh.FIRST_CALL_RATIO`` times the median of the timed calls: a
cache filled or a JIT compiled during it, and every timed call then profited.

This runs, in forked trial processes as ``assay bench run`` does (both
interleavings), steady methods from about 100 ns to 10 ms per call, and methods
whose first call warms something (an ``lru_cache``, a lookup table built on
first use), and records for each the first call's ratio to the median of the
timed calls in every trial. The threshold must sit above every steady method's
largest ratio and below every warming one's smallest.

Run: ``python benchmarks/bench_first_call.py [--quick]``; writes
``benchmarks/results/first_call.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from assay.bench import BenchOptions, load_benchmark, run_benchmark
from assay.bench.fresh import FIRST_CALL_EXCESS, FIRST_CALL_RATIO

RESULTS = Path(__file__).parent / "results"
BENCH = """
import functools, json, random
import numpy as np
import assay

@assay.workload
def data(seed):
    rng = random.Random(seed)
    words = " ".join(rng.choice(["alpha", "beta", "gamma", "delta"]) for _ in range(2000))
    return {
        "small": [rng.random() for _ in range(10)],
        "list": [rng.random() for _ in range(1000)],
        "big": [rng.random() for _ in range(100_000)],
        "vec": np.array([rng.random() for _ in range(1000)]),
        "mat": np.array([[rng.random() for _ in range(150)] for _ in range(150)]),
        "text": words,
        "obj": {str(i): [i, str(i)] for i in range(200)},
    }

@assay.baseline
def steady_sorted_10(d):
    return sorted(d["small"])

@assay.candidate
def steady_sorted_1000(d):
    return sorted(d["list"])

@assay.candidate
def steady_sorted_100k(d):
    return sorted(d["big"])

@assay.candidate
def steady_numpy_sum(d):
    return float(np.sum(d["vec"]))

@assay.candidate
def steady_matmul(d):
    return d["mat"] @ d["mat"]

@assay.candidate
def steady_python_loop(d):
    total = 0.0
    for x in d["list"]:
        total += x * x
    return total

@assay.candidate
def steady_tokenize(d):
    return [w.upper() for w in d["text"].split()]

@assay.candidate
def steady_json(d):
    return json.dumps(d["obj"])

@assay.candidate
@functools.lru_cache(maxsize=None)
def _cached_tokenize(text):
    return [w.upper() for w in text.split()]

@assay.candidate(name="warming_lru_cache")
def warming_lru_cache(d):
    return _cached_tokenize(d["text"])

_TABLE = {}

@assay.candidate
def warming_lazy_table(d):
    if not _TABLE:
        _TABLE.update({i: i * i for i in range(20_000)})
    return [_TABLE[i] for i in range(0, 20_000, 100)]
"""


def figures(result: Any) -> dict[str, list[tuple[float, float, bool]]]:
    """Per method, each trial's (first / median, first - median in µs, warned)."""
    out: dict[str, list[tuple[float, float, bool]]] = {}
    for trial in result.trials:
        if not trial.ok or trial.details["first_call"]["interrupted"]:
            continue
        first = trial.details["first_call"]["seconds"]
        median = trial.values["time"]
        warned = any("first call" in w for w in trial.details.get("warnings", []))
        row = (first / median, (first - median) * 1e6, warned)
        out.setdefault(trial.key.method, []).append(row)
    return out


def describe(rows: list[tuple[float, float, bool]]) -> dict[str, Any]:
    """Range of the ratio and the excess, and the share of trials that warned."""
    ratio = sorted(r for r, _, _ in rows)
    excess = sorted(e for _, e, _ in rows)
    return {
        "trials": len(rows),
        "ratio": {"min": ratio[0], "median": ratio[len(ratio) // 2], "max": ratio[-1]},
        "excess_us": {"min": excess[0], "median": excess[len(excess) // 2], "max": excess[-1]},
        "warned": sum(w for _, _, w in rows) / len(rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 trials instead of 8")
    args = parser.parse_args()
    trials = 3 if args.quick else 8
    found: dict[str, list[tuple[float, float, bool]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench_first_call_methods.py"
        path.write_text(BENCH)
        spec = load_benchmark(path)
        for interleave in ("trials", "samples"):
            options = BenchOptions(trials=trials, plan_seed=3, interleave=interleave)
            for method, rows in figures(run_benchmark(spec, options)).items():
                found.setdefault(method, []).extend(rows)
    methods = {m: describe(rows) for m, rows in sorted(found.items())}
    false_alarms = max(d["warned"] for m, d in methods.items() if m.startswith("steady"))
    missed = max(1 - d["warned"] for m, d in methods.items() if m.startswith("warming"))
    out = {
        "name": "first_call",
        "quick": args.quick,
        "rule": f"first call >= {FIRST_CALL_RATIO:g}x the median and "
        f">= {FIRST_CALL_EXCESS * 1e6:g} µs slower",
        "target": "no steady method's trial warns; every warming method's trial does",
        "met": bool(false_alarms == 0 and missed == 0),
        "steady_trials_warned": false_alarms,
        "warming_trials_missed": missed,
        "methods": methods,
        "load_average": list(os.getloadavg()),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "first_call.json").write_text(json.dumps(out, indent=2) + "\n")
    for method, d in methods.items():
        print(
            f"{method:20} ratio {d['ratio']['min']:8.1f} to {d['ratio']['max']:8.1f}  "
            f"excess {d['excess_us']['min']:8.1f} to {d['excess_us']['max']:8.1f} µs  "
            f"warned {d['warned']:.0%} of {d['trials']}"
        )
    print(f"{out['rule']}; met: {out['met']}")


if __name__ == "__main__":
    main()
