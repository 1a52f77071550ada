"""Running a CI job: base and head as two arms of one interleaved plan.

Each side is a :class:`Side`: a commit checked out in its own worktree, the
directory its code is imported from, and its copy of the benchmark file (the
same text on both sides). Each arm's trials run in a fork server of its own,
started in its side's worktree with that directory first on ``PYTHONPATH``
(:class:`~assay.bench.executor.ForkServerExecutor`), so each side measures its
own code while sharing everything else. The servers are restarted for every
block: two interpreters can differ by a few percent for their whole life
(memory layout, hash seeds), and one server per side for the whole job would
turn that luck into a bias that no interval shows; fresh ones make it
per-block noise, which the paired comparison sees. The servers of one block share
what decides that luck and blocks draw it anew (:func:`block_environment`): the
hash seed (``PYTHONHASHSEED``) and the size of the environment, which moves the
initial stack and so the alignment of what the process lays out (Mytkowicz et al.
2009, "Producing wrong data without doing anything obviously wrong!", ASPLOS). Within
a block base and head meet the same draw, so it leaves their pair (address-space
randomisation still varies the rest per process); across blocks it varies, so no one
draw biases the job.

Within a block the arms take turns: ``rounds`` short trials each (5 ms of
samples by default), in a balanced order (:func:`round_order`: every rotation
of the block's order and its mirror image in turn, so each arm meets each
position and each neighbour about equally often), and each arm's value for
the block is base's median time scaled by the median, over the rounds, of the
arm's time divided by base's time in the same round. A shared cloud machine's
speed swings (on the machine these defaults were chosen on, a pure-Python loop
took 1.0 ms in some stretches and 1.8 ms in others, switching every few tens of
milliseconds to seconds, with no context switch to show for it); turns a few
milliseconds apart meet the same speed, so the ratio within a round cancels it,
and the median over rounds drops the rounds a switch fell into. All servers of
a job are pinned to one CPU (:data:`CiOptions.cpu`, by default the last one this
process may use): a machine's CPUs need not run at the same speed at the same
moment, and arms on different CPUs would carry the difference.

:func:`run_job` uses the engine's :class:`~assay.bench.plan.Plan`: every
benchmark (a method of the file) gets the arms ``base``, ``head`` and ``aa``
(base again, for the noise floor), and each block runs one trial of every
arm on one workload seed in a shuffled order, so drift hits both commits
alike and base and head meet the same inputs (trials pair by seed). Rows are
compared with the engine's :func:`~assay.bench.arms.compare_arms`; the
statistics of :mod:`assay.bench.ci` decide each row. Candidates for an alert
run again in a confirmation pass with fresh trials (a new plan seed: new
workload seeds) and twice the blocks by default (``confirm_trials``), base
against head only.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assay.bench.analysis import compared_location
from assay.bench.arms import MetricInfo, compare_arms, group_trials, has_metric, paired_arms
from assay.bench.ci import SCREEN, CiRow, ci_status, is_candidate, noise_floor
from assay.bench.executor import ForkServerExecutor, _child_env
from assay.bench.plan import Plan, TrialKey
from assay.bench.registry import Params
from assay.bench.runner import trial_from_outcome
from assay.bench.spec import BenchmarkSpec, SpecSource, load_benchmark
from assay.bench.trial import TrialResult
from assay.bench.worker import TrialRequest
from assay.errors import InputError
from assay.measure.timer import TimerSettings

__all__ = [
    "CiOptions",
    "JobProgress",
    "JobResult",
    "Side",
    "combine_rounds",
    "default_cpu",
    "load_side_spec",
    "round_order",
    "run_job",
    "side_environment",
    "side_specs",
    "usable_cpus",
    "with_statistic",
]

BASE, HEAD, AA = "base", "head", "aa"
_SEP = "@"


@dataclass(frozen=True)
class Side:
    """One commit of the job: ``name`` (base or head), ``commit``, its worktree
    ``root``, the directory its code is imported from, and its benchmark file."""

    name: str
    commit: str
    root: Path
    import_path: Path
    bench: Path


@dataclass(frozen=True)
class CiOptions:
    """How a job runs: trials (blocks) per arm and pass, the default margin,
    confirmation, the plan seed, per-trial timeout (s), intra-op threads, timer
    settings of one round's trial, which methods to measure (all when empty),
    rounds per block and the CPU the servers are pinned to (module docstring)."""

    trials: int = 20
    margin: float = 0.03
    confirm: bool = True
    seed: int = 0
    timeout: float | None = 300.0
    threads: int | None = 1
    timer: TimerSettings = dataclasses.field(
        default_factory=lambda: TimerSettings(warmup_time=0.002, trial_time=0.005, min_samples=1)
    )
    methods: tuple[str, ...] = ()
    confidence: float = 0.95
    statistic: str = "median"
    rounds: int = 10
    confirm_trials: int | None = None
    """Blocks of the confirmation pass; None: twice ``trials``."""
    cpu: int | None = dataclasses.field(default_factory=lambda: default_cpu())
    """The CPU every trial server is pinned to; None: not pinned (``--no-pin``)."""

    @property
    def confirm_blocks(self) -> int:
        """Blocks of the confirmation pass: ``confirm_trials``, or twice ``trials``."""
        return self.confirm_trials if self.confirm_trials is not None else 2 * self.trials

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise InputError(f"--rounds {self.rounds} must be at least 1")
        allowed = usable_cpus()
        if self.cpu is not None and allowed and self.cpu not in allowed:
            listed = ", ".join(str(c) for c in sorted(allowed))
            raise InputError(f"--cpu {self.cpu} is not a CPU this process may use ({listed})")
        if self.statistic not in STATISTICS:
            raise InputError(
                f"--statistic {self.statistic!r} must be one of {', '.join(STATISTICS)}"
            )
        if self.trials < 3:
            raise InputError(
                f"--trials {self.trials} must be at least 3; the noise floor and each verdict "
                "need a spread"
            )
        if not 0 < self.margin < 1:
            raise InputError(f"--margin {self.margin!r} must be a fraction in (0, 1), e.g. 3%")
        if self.confirm_trials is not None and self.confirm_trials < 3:
            raise InputError(
                f"--confirm-trials {self.confirm_trials} must be at least 3; a verdict "
                "needs a spread"
            )
        if self.timeout is not None and not self.timeout > 0:
            raise InputError(f"--timeout {self.timeout!r} must be a positive number of seconds")


def round_order(keys: list[TrialKey], turn: int) -> list[TrialKey]:
    """The order of ``keys`` in round ``turn`` of a block: rotation ``turn // 2`` of
    the block's order, mirrored on odd turns: over ``2k`` rounds each of ``k``
    trials takes each position equally often, and with two or three arms every
    order of them occurs once (a Williams design; the fixed mirror-only order
    left the middle arm in the middle for a whole block)."""
    if not keys:
        return []
    shift = (turn // 2) % len(keys)
    rotated = keys[shift:] + keys[:shift]
    return rotated[::-1] if turn % 2 else rotated


def usable_cpus() -> set[int]:
    """The CPUs this process may run on (empty where the OS does not say)."""
    getter = getattr(os, "sched_getaffinity", None)
    return set(getter(0)) if getter is not None else set()


def default_cpu() -> int | None:
    """The CPU a job pins its servers to by default: the highest this process may use
    (CPU 0 takes most interrupts); None where pinning is not available."""
    allowed = usable_cpus()
    return max(allowed) if allowed and hasattr(os, "sched_setaffinity") else None


ROW_TEST = "wilcoxon"
"""The test behind a time row's interval: Wilcoxon's signed-rank test with the
Hodges-Lehmann interval of the paired differences (relative to base's median),
as :func:`assay.stats.compare` runs it. A shared runner now and then gives a block
a speed of its own for its whole life (one block in ten 20% off is common on a busy
2-vCPU machine); a t-interval widens with such a block until nothing is detectable,
a rank interval barely moves. With fewer than :data:`RANK_MIN` blocks the rank
interval is too coarse to exclude anything (with 5 pairs no two-sided p-value is
below 0.0625), so such rows keep the engine's t-interval on log times."""

RANK_MIN = 10
"""The fewest paired blocks for which a time row uses :data:`ROW_TEST`."""

STATISTICS = ("median", "min")
"""What a trial's time is: the engine's median per-call time, or the fastest call.

The minimum suits noisy shared runners: noise there only ever adds time, so the
fastest of a trial's calls is the steadiest estimate of the code's own cost
(Chen & Revels 2016, "Robust benchmarking in noisy environments"); it hides
regressions that live in the spread (more garbage collection, a slower path
taken sometimes), which the median sees."""


def with_statistic(trial: TrialResult, statistic: str) -> TrialResult:
    """``trial`` with its ``time`` value taken by ``statistic`` (:data:`STATISTICS`)."""
    if statistic == "median" or not trial.ok or "time" not in trial.samples:
        return trial
    per_call = trial.samples["time"]
    if per_call.size == 0:
        return trial
    return dataclasses.replace(trial, values={**trial.values, "time": float(per_call.min())})


@dataclass(frozen=True)
class JobProgress:
    """Passed to the progress callback after every trial: pass name, done, planned."""

    stage: str
    done: int
    planned: int


def _trial_env_path(side: Side) -> tuple[str, ...]:
    return (str(side.import_path),)


def load_side_spec(side: Side) -> BenchmarkSpec:
    """Load ``side``'s benchmark file here, its code imported from its worktree.

    Modules imported from the worktree are forgotten afterwards and ``sys.path``
    restored, so loading another side later imports that side's code.
    """
    saved = list(sys.path)
    before = set(sys.modules)
    sys.path.insert(0, str(side.import_path))
    try:
        return load_benchmark(side.bench)
    finally:
        sys.path[:] = saved
        root = str(side.root)
        for name in set(sys.modules) - before:
            file = getattr(sys.modules.get(name), "__file__", None) or ""
            if file.startswith(root):
                sys.modules.pop(name, None)


_ENV_SCRIPT = """
import json, sys
from pathlib import Path
from assay.bench.spec import load_benchmark
from assay.errors import InputError
from assay.measure.environment import collect_environment
try:
    load_benchmark(sys.argv[1])
except InputError as exc:
    print(json.dumps({"error": str(exc)}))
    raise SystemExit(0)
print(json.dumps(collect_environment(Path(sys.argv[2])), default=str))
"""


def side_environment(side: Side) -> dict[str, Any]:
    """The environment ``side``'s trials see, collected in a process set up as they
    are (its worktree, its import path) after importing the benchmark file, so that
    the packages it loads are listed; an InputError when the file fails to import."""
    done = subprocess.run(
        [sys.executable, "-c", _ENV_SCRIPT, str(side.bench), str(side.root)],
        cwd=side.root,
        env=_child_env(None, _trial_env_path(side)),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise InputError(
            f"collecting the environment of {side.name} ({side.commit[:12]}) failed: "
            f"{done.stderr.strip()[-500:]}"
        )
    data: dict[str, Any] = json.loads(lines[-1])
    if "error" in data:
        raise InputError(f"on {side.name} ({side.commit[:12]}): {data['error']}")
    return data


ENV_PAD = "ASSAY_ENV_PAD"
"""The environment variable whose length :func:`block_environment` draws."""
MOST_PAD = 4096
"""The environment grows by 0 to this many bytes less one (a page: every alignment)."""


def block_environment(plan_seed: int, block: int) -> dict[str, str]:
    """What every server of one block shares and blocks draw anew (module docstring):
    a hash seed and 0 to :data:`MOST_PAD` bytes more of environment, from the plan's
    seed and the block's number, so a job run again draws the same."""
    rng = random.Random(f"assay-ci:{plan_seed}:{block}")
    return {"PYTHONHASHSEED": str(rng.randrange(1, 2**32)), ENV_PAD: "x" * rng.randrange(MOST_PAD)}


class _Executors:
    """A fork server per arm (``aa`` runs base's code in a server of its own), restarted
    for every block with that block's environment: see :func:`_run_pass`."""

    def __init__(
        self,
        specs: dict[str, BenchmarkSpec],
        sides: dict[str, Side],
        threads: int | None,
        cpu: int | None = None,
    ):
        self.sides = sides
        self.cpu = cpu
        self.servers = {
            arm: ForkServerExecutor(
                specs[_arm_side(arm)],
                threads=threads,
                cwd=str(sides[_arm_side(arm)].root),
                path=_trial_env_path(sides[_arm_side(arm)]),
            )
            for arm in (BASE, HEAD, AA)
        }
        self.base_env = {arm: dict(server.env) for arm, server in self.servers.items()}

    def start(self, arms: tuple[str, ...], env: dict[str, str]) -> None:
        """Start the servers of ``arms`` side by side (each waits on its interpreter's
        imports), with ``env`` added to their environment; a benchmark that fails to
        import on a side is an InputError naming it."""
        for arm in arms:
            self.servers[arm].env = {**self.base_env[arm], **env}
        with ThreadPoolExecutor(max_workers=len(arms)) as pool:
            list(pool.map(self._start, arms))

    def _start(self, arm: str) -> None:
        server = self.servers[arm]
        try:
            server.start()
        except InputError as exc:
            side = self.sides[_arm_side(arm)]
            raise InputError(f"on {side.name} ({side.commit[:12]}): {exc}") from None
        if self.cpu is not None and server.process is not None:
            # The trials are forked from the server's main thread: they inherit this.
            os.sched_setaffinity(server.process.pid, {self.cpu})

    def restart(self, arms: tuple[str, ...], env: dict[str, str]) -> None:
        """Fresh interpreters for the next block, for the arms it runs, with ``env``."""
        self.close()
        self.start(arms, env)

    def close(self) -> None:
        """Stop every server."""
        for server in self.servers.values():
            server.close()


def _arm_side(arm: str) -> str:
    return HEAD if arm == HEAD else BASE


def _run_pass(
    executors: _Executors,
    plan: Plan,
    options: CiOptions,
    progress: Callable[[int, int], None],
) -> list[TrialResult]:
    """Run ``options.trials`` blocks of ``plan`` (arms named ``method@arm``), each trial
    on its arm's server, the servers fresh for every block with the block's
    environment, the arms taking turns for ``options.rounds`` rounds in each (module
    docstring)."""
    results: list[TrialResult] = []
    blocks = plan.blocks(options.trials)
    arms = tuple(sorted({name.rsplit(_SEP, 1)[1] for name in plan.methods}))
    planned = sum(len(b.order) for b in blocks) * options.rounds
    done = 0
    for block in blocks:
        executors.restart(arms, block_environment(plan.plan_seed, block.index))
        keys = list(block.trial_keys())
        turns: dict[TrialKey, list[TrialResult]] = {key: [] for key in keys}
        for turn in range(options.rounds):
            for position, key in enumerate(round_order(keys, turn)):
                method, arm = key.method.rsplit(_SEP, 1)
                request = TrialRequest(
                    key=TrialKey(method, key.params, key.seed), timer=options.timer
                )
                started_at = time.time()
                t0 = time.monotonic()
                outcome = executors.servers[arm].run(
                    request, timeout=options.timeout, memory_limit=None
                )
                wall = time.monotonic() - t0
                trial = trial_from_outcome(key, block, position, outcome, wall, started_at)
                turns[key].append(with_statistic(trial, options.statistic))
                done += 1
                progress(done, planned)
        results.extend(combine_rounds(turns))
    return results


def combine_rounds(turns: dict[TrialKey, list[TrialResult]]) -> list[TrialResult]:
    """One trial per arm from a block's rounds (module docstring).

    Base's ``time`` is the median of its rounds; another arm's is that times the
    median over rounds of its time over base's. An arm with a failed round is that
    failed trial (a benchmark failing now and then shows as failing); other
    metrics are the first round's.
    """
    out: list[TrialResult] = []
    for key, trials in turns.items():
        method, arm = key.method.rsplit(_SEP, 1)
        failed = [t for t in trials if not t.ok]
        if failed or not trials:
            out.extend(failed[:1])
            continue
        first = trials[0]
        if "time" not in first.values:
            out.append(first)
            continue
        base = turns.get(TrialKey(f"{method}{_SEP}{BASE}", key.params, key.seed), [])
        base_times = [t.values["time"] for t in base if t.ok and "time" in t.values]
        if not base_times or len(base) != len(trials):
            own = statistics.median(t.values["time"] for t in trials)
            out.append(dataclasses.replace(first, values={**first.values, "time": own}))
            continue
        level = statistics.median(base_times)
        if arm == BASE:
            value = level
        else:
            ratios = [
                t.values["time"] / b.values["time"]
                for t, b in zip(trials, base, strict=True)
                if b.ok and b.values.get("time", 0.0) > 0
            ]
            value = level * statistics.median(ratios) if ratios else level
        out.append(dataclasses.replace(first, values={**first.values, "time": value}))
    return out


def _infos(spec: BenchmarkSpec, margin: float) -> list[MetricInfo]:
    infos = [MetricInfo("time", True, margin, True)]
    for metric in spec.metrics:
        declared = metric.margin if metric.margin is not None else margin
        infos.append(MetricInfo(metric.name, not metric.higher_is_better, declared, False))
    return infos


def _arms(grouped: Any, params: Params, method: str, arm: str) -> dict[int, TrialResult]:
    arms: dict[int, TrialResult] = grouped.get(params, {}).get(f"{method}{_SEP}{arm}", {})
    return arms


def _compare(
    grouped: Any, params: Params, method: str, other: str, info: MetricInfo, confidence: float
) -> Any:
    base = _arms(grouped, params, method, BASE)
    cand = _arms(grouped, params, method, other)
    b, c, paired = paired_arms(base, cand, info.name)
    return compare_arms(
        b,
        c,
        info=info,
        paired=paired,
        confidence=confidence,
        name=method,
        params=params,
        test=ROW_TEST if paired and info.name == "time" and len(b) >= RANK_MIN else "auto",
    )


def _location(arm: dict[int, TrialResult], metric: str) -> float | None:
    import numpy as np

    values = np.array([t.values[metric] for t in arm.values() if has_metric(t, metric)])
    return compared_location(values) if values.size else None


def _failure_notes(grouped: Any, params: Params, method: str) -> tuple[str, ...]:
    notes = []
    for arm in (BASE, HEAD):
        failed = [t for t in _arms(grouped, params, method, arm).values() if not t.ok]
        if failed:
            reason = (failed[0].reason or "").splitlines()[0][:200]
            notes.append(f"{len(failed)} {arm} trial(s) failed: {reason}")
    return tuple(notes)


def _first_rows(
    spec: BenchmarkSpec, methods: list[str], trials: list[TrialResult], options: CiOptions
) -> list[CiRow]:
    grouped = group_trials(trials)
    rows = []
    for method in methods:
        for params in spec.workload.points():
            for info in _infos(spec, options.margin):
                arms = [_arms(grouped, params, method, a) for a in (BASE, HEAD)]
                if info.name != "time" and not any(
                    has_metric(t, info.name) for arm in arms for t in arm.values()
                ):
                    continue
                first = _compare(grouped, params, method, HEAD, info, options.confidence)
                screen = _compare(grouped, params, method, HEAD, info, SCREEN)
                aa = _compare(grouped, params, method, AA, info, options.confidence)
                floor = noise_floor(aa, confidence=options.confidence)
                rows.append(
                    CiRow(
                        method, dict(params), info.name, info.margin,
                        _location(arms[0], info.name), _location(arms[1], info.name),
                        first, aa, floor, None,
                        ci_status(first, None, floor=floor, confirm=False),
                        _failure_notes(grouped, params, method),
                        screen,
                    )
                )  # fmt: skip
    return rows


def _confirmed(
    spec: BenchmarkSpec, rows: list[CiRow], trials: list[TrialResult], options: CiOptions
) -> list[CiRow]:
    grouped = group_trials(trials)
    infos = {i.name: i for i in _infos(spec, options.margin)}
    out = []
    for row in rows:
        if row.screen is None or not is_candidate(row.screen):
            status = ci_status(row.first, None, floor=row.floor, screen=row.screen)
            out.append(dataclasses.replace(row, status=status))
            continue
        params: Params = tuple(row.params.items())
        again = _compare(grouped, params, row.method, HEAD, infos[row.metric], options.confidence)
        bar = (
            noise_floor(row.aa, confidence=options.confidence, blocks=options.confirm_blocks)
            if row.aa is not None
            else None
        )
        status = ci_status(row.first, again, floor=row.floor, screen=row.screen, confirm_floor=bar)
        out.append(dataclasses.replace(row, confirmation=again, status=status, confirm_floor=bar))
    return out


@dataclass(frozen=True)
class JobResult:
    """The rows of a job and what it cost: trials run and wall seconds per pass."""

    rows: list[CiRow]
    trials: dict[str, int]
    seconds: dict[str, float]


def _methods(spec: BenchmarkSpec, chosen: tuple[str, ...]) -> list[str]:
    names = [m.name for m in spec.methods]
    for name in chosen:
        if name not in names:
            raise InputError(f"--method {name!r} is not a method of {spec.name}; methods: {names}")
    return [n for n in names if not chosen or n in chosen]


def _stage(
    progress: Callable[[JobProgress], None] | None, stage: str
) -> Callable[[int, int], None]:
    def report(done: int, planned: int) -> None:
        if progress is not None:
            progress(JobProgress(stage, done, planned))

    return report


def run_job(
    sides: dict[str, Side],
    specs: dict[str, BenchmarkSpec],
    options: CiOptions,
    progress: Callable[[JobProgress], None] | None = None,
) -> JobResult:
    """Run the first pass (base, head, A/A) and, unless ``options.confirm`` is off,
    the confirmation pass of every candidate; see the module docstring."""
    spec = specs[HEAD]
    methods = _methods(spec, options.methods)
    executors = _Executors(specs, sides, options.threads, options.cpu)
    trials: dict[str, int] = {}
    seconds: dict[str, float] = {}
    try:  # _run_pass starts the servers for each block (a side that cannot import: InputError)
        t0 = time.monotonic()
        arms = [f"{m}{_SEP}{a}" for m in methods for a in (BASE, HEAD, AA)]
        plan = Plan(arms, spec.workload.points(), options.seed)
        first = _run_pass(executors, plan, options, _stage(progress, "first pass"))
        trials["first_pass"], seconds["first_pass"] = len(first), time.monotonic() - t0
        rows = _first_rows(spec, methods, first, options)
        flagged = sorted({r.method for r in rows if r.screen and is_candidate(r.screen)})
        if not options.confirm:
            return JobResult(rows, trials, seconds)
        if not flagged:
            return JobResult(_confirmed(spec, rows, [], options), trials, seconds)
        t0 = time.monotonic()
        arms = [f"{m}{_SEP}{a}" for m in flagged for a in (BASE, HEAD)]
        again = _run_pass(
            executors,
            Plan(arms, spec.workload.points(), options.seed + 1),
            dataclasses.replace(options, trials=options.confirm_blocks),
            _stage(progress, "confirmation"),
        )
        trials["confirmation"], seconds["confirmation"] = len(again), time.monotonic() - t0
        return JobResult(_confirmed(spec, rows, again, options), trials, seconds)
    finally:
        executors.close()


def side_specs(sides: dict[str, Side]) -> dict[str, BenchmarkSpec]:
    """Head's spec loaded here; base's is the same spec pointing at base's copy of the
    file (its trial server imports it there, with base's code)."""
    head = load_side_spec(sides[HEAD])
    base = dataclasses.replace(head, source=SpecSource("file", str(sides[BASE].bench)))
    return {BASE: base, HEAD: head}
