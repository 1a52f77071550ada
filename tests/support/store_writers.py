"""Writer processes for the store's concurrency tests (issue 15): each writes its own
trials into one shared run through :class:`assay.store.runs.StoreSink`, as ``bench
run`` does, and reports what happened as one JSON line.

Run as ``python -m support.store_writers URL RUN_ID WRITER COUNT [--no-retry]
[--busy-timeout-ms N]`` with ``tests`` on ``PYTHONPATH``. The process prints ``ready``,
waits for a line on stdin (so that every writer starts at the same moment), writes,
then prints ``{"written": n, "retries": k, "error": "..." or null, "started": t0,
"ended": t1}`` (the clock's seconds around its writes).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from assay.bench.plan import TrialKey
from assay.bench.trial import TrialResult, TrialStatus
from assay.errors import AssayError
from assay.store.database import Database, RetryPolicy
from assay.store.runs import StoreSink
from assay.store.url import parse_url


def trial(writer: int, seed: int) -> TrialResult:
    """The ``seed``-th trial of writer ``writer``: a key no other writer uses."""
    samples = np.linspace(0.1, 0.2, 8) + writer * 1e-3
    return TrialResult(
        TrialKey(f"w{writer}", (), seed),
        TrialStatus.OK,
        block=seed,
        position=writer,
        values={"time": float(np.median(samples))},
        samples={"time": samples},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("run_id")
    parser.add_argument("writer", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("--no-retry", action="store_true")
    parser.add_argument("--busy-timeout-ms", type=int, default=None)
    args = parser.parse_args(argv)
    retry = RetryPolicy.disabled() if args.no_retry else RetryPolicy()
    db = Database(parse_url(args.url), retry=retry, busy_timeout_ms=args.busy_timeout_ms)
    sink = StoreSink(db, name="race", source="race.py", by="ana", run_id=args.run_id)
    print("ready", flush=True)
    sys.stdin.readline()
    written, error = 0, None
    started = time.time()
    try:
        for seed in range(args.count):
            sink.record(trial(args.writer, seed))
            written += 1
    except Exception as exc:  # reported to the test, which decides what it means
        kind = "assay" if isinstance(exc, AssayError) else type(exc).__name__
        error = f"{kind}: {exc}".splitlines()[0]
    finally:
        ended = time.time()
        db.close()
    report = {"written": written, "retries": db.retries, "error": error,
              "started": started, "ended": ended}  # fmt: skip
    print(json.dumps(report), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
