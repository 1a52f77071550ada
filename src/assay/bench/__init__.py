"""The benchmark engine: baseline vs candidates in interleaved, isolated, resumable trials.

Writing a benchmark (:mod:`assay.bench.registry`)
--------------------------------------------------
A benchmark file is ordinary Python using :func:`workload`, :func:`baseline`,
:func:`candidate`, :func:`metric` and :func:`command`; see the registry module
for every form. :func:`load_benchmark` imports such a file in isolation and
returns a :class:`BenchmarkSpec`, raising :class:`~assay.errors.InputError`
(exit code 2 in the CLI) for no workload, no baseline, two baselines, no
candidate, or a file that fails to import — the message's first line names the
file, line and exception; the following lines hold the traceback trimmed to the
user's code.

Running
-------
::

    spec = load_benchmark("bench_sort.py")
    options = BenchOptions(trials=20, timeout=60, memory_limit=parse_size("4GiB"))
    result = run_benchmark(spec, options, sink, progress=callback)

:class:`BenchOptions` maps the CLI's flags (``--trials``, ``--until-decided``,
``--budget``, ``--timeout``, ``--memory-limit``, ``--isolation`` as
``isolation=Isolation(...)``, ``[cost] usd_per_hour`` as
``usd_per_hour``). ``progress`` receives a :class:`Progress` after every trial
(done, failed, planned, elapsed, ETA, the trial). The result is a
:class:`BenchmarkResult`: ``comparisons`` (one :class:`ComparisonRow` per
candidate, metric and sweep point, with verdict, effect, interval, p-value),
``summaries``, ``failure_rates()``, ``failures()``, ``scaling``,
``crossovers``, ``ablation``, ``warnings`` and ``to_dict()`` for ``--json``.

Persistence: the :class:`RunSink` protocol
------------------------------------------
The engine never imports the store. A sink receives:

- ``begin(header: RunHeader)`` — on start *and on every resume*. The header
  holds ``spec`` (``BenchmarkSpec.describe()``), ``options``
  (``BenchOptions.to_dict()`` with the plan seed fixed), ``environment``,
  ``warnings`` and ``planned``; store it with the run.
- ``completed() -> list[TrialResult]`` — the trials already stored.
- ``record(result: TrialResult)`` — after every trial; must be durable (commit)
  before it returns. Store ``result.summary_columns()`` beside one compressed
  array per entry of ``result.samples`` (keyed by metric), plus ``key``
  (``TrialKey.to_dict()``), ``status``, ``reason``, ``block``, ``position``,
  ``wall_time``, ``started_at`` and ``details``; ``TrialResult.to_dict()`` /
  ``from_dict()`` round-trip all of it.
- ``finish(result: BenchmarkResult)`` — once, at the end.

:class:`MemorySink` and :class:`JsonLinesSink` are reference implementations.

Resuming (``assay bench resume RUN_ID``): load the spec again, rebuild the
options with ``BenchOptions.from_dict(header.options)`` (same plan seed) and
call :func:`run_benchmark` with a sink whose ``completed()`` returns the stored
trials. The plan is regenerated from the seed and only missing keys run; no
(method, params, seed) is measured twice. Re-reading a stored run without the
benchmark module: :func:`analyse` ``(header, trials)``.

Isolation and failures
----------------------
By default each trial runs in a fresh process forked from a server that has
imported assay and the benchmark once (:mod:`assay.bench.server`);
``interleave="samples"`` runs a block's Python methods in one forked process
with their samples taken in turn (steadier ratios on a busy machine); the
default, ``"auto"``, chooses one or the other for the workload and says why
(:func:`~assay.bench.options.choose_interleave`). A trial that
raises, exits, dies by a signal, runs past ``timeout`` or past ``memory_limit``
is recorded with ``status`` ``error``/``crash``/``timeout``/``memory`` and its
reason, and the run goes on.

Evidence from elsewhere: :func:`~assay.bench.importers.suite_run` turns another
tool's suite (pyperf, pytest-benchmark, asv, Google Benchmark, hyperfine; read by
:mod:`assay.formats.suites`) into a header and trials (``assay bench import``).
"""

from __future__ import annotations

from assay.bench.analysis import analyse
from assay.bench.options import BenchOptions, Isolation
from assay.bench.plan import Block, Plan, TrialKey
from assay.bench.registry import (
    Command,
    Method,
    Metric,
    Role,
    Workload,
    baseline,
    candidate,
    command,
    metric,
    workload,
)
from assay.bench.result import (
    AblationRow,
    BenchmarkResult,
    ComparisonRow,
    Crossover,
    MethodSummary,
    ScalingFit,
)
from assay.bench.runner import Progress, ProgressCallback, Runner, run_benchmark
from assay.bench.sink import JsonLinesSink, MemorySink, RunHeader, RunSink
from assay.bench.spec import BenchmarkSpec, SpecSource, load_benchmark, load_module
from assay.bench.trial import TrialResult, TrialStatus
from assay.measure.memory import parse_size

__all__ = [
    "AblationRow",
    "BenchOptions",
    "BenchmarkResult",
    "BenchmarkSpec",
    "Block",
    "Command",
    "ComparisonRow",
    "Crossover",
    "Isolation",
    "JsonLinesSink",
    "MemorySink",
    "Method",
    "MethodSummary",
    "Metric",
    "Plan",
    "Progress",
    "ProgressCallback",
    "Role",
    "RunHeader",
    "RunSink",
    "Runner",
    "ScalingFit",
    "SpecSource",
    "TrialKey",
    "TrialResult",
    "TrialStatus",
    "Workload",
    "analyse",
    "baseline",
    "candidate",
    "command",
    "load_benchmark",
    "load_module",
    "metric",
    "parse_size",
    "run_benchmark",
    "workload",
]
