"""Analyse on write, read what is stored: each prototype's evidence snapshot.

What the runs say about a prototype (every criterion's estimates and where each
came from, the stage facts, the review's warnings, and, for each gate decision on
it, the newer runs that contradict it) is computed from the runs' stored analyses
and trials when something it rests on changes, and stored
(:mod:`assay.store.analyses`). Gate reviews, status, the review agenda, the cost
report and the radar's staleness marks read it; none of them replays a run.

**When it is computed.** :func:`refresh_prototype` inside the write that changes a
prototype (new, amended, a run linked, facts, details, a decision), and
:func:`refresh_run` inside the write that starts, finishes, resumes or imports a
run, for every prototype the run judges. A workspace written before snapshots
existed gets them once, when it is first opened after the upgrade
(:func:`backfill`).

**When a read does not trust it.** The snapshot records a digest of what it was
computed from (:func:`basis`): the registration, candidate, sweep point, facts,
amendments, links, and the judging runs with their state. A reader that finds no
snapshot, another digest, or a judging run that has not finished (its evidence is
still changing) computes the evidence from the runs instead, counted in
:data:`~assay.workspace.evidence_runs.replays`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assay.pipeline import gates as gate_rules
from assay.store import analyses as analysis_rows
from assay.store import gate_reads, prototype_reads
from assay.store.prototype_reads import PrototypeRecord
from assay.store.sql import Sql
from assay.workspace.evidence import RunEvidence
from assay.workspace.evidence_runs import (
    Judge,
    comparison_warnings,
    contradiction,
    effective_record,
    failure_warnings,
    judges,
    load_evidence_runs,
    replays,
    review_warnings,
    slices,
    stage_facts,
)
from assay.workspace.pinning import registered_prototype

# The write side (computing a snapshot) uses the ORM, imported inside its functions:
# reading a stored snapshot (status, gate review) is plain SQL.
if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from assay.store import Database

__all__ = [
    "FORMAT",
    "backfill",
    "basis",
    "compute",
    "evidence_document",
    "refresh_prototype",
    "refresh_run",
    "stored_document",
]

FORMAT = analysis_rows.SNAPSHOT_FORMAT
"""Version of the snapshot document; a snapshot in another format is recomputed."""


def basis(record: PrototypeRecord, found: Sequence[Judge]) -> str:
    """A digest of everything a snapshot of ``record`` is computed from."""
    payload = {
        "format": FORMAT,
        "name": record.name,
        "registration": record.registration.content_hash(),
        "candidate": record.candidate,
        "point": record.point,
        "facts": record.facts.to_dict(),
        "amendments": [[a.at.isoformat(), a.by, a.reason] for a in record.amendments],
        "links": [[link.run_id, link.online_ab, link.scale] for link in record.links],
        "runs": [[j.run_id, j.started_at.isoformat(), j.state, str(j.finished_at)] for j in found],
    }
    text = json.dumps(payload, sort_keys=True, default=str, allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compute(session: Session, record: PrototypeRecord, found: Sequence[Judge]) -> dict[str, Any]:
    """The snapshot document of ``record`` from its judging runs ``found``: the runs'
    stored analyses with their trials (this is the write side; it reads every trial)."""
    from assay.workspace.pins import snapshot_part  # the ORM: the write side only

    runs = load_evidence_runs(session, record, found, trials=True)
    pieces, warnings = slices(record, runs)
    evidence = RunEvidence(pieces)
    facts = stage_facts(record, runs, pieces)
    # The review asks the evidence its questions; its day only decides the time-box.
    gate_rules.review(record.prototype, evidence, today=dt.date.today(), facts=facts)
    registered = registered_prototype(record)  # what decisions are compared with (issue 10)
    if registered is not None:
        gate_rules.review(registered, evidence, today=dt.date.today(), facts=facts)
    review_evidence = evidence.snapshot().to_dict()
    review_sources = dict(sorted(evidence.sources.items()))
    warnings += review_warnings(record, runs)
    warnings += failure_warnings(evidence)
    warnings += comparison_warnings(pieces)
    # What the cost report asks besides the criteria (see assay.workspace.costing).
    evidence.statistic("baseline", "time")
    evidence.effect("time")
    evidence.effect("memory.peak_rss")
    sql = Sql.of_session(session)
    decisions = gate_reads.decisions_of(sql, prototype_reads.prototype_id(sql, record.name))
    return {
        "format": FORMAT,
        "runs": [judge.run_id for judge in found],
        "evidence": review_evidence,
        "sources": review_sources,
        "all_evidence": evidence.snapshot().to_dict(),
        "all_sources": dict(sorted(evidence.sources.items())),
        "warnings": warnings,
        "facts": dataclasses.asdict(facts),
        "contradictions": {str(d.id): contradiction(record, d.at, runs) for d in decisions},
        **snapshot_part(session, record, runs),  # frozen files, the decision's pins (issue 10)
    }


def stored_document(
    sql: Sql, record: PrototypeRecord, found: Sequence[Judge]
) -> dict[str, Any] | None:
    """The stored snapshot document of ``record`` when it is current (see the module
    docstring), else ``None``: plain SQL, what a fast read uses."""
    stored = analysis_rows.get(sql, prototype_reads.prototype_id(sql, record.name))
    if (
        stored is not None
        and stored.format == FORMAT
        and stored.finished
        and stored.basis == basis(record, found)
    ):
        return stored.data
    return None


def evidence_document(
    session: Session, record: PrototypeRecord, found: Sequence[Judge]
) -> dict[str, Any]:
    """The stored snapshot document of ``record`` when it is current (see the module
    docstring); otherwise one computed now, counted in ``replays["evidence"]``."""
    stored = stored_document(Sql.of_session(session), record, found)
    if stored is not None:
        return stored
    replays["evidence"] += 1
    return compute(session, record, found)


def refresh_prototype(session: Session, name: str) -> None:
    """Recompute and store what the prototype's evidence says, in the caller's write
    transaction (call it after every change to the prototype or its runs)."""
    record = effective_record(session, name)
    found = judges(session, record)
    analysis_rows.put(
        session,
        prototype_reads.prototype_id(Sql.of_session(session), record.name),
        format=FORMAT,
        basis=basis(record, found),
        finished=all(judge.state == "finished" for judge in found),
        newest_run_at=max((judge.started_at for judge in found), default=None),
        data=compute(session, record, found),
        at=dt.datetime.now(dt.UTC),
    )


def refresh_run(session: Session, run_id: str) -> list[str]:
    """Refresh every prototype the run judges (linked to it, or declaring its benchmark
    and registered before it began), in the caller's write transaction; their names."""
    from assay.store import runs as run_rows  # the ORM: the write side only

    info = run_rows.get_run(session, run_id)
    names = []
    for record in prototype_reads.all_records(Sql.of_session(session)):
        linked = any(link.run_id == run_id for link in record.links)
        declared = info.source in record.evidence_files and info.created_at >= record.registered_at
        if linked or declared:
            refresh_prototype(session, record.name)
            names.append(record.name)
    return names


def backfill(db: Database) -> list[str]:
    """Compute and store the snapshots that are missing (a workspace written before
    they existed) or in an older format: once, in one write. The prototypes' names."""
    with db.read() as session:
        if not analysis_rows.missing(Sql.of_session(session), FORMAT):
            return []
    with db.write() as session:
        names = analysis_rows.missing(Sql.of_session(session), FORMAT)
        for name in names:
            refresh_prototype(session, name)
        return names
