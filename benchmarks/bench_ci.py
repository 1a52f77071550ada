"""``assay ci`` on known effects: a 5% regression, and identical code.

Targets (issue 14): a known 5% regression is detected and confirmed; identical
commits raise no alert in 20 jobs; each job's wall time is reported.

A temporary git repository holds a package ``toy`` whose ``work(n)`` sums
``i * i`` over ``range(n * FACTOR)`` (about 1 ms per call) and a benchmark file
measuring it. Three commits: ``c1`` (FACTOR 1.0), ``docs`` (a README change:
the same code, a different commit) and ``slow`` (FACTOR 1.05: 5% more work,
so about 5% more time). Each repetition is one full job through the library
call behind ``assay ci`` (:func:`assay.bench.ci_job.run_ci`): worktrees,
environment check, first pass with the A/A pair, confirmation of candidates,
worktrees removed:

- regression: ``--base c1 --head slow``, K repetitions (plan seeds differ);
- identical: ``--base c1 --head docs``, 20 repetitions.

Reported: how many regression jobs alerted (confirmed), how many first passes
flagged it, the effects and noise floors measured, how many identical jobs
alerted (and how many first passes flagged a candidate that the confirmation
then dismissed), and the wall time per job. Settings: the command's defaults
(20 blocks of 10 rounds per arm, 40 blocks to confirm, 5 ms round trials,
margin 3%, pinned to one CPU, one thread), once with each ``--statistic``
(median, the default, and min). Met when the regression is confirmed in at
least 80% of its jobs (the power the noise floor stands for) and no identical
job alerts.

Run: ``python benchmarks/bench_ci.py [--quick]`` (K = 5 and 10 identical jobs
instead of K = 10 and 20); writes ``benchmarks/results/ci.json``. ``--trials N``
(written to ``ci_trialsN.json``), ``--statistic`` and ``--identical N`` run
other settings.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from assay.bench.ci_job import CiReport, run_ci
from assay.bench.ci_run import STATISTICS, CiOptions
from assay.measure.environment import collect_environment

RESULTS = Path(__file__).parent / "results"
WORK = """
FACTOR = {factor}


def work(n):
    total = 0
    for i in range(int(n * FACTOR)):
        total += i * i
    return total
"""
BENCH = """
import assay
import toy

@assay.workload
def data(seed):
    return 20_000

@assay.baseline
def work(n):
    return toy.work(n)

@assay.candidate
def work_again(n):
    return toy.work(n)
"""
TRIALS = CiOptions().trials


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    done.check_returncode()
    return done.stdout.strip()


def _commit(repo: Path, message: str) -> str:
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", message)
    return _git(repo, "rev-parse", "HEAD")


def make_repository(root: Path) -> dict[str, str]:
    """The repository of the module docstring; its three commits by name."""
    (root / "src" / "toy").mkdir(parents=True)
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "bench_toy.py").write_text(BENCH)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "config", "user.email", "bench@example.com")
    _git(root, "config", "user.name", "bench")
    init = root / "src" / "toy" / "__init__.py"
    init.write_text(WORK.format(factor=1.0))
    commits = {"c1": _commit(root, "c1")}
    (root / "README.md").write_text("docs only\n")
    commits["docs"] = _commit(root, "docs: same code")
    init.write_text(WORK.format(factor=1.05))
    commits["slow"] = _commit(root, "slow: 5% more work")
    return commits


def one_job(
    repo: Path,
    base: str,
    head: str,
    seed: int,
    statistic: str,
    trials: int = TRIALS,
    margin: float | None = None,
) -> dict[str, Any]:
    """One job through :func:`run_ci`, summarised."""
    started = time.perf_counter()
    options = CiOptions(trials=trials, seed=seed, methods=("work",), statistic=statistic)
    if margin is not None:
        options = dataclasses.replace(options, margin=margin)
    report: CiReport = run_ci(
        Path("benchmarks/bench_toy.py"), base=base, head=head, options=options, directory=repo
    )
    wall = time.perf_counter() - started
    (row,) = report.rows
    conf = row.confirmation
    return {
        "status": row.status.value,
        "alert": row.status.alerts,
        "flagged_first_pass": conf is not None,
        "first_effect": row.first.effect,
        "first_ci": row.first.ci,
        "first_verdict": row.first.verdict_label,
        "confirmation_effect": conf.effect if conf is not None else None,
        "confirmation_ci": conf.ci if conf is not None else None,
        "noise_floor": row.floor,
        "screen_verdict": row.screen.verdict_label if row.screen is not None else None,
        "confirmation_noise_floor": row.confirm_floor,
        "wall_s": wall,
        "trials": report.trials,
    }


def _figures(jobs: list[dict[str, Any]]) -> dict[str, Any]:
    effects = [j["first_effect"] for j in jobs if j["first_effect"] is not None]
    floors = [j["noise_floor"] for j in jobs if j["noise_floor"] is not None]
    walls = [j["wall_s"] for j in jobs]
    return {
        "jobs": len(jobs),
        "alerts": sum(j["alert"] for j in jobs),
        "flagged_first_pass": sum(j["flagged_first_pass"] for j in jobs),
        "statuses": {s: sum(j["status"] == s for j in jobs) for s in {j["status"] for j in jobs}},
        "median_effect": statistics.median(effects) if effects else None,
        "median_noise_floor": statistics.median(floors) if floors else None,
        "wall_s": {"median": statistics.median(walls), "max": max(walls)},
    }


def _run(
    repo: Path,
    commits: dict[str, str],
    k: int,
    identical: int,
    statistic: str,
    trials: int,
    margin: float | None = None,
) -> Any:
    runs: dict[str, list[dict[str, Any]]] = {"regression": [], "identical": []}
    for index in range(max(k, identical)):
        for kind, head, limit in (("regression", "slow", k), ("identical", "docs", identical)):
            if index >= limit:
                continue
            job = one_job(
                repo, commits["c1"], commits[head], 1000 + index, statistic, trials, margin
            )
            runs[kind].append(job)
            print(
                f"{statistic:<6} {kind:<10} {index + 1:>2}  {job['status']:<22} first "
                f"{job['first_effect'] or 0:+.3f} floor {job['noise_floor'] or 0:.3f} "
                f"{job['wall_s']:.0f} s",
                flush=True,
            )
    regression, same = _figures(runs["regression"]), _figures(runs["identical"])
    return {
        # detected at least as often as the 80% power the noise floor stands for
        "met": regression["alerts"] >= 0.8 * k and same["alerts"] == 0,
        "regression_detected_rate": regression["alerts"] / k,
        "identical_alerts": same["alerts"],
        "regression": regression,
        "identical": same,
        "runs": runs,
    }


def _settings(trials: int, margin: float | None) -> str:
    opts = CiOptions(trials=trials)
    if margin is not None:
        opts = dataclasses.replace(opts, margin=margin)
    return (
        f"{trials} blocks x {opts.rounds} rounds per arm in the first pass, "
        f"{opts.confirm_blocks} blocks in the confirmation, "
        f"{opts.timer.trial_time * 1e3:.0f} ms round trials, margin {opts.margin:.0%}, "
        f"pinned to CPU {opts.cpu}, 1 thread, one "
        "benchmark (toy.work, ~1 ms per call); each statistic in turn"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="K = 5 and 10 identical jobs")
    parser.add_argument("--trials", type=int, default=TRIALS, help="trials per arm and pass")
    parser.add_argument(
        "--statistic", choices=STATISTICS, action="append", help="only these (repeatable)"
    )
    parser.add_argument("--identical", type=int, help="identical jobs (default 20, quick 10)")
    parser.add_argument(
        "--margin", type=float, help="the job's --margin as a fraction (default: the command's)"
    )
    args = parser.parse_args()
    k, identical = (5, 10) if args.quick else (10, 20)
    identical = identical if args.identical is None else args.identical
    env = collect_environment()
    load_start = list(os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "project"
        commits = make_repository(repo)
        chosen = args.statistic or list(STATISTICS)
        results = {
            s: _run(repo, commits, k, identical, s, args.trials, args.margin) for s in chosen
        }
    out = {
        "name": "ci",
        "quick": args.quick,
        "targets": {
            "regression": f"a known 5% regression detected and confirmed in at least 80% of "
            f"{k} jobs (the power the noise floor stands for)",
            "identical": f"no alert in {identical} jobs on identical code",
        },
        "met": all(r["met"] for r in results.values()),
        "trials": args.trials,
        "by_statistic": results,
        "settings": _settings(args.trials, args.margin),
        "environment": {
            "cpu": env["cpu"],
            "load_average": load_start,
            "load_average_at_end": list(os.getloadavg()),
        },
    }
    RESULTS.mkdir(exist_ok=True)
    name = "ci.json" if args.trials == TRIALS else f"ci_trials{args.trials}.json"
    if args.margin is not None:
        name = name.replace(".json", f"_margin{args.margin * 100:g}.json")
    (RESULTS / name).write_text(json.dumps(out, indent=2) + "\n")
    for statistic, r in results.items():
        reg, same = r["regression"], r["identical"]
        print(
            f"{statistic}: 5% regression confirmed in {reg['alerts']}/{k} jobs (flagged by the "
            f"first pass in {reg['flagged_first_pass']}); identical code: {same['alerts']}/"
            f"{identical} alerts; median job {reg['wall_s']['median']:.0f} s; met: {r['met']}"
        )


if __name__ == "__main__":
    main()
