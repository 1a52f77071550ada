"""The write cost of the watched history (issue 14): appending a run's points to a
series that already holds 10,000 points, with its change points recomputed.

Target: a finished run with one method and the ``time`` metric (5 series: latency and
its per-call p90/p99/p99.9, plus p50 folded into latency) adds its points and
recomputes those series in at most 0.5 s (median of 20 appends) on a SQLite
workspace whose series hold 10,000 points each. The history is filled with plain SQL
(10,000 runs and their points, a level shift at 8,000); each timed append is
:func:`assay.workspace.watch.record_run` inside a write, as the runs service calls it.

Reference in the same run: the change-point search alone
(:func:`assay.stats.changepoint.change_points`) on the same newest points of the same
series, without the store; ``ratio_to_search_alone`` is what storing and reading the
history adds around it.

Run: ``python benchmarks/bench_watch.py [--quick]`` (``--quick``: 2,000 points);
writes ``benchmarks/results/watch.json`` and exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
RESULTS = HERE / "results"
POINTS = 10_000
APPENDS = 20
TARGET_SECONDS = 0.5
METRICS = {"median": 0.1, "per_call_p90": 0.11, "per_call_p99": 0.12, "per_call_p99_9": 0.13}


def _result(level: float) -> dict[str, object]:
    metrics = {"n": 5, "mean": level, **{k: v * level / 0.1 for k, v in METRICS.items()}}
    summary = {"method": "cand", "role": "candidate", "params": {}, "trials": 5, "failed": 0}
    return {"summaries": [summary | {"metrics": {"time": metrics}}]}


def fill(ws: object, points: int) -> None:
    """``points`` finished runs of benchmark ``bench`` with their points (plain SQL)."""
    from assay.store.sql import Sql

    rng = np.random.default_rng(7)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with ws.db.write() as session:  # type: ignore[attr-defined]
        sql = Sql.of_session(session)
        raw = sql.connection
        runs, rows = [], []
        for i in range(points):
            at = sql.bind_datetime(start + dt.timedelta(minutes=i))
            level = (0.1 if i < points * 0.8 else 0.12) * (1 + 0.01 * rng.standard_normal())
            runs.append((i + 1, f"r{i:06d}", "bench", "bench.py", "bench", "finished", "{}",
                         json.dumps(_result(level)), "h", "u", at, at, at))  # fmt: skip
            for metric, key in (("latency", "median"), ("latency.p90", "per_call_p90"),
                                ("latency.p99", "per_call_p99"),
                                ("latency.p99.9", "per_call_p99_9")):  # fmt: skip
                value = METRICS[key] * level / 0.1
                rows.append(("bench", "cand", "", metric, value, i + 1, at))
        raw.executemany(
            "INSERT INTO runs (id, run_id, name, source, kind, state, header, result, host, "
            "by, created_at, updated_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            runs,
        )
        raw.executemany(
            "INSERT INTO watch_points (benchmark, method, point, metric, value, run_pk, at) "
            "VALUES (?,?,?,?,?,?,?)",
            rows,
        )


def append_one(ws: object, index: int) -> float:
    """Store one more finished run and time :func:`record_run` on it."""
    from assay.store.sql import Sql
    from assay.workspace.watch import record_run

    at = dt.datetime(2027, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=index)
    with ws.db.write() as session:  # type: ignore[attr-defined]
        sql = Sql.of_session(session)
        stamp = sql.bind_datetime(at)
        sql.connection.execute(
            "INSERT INTO runs (run_id, name, source, kind, state, header, result, host, by, "
            "created_at, updated_at, finished_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                f"n{index:06d}",
                "bench",
                "bench.py",
                "bench",
                "finished",
                "{}",
                json.dumps(_result(0.12)),
                "h",
                "u",
                stamp,
                stamp,
                stamp,
            ),
        )
        began = time.perf_counter()
        record_run(session, f"n{index:06d}")
        return time.perf_counter() - began


def search_only(series: list[list[float]]) -> float:
    """The reference: the change-point search alone on the same newest points of the
    same series, as the append runs it (no store): seconds."""
    from assay.stats.changepoint import change_points
    from assay.workspace.watch import MIN_CHANGE, TAIL

    began = time.perf_counter()
    for values in series:
        change_points(values[-TAIL:], min_magnitude=MIN_CHANGE)
    return time.perf_counter() - began


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 points instead of 10,000")
    args = parser.parse_args()
    points = 2_000 if args.quick else POINTS
    from assay import Workspace

    with tempfile.TemporaryDirectory() as folder:
        Workspace.init(Path(folder), user="bench").close()
        with Workspace.open(Path(folder), user="bench") as ws:
            began = time.perf_counter()
            fill(ws, points)
            filled = time.perf_counter() - began
            times = [append_one(ws, i) for i in range(APPENDS)]
            (history,) = ws.watch.show("bench", "latency", method="cand")
            series = [
                [p.value for p in ws.watch.show("bench", metric, method="cand")[0].points]
                for metric in ("latency", "latency.p90", "latency.p99", "latency.p99.9")
            ]
    median = statistics.median(times)
    reference = statistics.median(search_only(series) for _ in range(5))
    result = {
        "points": points,
        "appends": APPENDS,
        "fill_seconds": round(filled, 3),
        "append_seconds_median": round(median, 4),
        "append_seconds_max": round(max(times), 4),
        "change_points": [c["index"] for c in history.changes],
        "reference_search_seconds": round(reference, 4),
        "ratio_to_search_alone": round(median / reference, 2),
        "target_seconds": TARGET_SECONDS,
        "met": median <= TARGET_SECONDS,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "watch.json").write_text(json.dumps(result, indent=2) + "\n", "utf-8")
    print(json.dumps(result, indent=2))
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
