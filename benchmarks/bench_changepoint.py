"""Change points on long metric histories: assay's implementation against Apache Otava's.

Target (issue 14): :func:`assay.stats.change_points` on a 1,000- and a
10,000-point series takes no longer than Otava 0.8.0's own
``otava.analysis.compute_change_points`` on the same series in the same run
(ratio Otava / assay ≥ 1), at the defaults ``max_pvalue=0.001``, ``window=30``.

Setting: a benchmark's history at 2% noise (coefficient of variation) with a
level shift of ±3-15% every 50-400 points, seeded. The two are timed turn by
turn (assay, Otava, assay, ...), ``repeats`` times each, and the medians
compared; the change points they report are compared too (the indices agree
except where Otava's merge step keeps a stale neighbour's statistics; see
docs/statistics.md, "Change points").

Run: ``python benchmarks/bench_changepoint.py [--quick]`` (5 repeats; 2 with
``--quick``); writes ``benchmarks/results/changepoint.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy

from assay.stats import change_points

try:
    from otava.analysis import compute_change_points
except ImportError as exc:  # pragma: no cover - the message is the point
    raise SystemExit(
        "bench_changepoint compares with Apache Otava: run `make dev` (it installs "
        "apache-otava==0.8.0 with --no-deps)"
    ) from exc

RESULTS = Path(__file__).parent / "results"
SIZES = (1_000, 10_000)


def history(n: int, seed: int) -> tuple[np.ndarray, list[int]]:
    """A metric at 2% noise whose level shifts by ±3-15% every 50-400 points."""
    rng = np.random.default_rng(seed)
    level = np.empty(n)
    shifts: list[int] = []
    at, value = 0, 100.0
    while at < n:
        length = int(rng.integers(50, 400))
        level[at : at + length] = value
        at += length
        if at < n:
            shifts.append(at)
        value *= 1.0 + float(rng.choice([-1.0, 1.0])) * rng.uniform(0.03, 0.15)
    return level * (1.0 + 0.02 * rng.standard_normal(n)), shifts


def _timed(fn: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def measure(n: int, repeats: int, seed: int) -> dict[str, Any]:
    """Median wall time of each, turn by turn, and how their answers compare."""
    x, shifts = history(n, seed)
    as_list = [float(v) for v in x]
    ours_s: list[float] = []
    theirs_s: list[float] = []
    for _ in range(repeats):
        t, ours = _timed(lambda: change_points(x))
        ours_s.append(t)
        t, (theirs, _) = _timed(lambda: compute_change_points(as_list, window_len=30))
        theirs_s.append(t)
    mine = [c.index for c in ours]
    other = [int(c.index) for c in theirs]
    found = sum(any(abs(i - s) <= 3 for i in mine) for s in shifts)
    return {
        "n": n,
        "assay_seconds": statistics.median(ours_s),
        "otava_seconds": statistics.median(theirs_s),
        "ratio": statistics.median(theirs_s) / statistics.median(ours_s),
        "true_shifts": len(shifts),
        "shifts_found_within_3": found,
        "assay_change_points": len(mine),
        "otava_change_points": len(other),
        "indices_in_common": len(set(mine) & set(other)),
        "timings": {"assay": ours_s, "otava": theirs_s},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 repeats instead of 5")
    args = parser.parse_args()
    repeats = 2 if args.quick else 5
    rows = [measure(n, repeats, seed=140 + i) for i, n in enumerate(SIZES)]
    met = all(row["ratio"] >= 1.0 for row in rows)
    report = {
        "benchmark": "changepoint",
        "target": "assay.stats.change_points no slower than otava.analysis."
        "compute_change_points (0.8.0) on 1,000 and 10,000 points (ratio >= 1)",
        "met": met,
        "sizes": rows,
        "quick": args.quick,
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "machine": platform.machine(),
            "processor": platform.processor(),
            "load_average": os.getloadavg(),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "changepoint.json").write_text(json.dumps(report, indent=2) + "\n")
    for row in rows:
        print(
            f"n={row['n']:,}: assay {row['assay_seconds'] * 1e3:.0f} ms, Otava "
            f"{row['otava_seconds'] * 1e3:.0f} ms ({row['ratio']:.1f}x); shifts found "
            f"{row['shifts_found_within_3']}/{row['true_shifts']}; change points assay "
            f"{row['assay_change_points']}, Otava {row['otava_change_points']}, "
            f"{row['indices_in_common']} in common"
        )
    print(f"met: {met}")
    if not met:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
