"""Which runs judge a prototype, each run's stored analysis, and the pieces a gate
review is made of.

A run *judges* a prototype when it is linked to it, or when it ran one of the
prototype's declared benchmark files or modules and began at or after the
registration time. The criteria's *effective freeze* is the stored one, or,
before a write has stored it, the current registration frozen at the start of
the first judging run: what every later write stores (the workspace stores it
before any change to the prototype, so the two never differ).

**A run's analysis is read, not replayed.** A finished run's analysed
:class:`~assay.bench.BenchmarkResult` is stored with it when it finishes (or is
imported); :func:`run_result` reads it back. Only a run that has not finished
(still running, or interrupted) has no stored analysis: it is analysed from its
trials when read, and :data:`replays` counts every such analysis, so that a test
can prove a read did not replay anything.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from assay.criteria import Outcome
from assay.errors import InputError
from assay.pipeline.gates import StageFacts
from assay.pipeline.prototype import Freeze, Severity
from assay.store import prototype_reads
from assay.store.prototype_reads import EvidenceLink, PrototypeRecord
from assay.store.sql import Sql
from assay.store.study import EvidenceRun
from assay.store.techniques import row as technique_row

# The benchmark engine (and NumPy with it) is imported inside the functions that
# analyse or slice runs, to keep start-up fast: finding the judging runs and
# reading their stored analyses (status, staleness, gate review) needs neither.
# So is the ORM (store.runs): finding the judging runs is plain SQL.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.bench.result import BenchmarkResult
    from assay.bench.trial import TrialResult
    from assay.store.runs import RunInfo
    from assay.workspace.evidence import RunEvidence, RunSlice

__all__ = [
    "HIGH_FAILURE_RATE",
    "Judge",
    "comparison_warnings",
    "contradiction",
    "effective_freeze",
    "effective_record",
    "failure_warnings",
    "judges",
    "judges_of",
    "load_evidence_runs",
    "replays",
    "review_warnings",
    "run_result",
    "slices",
    "stage_facts",
    "technique_row",
    "with_effective_freeze",
]

replays: collections.Counter[str] = collections.Counter()
"""How often this process computed on read what is normally stored: ``"analyse"``
counts runs analysed from their trials (only unfinished runs should be), and
``"evidence"`` prototypes whose evidence was computed because no current snapshot
was stored (see :mod:`assay.workspace.analyses`)."""


@dataclasses.dataclass(frozen=True)
class Judge:
    """A run that judges a prototype: when it began, the link (``None`` when it
    counts because it ran a declared benchmark file or module), and the run's
    stored state (``running`` or ``finished``) and finish time."""

    run_id: str
    started_at: dt.datetime
    link: EvidenceLink | None
    state: str = "finished"
    finished_at: dt.datetime | None = None


_JUDGES = """
SELECT run_id, created_at, state, finished_at FROM runs
WHERE (run_id IN (:links) OR (source IN (:files) AND created_at >= :registered))
  AND retired_at IS NULL
"""
"""A retired run judges nothing (``assay bench retire``, issue 11)."""


def judges_of(sql: Sql, record: PrototypeRecord) -> list[Judge]:
    """The runs that judge the prototype, newest first (one query)."""
    links = {link.run_id: link for link in record.links}
    params = {
        "links": list(links),
        "files": list(record.evidence_files),  # none: IN (NULL) matches nothing
        "registered": sql.bind_datetime(record.registered_at),
    }
    found = []
    for run_id, started, state, finished in sql.rows(_JUDGES, params):
        link = links.get(run_id)
        at = link.started_at if link is not None else sql.datetime(started)
        assert at is not None  # runs.created_at is NOT NULL
        found.append(Judge(run_id, at, link, state, sql.datetime(finished)))
    return sorted(found, key=lambda j: (j.started_at, j.run_id), reverse=True)


def judges(session: Session, record: PrototypeRecord) -> list[Judge]:
    """:func:`judges_of` in an ORM unit of work."""
    return judges_of(Sql.of_session(session), record)


def effective_freeze(sql: Sql, record: PrototypeRecord) -> PrototypeRecord:
    """``record``, as just read from the store, with its effective freeze (see the
    module docstring)."""
    if record.freeze is None:
        found = judges_of(sql, record)
        if found:
            first = min(j.started_at for j in found)
            reg = record.registration
            frozen = Freeze(reg.content_hash(), reg.canonical_text(), first)
            record = dataclasses.replace(record, freeze=frozen)
    return record


def effective_record(session: Session, name: str) -> PrototypeRecord:
    """The stored prototype with its effective freeze (see the module docstring)."""
    sql = Sql.of_session(session)
    return effective_freeze(sql, prototype_reads.get(sql, name))


def with_effective_freeze(session: Session, record: PrototypeRecord) -> PrototypeRecord:
    """:func:`effective_freeze` in an ORM unit of work."""
    return effective_freeze(Sql.of_session(session), record)


def run_result(info: RunInfo, trials: Iterable[TrialResult] = ()) -> BenchmarkResult:
    """The run's analysed result: the stored analysis of a finished run (with
    ``trials`` attached, when the caller loaded them), or, for a run that has not
    finished, an analysis of ``trials`` made now and counted in :data:`replays`."""
    from assay.bench.header import RunHeader  # lazily: keeps start-up fast
    from assay.bench.result import BenchmarkResult

    header = RunHeader.from_dict(info.header)
    if info.result:  # a run finished by hand with an empty result holds no analysis
        return BenchmarkResult.from_dict(info.result, trials, header=header)
    from assay.bench import analysis as bench_analysis

    replays["analyse"] += 1
    return bench_analysis.analyse(header, list(trials))


def load_evidence_runs(
    session: Session, record: PrototypeRecord, found: Sequence[Judge], *, trials: bool
) -> list[EvidenceRun]:
    """The judging runs ``found``, in that order, each with its analysed result;
    ``trials`` loads their trials too (a run that has not finished always needs them)."""
    from assay.store import runs as run_rows  # the ORM: loaded by the readers of runs

    last_amendment = record.amendments[-1].at if record.amendments else None
    out = []
    for judge in found:
        info = run_rows.get_run(session, judge.run_id)
        loaded: list[TrialResult] = []
        if trials or not info.result:
            loaded = run_rows.load_trials(session, judge.run_id)
        before = last_amendment is not None and judge.started_at < last_amendment
        out.append(EvidenceRun(info, run_result(info, loaded), judge.link, after_amendment=before))
    return out


def slices(
    record: PrototypeRecord, runs: Sequence[EvidenceRun]
) -> tuple[list[RunSlice], list[str]]:
    """Each run narrowed to the prototype's candidate and point, and why a run that
    cannot be narrowed does not count."""
    from assay.workspace.evidence import RunSlice  # lazily: keeps start-up fast

    found, warnings = [], []
    for run in runs:
        try:
            found.append(
                RunSlice.of(run.run_id, run.result, candidate=record.candidate, point=record.point)
            )
        except InputError as exc:
            warnings.append(f"run {run.run_id} does not count: {exc}")
    return found, warnings


def stage_facts(
    record: PrototypeRecord, runs: Sequence[EvidenceRun], pieces: Sequence[RunSlice]
) -> StageFacts:
    """The stage checks' facts: what people recorded, and what the runs show."""
    from assay.workspace.evidence import largest_scale  # lazily: keeps start-up fast

    facts = record.facts
    tested = largest_scale(pieces, facts.scale_param) if facts.scale_param else None
    stated = [run.link.scale for run in runs if run.link and run.link.scale is not None]
    if stated:
        tested = max([*stated, *([tested] if tested is not None else [])])
    return StageFacts(
        largest_declared_scale=facts.declared_scale,
        largest_tested_scale=tested,
        scale_unit=facts.scale_unit,
        production_representative=facts.production_representative,
        baseline_strongest=facts.baseline_strongest,
        baseline_justification=facts.baseline_justification,
        rollout_plan=facts.rollout_plan,
        online_ab=any(run.online_ab for run in runs),
    )


def review_warnings(record: PrototypeRecord, runs: Sequence[EvidenceRun]) -> list[str]:
    """What a reader of the review must know: no evidence, amendments after data,
    runs still going."""
    warnings = []
    if not runs:
        warnings.append(
            f"no run judges {record.name} yet: link one with assay prototype evidence "
            f"{record.name} RUN_ID, or run a benchmark it declares"
        )
    for amendment in record.amendments:
        earlier = [run.run_id for run in runs if run.started_at < amendment.at]
        if earlier:
            warnings.append(
                f"the criteria were amended on {amendment.at:%Y-%m-%d} by {amendment.by} "
                f"({amendment.reason}) after run(s) {', '.join(earlier)} had begun: the amended "
                "criteria were written with that data available"
            )
    running = [run.run_id for run in runs if run.info.state != "finished"]
    if running:
        warnings.append(f"run(s) {', '.join(running)} have not finished; the evidence may change")
    return warnings


HIGH_FAILURE_RATE = 0.05
"""The share of failed trials of an arm above which a review warns."""


def failure_warnings(evidence: RunEvidence) -> list[str]:
    """A warning for each arm whose trials failed often: the criteria only see the
    trials that succeeded."""
    warnings = []
    for arm in ("candidate", "baseline"):
        rate = evidence.statistic(arm, "failure_rate")
        if rate is None or not rate.n or rate.value < HIGH_FAILURE_RATE:
            continue
        failed = round(rate.value * rate.n)
        warnings.append(
            f"the {arm} failed {failed} of its {rate.n} trials ({rate.value:.0%}); "
            "the criteria are judged only on trials that succeeded"
            + (": it produced no evidence at all" if failed == rate.n else "")
        )
    return warnings


def comparison_warnings(pieces: Sequence[RunSlice]) -> list[str]:
    """The statistics engine's warnings (too few trials, heavy tails, a baseline noisier
    than the effect...) on the comparisons a review judges, each once, run by run."""
    warnings: list[str] = []
    for piece in pieces:
        for row in piece.result.comparisons:
            if row.candidate != piece.candidate or tuple(row.params) != tuple(piece.params):
                continue
            for text in row.warnings:
                line = f"run {piece.run_id}, {row.metric}: {text}"
                if line not in warnings:
                    warnings.append(line)
    return warnings


def contradiction(
    record: PrototypeRecord, decided_at: dt.datetime, runs: Sequence[EvidenceRun]
) -> list[str]:
    """A sentence naming the runs newer than a YES of ``decided_at`` on ``record``
    that contradict it (a success criterion or a hard kill criterion FAILs against
    them alone), or nothing. ``runs`` must carry their trials."""
    from assay.workspace.evidence import RunEvidence  # lazily: keeps start-up fast

    newer = [run for run in runs if run.started_at > decided_at]
    if not newer:
        return []
    evidence = RunEvidence(slices(record, newer)[0])
    failing = [c.canonical for c in record.prototype.success if c.evaluate(evidence).failed]
    failing += [
        k.criterion.canonical
        for k in record.prototype.kill
        if k.severity is Severity.HARD and k.criterion.evaluate(evidence).outcome is Outcome.FAIL
    ]
    if not failing:
        return []
    ids = ", ".join(run.run_id for run in newer)
    return [
        f"run(s) {ids}, newer than the YES of {decided_at:%Y-%m-%d} on {record.name}, "
        f"contradict it: {'; '.join(failing)} now FAIL"
    ]
