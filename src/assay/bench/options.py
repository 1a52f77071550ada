"""Options of a benchmark run, validated at the boundary.

:class:`BenchOptions` is what ``assay bench run`` flags map to. It is a frozen
value: :meth:`BenchOptions.resolved` fixes the plan seed (drawn at random when
not given) so that the options stored with a run are enough to resume it, and
:meth:`~BenchOptions.to_dict` / :meth:`~BenchOptions.from_dict` round-trip them
through JSON.
"""

from __future__ import annotations

import dataclasses
import math
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from assay.errors import InputError
from assay.measure.memory import MOST_BYTES
from assay.measure.timer import TimerSettings

if TYPE_CHECKING:
    from assay.bench.spec import BenchmarkSpec

__all__ = [
    "INTERLEAVINGS",
    "LONG_CALL",
    "BenchOptions",
    "Isolation",
    "choose_interleave",
    "keeps_interleaving",
]


class Isolation(StrEnum):
    """Where trials run.

    ``fork``: a fresh process per trial, forked from a server that imported
    assay and the benchmark once (cheap; the server never touches CUDA).
    ``spawn``: a fresh interpreter per trial (slow: pays every import each time;
    for benchmarks that initialise CUDA at import). ``in-process``: in the
    runner itself (fastest, no isolation: a crash ends the run).
    """

    FORK = "fork"
    SPAWN = "spawn"
    IN_PROCESS = "in-process"


EXECUTORS = ("local", "ray")
"""The values of ``BenchOptions.executor``: this machine, or a Ray cluster."""

_RAY_ADDRESS = re.compile(
    r"auto|(ray://)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}))"
    r":(6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})"
)
"""``--address``: a Ray head as ``HOST:PORT`` (a name, IPv4 or [IPv6]), ``ray://HOST:PORT``
(Ray Client) or ``auto``; anything else is refused before Ray sees it."""

INTERLEAVINGS = ("auto", "trials", "samples")
"""The values of ``BenchOptions.interleave``; ``auto`` is resolved before a run starts."""

DEFAULT_MAX_TRIALS = 200
"""The rounds an until-decided or precision run may spend unless told otherwise."""

FIXED_TRIALS = 10
"""The trials of a fixed run unless told otherwise."""

FIRST_LOOK = 5
"""An until-decided run's trials before its first analysis unless told otherwise: a
large effect decides at the first look (see :mod:`assay.stats.sequential`)."""

_FLAGS = {
    "trials": "--trials",
    "precision": "--precision",
    "budget": "--budget",
    "timeout": "--timeout",
    "memory_limit": "--memory-limit",
    "threads": "--threads",
    "interleave": "--interleave",
    "cold": "--cold",
    "gpu_cache": "--gpu-cache",
    "gpu_graph": "--gpu-graph",
    "isolation": "--isolation",
    "executor": "--executor",
    "address": "--address",
}


def _named(name: str, value: object) -> str:
    """``threads=0 (--threads)``: the option as Python and the command line spell it."""
    flag = _FLAGS.get(name)
    return f"{name}={value!r}" + (f" ({flag})" if flag else "")


_MOST_TRIALS = 1_000_000
_MOST_THREADS = 4096


def _short(value: object) -> object:
    """A huge number as its first digits, so that an error stays one readable line."""
    text = str(value)
    return value if len(text) <= 30 else f"{text[:27]}..."


def _at_most(name: str, value: int | None, most: int) -> None:
    if value is not None and value > most:
        raise InputError(f"{_named(name, _short(value))} must be at most {most}")


def _positive(name: str, value: float | None, *, allow_none: bool = True) -> None:
    if value is None and allow_none:
        return
    if value is None or not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise InputError(f"{_named(name, value)} must be a positive number")


@dataclass(frozen=True)
class BenchOptions:
    """How to run a benchmark. Times are in seconds, sizes in bytes.

    - ``trials``: trials per method and sweep point (rounds) of a fixed run
      (:data:`FIXED_TRIALS` when not given); with ``until_decided`` the minimum
      before the run may stop (:data:`FIRST_LOOK` when not given).
    - ``until_decided``: after every block, ask the sequential design whether
      every primary comparison is decided; stop then, or when ``budget`` seconds
      of trials or ``max_trials`` rounds are spent.
    - ``precision``: keep running until the interval of every primary
      comparison's relative effect is within ± this fraction of its estimate
      (0.02: ±2%), or the budget or ``max_trials`` runs out. Stopping on an
      interval's width, not its position, leaves the error rate alone.
    - ``interleave``: ``"trials"`` runs each trial in its own process, one
      after another within a block; ``"samples"`` runs a block's Python
      methods in one process with their timing samples taken in turn, so that
      a machine whose speed drifts slows them alike (on a busy two-core
      machine, the spread of the ratio fell from about 9% to 2%). Isolation is
      then per block: a crash or limit in the block re-runs its trials one by
      one. Commands and CUDA methods are always timed trial by trial.
      ``"auto"`` (default) lets the runner choose for the workload
      (:func:`choose_interleave`); the choice and its reason
      (``interleave_reason``) are stored with the run.
    - ``cold``: before every timed call run the method's preparation: its
      ``setup`` and, for an ``lru_cache``'d method, ``cache_clear()``; every
      Python method is then timed one call per sample.
    - ``timeout`` / ``memory_limit``: per trial; a trial past either is killed
      and recorded as failed (not available in-process for memory).
    - ``time_margin``: the smallest relative change in time that matters (2% by
      default): smaller true changes come out EQUIVALENT, not BETTER or WORSE.
    - ``memory_margin``: the same for peak memory (1% by default). Either
      margin may be None for none at all.
    - ``usd_per_hour``: price of the machine, for the ``cost`` metric.
    - ``threads``: intra-op threads of trial processes (sets ``OMP_NUM_THREADS``,
      ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and friends before NumPy or
      torch load); None leaves the libraries' defaults. One thread gives the
      steadiest timings on a shared machine.
    - ``primary``: metrics whose verdicts ``until_decided`` waits for (default:
      ``time`` and any metric declared ``primary=True``).
    - ``executor``: ``"local"`` (default: this machine) or ``"ray"``: every block
      is one task on a Ray cluster at ``address`` (None: the cluster that
      ``RAY_ADDRESS`` or ``ray start`` on this machine names), run there with
      ``isolation`` (:mod:`assay.bench.cluster`). ``allow_mixed_hardware`` lets
      trials from nodes of different CPU or GPU models be compared; every report
      of the run says so.
    """

    # None (not given) becomes FIXED_TRIALS, or FIRST_LOOK when until_decided, in
    # __post_init__: every BenchOptions holds an int.
    trials: int = None  # type: ignore[assignment]
    until_decided: bool = False
    precision: float | None = None
    budget: float | None = None
    max_trials: int = DEFAULT_MAX_TRIALS
    timeout: float | None = None
    memory_limit: int | None = None
    isolation: Isolation = Isolation.FORK
    interleave: str = "auto"
    interleave_reason: str | None = None
    cold: bool = False
    plan_seed: int | None = None
    timer: TimerSettings = field(default_factory=TimerSettings)
    gpu_cache: str = "warm"
    gpu_graph: bool = False
    confidence: float = 0.95
    time_margin: float | None = 0.02
    memory_margin: float | None = 0.01
    usd_per_hour: float | None = None
    primary: tuple[str, ...] | None = None
    python: str | None = None
    threads: int | None = None
    executor: str = "local"
    address: str | None = None
    allow_mixed_hardware: bool = False

    def __post_init__(self) -> None:
        if self.trials is None:
            object.__setattr__(self, "trials", FIRST_LOOK if self.until_decided else FIXED_TRIALS)
        if not isinstance(self.trials, int) or self.trials < 2:
            raise InputError(
                f"{_named('trials', self.trials)} must be at least 2; a verdict needs a spread"
            )
        _at_most("trials", self.trials, _MOST_TRIALS)
        if self.max_trials == DEFAULT_MAX_TRIALS and self.trials > DEFAULT_MAX_TRIALS:
            # The cap only bounds until-decided and precision runs; a fixed run of
            # more trials than the default cap simply raises it.
            object.__setattr__(self, "max_trials", self.trials)
        if not isinstance(self.max_trials, int) or self.max_trials < self.trials:
            raise InputError(
                f"max_trials={self.max_trials!r} must be at least trials={self.trials}"
            )
        _positive("budget", self.budget)
        if self.precision is not None and not (0 < self.precision < 1):
            raise InputError(
                f"{_named('precision', self.precision)} must be a fraction in (0, 1), e.g. 0.02"
            )
        _positive("timeout", self.timeout)
        _positive("memory_limit", self.memory_limit)
        _at_most("memory_limit", self.memory_limit, MOST_BYTES)
        _positive("usd_per_hour", self.usd_per_hour)
        object.__setattr__(self, "isolation", _isolation(self.isolation))
        if self.memory_limit is not None and self.isolation is Isolation.IN_PROCESS:
            raise InputError(
                "memory_limit needs trials in their own processes; in-process trials share "
                "the runner's memory (drop --isolation in-process or the memory limit)"
            )
        if self.threads is not None and (not isinstance(self.threads, int) or self.threads < 1):
            raise InputError(
                f"{_named('threads', self.threads)} must be a positive integer or None"
            )
        _at_most("threads", self.threads, _MOST_THREADS)
        if self.plan_seed is not None and not 0 <= self.plan_seed <= 2**63 - 1:
            raise InputError(
                f"{_named('plan_seed', _short(self.plan_seed))} must be from 0 to {2**63 - 1}"
            )
        if self.threads is not None and self.isolation is Isolation.IN_PROCESS:
            raise InputError(
                "threads needs trials in their own processes: the runner's libraries "
                "have already chosen their thread counts (drop --isolation in-process or --threads)"
            )
        self._check_executor()
        if self.interleave not in INTERLEAVINGS:
            raise InputError(
                f"{_named('interleave', self.interleave)} must be 'auto', 'trials' or 'samples'"
            )
        if self.gpu_cache not in ("warm", "cold"):
            raise InputError(f"{_named('gpu_cache', self.gpu_cache)} must be 'warm' or 'cold'")
        if not isinstance(self.gpu_graph, bool):
            raise InputError(f"{_named('gpu_graph', self.gpu_graph)} must be True or False")
        if not 0.5 <= self.confidence < 1:
            raise InputError(f"confidence={self.confidence!r} must be in [0.5, 1), e.g. 0.95")
        for name in ("time_margin", "memory_margin"):
            margin = getattr(self, name)
            if margin is not None and not (0 < margin < 1):
                raise InputError(f"{name}={margin!r} must be in (0, 1), e.g. 0.02, or None")

    def _check_executor(self) -> None:
        if self.executor not in EXECUTORS:
            raise InputError(
                f"{_named('executor', self.executor)} is unknown; expected one of "
                f"{', '.join(EXECUTORS)}"
            )
        if self.executor == "ray":
            if self.address is not None and not _RAY_ADDRESS.fullmatch(self.address):
                raise InputError(
                    f"{_named('address', _short(self.address))} must be HOST:PORT (the Ray "
                    "head, e.g. 10.0.0.5:6379), ray://HOST:PORT or auto"
                )
            if self.isolation is Isolation.IN_PROCESS:
                raise InputError(
                    "--executor ray runs each block in processes on a cluster node; "
                    "drop --isolation in-process (fork or spawn run there)"
                )
            return
        if self.address is not None:
            raise InputError(f"{_named('address', _short(self.address))} needs --executor ray")
        if self.allow_mixed_hardware:
            raise InputError("--allow-mixed-hardware needs --executor ray")

    @property
    def adaptive(self) -> bool:
        """True when the run stops on evidence (decided or precise), not a trial count."""
        return self.until_decided or self.precision is not None

    def resolved(self) -> BenchOptions:
        """These options with a plan seed (a random one when none was given)."""
        if self.plan_seed is not None:
            return self
        return dataclasses.replace(self, plan_seed=secrets.randbits(31))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored with a run so it can be resumed."""
        data = dataclasses.asdict(self)
        data["isolation"] = self.isolation.value
        data["primary"] = list(self.primary) if self.primary is not None else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BenchOptions:
        """Inverse of :meth:`to_dict`; unknown keys are an :class:`InputError`."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise InputError(f"unknown benchmark options: {', '.join(sorted(unknown))}")
        values = dict(data)
        if isinstance(values.get("timer"), dict):
            values["timer"] = TimerSettings(**values["timer"])
        if values.get("primary") is not None:
            values["primary"] = tuple(values["primary"])
        return cls(**values)


def _isolation(value: object) -> Isolation:
    try:
        return Isolation(str(value))
    except ValueError:
        names = ", ".join(i.value for i in Isolation)
        raise InputError(
            f"{_named('isolation', value)} is unknown; expected one of {names}"
        ) from None


_GPU_MODULES = ("torch", "cupy", "jax", "tensorflow", "numba.cuda")


def _gpu_module(spec: BenchmarkSpec) -> str | None:
    """The GPU library the benchmark's module imported, if any."""
    import sys
    import types

    module = sys.modules.get(_module_name(spec))
    if module is None:
        return None
    for value in vars(module).values():
        if not isinstance(value, types.ModuleType):
            continue
        name = value.__name__
        if any(name == gpu or name.startswith(gpu + ".") for gpu in _GPU_MODULES):
            return name.split(".")[0]
    return None


def _module_name(spec: BenchmarkSpec) -> str:
    target = spec.baseline.target
    return str(getattr(target, "__module__", None) or getattr(target, "module", ""))


def _trials_reason(spec: BenchmarkSpec, options: BenchOptions) -> str | None:
    """Why a run must take its trials one process each, or None when nothing says so."""
    if options.isolation is Isolation.SPAWN:
        return "spawn isolation starts a fresh interpreter for every trial"
    commands = [m.name for m in spec.methods if m.is_command]
    if commands:
        return f"{commands[0]} is a command, timed in processes of its own"
    if options.cold or any(m.setup is not None for m in spec.methods):
        why = "--cold" if options.cold else "a setup hook"
        return f"{why} times one call per sample after its preparation, which cannot interleave"
    if options.gpu_cache == "cold":
        return "--gpu-cache cold: GPU methods are timed trial by trial"
    gpu = _gpu_module(spec)
    if gpu is not None:
        return f"the benchmark imports {gpu}: GPU state is kept apart, one process per trial"
    if options.memory_limit is not None:
        return "a memory limit holds for one trial's process"
    return None


def choose_interleave(options: BenchOptions, spec: BenchmarkSpec) -> BenchOptions:
    """``options`` with ``interleave`` resolved and ``interleave_reason`` said.

    ``auto`` becomes ``trials`` where isolation between methods matters or
    samples cannot interleave (spawn isolation, a command, a setup hook or
    ``--cold``, GPU libraries or ``--gpu-cache cold``, a memory limit), and
    ``samples`` otherwise: for Python methods in one process, samples taken in
    turn reach a given precision sooner (the efficiency benchmark). Long calls
    are only known once measured: :func:`keeps_interleaving` turns the rest of
    such a run to trials. An explicit choice is kept, with its reason.
    """
    if options.interleave_reason is not None:
        return options  # resolved already (a resumed run)
    if options.interleave != "auto":
        reason = f"asked for with --interleave {options.interleave}"
        return dataclasses.replace(options, interleave_reason=reason)
    isolated = _trials_reason(spec, options)
    if isolated is not None:
        return dataclasses.replace(options, interleave="trials", interleave_reason=isolated)
    return dataclasses.replace(options, interleave="samples", interleave_reason=_AUTO_SAMPLES)


LONG_CALL = 0.1
"""Seconds per call from which an automatic ``samples`` run goes on trial by trial.

A trial of a 100 ms call lasts about a second (first call, calibration, five
samples, two memory passes); the 6 ms a forked trial process costs is then
under 1% of it, so isolation between methods costs nothing worth saving, and
drift over tens of milliseconds no longer separates samples taken in turn.
"""

_AUTO_SAMPLES = (
    "Python methods: their samples taken in turn in one process, so drift hits them alike; "
    f"trial by trial once a call takes {LONG_CALL:g} s or more"
)


def keeps_interleaving(options: BenchOptions, trials: Iterable[Any]) -> bool:
    """Whether the next block's samples are taken in turn (``interleave="samples"``).

    A ``samples`` run chosen by ``auto`` gives way to trials, one process each,
    once any finished trial's median call took :data:`LONG_CALL` seconds or
    more (the reason stored with the run says so; a resumed run decides the
    same from the same trials). An explicit ``--interleave samples`` is kept.
    """
    if options.interleave != "samples":
        return False
    if not (options.interleave_reason or "").startswith(_AUTO_SAMPLES.split(";")[0]):
        return True
    return not any(t.ok and t.values.get("time", 0.0) >= LONG_CALL for t in trials)
