"""Benchmark runs in a workspace: run, resume, list, show and import (``ws.runs``).

A run's analysis is computed once, when it finishes (or is imported), and stored
with it; :meth:`RunBook.report` reads it back and never replays the run. Only a run
that has not finished (still running, or interrupted) is analysed when read, from
the trials stored so far. When a run starts, finishes or is imported, the evidence
snapshot of every prototype it judges is refreshed in the same write (see
:mod:`assay.workspace.analyses`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from assay.bench import (
    BenchmarkResult,
    BenchOptions,
    RunHeader,
    load_benchmark,
    read_pyperf,
    read_pytest_benchmark,
    run_benchmark,
)
from assay.bench import analysis as bench_analysis
from assay.bench.runner import ProgressCallback
from assay.bench.spec import BenchmarkSpec, SpecSource, load_source
from assay.display import Displayable
from assay.errors import InputError
from assay.store import runs as run_rows
from assay.store.runs import RunInfo, StoreSink
from assay.workspace.analyses import refresh_run
from assay.workspace.context import Context
from assay.workspace.evidence_runs import run_result

__all__ = ["IMPORT_FORMATS", "AnalysingSink", "RunBook", "RunReport"]

IMPORT_FORMATS = ("pyperf", "pytest-benchmark")


@dataclasses.dataclass(frozen=True, repr=False)  # repr, _repr_html_, to_pandas(): Displayable
class RunReport(Displayable):
    """A stored run with its analysed result."""

    info: RunInfo
    result: BenchmarkResult

    _display_facts = ("run_id", "name", "state", "trials")
    _display_rows = "comparisons"
    _display_columns = BenchmarkResult._display_columns

    def to_dict(self) -> dict[str, object]:
        data = self.result.to_dict()
        data["run_id"] = self.info.run_id
        data["state"] = self.info.state
        data["name"] = self.info.name
        data["environment"] = self.info.header.get("environment", {})
        return data


class AnalysingSink(StoreSink):
    """The store's sink, refreshing the evidence of the prototypes the run judges when
    it begins and storing its analysis with that refresh when it finishes."""

    def begin(self, header: RunHeader) -> None:
        """Create (or re-claim) the run, then refresh what it judges: it now counts."""
        super().begin(header)
        with self.db.write() as session:
            refresh_run(session, self.run_id)

    def finish(self, result: BenchmarkResult) -> None:
        """Store the run's analysis and refresh what it judges, in one write."""
        with self.db.write() as session:
            run_rows.finish_run(session, self.run_id, result.to_dict(), dt.datetime.now(dt.UTC))
            refresh_run(session, self.run_id)


class RunBook:
    """Reached as ``workspace.runs``."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def start(
        self,
        path: Path | None,
        options: BenchOptions,
        *,
        progress: ProgressCallback | None = None,
        spec: BenchmarkSpec | None = None,
        run_id: str | None = None,
    ) -> tuple[str, BenchmarkResult]:
        """Run the benchmark file ``path``; every finished trial is committed as it ends.

        The file is loaded and the options checked before anything is recorded, so
        a bad file or option leaves no run behind.
        """
        if spec is None:
            if path is None:
                raise InputError("give a benchmark file or a loaded spec")
            spec = load_benchmark(path)
        resolved = options.resolved()
        run_id = run_id or self.new_run_id()
        sink = AnalysingSink(
            self.ctx.db, name=spec.name, source=spec.source.ref, by=self.ctx.user, run_id=run_id
        )
        result = run_benchmark(spec, resolved, sink, progress=progress)
        return run_id, result

    def new_run_id(self) -> str:
        """An id for a run about to start (to tell the user before it runs)."""
        return run_rows.new_run_id(dt.datetime.now(dt.UTC))

    def resume(
        self, run_id: str, *, progress: ProgressCallback | None = None
    ) -> tuple[str, BenchmarkResult]:
        """Finish a run that was interrupted, without repeating a finished trial."""
        info = self.resumable(run_id)
        header = RunHeader.from_dict(info.header)
        source = header.spec.get("source", {})
        spec = load_source(SpecSource(str(source.get("kind")), str(source.get("ref"))))
        if spec.fingerprint != header.spec.get("fingerprint"):
            raise InputError(
                f"{source.get('ref')} changed since run {run_id} started; resuming would mix "
                "two versions of the benchmark. Start a new run: assay bench run FILE"
            )
        options = BenchOptions.from_dict(header.options)
        sink = AnalysingSink(
            self.ctx.db, name=info.name, source=info.source, by=self.ctx.user, run_id=run_id
        )
        return run_id, run_benchmark(spec, options, sink, progress=progress)

    def resumable(self, run_id: str) -> RunInfo:
        """The run, if it can be resumed now; an :class:`InputError` saying why not."""
        info = self.info(run_id)
        if info.state == "finished":
            raise InputError(f"run {run_id} is finished; nothing to resume (see: assay bench show)")
        if info.state == "running":
            raise InputError(
                f"run {run_id} is still running in another process; "
                "resume it once that process has stopped"
            )
        return info

    def info(self, run_id: str) -> RunInfo:
        """The run as listed: what it measured, its state and how far it got."""
        with self.ctx.read() as session:
            return run_rows.get_run(session, run_id)

    def list(self) -> list[RunInfo]:
        """Every run, newest first, with its state (running, interrupted, finished)."""
        with self.ctx.read() as session:
            return run_rows.list_runs(session)

    def report(self, run_id: str, *, trials: bool = False) -> RunReport:
        """A run with its stored analysis (never replayed); ``trials=True`` attaches
        its trials. A run that has not finished is analysed from its trials so far."""
        with self.ctx.read() as session:
            info = run_rows.get_run(session, run_id)
            loaded = []
            if trials or not info.result:
                loaded = run_rows.load_trials(session, run_id)
        return RunReport(info=info, result=run_result(info, loaded))

    def import_file(self, path: Path, *, fmt: str | None = None) -> RunInfo:
        """Record a pyperf or pytest-benchmark JSON file as a finished run."""
        fmt = fmt or _sniff(path)
        if fmt == "pyperf":
            imported = read_pyperf(path)
        elif fmt == "pytest-benchmark":
            imported = read_pytest_benchmark(path)
        else:
            raise InputError(f"unknown import format {fmt!r}; expected one of {IMPORT_FORMATS}")
        now = dt.datetime.now(dt.UTC)
        result = bench_analysis.analyse(imported.header, imported.trials)
        with self.ctx.write() as session:
            run_id = run_rows.create_run(
                session,
                name=path.stem,
                source=str(path.resolve()),
                kind=fmt,
                header=imported.header,
                by=self.ctx.user,
                at=now,
                state="finished",
            )
            for trial in imported.trials:
                run_rows.add_trial(session, run_id, trial)
            run_rows.finish_run(session, run_id, result.to_dict(), now)
            refresh_run(session, run_id)
            return run_rows.get_run(session, run_id)


def _sniff(path: Path) -> str:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path} is not JSON (line {exc.lineno}): {exc.msg}") from None
    if isinstance(data, dict) and "machine_info" in data:
        return "pytest-benchmark"
    if isinstance(data, dict) and "version" in data and "benchmarks" in data:
        return "pyperf"
    raise InputError(
        f"{path} is neither a pyperf nor a pytest-benchmark JSON file; "
        "say which with --format pyperf|pytest-benchmark"
    )
