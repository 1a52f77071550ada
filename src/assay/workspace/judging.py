"""Which runs judge a prototype, and the gate review built from them.

A run *judges* a prototype when it is linked to it, or when it ran one of the
prototype's declared benchmark files or modules and began at or after the
registration time. The criteria's *effective freeze* is the stored one, or,
before a write has stored it, the current registration frozen at the start of
the first judging run: what every later write stores (the workspace stores it
before any change to the prototype, so the two never differ).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.errors import InputError
from assay.pipeline import gates as gate_rules
from assay.pipeline.gates import StageFacts
from assay.pipeline.prototype import Freeze
from assay.store import prototypes as prototype_rows
from assay.store import runs as run_rows
from assay.store import techniques as technique_rows
from assay.store.models import TechniqueRow
from assay.store.prototypes import EvidenceLink, PrototypeRecord
from assay.store.run_models import RunRow
from assay.store.study import EvidenceRun, GateReview
from assay.workspace.evidence import RunEvidence, RunSlice, largest_scale

if TYPE_CHECKING:
    from assay.workspace.core import Workspace

__all__ = [
    "EvidenceCache",
    "Judge",
    "build_review",
    "effective_record",
    "judges",
    "slices",
    "stage_facts",
    "technique_row",
]


@dataclasses.dataclass(frozen=True)
class Judge:
    """A run that judges a prototype: when it began, and the link (``None`` when it
    counts because it ran a declared benchmark file or module)."""

    run_id: str
    started_at: dt.datetime
    link: EvidenceLink | None


def technique_row(session: Session, name: str) -> TechniqueRow:
    """The technique's row, or :class:`~assay.errors.NotFoundError` with a hint."""
    technique_rows.get(session, name)
    found = session.scalar(select(TechniqueRow).where(TechniqueRow.key == name.casefold()))
    assert found is not None
    return found


def judges(session: Session, record: PrototypeRecord) -> list[Judge]:
    """The runs that judge the prototype, newest first."""
    found = {link.run_id: Judge(link.run_id, link.started_at, link) for link in record.links}
    if record.evidence_files:
        rows = session.execute(
            select(RunRow.run_id, RunRow.created_at).where(
                RunRow.source.in_(record.evidence_files),
                RunRow.created_at >= record.registered_at,
            )
        )
        for run_id, started in rows:
            found.setdefault(run_id, Judge(run_id, started, None))
    return sorted(found.values(), key=lambda j: (j.started_at, j.run_id), reverse=True)


def effective_record(session: Session, name: str) -> PrototypeRecord:
    """The stored prototype with its effective freeze (see the module docstring)."""
    record = prototype_rows.get(session, name)
    if record.freeze is None:
        found = judges(session, record)
        if found:
            first = min(j.started_at for j in found)
            reg = record.registration
            frozen = Freeze(reg.content_hash(), reg.canonical_text(), first)
            record = dataclasses.replace(record, freeze=frozen)
    return record


class EvidenceCache:
    """Analysed runs, kept while a run is unchanged (its finish time and trial count)."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self._runs: dict[tuple[str, dt.datetime | None, int], EvidenceRun] = {}

    def runs(self, session: Session, record: PrototypeRecord) -> list[EvidenceRun]:
        """The judging runs, newest first, each analysed."""
        last_amendment = record.amendments[-1].at if record.amendments else None
        out = []
        for judge in judges(session, record):
            info = run_rows.get_run(session, judge.run_id)
            key = (judge.run_id, info.finished_at, info.completed)
            cached = self._runs.get(key)
            if cached is None:
                report = self.ws.runs.report(judge.run_id)
                cached = EvidenceRun(report.info, report.result, judge.link)
                self._runs[key] = cached
            before = last_amendment is not None and judge.started_at < last_amendment
            out.append(dataclasses.replace(cached, link=judge.link, after_amendment=before))
        return out


def slices(
    record: PrototypeRecord, runs: Sequence[EvidenceRun]
) -> tuple[list[RunSlice], list[str]]:
    """Each run narrowed to the prototype's candidate and point, and why a run that
    cannot be narrowed does not count."""
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


def build_review(
    cache: EvidenceCache, session: Session, record: PrototypeRecord, today: dt.date
) -> tuple[GateReview, list[EvidenceRun], RunEvidence]:
    """The gate review of ``record`` as of ``today``, the runs and the evidence."""
    runs = cache.runs(session, record)
    pieces, warnings = slices(record, runs)
    evidence = RunEvidence(pieces)
    facts = stage_facts(record, runs, pieces)
    recommendation = gate_rules.review(record.prototype, evidence, today=today, facts=facts)
    review = GateReview(
        prototype=record.name,
        technique=record.technique,
        recommendation=recommendation,
        evidence=evidence.snapshot().to_dict(),
        sources=dict(sorted(evidence.sources.items())),
        runs=tuple(run.run_id for run in runs),
        facts=facts,
        frozen=record.freeze is not None,
        warnings=(
            *warnings,
            *review_warnings(record, runs),
            *failure_warnings(evidence),
            *comparison_warnings(pieces),
        ),
        as_of=today,
    )
    return review, runs, evidence
