"""Stale blips: techniques in TRIAL or ADOPT whose evidence is old or contradicted.

A technique is stale when its newest evidence (the newest run that judges any of
its prototypes) is older than ``[radar] stale_after_days``, when it has no
evidence and was placed longer ago than that, or when a run that began after the
YES decision it was moved on contradicts that decision: re-evaluated against the
newer runs alone, a success criterion FAILs or a hard kill criterion fires.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from assay.criteria import Outcome
from assay.pipeline import radar
from assay.pipeline.prototype import Severity
from assay.pipeline.radar import Technique
from assay.store import gates as gate_rows
from assay.store import prototypes as prototype_rows
from assay.store import techniques as technique_rows
from assay.types import Ring
from assay.workspace.evidence import RunEvidence
from assay.workspace.judging import effective_record, judges, slices, technique_row

if TYPE_CHECKING:
    from assay.workspace.decisions import Decisions

__all__ = ["Staleness", "contradictions", "stale_techniques"]


@dataclasses.dataclass(frozen=True)
class Staleness:
    """A stale blip: the technique, its ring, and why."""

    technique: str
    ring: Ring
    reasons: tuple[str, ...]
    newest_evidence: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary."""
        return {
            "technique": self.technique,
            "ring": self.ring.value,
            "reasons": list(self.reasons),
            "newest_evidence": self.newest_evidence.isoformat() if self.newest_evidence else None,
        }


def contradictions(decisions: Decisions, session: Session, technique: Technique) -> list[str]:
    """Sentences naming newer runs that contradict the YES the technique's current
    ring rests on (none when the ring was reached by override or needs no gate)."""
    row = technique_row(session, technique.name)
    backing = [
        e
        for e in gate_rows.move_evidence(session, row.id)
        if e.to_ring == technique.ring.value and e.decision_id is not None
    ]
    if not backing or backing[-1].decision_id is None:
        return []
    decision = gate_rows.decision_by_id(session, backing[-1].decision_id)
    if decision is None:
        return []
    record = effective_record(session, decision.prototype)
    newer = [
        run
        for run in decisions.evidence_cache.runs(session, record)
        if run.started_at > decision.at
    ]
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
        f"run(s) {ids}, newer than the YES of {decision.at:%Y-%m-%d} on {record.name}, "
        f"contradict it: {'; '.join(failing)} now FAIL"
    ]


def stale_techniques(decisions: Decisions, today: dt.date) -> list[Staleness]:
    """Every stale technique, by name (see the module docstring)."""
    limit = decisions.ws.settings.radar.stale_after_days
    out = []
    with decisions.ws.db.read() as session:
        for technique in technique_rows.all_techniques(session):
            if technique.ring not in radar.EVIDENCE_RINGS:
                continue
            row = technique_row(session, technique.name)
            starts = [
                judge.started_at
                for stored in prototype_rows.by_technique(session, row.id)
                for judge in judges(session, stored)
            ]
            newest = max(starts, default=None)
            reasons = radar.stale_reasons(
                technique.ring,
                today=today,
                stale_after_days=limit,
                newest_evidence=newest,
                placed_at=technique.history[-1].at if technique.history else None,
                contradictions=contradictions(decisions, session, technique),
            )
            if reasons:
                out.append(Staleness(technique.name, technique.ring, reasons, newest))
    return out
