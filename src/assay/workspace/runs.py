"""Benchmark runs in a workspace: run, resume, list, show and import (``ws.runs``).

A run's analysis is computed once, when it finishes (or is imported), and stored
with it; :meth:`RunBook.report` reads it back and never replays the run. Only a run
that has not finished (still running, or interrupted) is analysed when read, from
the trials stored so far. When a run starts, finishes or is imported, the evidence
snapshot of every prototype it judges is refreshed in the same write (see
:mod:`assay.workspace.analyses`), and its points join the watched history, with
the change points and reopened decisions they bring (:mod:`assay.workspace.watch`).
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assay.bench import (
    BenchmarkResult,
    BenchOptions,
    RunHeader,
    load_benchmark,
    run_benchmark,
)
from assay.bench.importers import ImportedRun, analyse_imported, suite_run
from assay.bench.runner import ProgressCallback
from assay.bench.spec import BenchmarkSpec, SpecSource, load_source
from assay.bench.trial import TrialResult
from assay.display import Displayable
from assay.errors import InputError, NotFoundError, RunLockedError
from assay.formats.suites import SUITE_FORMATS, read_suite, read_suites
from assay.store import runs as run_rows
from assay.store.runs import RunInfo, StoreSink
from assay.workspace.analyses import refresh_run
from assay.workspace.context import Context
from assay.workspace.evidence_runs import run_result
from assay.workspace.users import authorize
from assay.workspace.watch import record_run

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "IMPORT_FORMATS",
    "AnalysingSink",
    "RunBook",
    "RunReport",
    "read_pyperf",
    "read_pytest_benchmark",
    "store_finished",
]

IMPORT_FORMATS = SUITE_FORMATS


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
            record_run(session, self.run_id, refresh_run(session, self.run_id))


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
        authorize(self.ctx, "run.start")  # once: the trials are then written as they end
        sink = AnalysingSink(
            self.ctx.db, name=spec.name, source=spec.source.ref, by=self.ctx.user, run_id=run_id
        )
        with self.ctx.db.run_lock(run_id, doing="run"):  # a resume meanwhile is refused
            result = _run(spec, resolved, sink, progress)
        return run_id, result

    def new_run_id(self) -> str:
        """An id for a run about to start (to tell the user before it runs)."""
        return run_rows.new_run_id(dt.datetime.now(dt.UTC))

    def resume(
        self,
        run_id: str,
        *,
        progress: ProgressCallback | None = None,
        address: str | None = None,
        allow_mixed_hardware: bool = False,
    ) -> tuple[str, BenchmarkResult]:
        """Finish a run that was interrupted, without repeating a finished trial.

        ``address`` points a run started with ``--executor ray`` at a Ray cluster
        other than the one it started on (its nodes must be of the same hardware,
        unless ``allow_mixed_hardware``: the run then says so in every report). Both
        are kept in the run's stored options, so a later resume goes on from there.
        The run's lock is held from before the first check to the end, so a second
        resumer started at the same moment is refused (:class:`RunLockedError`, naming
        this process) before it writes anything."""
        self.info(run_id)  # an unknown run says so, whoever holds what
        with self.ctx.db.run_lock(run_id, doing="resume"):
            return self._resume(run_id, progress, address, allow_mixed_hardware)

    def _resume(
        self,
        run_id: str,
        progress: ProgressCallback | None,
        address: str | None = None,
        allow_mixed_hardware: bool = False,
    ) -> tuple[str, BenchmarkResult]:
        info = self._resumable(self.info(run_id))
        header = RunHeader.from_dict(info.header)
        source = header.spec.get("source", {})
        spec = load_source(SpecSource(str(source.get("kind")), str(source.get("ref"))))
        if spec.fingerprint != header.spec.get("fingerprint"):
            raise InputError(
                f"{source.get('ref')} changed since run {run_id} started; resuming would mix "
                "two versions of the benchmark. Start a new run: assay bench run FILE"
            )
        options = BenchOptions.from_dict(header.options)
        flags = (
            ("--address", address is not None),
            ("--allow-mixed-hardware", allow_mixed_hardware),
        )
        given = [flag for flag, on in flags if on]
        if given and options.executor != "ray":
            raise InputError(
                f"{given[0]}: run {run_id} ran on this machine, not on a Ray cluster "
                f"(--executor ray); resume it without {' and '.join(given)}"
            )
        if address is not None:
            options = dataclasses.replace(options, address=address)
        if allow_mixed_hardware:
            options = dataclasses.replace(options, allow_mixed_hardware=True)
        authorize(self.ctx, "run.start")  # once: the trials are then written as they end
        sink = AnalysingSink(
            self.ctx.db, name=info.name, source=info.source, by=self.ctx.user, run_id=run_id
        )
        return run_id, _run(spec, options, sink, progress)

    def resumable(self, run_id: str) -> RunInfo:
        """The run, if it can be resumed now; an :class:`InputError` saying why not, or
        :class:`RunLockedError` naming the process that runs or resumes it."""
        info = self.info(run_id)
        holder = self.ctx.db.run_lock_holder(run_id)
        if holder is not None:
            raise RunLockedError(holder.message(run_id))
        return self._resumable(info)

    def _resumable(self, info: RunInfo) -> RunInfo:
        run_id = info.run_id
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

    def stored_state(self, run_id: str) -> str:
        """The run's state as stored ("running" or "finished"), in one plain query:
        what a page needs to know before it reads the run (a finished run never
        changes). :class:`NotFoundError` for an unknown run."""
        with self.ctx.sql_read() as sql:
            state = sql.scalar("SELECT state FROM runs WHERE run_id = :run_id", {"run_id": run_id})
        if state is None:
            raise NotFoundError(f"unknown run {run_id!r}; list the runs with: assay bench list")
        return str(state)

    def list(self, *, include_retired: bool = False) -> list[RunInfo]:
        """Every run, newest first, with its state (running, interrupted, finished);
        retired runs only with ``include_retired``."""
        with self.ctx.read() as session:
            return run_rows.list_runs(session, include_retired=include_retired)

    def report(self, run_id: str, *, trials: bool = False) -> RunReport:
        """A run with its stored analysis (never replayed); ``trials=True`` attaches
        its trials. A run that has not finished is analysed from its trials so far."""
        with self.ctx.read() as session:
            info = run_rows.get_run(session, run_id)
            loaded = []
            if trials or not info.result:
                loaded = run_rows.load_trials(session, run_id)
        return RunReport(info=info, result=run_result(info, loaded))

    def trial_records(self, run_id: str) -> builtins.list[dict[str, Any]]:
        """The run's trials as stored, without their raw samples, in the order they
        finished (see :func:`assay.store.runs.trial_records`)."""
        with self.ctx.read() as session:
            return run_rows.trial_records(session, run_id)

    def import_file(
        self, path: Path, *, fmt: str | None = None, baseline: str | None = None,
        metric: str = "real",
    ) -> RunInfo:  # fmt: skip
        """Record another tool's results file as a finished run (see :meth:`import_all`;
        for a folder, the run of its newest file)."""
        return self.import_all(path, fmt=fmt, baseline=baseline, metric=metric)[-1]

    def import_all(
        self, path: Path, *, fmt: str | None = None, baseline: str | None = None,
        metric: str = "real",
    ) -> builtins.list[RunInfo]:  # fmt: skip
        """Record each suite at ``path`` (:func:`assay.formats.suites.read_suites`: a
        file, or every save of a ``.benchmarks`` or asv results folder, oldest first)
        as a finished run, in one write: its benchmarks kept apart (kind ``suite``), or
        competing when ``baseline`` names one (kind: the tool). ``fmt`` forces the tool;
        ``metric`` is Google Benchmark's ``real`` or ``cpu`` time. Every file is read
        and checked before anything is written."""
        suites = read_suites(path, fmt=fmt, metric=metric)
        imported = [suite_run(suite, baseline=baseline) for suite in suites]
        results = [analyse_imported(run) for run in imported]
        now = dt.datetime.now(dt.UTC)
        infos: builtins.list[RunInfo] = []
        with self.ctx.write() as session:
            authorize(self.ctx, "run.import")
            for suite, run, result in zip(suites, imported, results, strict=True):
                run_id = store_finished(
                    session,
                    name=_stem(Path(suite.source)),
                    source=str(Path(suite.source).resolve()),
                    kind="suite" if run.is_suite else suite.tool,
                    header=run.header,
                    result=result,
                    by=self.ctx.user,
                    at=now,
                    trials=run.trials,
                )
                infos.append(run_rows.get_run(session, run_id))
        return infos

    def import_result(self, document: Any, *, source: str = "upload") -> RunInfo:
        """Record what ``assay bench run --json`` printed elsewhere (CI uploads it to
        the web app's ``POST /api/runs``) as a finished run with that analysis, read
        back and checked (:meth:`BenchmarkResult.from_dict`), not re-analysed; the
        JSON holds no trials, so none are stored. Authorized as ``run.import``."""
        result = _uploaded_result(document)
        name = str(result.header.spec.get("name") or "uploaded")
        given = document.get("run_id")
        if isinstance(given, str) and given.strip():
            source = f"{source} of run {given.strip()[:100]}"
        now = dt.datetime.now(dt.UTC)
        with self.ctx.write() as session:
            authorize(self.ctx, "run.import")
            run_id = store_finished(
                session,
                name=name[:200],
                source=source,
                kind="upload",
                header=result.header,
                result=result,
                by=self.ctx.user,
                at=now,
            )
            return run_rows.get_run(session, run_id)


def store_finished(
    session: Session,
    *,
    name: str,
    source: str,
    kind: str,
    header: RunHeader,
    result: BenchmarkResult,
    by: str,
    at: dt.datetime,
    trials: Sequence[TrialResult] = (),
) -> str:
    """Store an analysed run as finished, in the caller's write: the run, its trials
    (if any), its stored result, the evidence of the prototypes it judges and the
    watched series it extends (:func:`~assay.workspace.watch.record_run`). The one
    way every surface that brings a finished analysis (imports, uploads, load tests,
    A/B analyses) records it; the run's id."""
    run_id = run_rows.create_run(
        session, name=name, source=source, kind=kind, header=header, by=by, at=at,
        state="finished",
    )  # fmt: skip
    if trials:
        run_rows.add_trials(session, run_id, trials)
    run_rows.finish_run(session, run_id, result.to_dict(), at)
    record_run(session, run_id, refresh_run(session, run_id))
    return run_id


def _run(
    spec: BenchmarkSpec,
    options: BenchOptions,
    sink: AnalysingSink,
    progress: ProgressCallback | None,
) -> BenchmarkResult:
    """Run on this machine, or block by block on a Ray cluster (``--executor ray``)."""
    if options.executor == "ray":
        from assay.bench.cluster import RayRunner  # lazily: Ray is an optional extra

        return RayRunner(spec, options, sink, progress=progress).run()
    return run_benchmark(spec, options, sink, progress=progress)


def _uploaded_result(document: Any) -> BenchmarkResult:
    """The result in a ``bench run --json`` document, or :class:`InputError` saying
    what is wrong with it."""
    what = "the result is not a `bench run --json` document"
    if not isinstance(document, dict):
        raise InputError(f"{what}: expected a JSON object")
    missing = [k for k in ("format_version", "summaries", "comparisons") if k not in document]
    if missing:
        raise InputError(f"{what}: it has no {', '.join(missing)}")
    try:
        result = BenchmarkResult.from_dict(document)
    except InputError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{what}: {type(exc).__name__} {exc}") from None
    if not result.summaries:
        raise InputError(f"{what}: it has no method summaries")
    return result


def _stem(path: Path) -> str:
    """``x`` for ``x.json`` and ``x.json.gz``."""
    name = path.name
    for suffix in (".gz", ".json"):
        name = name.removesuffix(suffix)
    return name or path.name


def read_pyperf(path: str | os.PathLike[str], *, baseline: str | None = None) -> ImportedRun:
    """A pyperf JSON file (``.json`` or ``.json.gz``) as a study whose benchmarks
    compete, ``baseline`` (default: the first) against the others; for separate
    benchmarks use :func:`assay.bench.importers.suite_run` on
    :func:`~assay.formats.suites.read_suite`."""
    suite = read_suite(path, fmt="pyperf")
    return suite_run(suite, baseline=baseline or suite.benchmarks[0].name)


def read_pytest_benchmark(
    path: str | os.PathLike[str], *, baseline: str | None = None
) -> ImportedRun:
    """A pytest-benchmark JSON file as a study whose benchmarks compete (see
    :func:`read_pyperf`)."""
    suite = read_suite(path, fmt="pytest-benchmark")
    return suite_run(suite, baseline=baseline or suite.benchmarks[0].name)
