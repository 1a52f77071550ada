"""One trial, run in the current process: the code every executor ends in.

:func:`run_trial` makes the workload's input from the trial's seed, calls the
method once (its output feeds the quality metrics; the call also warms up, and
is timed for :func:`~assay.bench.fresh.first_call_warning`), times it
(:class:`~assay.measure.timer.Timer`, or :func:`~assay.bench.fresh.time_fresh`
when the method has a setup or the run is cold, or
:class:`~assay.measure.gpu.CudaTimer` when the method initialised CUDA, or
:class:`~assay.measure.process.ProcessTimer` for a command), measures its memory
in separate passes, and evaluates the metrics. It returns a plain, picklable
*outcome* dict and never raises for the user's errors: an exception becomes
``{"status": "error", "reason": ...}`` with the traceback trimmed to user code
(a ``MemoryError`` under a memory limit becomes ``"memory"``).
"""

from __future__ import annotations

import dataclasses
import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assay.bench.fresh import FirstCall, first_call, first_call_warning, time_fresh
from assay.bench.plan import TrialKey
from assay.bench.registry import Command, Method, Metric
from assay.bench.spec import BenchmarkSpec
from assay.measure.clock import Clock, default_clock
from assay.measure.memory import cuda_in_use, format_size, measure_peaks
from assay.measure.process import ProcessTimer, write_stdin
from assay.measure.timer import Timer, TimerSettings, Timing

__all__ = ["TrialRequest", "failure_text", "prewarm", "run_block", "run_trial"]

_ASSAY_DIR = str(Path(__file__).resolve().parents[1])
_TAIL_LINES = 24


@dataclass(frozen=True)
class TrialRequest:
    """What a worker needs besides the spec to run one trial."""

    key: TrialKey
    timer: TimerSettings = field(default_factory=TimerSettings)
    gpu_cache: str = "warm"
    gpu_graph: bool = False
    usd_per_hour: float | None = None
    memory_limit: int | None = None
    cold: bool = False


def failure_text(exc: BaseException) -> str:
    """``Type: message`` then the traceback's tail, without assay's own frames."""
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_ASSAY_DIR)
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(exc), exc)
    tail = "".join(lines).rstrip().splitlines()[-_TAIL_LINES:]
    head = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return head + ("\n" + "\n".join(tail) if frames else "")


def prewarm() -> None:
    """Run the trial machinery once on a no-op, so lazy imports happen here.

    The fork server calls this before forking: NumPy, for one, imports
    submodules on first use of some functions, which would otherwise cost every
    forked trial tens of milliseconds.
    """
    settings = TimerSettings(warmup_time=0.0, sample_time=0.0, trial_time=0.0, min_samples=1)
    timing = Timer(settings).time(_noop, None)
    measure_peaks(_noop, None)
    _ = timing.median, np.mean(timing.per_call), np.quantile(timing.per_call, 0.5)
    failure_text(ValueError("prewarm"))


def _noop(_: object) -> None:
    return None


class _PhaseError(Exception):
    def __init__(self, phase: str, exc: BaseException) -> None:
        super().__init__(phase)
        self.phase = phase
        self.exc = exc


def _phase(name: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:
        raise _PhaseError(name, exc) from exc


def run_trial(
    spec: BenchmarkSpec, request: TrialRequest, *, clock: Clock = default_clock
) -> dict[str, Any]:
    """Run one trial here; an outcome dict (module docstring), never an exception."""
    method = spec.method(request.key.method)
    try:
        data = _phase("workload", spec.workload.make, request.key.seed, request.key.params)
        if isinstance(method.target, Command):
            return _run_command(spec, method.target, request, data, clock)
        return _run_callable(spec, method, request, data, clock)
    except _PhaseError as failure:
        return _failed(failure.phase, failure.exc, request)
    except MemoryError as exc:
        return _failed("trial", exc, request)


def _failed(phase: str, exc: BaseException, request: TrialRequest) -> dict[str, Any]:
    text = failure_text(exc)
    if isinstance(exc, MemoryError) and request.memory_limit is not None:
        limit = format_size(request.memory_limit)
        return {
            "status": "memory",
            "reason": f"ran out of memory under the {limit} limit ({phase}): {text}",
        }
    return {"status": "error", "reason": f"{phase} raised {text}"}


def _first(fn: Callable[[Any], Any], prepare: Any, data: Any, clock: Clock) -> FirstCall:
    """The trial's first call (after its preparation, if any), timed."""
    arg = data if prepare is None else _phase("setup", prepare, data)
    first: FirstCall = _phase("method", first_call, fn, arg, clock)
    return first


def _run_callable(
    spec: BenchmarkSpec, method: Method, request: TrialRequest, data: Any, clock: Clock
) -> dict[str, Any]:
    fn = method.bind()
    prepare = method.prepare(cold=request.cold)
    first = _first(fn, prepare, data, clock)
    cuda = cuda_in_use()
    notes: list[str] = []
    timing: Timing
    if cuda:
        from assay.measure.gpu import CudaTimer

        timer = CudaTimer(request.timer, cache=request.gpu_cache, graph=request.gpu_graph)
        arg = data if prepare is None else _phase("setup", prepare, data)
        if prepare is not None:
            notes.append(
                "a CUDA method's setup runs once per trial, not before every timed call "
                "(the CUDA timer batches calls between events); use --gpu-cache cold for "
                "the GPU's cache"
            )
        timing = _phase("method", timer.time, fn, arg)
    elif prepare is not None:
        timing = _phase("method", _time_fresh, fn, prepare, data, request, clock)
    else:
        timing = _phase("method", Timer(request.timer, clock=clock).time, fn, data)
    if notes:
        timing = dataclasses.replace(timing, warnings=(*timing.warnings, *notes))
    return _finish(spec, request, _Call(fn, prepare, data, first), timing, cuda)


def _time_fresh(
    fn: Callable[[Any], Any], prepare: Any, data: Any, request: TrialRequest, clock: Clock
) -> Timing:
    return time_fresh(fn, prepare, data, request.timer, clock=clock)


@dataclass(frozen=True)
class _Call:
    """How a trial calls its method: the callable, its preparation, input and first call."""

    fn: Callable[[Any], Any]
    prepare: Callable[[Any], Any] | None
    data: Any
    first: FirstCall

    def fresh(self, data: Any) -> Any:
        """One call with its preparation (what the memory passes run)."""
        return self.fn(data if self.prepare is None else self.prepare(data))


def _finish(
    spec: BenchmarkSpec,
    request: TrialRequest,
    call: _Call,
    timing: Timing,
    cuda: bool,
) -> dict[str, Any]:
    """Memory passes and metrics after timing; the trial's outcome."""
    data, output = call.data, call.first.output
    fn = call.fn if call.prepare is None else call.fresh
    peaks = _phase("method", measure_peaks, fn, data)
    warnings = list(timing.warnings)
    # A CUDA trial's first call creates the process's CUDA context (the fork
    # server never does): slow every time, and not the method's doing.
    slow_start = None if cuda else first_call_warning(call.first, timing)
    if slow_start is not None:
        warnings.append(slow_start)
    if not cuda and cuda_in_use():
        warnings.append(
            "the method started using CUDA after its first call, so its time is CPU wall "
            "time without synchronisation: possibly launch time only"
        )
    values = _time_values(spec, request, timing, data)
    values.update(peaks.values())
    samples = {"time": timing.per_call}
    _metric_values(spec.metrics, output, data, values, samples)
    details = {
        "timer": timing.details(),
        "memory_source": peaks.rss_source,
        "cuda": cuda,
        "first_call": {"seconds": call.first.seconds, "interrupted": call.first.interrupted},
    }
    return {
        "status": "ok",
        "values": values,
        "samples": samples,
        "details": details,
        "warnings": warnings,
    }


@dataclass
class _Prepared:
    index: int
    request: TrialRequest
    call: _Call


def _prepare(
    spec: BenchmarkSpec, index: int, request: TrialRequest, clock: Clock
) -> _Prepared | dict[str, Any]:
    """Input and first call of one trial of a block, or its failure outcome."""
    method = spec.method(request.key.method)
    try:
        data = _phase("workload", spec.workload.make, request.key.seed, request.key.params)
        fn = method.bind()
        first = _phase("method", first_call, fn, data, clock)
        return _Prepared(index, request, _Call(fn, None, data, first))
    except _PhaseError as failure:
        return _failed(failure.phase, failure.exc, request)
    except MemoryError as exc:
        return _failed("trial", exc, request)


def run_block(
    spec: BenchmarkSpec, requests: list[TrialRequest], *, clock: Clock = default_clock
) -> list[dict[str, Any]]:
    """Run one block's trials here with their timing samples interleaved.

    Each trial gets its own input and first call; then
    :meth:`~assay.measure.timer.Timer.time_interleaved` takes their samples in
    turn, so drift in the machine's speed hits them alike; memory and metrics
    follow per trial. Commands, methods with a setup (or every method of a
    cold run: each call needs its preparation), CUDA methods, a block left with
    one Python method, and a block where a method raises while being sampled
    are run trial by trial instead (:func:`run_trial`). Never raises for user
    errors.
    """
    outcomes: list[dict[str, Any] | None] = [None] * len(requests)
    ready: list[_Prepared] = []
    for index, request in enumerate(requests):
        method = spec.method(request.key.method)
        if method.is_command or method.prepare(cold=request.cold) is not None:
            outcomes[index] = run_trial(spec, request, clock=clock)
            continue
        prepared = _prepare(spec, index, request, clock)
        if isinstance(prepared, dict):
            outcomes[index] = prepared
        else:
            ready.append(prepared)
    timings: list[Timing] | None = None
    if len(ready) > 1 and not cuda_in_use():
        try:
            timings = Timer(requests[0].timer, clock=clock).time_interleaved(
                [(p.call.fn, p.call.data) for p in ready]
            )
        except Exception:  # which method raised is unknown: time each alone below
            timings = None
    for position, prepared in enumerate(ready):
        if timings is None:
            outcomes[prepared.index] = run_trial(spec, prepared.request, clock=clock)
            continue
        try:
            outcome = _finish(spec, prepared.request, prepared.call, timings[position], False)
            outcome["details"]["interleaved_with"] = len(ready)
        except _PhaseError as failure:
            outcome = _failed(failure.phase, failure.exc, prepared.request)
        outcomes[prepared.index] = outcome
    return [o if o is not None else {"status": "crash", "reason": "not run"} for o in outcomes]


def _run_command(
    spec: BenchmarkSpec, command: Command, request: TrialRequest, data: Any, clock: Clock
) -> dict[str, Any]:
    argv = command.render(request.key.seed, request.key.params)
    directory = spec.directory()
    if directory is not None and "/" in argv[0] and not os.path.isabs(argv[0]):
        argv[0] = str(directory / argv[0])  # ./serve means the one beside the benchmark file
    stdin = write_stdin(data) if isinstance(data, str | bytes) else None
    try:
        timer = ProcessTimer(request.timer, clock=clock)
        raw = _phase("command", timer.first_output, argv, stdin)
        timing = _phase("command", timer.time, argv, stdin)
    finally:
        if stdin is not None:
            os.unlink(stdin)
    output = raw.decode(errors="replace")
    values = _time_values(spec, request, timing, data)
    values["peak_rss"] = float(timing.extra["command_peak_rss"])
    samples = {"time": timing.per_call}
    _metric_values(spec.metrics, output, data, values, samples)
    details = {"timer": timing.details(), "argv": argv}
    return {
        "status": "ok",
        "values": values,
        "samples": samples,
        "details": details,
        "warnings": list(timing.warnings),
    }


def _time_values(
    spec: BenchmarkSpec, request: TrialRequest, timing: Timing, data: Any
) -> dict[str, float]:
    per_call = timing.median
    items = 1.0
    if spec.workload.items is not None:
        items = float(_phase("workload items", spec.workload.items, data))
    values = {"time": per_call}
    if per_call > 0:
        values["throughput"] = items / per_call
    if request.usd_per_hour is not None:
        values["cost"] = request.usd_per_hour / 3600.0 * per_call * 1000.0 / items
    return values


def _metric_values(
    metrics: tuple[Metric, ...],
    output: Any,
    data: Any,
    values: dict[str, float],
    samples: dict[str, Any],
) -> None:
    for metric in metrics:
        value = _phase(f"metric {metric.name!r}", metric.evaluate, output, data)
        if isinstance(value, np.ndarray):
            values[metric.name] = float(np.mean(value))
            samples[metric.name] = value
        else:
            values[metric.name] = value
