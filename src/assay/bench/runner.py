"""The runner: a plan's trials through an executor into a sink, then the analysis.

:func:`run_benchmark` (or :class:`Runner` for more control) does, in order:

1. resolve the options (fix the plan seed), collect the environment and warn
   when the load average is above the core count;
2. start the executor (the fork server imports the benchmark once; a benchmark
   that cannot load raises :class:`~assay.errors.InputError` before anything is
   recorded);
3. ``sink.begin(header)``, then read ``sink.completed()``: the trials already
   held are not run again (resume);
4. walk the plan's rounds and blocks, running every missing trial and handing
   it to ``sink.record`` before the next starts; a failed trial is recorded
   with its reason and the run goes on; after every trial the ``progress``
   callback gets a :class:`Progress`;
5. stop after ``trials`` rounds; or, for an adaptive run, once ``trials``
   rounds are done and, looking after every block, every primary comparison is
   decided (``until_decided``) or its interval is within ``precision``, or the
   budget is spent, or ``max_trials`` rounds have run;
6. analyse (:func:`assay.bench.analysis.analyse`), ``sink.finish(result)`` and
   return the :class:`~assay.bench.result.BenchmarkResult`.

Resuming is running again with the stored options (same plan seed) and a sink
that returns the recorded trials: only the missing keys run, in plan order.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from assay.bench.analysis import analyse
from assay.bench.executor import Executor, make_executor
from assay.bench.options import BenchOptions, choose_interleave, keeps_interleaving
from assay.bench.plan import Block, Plan, TrialKey
from assay.bench.result import BenchmarkResult
from assay.bench.sink import MemorySink, RunHeader, RunSink
from assay.bench.spec import BenchmarkSpec
from assay.bench.stopping import StoppingRule
from assay.bench.trial import TrialResult, TrialStatus
from assay.bench.worker import TrialRequest
from assay.errors import InputError
from assay.measure.environment import collect_environment, environment_warnings

__all__ = ["Progress", "ProgressCallback", "Runner", "run_benchmark"]


@dataclass(frozen=True)
class Progress:
    """Where a run stands, passed to the progress callback after every trial.

    ``planned`` is None for an until-decided run; ``eta`` (seconds) is None
    until it can be estimated. ``trial`` is the trial that just finished.
    """

    done: int
    failed: int
    planned: int | None
    elapsed: float
    eta: float | None
    trial: TrialResult | None
    resumed: int = 0


ProgressCallback = Callable[[Progress], None]


class Runner:
    """Runs one benchmark; see the module docstring."""

    def __init__(
        self,
        spec: BenchmarkSpec,
        options: BenchOptions | None = None,
        sink: RunSink | None = None,
        *,
        progress: ProgressCallback | None = None,
        executor: Executor | None = None,
        environment: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.options = choose_interleave((options or BenchOptions()).resolved(), spec)
        self.sink: RunSink = sink if sink is not None else MemorySink()
        self.progress = progress
        self.executor = executor if executor is not None else make_executor(spec, self.options)
        self.environment = environment
        self.plan = Plan(
            [m.name for m in spec.methods], spec.workload.points(), int(self.options.plan_seed or 0)
        )
        self._done: dict[TrialKey, TrialResult] = {}
        self._rule: StoppingRule | None = None
        self._started = 0.0
        self._resumed = 0
        self._ran = 0

    def header(self) -> RunHeader:
        """The run's header: spec, resolved options, environment and its warnings."""
        env = self.environment
        if env is None:
            env = collect_environment(self.spec.directory())
            self.environment = env
        options = self.options.to_dict()
        planned = None if self.options.adaptive else self.plan.size(self.options.trials)
        return RunHeader(self.spec.describe(), options, env, environment_warnings(env), planned)

    def run(self) -> BenchmarkResult:
        """Run (or resume) the benchmark and return its :class:`BenchmarkResult`."""
        header = self.header()
        self.executor.start()
        try:
            self.sink.begin(header)
            self._load_completed()
            self._started = time.monotonic()
            stopped = self._loop(header)
        finally:
            self.executor.close()
        outcomes = None
        if self._rule is not None and self.options.until_decided:
            # designs still open make their final analysis; the stop reason says how each ended
            outcomes = self._rule.conclude(list(self._done.values()))
            stopped = f"{stopped}; {self._rule.summary()}"
        result = analyse(header, list(self._done.values()), stopped=stopped, sequential=outcomes)
        self.sink.finish(result)
        return result

    def _load_completed(self) -> None:
        horizon = self.options.max_trials if self.options.adaptive else self.options.trials
        allowed = {key for block in self.plan.blocks(horizon) for key in block.trial_keys()}
        for trial in self.sink.completed():
            if trial.key not in allowed:
                raise InputError(
                    f"the run already holds trial {trial.key}, which is not in this plan; "
                    "resume with the options the run was started with (same plan seed)"
                )
            self._done[trial.key] = trial
        self._resumed = len(self._done)

    def _loop(self, header: RunHeader) -> str:
        options = self.options
        rule = self._rule = StoppingRule(header) if options.adaptive else None
        for number, blocks in enumerate(self.plan.rounds()):
            if not options.adaptive and number >= options.trials:
                return f"ran the {options.trials} planned trials per method"
            if number >= options.max_trials:
                return f"reached max_trials={options.max_trials} before the stopping rule was met"
            for block in blocks:
                self._run_block(block)
                if rule is not None and number + 1 >= options.trials:
                    reason = self._should_stop(rule)
                    if reason:
                        return reason
                if options.budget is not None and self._spent() >= options.budget:
                    return f"spent the budget of {options.budget:g} s"
        raise AssertionError("unreachable: the plan's rounds never end")

    def _should_stop(self, rule: StoppingRule) -> str | None:
        trials = list(self._done.values())
        precision = self.options.precision
        if precision is not None and rule.precise(trials, precision):
            return f"every primary interval is within ±{precision:.1%}"
        if self.options.until_decided and rule.decided(trials):
            return "every primary comparison reached its sequential verdict"
        return None

    def _spent(self) -> float:
        return sum(t.wall_time for t in self._done.values())

    def _run_block(self, block: Block) -> None:
        missing = self.missing(block)
        interleave = len(missing) > 1 and keeps_interleaving(self.options, self._done.values())
        for result in self.block_trials(block, missing, interleave=interleave):
            self._record(result)

    def missing(self, block: Block) -> list[tuple[int, TrialKey]]:
        """The block's trials not yet done, with their positions in the block."""
        return [(p, k) for p, k in enumerate(block.trial_keys()) if k not in self._done]

    def block_trials(
        self, block: Block, missing: list[tuple[int, TrialKey]], *, interleave: bool
    ) -> Iterable[TrialResult]:
        """Run ``missing`` trials of ``block`` through the executor: in one process with
        samples in turn (``interleave``), or lazily one by one, so that each can be
        recorded before the next starts. A cluster node runs its block with this too."""
        if interleave:
            return self._run_interleaved(block, missing)
        return (self._run_trial(block, p, k) for p, k in missing)

    def _record(self, result: TrialResult) -> None:
        self.sink.record(result)
        self._done[result.key] = result
        self._ran += 1
        self._report(result)

    def _request(self, key: TrialKey) -> TrialRequest:
        options = self.options
        return TrialRequest(
            key=key,
            timer=options.timer,
            gpu_cache=options.gpu_cache,
            gpu_graph=options.gpu_graph,
            usd_per_hour=options.usd_per_hour,
            memory_limit=options.memory_limit,
            cold=options.cold,
        )

    def _run_interleaved(
        self, block: Block, missing: list[tuple[int, TrialKey]]
    ) -> list[TrialResult]:
        options = self.options
        started_at = time.time()
        t0 = time.monotonic()
        outcomes = self.executor.run_block(
            [self._request(key) for _, key in missing],
            timeout=options.timeout,
            memory_limit=options.memory_limit,
        )
        wall = (time.monotonic() - t0) / len(missing)
        return [
            trial_from_outcome(key, block, position, outcome, wall, started_at)
            for (position, key), outcome in zip(missing, outcomes, strict=True)
        ]

    def _run_trial(self, block: Block, position: int, key: TrialKey) -> TrialResult:
        options = self.options
        request = self._request(key)
        started_at = time.time()
        t0 = time.monotonic()
        outcome = self.executor.run(
            request, timeout=options.timeout, memory_limit=options.memory_limit
        )
        wall = time.monotonic() - t0
        return trial_from_outcome(key, block, position, outcome, wall, started_at)

    def _report(self, trial: TrialResult) -> None:
        if self.progress is None:
            return
        done = len(self._done)
        failed = sum(1 for t in self._done.values() if not t.ok)
        elapsed = time.monotonic() - self._started
        planned = None if self.options.adaptive else self.plan.size(self.options.trials)
        eta = None
        per_trial = elapsed / self._ran if self._ran else None
        if per_trial is not None and planned is not None:
            eta = per_trial * max(0, planned - done)
        elif per_trial is not None and self.options.budget is not None:
            eta = max(0.0, self.options.budget - self._spent())
        self.progress(Progress(done, failed, planned, elapsed, eta, trial, self._resumed))


def trial_from_outcome(
    key: TrialKey,
    block: Block,
    position: int,
    outcome: dict[str, Any],
    wall: float,
    started_at: float,
) -> TrialResult:
    """A :class:`TrialResult` from an executor's outcome dict."""
    status = TrialStatus(outcome.get("status", "crash"))
    details = dict(outcome.get("details", {}))
    if outcome.get("warnings"):
        details["warnings"] = list(outcome["warnings"])
    return TrialResult(
        key=key,
        status=status,
        block=block.index,
        position=position,
        values=dict(outcome.get("values", {})) if status is TrialStatus.OK else {},
        samples=dict(outcome.get("samples", {})) if status is TrialStatus.OK else {},
        reason=outcome.get("reason"),
        wall_time=wall,
        started_at=started_at,
        details=details,
    )


def run_benchmark(
    spec: BenchmarkSpec,
    options: BenchOptions | None = None,
    sink: RunSink | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> BenchmarkResult:
    """Run (or resume, when ``sink`` holds trials) a benchmark; see the module docstring."""
    return Runner(spec, options, sink, progress=progress).run()
