"""Which runs judge a prototype, and the gate review built from what is stored.

A gate review is read, not recomputed: the prototype's evidence snapshot (every
criterion's estimates with their sources, the stage facts and the warnings,
stored by :mod:`assay.workspace.analyses` whenever the prototype or one of its
runs changes) is evaluated against the criteria as of the day asked; only the
time-box depends on that day. :func:`gate_review` reads nothing else (no run's
analysis, so neither the benchmark engine nor NumPy is imported);
:func:`build_review` adds the judging runs with their stored analyses, whose
trials are loaded only for a caller that asks (the reports' plots).

The recommendation is judged on the criteria as registered (frozen); when amendments
changed them, the amended criteria are judged beside it (``GateReview.amended``). The
review also carries the newest decision with the runs it was decided on and the
evidence since (``GateReview.decided``), and the runs that ran a benchmark file
changed after the freeze (see :mod:`assay.workspace.pinning`).

The rules for which runs judge a prototype and for the effective freeze are in
:mod:`assay.workspace.evidence_runs`; their functions are re-exported here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.criteria import InMemoryEvidence
from assay.pipeline import gates as gate_rules
from assay.pipeline.gates import StageFacts
from assay.store.prototype_reads import PrototypeRecord
from assay.store.sql import Sql
from assay.store.study import EvidenceRun, GateReview
from assay.workspace.analyses import evidence_document, stored_document
from assay.workspace.audit import criteria_problem
from assay.workspace.evidence import StoredEvidence
from assay.workspace.evidence_runs import (
    Judge,
    effective_record,
    judges,
    judges_of,
    load_evidence_runs,
    slices,
    stage_facts,
    technique_row,
)
from assay.workspace.pinning import decision_pin, file_warnings, registered_prototype

if TYPE_CHECKING:  # the ORM is for the callers that compute; a stored review is plain SQL
    from sqlalchemy.orm import Session

__all__ = [
    "Judge",
    "build_review",
    "effective_record",
    "evidence_runs",
    "gate_review",
    "judges",
    "marked",
    "review_of",
    "slices",
    "stage_facts",
    "stored_review",
    "technique_row",
]


def evidence_runs(
    session: Session, record: PrototypeRecord, *, trials: bool = False
) -> list[EvidenceRun]:
    """The runs that judge ``record``, newest first, each with its stored analysis;
    ``trials=True`` attaches the runs' trials (for plots and per-trial tables)."""
    return load_evidence_runs(session, record, judges(session, record), trials=trials)


def build_review(
    session: Session, record: PrototypeRecord, today: dt.date
) -> tuple[GateReview, list[EvidenceRun], StoredEvidence]:
    """The gate review of ``record`` as of ``today``, the judging runs (newest first,
    without their trials) and the stored evidence the criteria were evaluated against."""
    found = judges(session, record)
    review, evidence = gate_review(session, record, today, found)
    runs = marked(review, load_evidence_runs(session, record, found, trials=False))
    return review, runs, evidence


def marked(review: GateReview, runs: Sequence[EvidenceRun]) -> list[EvidenceRun]:
    """``runs``, each that ran a benchmark file changed after the freeze marked so."""
    changed = set(review.changed_files)
    return [dataclasses.replace(run, file_changed=run.run_id in changed) for run in runs]


def gate_review(
    session: Session,
    record: PrototypeRecord,
    today: dt.date,
    found: Sequence[Judge] | None = None,
) -> tuple[GateReview, StoredEvidence]:
    """The gate review of ``record`` as of ``today`` and the stored evidence its criteria
    were evaluated against, as :func:`build_review` gives them, without loading the
    judging runs' analyses (``found``: the judging runs, when the caller has them)."""
    if found is None:
        found = judges(session, record)
    return review_of(record, today, found, evidence_document(session, record, found))


def stored_review(
    sql: Sql, record: PrototypeRecord, today: dt.date, found: Sequence[Judge] | None = None
) -> tuple[GateReview, StoredEvidence] | None:
    """:func:`gate_review` from the stored snapshot alone, over plain SQL; ``None`` when
    the snapshot is not current (a caller then computes it in an ORM unit of work)."""
    if found is None:
        found = judges_of(sql, record)
    document = stored_document(sql, record, found)
    return None if document is None else review_of(record, today, found, document)


def review_of(
    record: PrototypeRecord, today: dt.date, found: Sequence[Judge], document: dict[str, Any]
) -> tuple[GateReview, StoredEvidence]:
    """The gate review of ``record`` as of ``today`` from its evidence ``document``
    (:mod:`assay.workspace.analyses`) and its judging runs ``found``."""
    evidence = StoredEvidence(
        InMemoryEvidence.from_dict(document["all_evidence"]), document["all_sources"]
    )
    facts = StageFacts(**document["facts"])
    registered = registered_prototype(record)
    judged = registered or record.prototype  # decisions are compared with the registration
    recommendation = gate_rules.review(judged, evidence, today=today, facts=facts)
    amended = None
    if registered is not None:
        amended = gate_rules.review(record.prototype, evidence, today=today, facts=facts)
    files = document.get("files") or {"frozen": [], "changed": []}
    review = GateReview(
        prototype=record.name,
        technique=record.technique,
        recommendation=recommendation,
        evidence=document["evidence"],
        sources=dict(sorted(document["sources"].items())),
        runs=tuple(judge.run_id for judge in found),
        facts=facts,
        frozen=record.freeze is not None,
        warnings=(
            *_tampered(record),  # checked on every read, never stored (issue 11)
            *document["warnings"],
            *file_warnings(files["changed"]),
        ),
        as_of=today,
        amended=amended,
        decided=decision_pin(document, judged, today=today, facts=facts),
        frozen_files=tuple(files["frozen"]),
        changed_files=tuple(item["run"] for item in files["changed"]),
    )
    return review, evidence


def _tampered(record: PrototypeRecord) -> tuple[str, ...]:
    """A warning when the stored criteria no longer match the hash they were frozen
    with (edited in the database, or an amendment deleted): see
    :func:`assay.workspace.audit.criteria_problem`."""
    found = criteria_problem(record)
    return () if found is None else (found,)
